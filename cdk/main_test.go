package main

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/copdfuel/backend/pkg/route"
)

// synthesized is the app, synthesized once per test binary and shared.
type synthesized struct {
	envs      []*Environment
	findings  []Finding
	templates map[string]assertions.Template // by stack name
	err       error
}

// TestMain removes the synthesized test tree.
func TestMain(m *testing.M) {
	code := m.Run()
	if synthRoot != "" {
		os.RemoveAll(synthRoot)
	}
	jsii.Close()
	os.Exit(code)
}

var (
	synthRoot string
	synthOnce sync.Once
	synthRes  synthesized
)

// testTrigger is added to route.Triggers when the table has none yet, so
// the trigger wiring is synthesized and checked either way.
const testTrigger = "cdktesttrigger"

// mustSynth synthesizes every environment of cdk.json once, with
// placeholder bootstraps and a placeholder portal so that it needs no
// `make build`, and returns the result.
func mustSynth(t *testing.T) *synthesized {
	t.Helper()
	synthOnce.Do(func() {
		defer func() {
			if r := recover(); r != nil {
				synthRes.err = fmt.Errorf("synth panicked: %v", r)
			}
		}()
		synthRes.err = synth()
	})
	if synthRes.err != nil {
		t.Fatalf("synth: %v", synthRes.err)
	}
	return &synthRes
}

func synth() error {
	if len(route.Triggers) == 0 {
		route.Triggers = []route.Trigger{{Function: testTrigger, Event: "PostConfirmation"}}
		TableAccess[testTrigger] = Access{Read: true, Write: true}
	}
	ctx, err := ReadContext("../cdk.json")
	if err != nil {
		return err
	}
	ctx["env"] = "all"
	// As the CLI does: record validation errors instead of throwing, so
	// the findings can be listed.
	ctx["@aws-cdk/core:failSynthOnValidationErrors"] = false
	ctx["aws:cdk:enable-path-metadata"] = true // tests find resources by construct path
	// The tree must outlive the test that first calls mustSynth.
	root, err := os.MkdirTemp("", "cdktest")
	if err != nil {
		return err
	}
	synthRoot = root
	for _, fn := range route.Functions() {
		if err := writeFile(filepath.Join(root, "build", fn, "bootstrap"), string(fakeELF(elf.EM_AARCH64))); err != nil {
			return err
		}
	}
	if err := writeFile(filepath.Join(root, "portal", "dist", "index.html"), "<!doctype html>"); err != nil {
		return err
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(filepath.Join(root, "cdk.out"))})
	envs, err := Build(app, root)
	if err != nil {
		return err
	}
	synthRes.envs = envs
	synthRes.findings = Findings(app.Synth(nil))
	synthRes.templates = map[string]assertions.Template{}
	for _, e := range envs {
		for _, st := range []awscdk.Stack{e.Core.Stack, e.Auth.Stack, e.Api.Stack, e.Portal.Stack} {
			synthRes.templates[*st.StackName()] = assertions.Template_FromStack(st, nil)
		}
	}
	return nil
}

// fakeELF is the 64-byte header of an empty little-endian ELF64 executable
// for a machine: enough for CheckAssets, nothing to run.
func fakeELF(m elf.Machine) []byte {
	h := make([]byte, 64)
	copy(h, "\x7fELF")
	h[4], h[5], h[6] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	binary.LittleEndian.PutUint16(h[16:], uint16(elf.ET_EXEC))
	binary.LittleEndian.PutUint16(h[18:], uint16(m))
	binary.LittleEndian.PutUint32(h[20:], uint32(elf.EV_CURRENT))
	binary.LittleEndian.PutUint16(h[52:], 64) // header size
	return h
}

func writeFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o755)
}

// noPanic runs f and turns a jsii panic (a failed assertion) into a test
// failure instead of a crash of the whole test binary.
func noPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s: %v", what, r)
		}
	}()
	f()
}

// resources returns every resource of a type in every stack, keyed by
// "<stack>/<logicalId>".
func resources(t *testing.T, typ string) map[string]map[string]any {
	t.Helper()
	s := mustSynth(t)
	out := map[string]map[string]any{}
	for name, tmpl := range s.templates {
		noPanic(t, "FindResources "+typ, func() {
			for id, r := range *tmpl.FindResources(jsii.String(typ), nil) {
				out[name+"/"+id] = *r
			}
		})
	}
	return out
}

// stackTemplate returns one stack's template as JSON.
func stackTemplate(t *testing.T, name string) map[string]any {
	t.Helper()
	tmpl, ok := mustSynth(t).templates[name]
	if !ok {
		t.Fatalf("no stack %s", name)
	}
	var out map[string]any
	noPanic(t, "ToJSON", func() { out = *tmpl.ToJSON() })
	return out
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// get walks a JSON value by keys.
func get(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func sortedIDs(m map[string]map[string]any) []string {
	var ids []string
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// strs turns a JSON string or list of strings into a sorted slice.
func strs(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		out = []string{x}
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}

// isCDKProvided reports whether a resource belongs to a function that CDK
// itself provides (the portal deployment, the VPC's default security group
// restriction); their findings are suppressed with reasons or, for the
// latter, invisible to cdk-nag (see docs/deploy.md).
func isCDKProvided(id string) bool {
	return strings.Contains(id, "CustomCDKBucketDeployment") || strings.Contains(id, "CustomVpcRestrictDefaultSGCustomResourceProvider")
}
