// Package lambdalocal plays the AWS Lambda service on 127.0.0.1 for the local
// stack: it runs each function's real bootstrap binary as a child process,
// serves it the Lambda Runtime API (one listener per process), and offers the
// Invoke API (POST /2015-03-31/functions/{name}/invocations) that
// cognito-local calls for triggers.
//
// It mirrors the service where the functions can tell: an explicitly built
// environment (nothing inherited), one invocation at a time per process,
// warm processes reused, a deadline in Lambda-Runtime-Deadline-Ms, a timeout
// that answers the caller with Sandbox.Timedout and replaces the process, a
// crash (a panic exits the process) answered with Runtime.ExitError and
// followed by a fresh process. It does not emulate memory limits, the 6 MB
// payload limit, reserved concurrency, the freeze between invocations or
// SIGKILL-without-warning on shutdown.
package lambdalocal

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
)

// Function describes one function the service runs.
type Function struct {
	// Name is the function name callers invoke (the directory under functions/).
	Name string
	// Binary is the path of its bootstrap executable.
	Binary string
	// Env is the function's own environment (its configuration). The
	// service adds the variables the Lambda runtime sets.
	Env map[string]string
	// Timeout is the function timeout; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxConcurrency bounds the processes of the function; 0 means
	// DefaultConcurrency. One process is started warm.
	MaxConcurrency int
}

// Defaults.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultConcurrency = 2
	// restartBackoff spaces restarts of a process that keeps failing to start.
	restartBackoff = 500 * time.Millisecond
)

// Result is the outcome of one invocation, as the Invoke API reports it.
type Result struct {
	// Payload is the function's response, or an error object
	// {"errorMessage","errorType"[,"stackTrace"]} when FunctionError is set.
	Payload []byte
	// FunctionError is "Unhandled" when the function failed (handler error,
	// panic, timeout, crash), empty on success.
	FunctionError string
	// RequestID is the invocation's request id.
	RequestID string
	// Duration is how long the invocation took, queueing included.
	Duration time.Duration
}

// ErrNotFound is returned by Invoke for a function the service does not run.
var ErrNotFound = errors.New("lambdalocal: function not found")

// Service runs functions.
type Service struct {
	funcs map[string]*function
	// Log receives every child's stdout and stderr, one line at a time,
	// prefixed with the function name.
	log     *lineWriter
	baseEnv map[string]string
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	invokeMux sync.Once
	mux       *http.ServeMux
}

// Options configure a Service.
type Options struct {
	Functions []Function
	// Env is added to every function's environment (before Function.Env),
	// e.g. AWS_ENDPOINT_URL_DYNAMODB and the shared pkg/config variables.
	Env map[string]string
	// Log receives function output; nil discards it.
	Log io.Writer
}

// Start starts one warm process per function and returns once each has
// asked for its first event (or failed to start, which is logged and
// retried).
func Start(ctx context.Context, o Options) (*Service, error) {
	logw := o.Log
	if logw == nil {
		logw = io.Discard
	}
	sctx, cancel := context.WithCancel(context.Background())
	s := &Service{funcs: map[string]*function{}, log: &lineWriter{w: logw}, baseEnv: o.Env, ctx: sctx, cancel: cancel}
	for _, f := range o.Functions {
		if _, err := os.Stat(f.Binary); err != nil {
			cancel()
			return nil, fmt.Errorf("lambdalocal: %s: %w", f.Name, err)
		}
		if f.Timeout == 0 {
			f.Timeout = DefaultTimeout
		}
		if f.MaxConcurrency == 0 {
			f.MaxConcurrency = DefaultConcurrency
		}
		s.funcs[f.Name] = &function{Function: f, svc: s, jobs: make(chan *invocation), ready: make(chan struct{})}
	}
	for _, fn := range s.funcs {
		fn.spawn()
	}
	for _, fn := range s.funcs {
		select {
		case <-fn.ready:
		case <-time.After(10 * time.Second):
			s.Stop()
			return nil, fmt.Errorf("lambdalocal: %s did not ask for an event within 10s", fn.Name)
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		}
	}
	return s, nil
}

