// Command load is a bounded load run against a local stack it starts itself
// on 127.0.0.1 (free ports, state in a temporary folder, demo data seeded):
// GET /me, POST /sync and GET /patients/{id}/overview with real tokens,
// each for at most -n requests and -duration, -c at a time. It prints
// throughput, p50/p99/max latency and errors per endpoint, and the resident
// memory (VmRSS from /proc/<pid>/status) of every function process sampled
// over the run; it exits 1 on any error or if a function's memory grew by
// more than a quarter (plus 4 MiB) from the end of the warm-up to the end.
// make bench runs it; figures are in docs/reliability.md.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/scripts/localstack"
)

func main() {
	n := flag.Int("n", 3000, "requests per endpoint (bound)")
	c := flag.Int("c", 4, "concurrent requests")
	dur := flag.Duration("duration", 20*time.Second, "time per endpoint (bound)")
	days := flag.Int("days", 30, "days of seeded demo records")
	batch := flag.Int("batch", 10, "records per POST /sync")
	flag.Parse()
	if err := run(*n, *c, *dur, *days, *batch); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

// endpoint is one measured request kind; req builds the i-th request.
type endpoint struct {
	name string
	req  func(i int) (*http.Request, error)
}

type result struct {
	name     string
	n, errs  int
	elapsed  time.Duration
	lat      []time.Duration
	statuses map[int]int
}

func run(n, c int, dur time.Duration, days, batch int) error {
	dir, err := os.MkdirTemp("", "copd-load")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fmt.Printf("starting the local stack (seed %d days)...\n", days)
	s, err := localstack.Start(ctx, localstack.Options{Dir: dir, Seed: true, SeedDays: days, LogLevel: "warn"})
	if err != nil {
		return err
	}
	defer s.Close()
	if u, err := url.Parse(s.Info.APIURL); err != nil || u.Hostname() != "127.0.0.1" {
		return fmt.Errorf("API %q is not on 127.0.0.1", s.Info.APIURL)
	}
	patientTok, err := s.SignIn(ctx, false, s.Info.DemoPatient.Email, s.Info.DemoPatient.Password, "")
	if err != nil {
		return err
	}
	doctorTok, err := s.SignIn(ctx, true, s.Info.DemoDoctor.Email, s.Info.DemoDoctor.Password, s.Accounts.DoctorTOTPSecret)
	if err != nil {
		return err
	}
	api := s.Info.APIURL
	get := func(tok, path string) func(int) (*http.Request, error) {
		return func(int) (*http.Request, error) {
			r, err := http.NewRequest(http.MethodGet, api+path, nil)
			if err == nil {
				r.Header.Set("Authorization", tok)
			}
			return r, err
		}
	}
	// Every POST /sync writes: batch records whose updatedAt moves forward
	// with i, over 200 ids of today's date.
	today := time.Now().UTC().Format(time.DateOnly)
	t0 := time.Now().UTC().Add(-time.Hour)
	syncReq := func(i int) (*http.Request, error) {
		recs := make([]copd.Record, batch)
		for j := range recs {
			level := float64(88 + (i+j)%10)
			recs[j] = copd.Record{ID: fmt.Sprintf("load-%03d", (i*batch+j)%200), Type: copd.TypeOxygen, Date: today, Time: "09:00",
				UpdatedAt: t0.Add(time.Duration(i*batch+j) * time.Millisecond).Format(time.RFC3339Nano), Level: &level}
		}
		b, _ := json.Marshal(map[string]any{"records": recs})
		r, err := http.NewRequest(http.MethodPost, api+"/sync", bytes.NewReader(b))
		if err == nil {
			r.Header.Set("Authorization", patientTok)
			r.Header.Set("Content-Type", "application/json")
		}
		return r, err
	}
	eps := []endpoint{
		{"GET /me (patient)", get(patientTok, "/me")},
		{fmt.Sprintf("POST /sync (%d records)", batch), syncReq},
		{"GET /patients/{id}/overview?days=30 (doctor)", get(doctorTok, "/patients/"+s.Accounts.PatientSub+"/overview?days=30")},
	}

	binDir := filepath.Join(must(localstack.RepoRoot()), ".local", "bin")
	mem := newSampler(binDir)
	stop := mem.start(100 * time.Millisecond)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: c}}
	var results []result
	runStart := time.Now()
	for _, ep := range eps {
		// Warm-up: every process of the function handles requests first.
		warm := load(client, ep, 50, c, dur)
		if warm.errs > 0 {
			return fmt.Errorf("%s: %d errors in the warm-up (statuses %v)", ep.name, warm.errs, warm.statuses)
		}
		mem.mark()
		results = append(results, load(client, ep, n, c, dur))
	}
	total := time.Since(runStart)
	stop()

	fmt.Printf("\n%-46s %7s %6s %9s %8s %8s %8s\n", "endpoint", "reqs", "errors", "req/s", "p50", "p99", "max")
	failed := false
	for _, r := range results {
		sort.Slice(r.lat, func(i, j int) bool { return r.lat[i] < r.lat[j] })
		fmt.Printf("%-46s %7d %6d %9.0f %8s %8s %8s\n", r.name, r.n, r.errs, float64(r.n)/r.elapsed.Seconds(),
			ms(pct(r.lat, 50)), ms(pct(r.lat, 99)), ms(r.lat[len(r.lat)-1]))
		if r.errs > 0 {
			failed = true
			fmt.Printf("  statuses: %v\n", r.statuses)
		}
	}
	fmt.Printf("\nfunction memory (VmRSS, MiB) over %v: after warm-up -> end (peak), per process\n", total.Round(time.Second))
	if !mem.report(os.Stdout) {
		failed = true
	}
	if failed {
		return fmt.Errorf("errors or memory growth (see above)")
	}
	fmt.Println("\nzero errors; every function's memory stable")
	return nil
}

