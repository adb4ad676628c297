// Command cdk is the COPD Fuel CDK app. Run it through the CDK CLI from the
// repository root (cdk.json): `npx cdk synth -c env=dev`. `-c env=all`
// synthesizes every environment in cdk.json. It fails when a Lambda
// bootstrap is missing, when cdk.json is wrong, and on any unsuppressed
// cdk-nag finding.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	err := run()
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cdk:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := FindRoot()
	if err != nil {
		return err
	}
	props := &awscdk.AppProps{}
	if os.Getenv("CDK_CONTEXT_JSON") == "" && os.Getenv("CDK_CONTEXT_FILE") == "" {
		// Plain `go run`: the CLI is not there to pass cdk.json's context
		// (feature flags and environments), so read it ourselves.
		ctx, err := ReadContext(filepath.Join(root, "cdk.json"))
		if err != nil {
			return err
		}
		ctx["@aws-cdk/core:failSynthOnValidationErrors"] = false // as the CLI does; Findings reports them
		props.Context = &ctx
		props.Outdir = jsii.String(filepath.Join(root, "cdk.out"))
	}
	app := awscdk.NewApp(props)
	if _, err := Build(app, root); err != nil {
		return err
	}
	asm := app.Synth(nil)
	fs := Findings(asm)
	for _, f := range fs {
		fmt.Fprintln(os.Stderr, f)
	}
	if b := Blocking(fs); len(b) > 0 {
		return fmt.Errorf("%d unsuppressed error or cdk-nag finding(s), listed above", len(b))
	}
	return nil
}

// Build creates the stacks of the environments named by the "env" context
// value (one name, a comma-separated list, or "all") and adds the nag packs.
func Build(app awscdk.App, root string) ([]*Environment, error) {
	envCtx, _ := app.Node().TryGetContext(jsii.String("env")).(string)
	if envCtx == "" {
		return nil, errors.New(`no environment: pass -c env=dev (or staging, prod, all)`)
	}
	settings, err := ParseSettings(app.Node().TryGetContext(jsii.String(contextKey)), strings.Split(envCtx, ","))
	if err != nil {
		return nil, err
	}
	var out []*Environment
	for _, s := range settings {
		e, err := NewEnvironment(app, s, root)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	AddNagPacks(app)
	return out, nil
}

// FindRoot returns the repository root: the nearest directory at or above
// the working directory that holds cdk.json.
func FindRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "cdk.json")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cdk.json not found in the working directory or above")
		}
		dir = parent
	}
}

// ReadContext returns the context object of a cdk.json file.
func ReadContext(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f.Context, nil
}