// Names lists the functions the service runs, sorted.
func (s *Service) Names() []string {
	var out []string
	for n := range s.funcs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Stop sends SIGTERM to every process, waits up to two seconds for each, then
// kills what is left.
func (s *Service) Stop() {
	s.cancel()
	s.wg.Wait()
}

// Invoke runs one invocation of fn with payload (RequestResponse) and waits
// for its result or its timeout. ctx cancels the wait, not the invocation.
func (s *Service) Invoke(ctx context.Context, fn string, payload []byte) (Result, error) {
	f, ok := s.funcs[fn]
	if !ok {
		return Result{}, ErrNotFound
	}
	return f.invoke(ctx, payload)
}

type function struct {
	Function
	svc *Service
	// jobs hands invocations to the processes' /next long polls.
	jobs chan *invocation

	mu        sync.Mutex
	procs     int // processes alive or starting
	idle      int // processes waiting in /next
	readyOnce sync.Once
	ready     chan struct{} // closed when the first process asks for an event
}

type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	done     chan Result // buffered 1; the first result wins
	once     sync.Once
	started  time.Time
	worker   *process // set when a process takes it
	workerMu sync.Mutex
}

func (inv *invocation) finish(r Result) {
	inv.once.Do(func() {
		r.RequestID = inv.id
		r.Duration = time.Since(inv.started)
		inv.done <- r
	})
}

func errorPayload(errType, msg string) []byte {
	b, _ := json.Marshal(map[string]string{"errorType": errType, "errorMessage": msg})
	return b
}