func must[T any](v T, err error) T {
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	return v
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) + "ms"
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[max(min(i, len(sorted))-1, 0)]
}

// load sends at most n requests of ep, c at a time, for at most dur.
func load(client *http.Client, ep endpoint, n, c int, dur time.Duration) result {
	var next atomic.Int64
	var mu sync.Mutex
	res := result{name: ep.name, statuses: map[int]int{}}
	deadline := time.Now().Add(dur)
	start := time.Now()
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || time.Now().After(deadline) {
					return
				}
				req, err := ep.req(i)
				status := 0
				t := time.Now()
				if err == nil {
					var resp *http.Response
					if resp, err = client.Do(req); err == nil {
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						status = resp.StatusCode
					}
				}
				lat := time.Since(t)
				mu.Lock()
				res.n++
				res.lat = append(res.lat, lat)
				res.statuses[status]++
				if err != nil || status != http.StatusOK {
					res.errs++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

// sampler reads VmRSS of every process running a function's bootstrap
// (found by its command line under binDir, and a child of this process, so
// other stacks on the machine are left out) at an interval.
type sampler struct {
	binDir string
	mu     sync.Mutex
	// series: "fn pid" -> samples (KiB); marks: index of the warm-up end.
	series map[string][]int
	marks  map[string]int
}

func newSampler(binDir string) *sampler {
	return &sampler{binDir: binDir, series: map[string][]int{}, marks: map[string]int{}}
}

func (s *sampler) start(every time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

func (s *sampler) sample() {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			continue
		}
		exe := string(bytes.SplitN(cmd, []byte{0}, 2)[0])
		rel, err := filepath.Rel(s.binDir, exe)
		if err != nil || strings.HasPrefix(rel, "..") || filepath.Base(rel) != "bootstrap" {
			continue
		}
		if parentPID(pid) != os.Getpid() {
			continue // another stack's process (the emulator runs ours as children)
		}
		kb := rssKiB(pid)
		if kb == 0 {
			continue
		}
		key := fmt.Sprintf("%-12s pid %d", filepath.Dir(rel), pid)
		s.mu.Lock()
		s.series[key] = append(s.series[key], kb)
		s.mu.Unlock()
	}
}

// mark records the end of a warm-up for every process seen so far; a
// process first seen later is measured from its first sample.
func (s *sampler) mark() {
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.series {
		s.marks[k] = len(v) - 1
	}
}

// parentPID reads a process's parent from /proc/<pid>/stat (after the
// command name, which may hold spaces, in parentheses).
func parentPID(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

func rssKiB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

// report prints each process's memory and says whether all were stable.
func (s *sampler) report(w io.Writer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.series))
	for k := range s.series {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ok := true
	mib := func(kb int) float64 { return float64(kb) / 1024 }
	for _, k := range keys {
		v := s.series[k]
		from := v[s.marks[k]]
		peak := 0
		for _, x := range v[s.marks[k]:] {
			peak = max(peak, x)
		}
		end := v[len(v)-1]
		verdict := "stable"
		if end > from+from/4+4096 {
			verdict, ok = "GREW", false
		}
		fmt.Fprintf(w, "  %s  %6.1f -> %6.1f (peak %6.1f)  %d samples  %s\n", k, mib(from), mib(end), mib(peak), len(v), verdict)
	}
	if len(keys) == 0 {
		fmt.Fprintln(w, "  no function process found under", s.binDir)
		return false
	}
	return ok
}
