// Command bench prints make bench's one table: every function's init time
// beside a LoadDefaultConfig + DynamoDB client baseline and its linux/arm64
// size (scripts/initbench); what each API operation costs in DynamoDB; and
// how that grows with the data.
//
// For the cost it starts its own local stack on 127.0.0.1 (free ports, a
// temporary folder) with the functions' DynamoDB traffic passing through
// scripts/ddbmeter, calls the real functions through the gateway with real
// tokens, and reports per operation the DynamoDB calls, read and write units
// (dynalite's table units plus the index writes and failed-condition charges
// dynalite leaves out), each beside the minimum the access pattern allows and
// the ratio; then the growth rows (overview over 30 days of history vs 5
// years, GET /patients for 10 vs 1,000 patients, export throughput).
// docs/benchmarks.md and docs/architecture-storage.md explain the figures.
//
// Minimums count only the data the request is about, by DynamoDB's unit
// rules: a record write is ceil(item/1 KB) on the table plus ceil((item +
// 100 B)/1 KB) in lsi1, a point read or a BatchGetItem key ceil(item/4 KB)
// (at least 1, present or not), a Query ceil(sum of the items/4 KB), halved
// when eventually consistent. Everything else a function does (the doctor's
// link check, the HIPAA audit entry, the list summary, the guess throttle)
// is extra and makes the ratio exceed 1.0; each is justified in
// docs/architecture-storage.md.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/dynamo"
	"github.com/copdfuel/backend/pkg/keys"
	"github.com/copdfuel/backend/scripts/ddbmeter"
	"github.com/copdfuel/backend/scripts/initbench"
	"github.com/copdfuel/backend/scripts/localstack"
	"github.com/copdfuel/backend/scripts/seed"
)

