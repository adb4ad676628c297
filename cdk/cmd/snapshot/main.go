// Command snapshot compares the synthesized templates in a cloud assembly
// (cdk.out) with the committed snapshots under cdk/testdata, or updates
// them with -update. Asset hashes are normalised, so rebuilding a function
// does not show as a change; a change to the infrastructure does.
//
//	go run ./cdk/cmd/snapshot -out cdk.out -dir cdk/testdata [-update]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/google/go-cmp/cmp"
)

func main() {
	out := flag.String("out", "cdk.out", "cloud assembly directory")
	dir := flag.String("dir", "cdk/testdata", "snapshot directory")
	update := flag.Bool("update", false, "write the snapshots instead of comparing")
	flag.Parse()
	n, err := run(*out, *dir, *update)
	if err != nil {
		fmt.Fprintln(os.Stderr, "snapshot:", err)
		os.Exit(2)
	}
	if n > 0 {
		fmt.Fprintf(os.Stderr, "snapshot: %d template(s) differ from %s; review, then `make snapshot`\n", n, *dir)
		os.Exit(1)
	}
}

// assetHash matches the sha256 hex digests CDK names assets by.
var assetHash = regexp.MustCompile(`[0-9a-f]{64}`)

// Normalise returns a template with asset hashes replaced, as indented
// JSON with sorted keys.
func Normalise(raw []byte) ([]byte, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	v = walk(v)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func walk(v any) any {
	switch x := v.(type) {
	case string:
		return assetHash.ReplaceAllString(x, "<asset-hash>")
	case []any:
		for i := range x {
			x[i] = walk(x[i])
		}
	case map[string]any:
		for k, e := range x {
			x[k] = walk(e)
		}
	}
	return v
}

func run(out, dir string, update bool) (int, error) {
	got, err := filepath.Glob(filepath.Join(out, "*.template.json"))
	if err != nil {
		return 0, err
	}
	if len(got) == 0 {
		return 0, fmt.Errorf("no templates in %s: run `make synth`", out)
	}
	if update {
		old, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
		for _, f := range old {
			if err := os.Remove(f); err != nil {
				return 0, err
			}
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return 0, err
		}
	}
	names := map[string]bool{}
	differ := 0
	for _, f := range got {
		name := filepath.Base(f)
		names[name] = true
		raw, err := os.ReadFile(f)
		if err != nil {
			return 0, err
		}
		norm, err := Normalise(raw)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", f, err)
		}
		snap := filepath.Join(dir, name)
		if update {
			if err := os.WriteFile(snap, norm, 0o644); err != nil {
				return 0, err
			}
			continue
		}
		want, err := os.ReadFile(snap)
		if err != nil {
			fmt.Printf("=== %s: new stack, no snapshot\n", strings.TrimSuffix(name, ".template.json"))
			differ++
			continue
		}
		if d := diff(want, norm); d != "" {
			fmt.Printf("=== %s (-snapshot +synthesized):\n%s\n", strings.TrimSuffix(name, ".template.json"), d)
			differ++
		}
	}
	if !update {
		snaps, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
		sort.Strings(snaps)
		for _, s := range snaps {
			if !names[filepath.Base(s)] {
				fmt.Printf("=== %s: stack removed\n", strings.TrimSuffix(filepath.Base(s), ".template.json"))
				differ++
			}
		}
	}
	return differ, nil
}

// diff compares two templates structurally; go-cmp reports each change with
// its path (Resources.<LogicalId>.Properties...).
func diff(want, got []byte) string {
	var w, g any
	if json.Unmarshal(want, &w) != nil || json.Unmarshal(got, &g) != nil {
		if bytes.Equal(want, got) {
			return ""
		}
		return "unparsable template"
	}
	return cmp.Diff(w, g)
}
