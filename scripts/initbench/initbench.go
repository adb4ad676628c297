// Package initbench measures every function's init time: from starting its
// process until it first asks the Runtime API for an event (GET
// /2018-06-01/runtime/invocation/next), beside a baseline binary that only
// starts aws-lambda-go after config.LoadDefaultConfig and a DynamoDB client
// (scripts/testdata/initbaseline). Runs are interleaved (each round runs
// every binary once, in a shuffled order) so the machine's noise falls on all
// of them alike, and the medians are compared. It also reports each
// function's stripped linux/arm64 size from build/ (make build).
//
// It serves a minimal Runtime API on 127.0.0.1: each process gets its own
// path prefix, its first /next is timed and never answered, then the process
// is killed.
package initbench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/copdfuel/backend/pkg/route"
)

// Baseline is the name of the baseline's result.
const Baseline = "baseline (LoadDefaultConfig + DynamoDB client)"

// Result is one binary's figures.
type Result struct {
	Name string
	// ArmMiB is the stripped linux/arm64 size; 0 if build/ lacks it.
	ArmMiB float64
	// Median is the median init time; Baseline the baseline's (same run).
	Median, Baseline time.Duration
}

// Ratio is Median over Baseline.
func (r Result) Ratio() float64 { return float64(r.Median) / float64(r.Baseline) }

// build compiles the baseline as the Makefile compiles the functions.
func build(root, out, goarch string) error {
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, "./testdata/initbaseline"}
	cmd := exec.Command("go", args...)
	cmd.Dir = filepath.Join(root, "scripts")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if goarch != "" {
		cmd.Env = append(cmd.Env, "GOOS=linux", "GOARCH="+goarch)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build baseline: %v\n%s", err, b)
	}
	return nil
}

// runtimeAPI times the first /next of each process, by path prefix.
type runtimeAPI struct {
	mu      sync.Mutex
	waiting map[string]chan time.Time
}

func (a *runtimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	prefix, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if rest != "2018-06-01/runtime/invocation/next" {
		http.Error(w, "not served", http.StatusNotFound)
		return
	}
	a.mu.Lock()
	ch := a.waiting[prefix]
	delete(a.waiting, prefix)
	a.mu.Unlock()
	if ch != nil {
		ch <- now
	}
	// Never answer: the process is killed once its init is timed.
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
		http.Error(w, "gone", http.StatusGone)
	}
}

// env is a Lambda-like environment, built explicitly (no inherited AWS_*,
// HOME pointing at an empty folder so no ~/.aws is read).
func env(home, runtimeAPI string) []string {
	return []string{
		"AWS_LAMBDA_RUNTIME_API=" + runtimeAPI,
		"HOME=" + home,
		"PATH=/usr/bin:/bin",
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_SESSION_TOKEN=local",
		"AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:9",
		"AWS_LAMBDA_FUNCTION_NAME=initbench", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
		"TABLE_NAME=copd", "LOG_LEVEL=info", "ALLOW_ORIGIN=*",
		"PATIENT_ISSUER=http://127.0.0.1:9/local_patients", "PATIENT_CLIENT_IDS=patientclient",
		"DOCTOR_ISSUER=http://127.0.0.1:9/local_doctors", "DOCTOR_CLIENT_IDS=doctorclient",
	}
}

// once starts bin and returns the time until its first /next.
func once(ctx context.Context, api *runtimeAPI, addr, home, bin string, n int) (time.Duration, error) {
	prefix := fmt.Sprintf("p%d", n)
	ch := make(chan time.Time, 1)
	api.mu.Lock()
	api.waiting[prefix] = ch
	api.mu.Unlock()
	cmd := exec.Command(bin)
	cmd.Env = env(home, addr+"/"+prefix)
	cmd.Stdout, cmd.Stderr = nil, nil // discarded (to /dev/null)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()
	select {
	case t := <-ch:
		return t.Sub(start), nil
	case err := <-exited:
		exited <- err
		return 0, fmt.Errorf("%s exited before asking for an event: %v", bin, err)
	case <-time.After(5 * time.Second):
		return 0, fmt.Errorf("%s did not ask for an event within 5 s", bin)
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// Measure runs rounds interleaved rounds (plus one uncounted warm-up) of
// the baseline and of every function's bootstrap under root/.local/bin
// (make build-local); the baseline comes first in the results.
func Measure(ctx context.Context, root string, rounds int) ([]Result, error) {
	if rounds < 1 || rounds > 1000 {
		return nil, fmt.Errorf("initbench: rounds must be 1..1000")
	}
	tmp, err := os.MkdirTemp("", "initbench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	home := filepath.Join(tmp, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		return nil, err
	}
	base, baseArm := filepath.Join(tmp, "baseline"), filepath.Join(tmp, "baseline-arm64")
	if err := build(root, base, ""); err != nil {
		return nil, err
	}
	if err := build(root, baseArm, "arm64"); err != nil {
		return nil, err
	}

	const baseline = Baseline
	bins := map[string]string{baseline: base}
	arm := map[string]string{baseline: baseArm}
	names := []string{baseline}
	fns := append([]string(nil), route.Functions()...)
	for _, t := range route.Triggers {
		fns = append(fns, t.Function)
	}
	sort.Strings(fns)
	for _, fn := range fns {
		if _, dup := bins[fn]; dup {
			continue
		}
		bin := filepath.Join(root, ".local", "bin", fn, "bootstrap")
		if _, err := os.Stat(bin); err != nil {
			return nil, fmt.Errorf("%s: %v (run make build-local)", fn, err)
		}
		bins[fn], arm[fn] = bin, filepath.Join(root, "build", fn, "bootstrap")
		names = append(names, fn)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	api := &runtimeAPI{waiting: map[string]chan time.Time{}}
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	addr := ln.Addr().String()

	times := map[string][]time.Duration{}
	n := 0
	order := append([]string(nil), names...)
	rng := rand.New(rand.NewPCG(1, 2))
	for r := -1; r < rounds; r++ { // round -1 warms the page cache and is not counted
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, name := range order {
			n++
			d, err := once(ctx, api, addr, home, bins[name], n)
			if err != nil {
				return nil, err
			}
			if r >= 0 {
				times[name] = append(times[name], d)
			}
		}
	}

	floor := median(times[baseline])
	var out []Result
	for _, name := range names {
		res := Result{Name: name, Median: median(times[name]), Baseline: floor}
		if fi, err := os.Stat(arm[name]); err == nil {
			res.ArmMiB = float64(fi.Size()) / (1 << 20)
		}
		out = append(out, res)
	}
	return out, nil
}

// HostArch is GOOS/GOARCH of the go command (the binaries measured).
func HostArch() string {
	b, err := exec.Command("go", "env", "GOOS", "GOARCH").Output()
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b)), "/")
}