func main() {
	reps := flag.Int("reps", 11, "repetitions of each latency measurement (median)")
	rounds := flag.Int("init-rounds", 40, "interleaved rounds of the init measurement (0: skip it)")
	flag.BoolVar(&verbose, "v", false, "print every metered DynamoDB call of each operation")
	flag.Parse()
	if *reps < 1 || *reps > 101 || *rounds < 0 || *rounds > 1000 {
		fmt.Fprintln(os.Stderr, "bench: -reps must be 1..101, -init-rounds 0..1000")
		os.Exit(2)
	}
	if err := run(*reps, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

var verbose bool

// bench is the running stack and what the scenarios share.
type bench struct {
	ctx     context.Context
	s       *localstack.Stack
	meter   *ddbmeter.Meter
	store   *dynamo.Store // straight to dynalite, not metered (seeding)
	patient string        // demo patient's token
	doctor  string        // demo doctor's token
	rows    []row
}

// row is one line of the table: kind "init" and "growth" rows carry their
// measured, floor and ratio cells as text; "cost" rows their numbers.
type row struct {
	kind            string
	name            string
	calls, minCalls int
	read, minRead   float64
	write, minWrite float64
	ms              float64
	note            string
	text            [3]string
}

func run(reps, rounds int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	b := &bench{ctx: ctx}
	// Init first, on a quiet machine (no stack running yet).
	if rounds > 0 {
		root, err := localstack.RepoRoot()
		if err != nil {
			return err
		}
		res, err := initbench.Measure(ctx, root, rounds)
		if err != nil {
			return err
		}
		for _, r := range res {
			size := "arm64 size n/a (make build)"
			if r.ArmMiB > 0 {
				size = fmt.Sprintf("%.2f MiB arm64", r.ArmMiB)
			}
			note := "target: ratio <= 1.30, size < 10 MiB"
			if r.Name == initbench.Baseline {
				note = "the floor"
			}
			b.rows = append(b.rows, row{kind: "init", name: "init " + r.Name,
				text: [3]string{fmt.Sprintf("%.2f ms, %s", ms(r.Median), size), fmt.Sprintf("%.2f ms", ms(r.Baseline)), fmt.Sprintf("%.2f", r.Ratio())},
				note: note})
		}
	}
	dir, err := os.MkdirTemp("", "bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b.s, err = localstack.Start(ctx, localstack.Options{Dir: dir, Seed: true, SeedDays: 1, LogLevel: "warn",
		DynamoDBProxy: func(endpoint string) http.Handler {
			b.meter = ddbmeter.New(endpoint, []ddbmeter.Index{
				{Name: "lsi1", Keys: []string{"pk", "lsi1sk"}},
				{Name: "gsi1", Keys: []string{"gsi1pk", "gsi1sk"}},
			})
			return b.meter
		}})
	if err != nil {
		return err
	}
	defer b.s.Close()
	b.store = dynamo.New(b.s.Dynamo, b.s.Table)
	if b.patient, err = b.s.SignIn(ctx, false, b.s.Info.DemoPatient.Email, b.s.Info.DemoPatient.Password, ""); err != nil {
		return err
	}
	if b.doctor, err = b.s.SignIn(ctx, true, b.s.Info.DemoDoctor.Email, b.s.Info.DemoDoctor.Password, b.s.Accounts.DoctorTOTPSecret); err != nil {
		return err
	}
	b.meter.Take()

	for _, n := range []int{1, 25, 100, 500} {
		if err := b.sync(n); err != nil {
			return err
		}
	}
	if err := b.me(); err != nil {
		return err
	}
	if err := b.linkFlow(); err != nil {
		return err
	}
	if err := b.doctorViews(reps); err != nil {
		return err
	}
	b.print()
	return nil
}

// call makes one API request and checks its status.
func (b *bench) call(method, path, token string, body any, want int) ([]byte, http.Header, time.Duration, error) {
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(b.ctx, method, b.s.Info.APIURL+path, rd)
	if err != nil {
		return nil, nil, 0, err
	}
	req.Header.Set("Authorization", token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	t0 := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, 0, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	d := time.Since(t0)
	if err != nil {
		return nil, nil, 0, err
	}
	if resp.StatusCode != want {
		return nil, nil, 0, fmt.Errorf("%s %s: status %d, want %d: %.300s", method, path, resp.StatusCode, want, out)
	}
	return out, resp.Header, d, nil
}

// totals adds up the metered calls.
func totals(calls []ddbmeter.Call) (n int, read, write float64) {
	for _, c := range calls {
		if verbose {
			var sks []string
			for _, it := range append(append([]ddbmeter.Item(nil), c.Reads...), c.Writes...) {
				if len(sks) < 3 {
					sks = append(sks, strings.SplitN(it.SK, "#", 2)[0])
				}
			}
			fmt.Fprintf(os.Stderr, "  %s %v\n", c, sks)
		}
		n++
		read += c.Read
		write += c.TableWrite + c.IndexWrite
	}
	return n, read, write
}

// minWrite is the cost of writing each distinct item whose sort key passes
// keep once: its table units and its index units.
func minWrite(calls []ddbmeter.Call, keep func(sk string) bool) float64 {
	last := map[string]ddbmeter.Item{}
	for _, c := range calls {
		for _, it := range c.Writes {
			if keep(it.SK) {
				last[it.PK+"\x00"+it.SK] = it
			}
		}
	}
	var u float64
	for _, it := range last {
		u += math.Ceil(float64(it.Size)/1024) + it.IndexUnits
	}
	return u
}

// queryRead is the minimum of reading the items of the Query calls whose
// sort keys pass keep in one strongly consistent query: the sizes summed,
// then rounded to 4 KB.
func queryRead(calls []ddbmeter.Call, keep func(sk string) bool) float64 {
	total := 0
	for _, c := range calls {
		if c.Op != "Query" {
			continue
		}
		for _, it := range c.Reads {
			if keep(it.SK) {
				total += it.Size
			}
		}
	}
	return math.Max(1, math.Ceil(float64(total)/4096))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func prefix(p string) func(string) bool {
	return func(sk string) bool { return strings.HasPrefix(sk, p) }
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func records(n int, tag string) []copd.Record {
	out := make([]copd.Record, n)
	day := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	for i := range out {
		level := float64(88 + i%10)
		out[i] = copd.Record{ID: fmt.Sprintf("%s-%04d", tag, i), Type: copd.TypeOxygen, Date: day,
			Time: "08:00", UpdatedAt: day + "T08:00:00Z", Level: &level}
	}
	return out
}

// sync: n new records, then the same n again (every one unchanged).
func (b *bench) sync(n int) error {
	recs := records(n, fmt.Sprintf("cost%d", n))
	body := map[string]any{"records": recs}
	b.meter.Take()
	_, _, d, err := b.call("POST", "/sync", b.patient, body, 200)
	if err != nil {
		return err
	}
	calls := b.meter.Take()
	c, r, w := totals(calls)
	gets := (n + 99) / 100
	b.rows = append(b.rows, row{kind: "cost", name: fmt.Sprintf("POST /sync, %d new record%s", n, plural(n)), calls: c, minCalls: gets + n,
		read: r, minRead: float64(n), write: w, minWrite: minWrite(calls, prefix(keys.RecordPrefix)), ms: ms(d),
		note: "extra: list summary read + write"})
	_, _, d, err = b.call("POST", "/sync", b.patient, body, 200)
	if err != nil {
		return err
	}
	calls = b.meter.Take()
	c, r, w = totals(calls)
	b.rows = append(b.rows, row{kind: "cost", name: fmt.Sprintf("POST /sync, the same %d again", n), calls: c, minCalls: gets,
		read: r, minRead: float64(n), write: w, ms: ms(d), note: "extra: list summary read + write (last sync)"})
	return nil
}

// me: the demo patient's profile and links (one doctor, one practice).
func (b *bench) me() error {
	b.meter.Take()
	_, _, d, err := b.call("GET", "/me", b.patient, nil, 200)
	if err != nil {
		return err
	}
	calls := b.meter.Take()
	c, r, w := totals(calls)
	links := 0
	for _, cl := range calls {
		for _, it := range cl.Reads {
			if strings.HasPrefix(it.SK, keys.LinkPrefix) {
				links++
			}
		}
	}
	// profile, the links (one query), each linked doctor's profile and practice
	b.rows = append(b.rows, row{kind: "cost", name: fmt.Sprintf("GET /me (patient, %d link)", links), calls: c, minCalls: 3,
		read: r, minRead: 1 + queryRead(calls, prefix(keys.LinkPrefix)) + 2*float64(links), write: w, ms: ms(d)})
	return nil
}

// linkFlow: the demo patient revokes the demo doctor, then links again:
// invite, preview, consent, link.
func (b *bench) linkFlow() error {
	type step struct {
		name, method, path string
		token              string
		body               any
		want               int
		minCalls           int
		minRead            float64
		keep               func(string) bool
		note               string
	}
	none := func(string) bool { return false }
	var code string
	run := func(st step) error {
		b.meter.Take()
		out, _, d, err := b.call(st.method, st.path, st.token, st.body, st.want)
		if err != nil {
			return err
		}
		calls := b.meter.Take()
		c, r, w := totals(calls)
		b.rows = append(b.rows, row{kind: "cost", name: st.name, calls: c, minCalls: st.minCalls, read: r, minRead: st.minRead,
			write: w, minWrite: minWrite(calls, st.keep), ms: ms(d), note: st.note})
		if st.path == "/invite" {
			var inv struct{ Code string }
			if err := json.Unmarshal(out, &inv); err != nil || inv.Code == "" {
				return fmt.Errorf("POST /invite: no code in %.200s", out)
			}
			code = inv.Code
		}
		return nil
	}
	doctorSub := b.s.Accounts.DoctorSub
	if err := run(step{name: "link flow: DELETE /links/{doctor}", method: "DELETE", path: "/links/" + doctorSub, token: b.patient,
		want: 200, minCalls: 3, minRead: 1, keep: func(sk string) bool {
			return strings.HasPrefix(sk, keys.LinkPrefix) || strings.HasPrefix(sk, keys.ConsentPrefix)
		},
		note: "extra: link re-read (link race)"}); err != nil {
		return err
	}
	if err := run(step{name: "link flow: POST /invite", method: "POST", path: "/invite", token: b.doctor, want: 201,
		minCalls: 1, keep: prefix(keys.InviteSK), note: "extra: doctor, practice, open-invite cap"}); err != nil {
		return err
	}
	if err := run(step{name: "link flow: GET /invites/{code}", method: "GET", path: "/invites/" + code, token: b.patient, want: 200,
		minCalls: 2, minRead: 3, keep: none, note: "extra: guess throttle"}); err != nil {
		return err
	}
	if err := run(step{name: "link flow: POST /consent", method: "POST", path: "/consent", token: b.patient, want: 201,
		body: map[string]string{"inviteCode": code, "consentType": "share_with_doctor"}, minCalls: 2, minRead: 1,
		keep: prefix(keys.ConsentPrefix), note: "extra: guess throttle, consents query (idempotent re-consent)"}); err != nil {
		return err
	}
	return run(step{name: "link flow: POST /link-doctor", method: "POST", path: "/link-doctor", token: b.patient, want: 200,
		body: map[string]string{"inviteCode": code}, minCalls: 4, minRead: 2,
		keep: func(sk string) bool { return sk == keys.InviteSK || strings.HasPrefix(sk, keys.LinkPrefix) },
		note: "extra: throttle, consent re-read (revoke race)"})
}

// linkedPatient writes a patient linked to the demo doctor straight to the
// table (not metered) with days of history.
func (b *bench) linkedPatient(days int) (string, error) {
	id := uuid.NewString()
	now := time.Now().UTC()
	if _, err := b.store.PutUser(b.ctx, copd.User{UserID: id, Email: id + "@example.com", Role: copd.RolePatient, CreatedAt: now}); err != nil {
		return "", err
	}
	doc, err := b.store.GetUser(b.ctx, b.s.Accounts.DoctorSub)
	if err != nil {
		return "", err
	}
	if _, err := b.store.ActivateLink(b.ctx, copd.Link{PatientID: id, DoctorID: doc.UserID, PracticeID: doc.PracticeID,
		Status: copd.LinkActive, ConsentedAt: now, LinkedAt: now}); err != nil {
		return "", err
	}
	g, gctx := errgroup.WithContext(b.ctx)
	g.SetLimit(16)
	for _, r := range seed.History(time.Now().AddDate(0, 0, -1), days, "Lentil soup with carrots and a slice of wholegrain bread, logged on") {
		g.Go(func() error {
			return b.store.PutRecord(gctx, id, copd.StoredRecord{Record: r, Version: r.Version(), SyncedAt: now})
		})
	}
	return id, g.Wait()
}

// timed repeats a GET reps times; it returns the median latency and the
// metered calls of the last repetition.
func (b *bench) timed(path string, reps int) (time.Duration, []ddbmeter.Call, error) {
	var lat []time.Duration
	var calls []ddbmeter.Call
	for range reps {
		b.meter.Take()
		_, _, d, err := b.call("GET", path, b.doctor, nil, 200)
		if err != nil {
			return 0, nil, err
		}
		calls = b.meter.Take()
		lat = append(lat, d)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat[len(lat)/2], calls, nil
}

func (b *bench) doctorViews(reps int) error {
	short, err := b.linkedPatient(30)
	if err != nil {
		return err
	}
	long, err := b.linkedPatient(5 * 365)
	if err != nil {
		return err
	}
	recordsOnly := prefix(keys.RecordPrefix)
	// The two histories side by side: each repetition asks for both, so
	// the machine's noise falls on both alike.
	type probe struct {
		name, path string
		lat        []time.Duration
		calls      []ddbmeter.Call
	}
	probes := []*probe{
		{name: "overview 30 days (30 days of history)", path: fmt.Sprintf("/patients/%s/overview?days=30", short)},
		{name: "overview 30 days (5 years of history)", path: fmt.Sprintf("/patients/%s/overview?days=30", long)},
		{name: "overview 365 days (5 years of history)", path: fmt.Sprintf("/patients/%s/overview?days=365", long)},
	}
	for range reps {
		for _, p := range probes {
			d, calls, err := b.timed(p.path, 1)
			if err != nil {
				return err
			}
			p.lat, p.calls = append(p.lat, d), calls
		}
	}
	var ovMs, ovRead []float64
	for _, p := range probes {
		sort.Slice(p.lat, func(i, j int) bool { return p.lat[i] < p.lat[j] })
		d := p.lat[len(p.lat)/2]
		c, r, w := totals(p.calls)
		b.rows = append(b.rows, row{kind: "cost", name: p.name, calls: c, minCalls: 1, read: r, minRead: queryRead(p.calls, recordsOnly),
			write: w, ms: ms(d), note: "extra: link check, summary, audit entry"})
		ovMs, ovRead = append(ovMs, ms(d)), append(ovRead, r)
	}
	d30, r30, d5y, r5y := ovMs[0], ovRead[0], ovMs[1], ovRead[1]

	// One export page, then the whole five years for throughput.
	path := fmt.Sprintf("/patients/%s/export?format=json", long)
	pd, calls, err := b.timed(path, 1)
	if err != nil {
		return err
	}
	c, r, w := totals(calls)
	b.rows = append(b.rows, row{kind: "cost", name: "export page (1,000 records, JSON)", calls: c, minCalls: 1, read: r,
		minRead: queryRead(calls, recordsOnly), write: w, ms: ms(pd), note: "extra: link check, audit entry"})
	t0 := time.Now()
	exported, pages := 0, 0
	for next := path; next != "" && pages < 100; pages++ {
		out, h, _, err := b.call("GET", next, b.doctor, nil, 200)
		if err != nil {
			return err
		}
		var page []json.RawMessage
		if err := json.Unmarshal(out, &page); err != nil {
			var wrapped struct{ Records []json.RawMessage }
			if err := json.Unmarshal(out, &wrapped); err != nil {
				return fmt.Errorf("export page: %v", err)
			}
			page = wrapped.Records
		}
		exported += len(page)
		next = ""
		if cur := h.Get("X-Next-Cursor"); cur != "" {
			next = path + "&cursor=" + cur
		}
	}
	el := time.Since(t0)
	b.meter.Take()

	// GET /patients: the first page of 10 for 10 and for 1,000 patients
	// (flat per page), and the default page (50) of 1,000 for its cost.
	list := func(n int, query string) (time.Duration, float64, error) {
		d, calls, err := b.timed("/patients"+query, reps)
		if err != nil {
			return 0, 0, err
		}
		c, r, w := totals(calls)
		listed := 0
		var rowRead float64
		present := 0
		for _, cl := range calls {
			if cl.Op != "BatchGetItem" {
				continue
			}
			for _, it := range cl.Reads {
				present++
				rowRead += math.Max(1, math.Ceil(float64(it.Size)/4096))
				if strings.HasPrefix(it.SK, keys.LinkPrefix) {
					listed++
				}
			}
		}
		// a missing item (a patient who never synced has no summary)
		// still costs 1
		rowRead += float64(3*listed - present)
		gsi := 0
		for _, cl := range calls {
			if cl.Op == "Query" {
				for _, it := range cl.Reads {
					gsi += it.Size
				}
			}
		}
		minRead := math.Max(0.5, math.Ceil(float64(gsi)/4096)/2) + rowRead
		b.rows = append(b.rows, row{kind: "cost", name: fmt.Sprintf("GET /patients, %d patients (page of %d)", n, listed), calls: c,
			minCalls: 1 + (3*listed+99)/100, read: r, minRead: minRead, write: w, ms: ms(d), note: "extra: an audit entry per listed patient"})
		return d, r, nil
	}
	have := 3 // the demo patient, short and long
	add := func(to int) error {
		g, gctx := errgroup.WithContext(b.ctx)
		g.SetLimit(16)
		for range to - have {
			g.Go(func() error {
				if gctx.Err() != nil {
					return gctx.Err()
				}
				_, err := b.linkedPatient(0)
				return err
			})
		}
		have = to
		return g.Wait()
	}
	if err := add(10); err != nil {
		return err
	}
	l10, lr10, err := list(10, "?limit=10")
	if err != nil {
		return err
	}
	if err := add(1000); err != nil {
		return err
	}
	l1000, lr1000, err := list(1000, "?limit=10")
	if err != nil {
		return err
	}
	if _, _, err := list(1000, ""); err != nil {
		return err
	}

	b.rows = append(b.rows,
		row{kind: "growth", name: "overview 30 days: 5 years vs 30 days of history",
			text: [3]string{fmt.Sprintf("%.1f ms, %.1f RCU", d5y, r5y), fmt.Sprintf("%.1f ms, %.1f RCU", d30, r30), ratio(d5y, d30) + " / " + ratio(r5y, r30)},
			note: "flat: latency / RCU"},
		row{kind: "growth", name: "GET /patients page of 10: 1,000 vs 10 patients",
			text: [3]string{fmt.Sprintf("%.1f ms, %.1f RCU", ms(l1000), lr1000), fmt.Sprintf("%.1f ms, %.1f RCU", ms(l10), lr10), ratio(float64(l1000), float64(l10)) + " / " + ratio(lr1000, lr10)},
			note: "flat per page: latency / RCU"},
		row{kind: "growth", name: "export, JSON, 5 years of history",
			text: [3]string{fmt.Sprintf("%.0f records/s", float64(exported)/el.Seconds()), "-", "-"},
			note: fmt.Sprintf("%d records, %d pages, %.2f s", exported, pages, el.Seconds())},
	)
	return nil
}

// ratio is a/b; over a zero minimum it shows the extra units instead.
func ratio(a, b float64) string {
	if b == 0 {
		if a == 0 {
			return "1.00"
		}
		return fmt.Sprintf("+%g", a)
	}
	return fmt.Sprintf("%.2f", a/b)
}

func (b *bench) print() {
	fmt.Printf("make bench, %s, %s: init (median of interleaved runs), DynamoDB cost per operation through scripts/ddbmeter (units as DynamoDB charges them, index writes computed; min = what the access pattern allows, +N = N over a zero minimum), growth\n",
		time.Now().UTC().Format(time.DateOnly), initbench.HostArch())
	fmt.Printf("| %-52s | %-38s | %-29s | %-21s | %s\n", "measure", "measured", "floor / minimum", "ratio (calls/RCU/WCU)", "note")
	fmt.Printf("|%s|%s|%s|%s|%s|\n", strings.Repeat("-", 54), strings.Repeat("-", 40), strings.Repeat("-", 31), strings.Repeat("-", 23), strings.Repeat("-", 6))
	for _, r := range b.rows {
		cells := r.text
		if r.kind == "cost" {
			cells = [3]string{
				fmt.Sprintf("%d calls, %g RCU, %g WCU, %.0f ms", r.calls, r.read, r.write, r.ms),
				fmt.Sprintf("%d calls, %g RCU, %g WCU", r.minCalls, r.minRead, r.minWrite),
				fmt.Sprintf("%s / %s / %s", ratio(float64(r.calls), float64(r.minCalls)), ratio(r.read, r.minRead), ratio(r.write, r.minWrite)),
			}
		}
		fmt.Printf("| %-52s | %-38s | %-29s | %-21s | %s\n", r.name, cells[0], cells[1], cells[2], r.note)
	}
}
