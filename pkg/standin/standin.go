// Package standin starts the local AWS stand-ins from npm (dynalite for
// DynamoDB, cognito-local for Cognito) as child processes on 127.0.0.1, for
// the local stack and for integration tests. The packages are pinned in the
// repository's package-lock.json and installed by `make deps` (npm ci).
package standin

import (
	"context"
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
