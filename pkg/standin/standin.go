// Package standin starts the local AWS stand-ins from npm (dynalite for
// DynamoDB, cognito-local for Cognito) as child processes on 127.0.0.1, for
// the local stack and for integration tests. The packages are pinned in the
// repository's package-lock.json and installed by `make deps` (npm ci).
package standin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Process is a running stand-in.
type Process struct {
	// Endpoint is the stand-in's base URL, e.g. http://127.0.0.1:4567.
	Endpoint string
	Port     int
	cmd      *exec.Cmd
	done     chan struct{}
	stopOnce sync.Once
}

// Stop ends the stand-in and waits for it.
func (p *Process) Stop() {
	p.stopOnce.Do(func() {
		if p.cmd.Process != nil {
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-p.done:
			case <-time.After(3 * time.Second):
				_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
				<-p.done
			}
		}
	})
}

// NodeModules finds the repository's node_modules folder: $COPD_NODE_MODULES,
// or the nearest node_modules with dynalite in it above the working folder.
func NodeModules() (string, error) {
	if d := os.Getenv("COPD_NODE_MODULES"); d != "" {
		return d, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		nm := filepath.Join(dir, "node_modules")
		if _, err := os.Stat(filepath.Join(nm, "dynalite", "cli.js")); err == nil {
			return nm, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("standin: node_modules with dynalite not found above the working folder; run `make deps` (npm ci) at the repository root")
		}
		dir = parent
	}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// DynaliteOptions configure Dynalite.
type DynaliteOptions struct {
	// Port to listen on; 0 picks a free one.
	Port int
	// Dir keeps the data on disk; empty keeps it in memory.
	Dir string
	// Log receives the process's output; nil discards it.
	Log io.Writer
}

// Dynalite starts dynalite and waits until it answers.
func Dynalite(ctx context.Context, o DynaliteOptions) (*Process, error) {
	nm, err := NodeModules()
	if err != nil {
		return nil, err
	}
	if o.Port == 0 {
		if o.Port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	args := []string{filepath.Join(nm, "dynalite", "cli.js"), "--host", "127.0.0.1", "--port", strconv.Itoa(o.Port),
		"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"}
	if o.Dir != "" {
		if err := os.MkdirAll(o.Dir, 0o700); err != nil {
			return nil, err
		}
		args = append(args, "--path", o.Dir)
	}
	cmd := exec.Command("node", args...)
	return start(ctx, cmd, o.Port, "/", o.Log)
}

// Start runs cmd in its own process group and waits until
// http://127.0.0.1:port+readyPath answers with any HTTP status. It is used by
// Dynalite and CognitoLocal; the caller sets cmd's Dir and Env.
func start(ctx context.Context, cmd *exec.Cmd, port int, readyPath string, logw io.Writer) (*Process, error) {
	if logw == nil {
		logw = io.Discard
	}
	cmd.Stdout, cmd.Stderr = logw, logw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("standin: start %s: %w", cmd.Path, err)
	}
	p := &Process{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), Port: port, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	deadline := time.Now().Add(20 * time.Second)
	client := &http.Client{Timeout: 500 * time.Millisecond}
	for {
		select {
		case <-p.done:
			return nil, fmt.Errorf("standin: %s exited before it was ready", filepath.Base(cmd.Args[len(cmd.Args)-1]))
		case <-ctx.Done():
			p.Stop()
			return nil, ctx.Err()
		default:
		}
		resp, err := client.Get(p.Endpoint + readyPath)
		if err == nil {
			resp.Body.Close()
			return p, nil
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, fmt.Errorf("standin: not ready on port %d after 20s: %w", port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// CognitoOptions configure CognitoLocal.
type CognitoOptions struct {
	// Port to listen on; 0 picks a free one.
	Port int
	// Dir is the state folder: cognito-local keeps its pools and users under
	// Dir/.cognito/db and reads Dir/.cognito/config.json. Required.
	Dir string
	// LambdaEndpoint is the base URL of a Lambda Invoke API (the local Lambda
	// emulator) that cognito-local calls for triggers; empty means no triggers.
	LambdaEndpoint string
	// Triggers maps a Cognito trigger (e.g. PostConfirmation) to the function
	// name cognito-local invokes for it.
	Triggers map[string]string
	// Code is the confirmation code cognito-local accepts for every user
	// (real Cognito emails a random one). Default 123456.
	Code string
	// Log receives the process's output; nil discards it.
	Log io.Writer
}

// cognitoConfig is cognito-local's .cognito/config.json (the parts we set).
type cognitoConfig struct {
	LambdaClient     cognitoLambdaClient `json:"LambdaClient"`
	TriggerFunctions map[string]string   `json:"TriggerFunctions"`
	UserPoolDefaults map[string]any      `json:"UserPoolDefaults"`
}

type cognitoLambdaClient struct {
	Endpoint    string            `json:"endpoint,omitempty"`
	Region      string            `json:"region"`
	Credentials map[string]string `json:"credentials"`
	MaxRetries  int               `json:"maxRetries"`
}

// CognitoLocal writes cognito-local's config into o.Dir/.cognito, starts
// cognito-local there and waits until GET /health answers. The config is
// rewritten on every start (so a new Lambda endpoint or port takes effect);
// pools and users under .cognito/db are kept.
func CognitoLocal(ctx context.Context, o CognitoOptions) (*Process, error) {
	if o.Dir == "" {
		return nil, errors.New("standin: CognitoOptions.Dir is required")
	}
	nm, err := NodeModules()
	if err != nil {
		return nil, err
	}
	if o.Port == 0 {
		if o.Port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	if o.Code == "" {
		o.Code = "123456"
	}
	cfgDir := filepath.Join(o.Dir, ".cognito")
	if err := os.MkdirAll(cfgDir, 0o700); err != nil {
		return nil, err
	}
	triggers := o.Triggers
	if triggers == nil {
		triggers = map[string]string{}
	}
	cfg := cognitoConfig{
		LambdaClient: cognitoLambdaClient{
			Endpoint: o.LambdaEndpoint,
			Region:   "us-east-1",
			// Dummy credentials: the local Invoke API does not check signatures.
			Credentials: map[string]string{"accessKeyId": "local", "secretAccessKey": "local"},
			// A trigger that fails must fail the Cognito call, not be retried.
			MaxRetries: 0,
		},
		TriggerFunctions: triggers,
		UserPoolDefaults: map[string]any{"UsernameAttributes": []string{"email"}},
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(cfgDir, "config.json"), b, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command("node", filepath.Join(nm, "cognito-local", "lib", "bin", "start.js"))
	cmd.Dir = o.Dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + o.Dir,
		"HOST=127.0.0.1",
		"PORT=" + strconv.Itoa(o.Port),
		"CODE=" + o.Code,
		// cognito-local's bundled aws-sdk v2 warns about its own end of support.
		"AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE=1",
	}
	return start(ctx, cmd, o.Port, "/health", o.Log)
}