func (f *function) invoke(ctx context.Context, payload []byte) (Result, error) {
	inv := &invocation{id: uuid.NewString(), payload: payload, done: make(chan Result, 1), started: time.Now()}
	inv.deadline = inv.started.Add(f.Timeout)
	f.mu.Lock()
	if f.idle == 0 && f.procs < f.MaxConcurrency {
		f.mu.Unlock()
		f.spawn()
	} else {
		f.mu.Unlock()
	}
	timer := time.NewTimer(f.Timeout)
	defer timer.Stop()
	select {
	case f.jobs <- inv:
	case <-timer.C:
		// No process took it in time: Lambda would have throttled or timed out.
		inv.finish(Result{FunctionError: "Unhandled", Payload: errorPayload("Sandbox.Timedout",
			fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", inv.id, f.Timeout.Seconds()))})
		return <-inv.done, nil
	case <-ctx.Done():
		return Result{}, ctx.Err()
	case <-f.svc.ctx.Done():
		return Result{}, errors.New("lambdalocal: service stopped")
	}
	select {
	case r := <-inv.done:
		return r, nil
	case <-timer.C:
		inv.finish(Result{FunctionError: "Unhandled", Payload: errorPayload("Sandbox.Timedout",
			fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", inv.id, f.Timeout.Seconds()))})
		inv.workerMu.Lock()
		p := inv.worker
		inv.workerMu.Unlock()
		if p != nil {
			f.svc.log.printf(f.Name, "timed out after %s; replacing the process", f.Timeout)
			p.kill()
		}
		return <-inv.done, nil
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// process is one running bootstrap with its own Runtime API listener.
type process struct {
	fn   *function
	cmd  *exec.Cmd
	ln   net.Listener
	srv  *http.Server
	exit chan struct{}

	mu      sync.Mutex
	current *invocation
}

// spawn starts a new process for f and replaces it whenever it exits (a
// crash, a panic, a timeout kill) until the service stops.
func (f *function) spawn() {
	f.mu.Lock()
	f.procs++
	f.mu.Unlock()
	f.svc.wg.Add(1)
	go func() {
		defer f.svc.wg.Done()
		for {
			start := time.Now()
			err := f.runOnce()
			if f.svc.ctx.Err() != nil {
				return
			}
			if err != nil {
				f.svc.log.printf(f.Name, "process ended: %v; restarting", err)
			}
			// A process that dies right after starting is backed off.
			if time.Since(start) < time.Second {
				select {
				case <-time.After(restartBackoff):
				case <-f.svc.ctx.Done():
					return
				}
			}
		}
	}()
}

func (f *function) runOnce() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	p := &process{fn: f, ln: ln, exit: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", p.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", p.response)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", p.invocationError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", p.initError)
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	defer p.srv.Close()

	cmd := exec.Command(f.Binary)
	cmd.Env = f.env(ln.Addr().String())
	cmd.Dir = dirOf(f.Binary)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	p.cmd = cmd
	var drain sync.WaitGroup
	drain.Add(2)
	go func() { defer drain.Done(); f.svc.log.copy(f.Name, stdout) }()
	go func() { defer drain.Done(); f.svc.log.copy(f.Name, stderr) }()

	waitErr := make(chan error, 1)
	go func() {
		drain.Wait() // Wait closes the pipes: read them to the end first
		waitErr <- cmd.Wait()
	}()
	var exitErr error
	select {
	case exitErr = <-waitErr:
	case <-f.svc.ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case exitErr = <-waitErr:
		case <-time.After(2 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			exitErr = <-waitErr
		}
	}
	close(p.exit)
	p.mu.Lock()
	inv := p.current
	p.current = nil
	p.mu.Unlock()
	if inv != nil {
		msg := "Runtime exited without providing a reason"
		if exitErr != nil {
			msg = "Runtime exited with error: " + exitErr.Error()
		}
		inv.finish(Result{FunctionError: "Unhandled", Payload: errorPayload("Runtime.ExitError",
			fmt.Sprintf("RequestId: %s Error: %s", inv.id, msg))})
	}
	if exitErr == nil {
		return errors.New("exited")
	}
	return exitErr
}

func (p *process) kill() {
	if p.cmd != nil && p.cmd.Process != nil {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i > 0 {
		return path[:i]
	}
	return "."
}

// env builds the child's whole environment: nothing is inherited, so a
// developer's AWS_PROFILE, ~/.aws or AWS_CA_BUNDLE cannot change how a
// function starts (NOTES.md).
func (f *function) env(runtimeAPI string) []string {
	m := map[string]string{
		"PATH":                            "/usr/local/bin:/usr/bin:/bin",
		"HOME":                            os.TempDir(),
		"TZ":                              "UTC",
		"LANG":                            "en_US.UTF-8",
		"AWS_REGION":                      "us-east-1",
		"AWS_DEFAULT_REGION":              "us-east-1",
		"AWS_ACCESS_KEY_ID":               "local",
		"AWS_SECRET_ACCESS_KEY":           "local",
		"AWS_SESSION_TOKEN":               "local",
		"AWS_LAMBDA_RUNTIME_API":          runtimeAPI,
		"AWS_LAMBDA_FUNCTION_NAME":        f.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + f.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      "local",
		"AWS_EXECUTION_ENV":               "AWS_Lambda_provided.al2023",
		"LAMBDA_TASK_ROOT":                dirOf(f.Binary),
		"_HANDLER":                        "bootstrap",
	}
	for k, v := range f.svc.baseEnv {
		m[k] = v
	}
	for k, v := range f.Env {
		m[k] = v
	}
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// next is the runtime's long poll for an event.
func (p *process) next(w http.ResponseWriter, r *http.Request) {
	f := p.fn
	f.readyOnce.Do(func() { close(f.ready) })
	p.mu.Lock()
	if p.current != nil {
		// Asking again without answering: Lambda treats it as the end of
		// the previous invocation with no response.
		inv := p.current
		p.current = nil
		p.mu.Unlock()
		inv.finish(Result{FunctionError: "Unhandled", Payload: errorPayload("Runtime.InvalidResponse", "runtime asked for the next event without answering")})
	} else {
		p.mu.Unlock()
	}
	f.mu.Lock()
	f.idle++
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.idle--
		f.mu.Unlock()
	}()
	for {
		select {
		case inv := <-f.jobs:
			if !inv.deadline.After(time.Now()) {
				continue // the caller has been answered with a timeout
			}
			p.mu.Lock()
			p.current = inv
			p.mu.Unlock()
			inv.workerMu.Lock()
			inv.worker = p
			inv.workerMu.Unlock()
			h := w.Header()
			h.Set("Content-Type", "application/json")
			h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
			h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
			h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:"+f.Name)
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+strconv.FormatInt(time.Now().Unix(), 16)+"-"+strings.ReplaceAll(inv.id, "-", "")[:24]+";Sampled=0")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(inv.payload)
			return
		case <-r.Context().Done():
			return
		case <-p.exit:
			return
		case <-f.svc.ctx.Done():
			// Shutting down: the process gets SIGTERM; leave its poll
			// unanswered (any answer would be logged as a failure).
			select {
			case <-r.Context().Done():
			case <-p.exit:
			}
			return
		}
	}
}

// take returns the invocation id names if it is the process's current one.
func (p *process) take(id string) *invocation {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.current == nil || p.current.id != id {
		return nil
	}
	inv := p.current
	p.current = nil
	return inv
}

const maxResponse = 6 << 20 // Lambda's synchronous response limit

func (p *process) response(w http.ResponseWriter, r *http.Request) {
	inv := p.take(r.PathValue("id"))
	if inv == nil {
		http.Error(w, `{"errorType":"InvalidRequestID","errorMessage":"unknown or finished request id"}`, http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxResponse+1))
	if err != nil {
		inv.finish(Result{FunctionError: "Unhandled", Payload: errorPayload("Runtime.ReadError", "reading the response failed")})
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	if len(body) > maxResponse {
		inv.finish(Result{FunctionError: "Unhandled", Payload: errorPayload("Function.ResponseSizeTooLarge", "Response payload size exceeded maximum allowed payload size (6291556 bytes).")})
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	inv.finish(Result{Payload: body})
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

func (p *process) invocationError(w http.ResponseWriter, r *http.Request) {
	inv := p.take(r.PathValue("id"))
	if inv == nil {
		http.Error(w, `{"errorType":"InvalidRequestID","errorMessage":"unknown or finished request id"}`, http.StatusBadRequest)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxResponse))
	if !json.Valid(body) {
		body = errorPayload(orDefault(r.Header.Get("Lambda-Runtime-Function-Error-Type"), "Runtime.Unknown"), "the function reported an error")
	}
	inv.finish(Result{FunctionError: "Unhandled", Payload: body})
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

// initError is the runtime reporting it cannot start; the process exits
// after it and is restarted with back-off.
func (p *process) initError(w http.ResponseWriter, r *http.Request) {
	p.fn.svc.log.printf(p.fn.Name, "init error reported (%s)", orDefault(r.Header.Get("Lambda-Runtime-Function-Error-Type"), "unknown"))
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// lineWriter forwards lines from many children to one writer without
// interleaving them.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) printf(fn, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "[%s] lambda: %s\n", fn, fmt.Sprintf(format, args...))
}

// copy forwards r line by line until EOF. Long lines are forwarded in
// pieces rather than stalling the child on a full pipe.
func (l *lineWriter) copy(fn string, r io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			l.mu.Lock()
			fmt.Fprintf(l.w, "[%s] %s", fn, line)
			if line[len(line)-1] != '\n' {
				_, _ = io.WriteString(l.w, "\n")
			}
			l.mu.Unlock()
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return
		}
	}
}
