package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/copdfuel/backend/pkg/access"
	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/memstore"
	"github.com/copdfuel/backend/pkg/overview"
	"github.com/copdfuel/backend/pkg/philog"
)

var cmpSort = cmpopts.SortSlices(func(a, b string) bool { return a < b })

var (
	//go:embed testdata/event.json
	eventJSON []byte
	//go:embed testdata/six-types.json
	sixTypes string
)

const patient = "8f2a6c1e-1b7d-4c55-9a0e-3c1d2e4f5a6b"

var testNow = time.Date(2026, 12, 3, 17, 30, 0, 0, time.UTC)

type harness struct {
	store *memstore.Store
	logs  *bytes.Buffer
	fn    func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{store: memstore.New(), logs: &bytes.Buffer{}}
	a := &apigw.Adapter{
		Access: access.Config{Pools: []access.Pool{
			{Role: copd.RolePatient, Issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Patients", ClientIDs: []string{"patientclient123"}},
			{Role: copd.RoleDoctor, Issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Doctors", ClientIDs: []string{"doctorclient456"}},
		}},
		Log:         philog.New(&lockedWriter{w: h.logs}, nil),
		AllowOrigin: "*",
		Now:         func() time.Time { return testNow },
	}
	handler := &Handler{Records: h.store, Now: func() time.Time { return testNow }, Parallel: 4}
	h.fn = a.Wrap("sync", handler.Serve)
	return h
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// post sends body as POST /sync from the test patient.
func (h *harness) post(t *testing.T, body string, edit ...func(*events.APIGatewayProxyRequest)) events.APIGatewayProxyResponse {
	t.Helper()
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(eventJSON, &ev); err != nil {
		t.Fatal(err)
	}
	ev.Body = body
	for _, e := range edit {
		e(&ev)
	}
	resp, err := h.fn(context.Background(), ev)
	if err != nil {
		t.Fatalf("handler error: %v", err)
	}
	return resp
}

// mustSync posts body and returns the statuses (with error codes for
// invalid records), expecting 200.
func (h *harness) mustSync(t *testing.T, body string) []string {
	t.Helper()
	resp := h.post(t, body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
	}
	var out copd.SyncResponse
	if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range out.Results {
		s := fmt.Sprintf("%s/%s %s", r.Type, r.ID, r.Status)
		if r.Error != nil {
			s += " " + r.Error.Code
		}
		got = append(got, s)
	}
	return got
}

func (h *harness) mustErr(t *testing.T, resp events.APIGatewayProxyResponse, status int, code string) {
	t.Helper()
	var b apigw.ErrorBody
	_ = json.Unmarshal([]byte(resp.Body), &b)
	if resp.StatusCode != status || b.Error.Code != code {
		t.Fatalf("got %d %q (%s), want %d %q", resp.StatusCode, b.Error.Code, resp.Body, status, code)
	}
}

func records(rs ...string) string { return `{"records":[` + strings.Join(rs, ",") + `]}` }

func oxygen(id, date, updatedAt string, level int) string {
	return fmt.Sprintf(`{"id":%q,"type":"oxygen","date":%q,"updatedAt":%q,"level":%d}`, id, date, updatedAt, level)
}

func (h *harness) stored(t *testing.T, from, to string) []string {
	t.Helper()
	recs, err := h.store.RecordsByDate(context.Background(), patient, from, to)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		s := fmt.Sprintf("%s %s/%s", r.Date, r.Type, r.ID)
		if r.Level != nil {
			s += fmt.Sprintf(" %g", *r.Level)
		}
		if r.Deleted {
			s += " deleted"
		}
		out = append(out, s)
	}
	return out
}

func TestSync_AllTypesThenReplay(t *testing.T) {
	h := newHarness(t)
	want := []string{"weight/w-1 created", "medication/m-1 created", "oxygen/o-1 created", "exercise/e-1 created", "water/h-1 created", "food/f-1 created"}
	if diff := cmp.Diff(want, h.mustSync(t, sixTypes)); diff != "" {
		t.Fatalf("first sync (-want +got):\n%s", diff)
	}
	puts := h.store.Calls(memstore.OpPutRecord)
	for i := range want {
		want[i] = strings.Replace(want[i], "created", "unchanged", 1)
	}
	if diff := cmp.Diff(want, h.mustSync(t, sixTypes)); diff != "" {
		t.Fatalf("replay (-want +got):\n%s", diff)
	}
	if got := h.store.Calls(memstore.OpPutRecord); got != puts {
		t.Errorf("replay wrote %d records; a replay must only read", got-puts)
	}
	if n := len(h.stored(t, "2026-11-30", "2026-11-30")); n != 6 {
		t.Errorf("stored %d records, want 6", n)
	}
}

func TestSync_LastWriterWins(t *testing.T) {
	older := oxygen("o", "2026-12-01", "2026-12-01T08:00:00Z", 90)
	newer := oxygen("o", "2026-12-01", "2026-12-01T09:30:00+01:00", 85) // 08:30Z
	tests := []struct {
		name        string
		first, then string
		want        string
		stored      string
	}{
		{"newer after older", older, newer, "oxygen/o updated", "2026-12-01 oxygen/o 85"},
		{"older after newer", newer, older, "oxygen/o stale", "2026-12-01 oxygen/o 85"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.mustSync(t, records(tc.first))
			if diff := cmp.Diff([]string{tc.want}, h.mustSync(t, records(tc.then))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{tc.stored}, h.stored(t, "2026-12-01", "2026-12-01")); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSync_TieConverges: two devices edit the same record at the same
// instant (one in another offset); whatever the order they arrive in, the
// same version is stored.
func TestSync_TieConverges(t *testing.T) {
	a := oxygen("o", "2026-12-01", "2026-12-01T08:00:00Z", 90)
	b := oxygen("o", "2026-12-01", "2026-12-01T10:00:00+02:00", 91)
	var finals [][]string
	for _, order := range [][2]string{{a, b}, {b, a}} {
		h := newHarness(t)
		h.mustSync(t, records(order[0]))
		h.mustSync(t, records(order[1]))
		finals = append(finals, h.stored(t, "2026-12-01", "2026-12-01"))
	}
	if diff := cmp.Diff(finals[0], finals[1]); diff != "" {
		t.Errorf("devices diverge (-a,b +b,a):\n%s", diff)
	}
}

func TestSync_DuplicateKeysInOneBatch(t *testing.T) {
	h := newHarness(t)
	v1 := oxygen("o", "2026-12-01", "2026-12-01T08:00:00Z", 90)
	v2 := oxygen("o", "2026-12-01", "2026-12-01T08:05:00Z", 92)
	got := h.mustSync(t, records(v2, v1, v2))
	want := []string{"oxygen/o created", "oxygen/o stale", "oxygen/o unchanged"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"2026-12-01 oxygen/o 92"}, h.stored(t, "2026-12-01", "2026-12-01")); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
	if n := h.store.Calls(memstore.OpPutRecord); n != 1 {
		t.Errorf("%d puts for one key, want 1", n)
	}
}

// The same id under two types is two records (apps keep a table per type).
func TestSync_SameIDOtherType(t *testing.T) {
	h := newHarness(t)
	got := h.mustSync(t, records(oxygen("1", "2026-12-01", "2026-12-01T08:00:00Z", 90),
		`{"id":"1","type":"exercise","date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z","exerciseType":"walking","minutes":10}`))
	if diff := cmp.Diff([]string{"oxygen/1 created", "exercise/1 created"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSync_DateEditLeavesNoCopy(t *testing.T) {
	h := newHarness(t)
	h.mustSync(t, records(oxygen("o", "2026-11-28", "2026-12-01T08:00:00Z", 90)))
	got := h.mustSync(t, records(oxygen("o", "2026-11-29", "2026-12-01T08:01:00Z", 90)))
	if diff := cmp.Diff([]string{"oxygen/o updated"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"2026-11-29 oxygen/o 90"}, h.stored(t, "2026-11-01", "2026-11-30")); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
}

func TestSync_Tombstones(t *testing.T) {
	h := newHarness(t)
	create := oxygen("o", "2026-12-01", "2026-12-01T08:00:00Z", 90)
	del := `{"id":"o","type":"oxygen","date":"2026-12-01","updatedAt":"2026-12-01T09:00:00Z","deleted":true}`
	steps := []struct{ body, want string }{
		{create, "oxygen/o created"},
		{del, "oxygen/o deleted"},
		{del, "oxygen/o unchanged"},
		{create, "oxygen/o stale"}, // a late copy of the old version does not resurrect it
	}
	for _, s := range steps {
		if diff := cmp.Diff([]string{s.want}, h.mustSync(t, records(s.body))); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
	}
	if diff := cmp.Diff([]string{"2026-12-01 oxygen/o deleted"}, h.stored(t, "2026-12-01", "2026-12-01")); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
	// Deleting a record the server never saw stores a tombstone too.
	got := h.mustSync(t, records(`{"id":"x","type":"water","date":"2026-12-01","updatedAt":"2026-12-01T09:00:00Z","deleted":true}`))
	if diff := cmp.Diff([]string{"water/x deleted"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSync_InvalidRecordsDoNotBlockOthers(t *testing.T) {
	h := newHarness(t)
	big := `{"id":"big","type":"food","date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z","meal":"lunch","category":"x","description":"` + strings.Repeat("a", copd.MaxRecordBytes) + `"}`
	got := h.mustSync(t, records(
		oxygen("ok1", "2026-12-01", "2026-12-01T08:00:00Z", 90),
		`{"id":"u","type":"oxygen","date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z","level":90,"spo2":90}`,
		`{"id":"d","type":"oxygen","date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z","level":90,"level":80}`,
		`"just a string"`,
		`null`,
		`[]`,
		`{"id":"n","type":"oxygen","date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z","level":"ninety"}`,
		`{"id":"huge","type":"oxygen","date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z","level":1e309}`,
		`{"id":7,"type":"oxygen","date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z","level":90}`,
		big,
		oxygen("ok2", "2026-12-01", "2026-12-01T08:00:00Z", 140),
		oxygen("ok3", "2026-12-01", "2026-12-01T08:00:00Z", 88),
	))
	want := []string{
		"oxygen/ok1 created",
		"oxygen/u invalid unknown_field",
		"oxygen/d invalid duplicate_key",
		"/ invalid invalid_json",
		"/ invalid invalid_json",
		"/ invalid invalid_json",
		"oxygen/n invalid invalid_json",
		"oxygen/huge invalid invalid_json",
		"oxygen/ invalid invalid_json",
		"food/big invalid record_too_large",
		"oxygen/ok2 invalid out_of_range",
		"oxygen/ok3 created",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSync_RequestErrors(t *testing.T) {
	var many []string
	for i := range copd.MaxSyncRecords + 1 {
		many = append(many, oxygen(fmt.Sprint(i), "2026-12-01", "2026-12-01T08:00:00Z", 90))
	}
	tests := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"empty body", ``, 400, apigw.CodeBodyRequired},
		{"no records field", `{}`, 400, CodeNoRecords},
		{"records null", `{"records":null}`, 400, CodeNoRecords},
		{"records empty", `{"records":[]}`, 400, CodeNoRecords},
		{"records not an array", `{"records":{"id":"x"}}`, 400, apigw.CodeInvalidJSON},
		{"top-level array", `[` + oxygen("a", "2026-12-01", "2026-12-01T08:00:00Z", 90) + `]`, 400, apigw.CodeInvalidJSON},
		{"extra top-level field", `{"records":[],"deviceId":"x"}`, 400, apigw.CodeUnknownField},
		{"duplicate records key", `{"records":[],"records":[]}`, 400, apigw.CodeDuplicateKey},
		{"trailing garbage", `{"records":[]}]`, 400, apigw.CodeTrailingData},
		{"too many records", records(many...), 413, CodeTooMany},
		{"body over 1 MiB", `{"records":["` + strings.Repeat("x", copd.MaxSyncBodyBytes) + `"]}`, 413, apigw.CodeBodyTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.mustErr(t, h.post(t, tc.body), tc.status, tc.code)
			if n := h.store.Calls(memstore.OpPutRecord); n != 0 {
				t.Errorf("a rejected request wrote %d records", n)
			}
		})
	}
}

func TestSync_Limits(t *testing.T) {
	h := newHarness(t)
	var recs []string
	for i := range copd.MaxSyncRecords {
		recs = append(recs, oxygen(fmt.Sprintf("r%03d", i), "2026-12-01", "2026-12-01T08:00:00Z", 90+i%10))
	}
	got := h.mustSync(t, records(recs...))
	if len(got) != copd.MaxSyncRecords {
		t.Fatalf("%d results, want %d", len(got), copd.MaxSyncRecords)
	}
	for i, g := range got {
		if want := fmt.Sprintf("oxygen/r%03d created", i); g != want {
			t.Fatalf("result %d = %q, want %q (results out of order or lost)", i, g, want)
		}
	}
	if n := len(h.stored(t, "2026-12-01", "2026-12-01")); n != copd.MaxSyncRecords {
		t.Errorf("stored %d", n)
	}
}

func TestSync_WrongRole(t *testing.T) {
	h := newHarness(t)
	resp := h.post(t, sixTypes, func(ev *events.APIGatewayProxyRequest) {
		c := ev.RequestContext.Authorizer["claims"].(map[string]any)
		c["iss"] = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Doctors"
		c["aud"] = "doctorclient456"
	})
	h.mustErr(t, resp, 403, access.CodeWrongRole)
	if n := h.store.Calls(memstore.OpGetRecords); n != 0 {
		t.Errorf("a doctor's sync reached the store")
	}
}

// TestSync_StoreFailures: whatever fails, the answer is never a 200 that
// hides a lost record, and a retry after the fault converges.
func TestSync_StoreFailures(t *testing.T) {
	unavailable := errs.Wrap(errs.Unavailable, "store_unavailable", "the data store is busy; retry later", errors.New("throttled"))
	tests := []struct {
		name   string
		failOp string
		failN  int // fail the Nth call of failOp (1-based)
		err    error
		status int
	}{
		{"read throttled", memstore.OpGetRecords, 1, unavailable, 503},
		{"first write throttled", memstore.OpPutRecord, 1, unavailable, 503},
		{"fourth write fails unexpectedly", memstore.OpPutRecord, 4, errors.New("boom"), 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			var mu sync.Mutex
			n := 0
			h.store.Fail = func(op string) error {
				if op != tc.failOp {
					return nil
				}
				mu.Lock()
				defer mu.Unlock()
				n++
				if n == tc.failN {
					return tc.err
				}
				return nil
			}
			resp := h.post(t, sixTypes)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, resp.Body)
			}
			if tc.status == 503 && resp.Headers["Retry-After"] == "" {
				t.Errorf("503 without Retry-After")
			}
			h.store.Fail = nil
			got := h.mustSync(t, sixTypes)
			for _, g := range got {
				if !strings.HasSuffix(g, " created") && !strings.HasSuffix(g, " unchanged") {
					t.Errorf("retry after fault: %s", g)
				}
			}
			if n := len(h.stored(t, "2026-11-30", "2026-11-30")); n != 6 {
				t.Errorf("after retry %d records stored, want 6", n)
			}
		})
	}
}

// TestSync_LosesRaceToAnotherDevice: between the handler's read and its
// conditional write, another device stores a newer (or the same) version.
func TestSync_LosesRaceToAnotherDevice(t *testing.T) {
	mine := oxygen("o", "2026-12-01", "2026-12-01T08:00:00Z", 90)
	tests := []struct {
		name  string
		other string
		want  string
	}{
		{"newer version wins", oxygen("o", "2026-12-01", "2026-12-01T08:10:00Z", 93), "oxygen/o stale"},
		{"same version", mine, "oxygen/o unchanged"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			var other copd.Record
			if err := json.Unmarshal([]byte(tc.other), &other); err != nil {
				t.Fatal(err)
			}
			raced := false
			h.store.Fail = func(op string) error {
				if op == memstore.OpPutRecord && !raced {
					raced = true // the other device's put below calls Fail too
					if err := h.store.PutRecord(context.Background(), patient, copd.StoredRecord{Record: other, Version: other.Version(), SyncedAt: testNow}); err != nil {
						t.Errorf("other device: %v", err)
					}
				}
				return nil
			}
			if diff := cmp.Diff([]string{tc.want}, h.mustSync(t, records(mine))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestSync_NoPHIInLogs seeds sentinel values into every free-text and
// numeric field and checks that none reaches the log, on success and on
// every error path.
func TestSync_NoPHIInLogs(t *testing.T) {
	const s = "SENTINELPHI"
	h := newHarness(t)
	bodies := []string{
		records(
			`{"id":"m","type":"medication","date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z","name":"`+s+`name","dosage":"`+s+`dose","medicationType":"daily"}`,
			`{"id":"f","type":"food","date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z","meal":"lunch","category":"`+s+`cat","description":"`+s+`desc","calories":777.123}`,
			`{"id":"e","type":"exercise","date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z","exerciseType":"`+s+`ex","minutes":43.21}`,
			`{"id":"w","type":"weight","date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z","weight":123.456,"unit":"kg","isGoal":true}`,
			`{"id":"bad","type":"medication","date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z","`+s+`field":1}`,
		),
		`{"` + s + `":1}`,
		`{"records":[` + strings.Repeat(" ", 10) + `"` + s + `"]`,
	}
	for _, b := range bodies {
		h.post(t, b)
	}
	h.store.Fail = func(string) error { return errors.New(s + " store error") }
	h.post(t, bodies[0])
	logs := h.logs.String()
	for _, leak := range []string{s, "123.456", "777.123", "43.21", "pat.example", "203.0.113.7", "iPhone"} {
		if strings.Contains(logs, leak) {
			t.Errorf("log contains %q:\n%s", leak, logs)
		}
	}
	if !strings.Contains(logs, `"request_id":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef"`) {
		t.Errorf("log lines lack the request id:\n%s", logs)
	}
}

// flags returns the list flags of the test patient's stored summary as of
// the test's today, and the summary's revision.
func (h *harness) flags(t *testing.T) (overview.Flags, int64) {
	t.Helper()
	sum, rev, err := h.store.GetSummary(context.Background(), patient)
	if err != nil {
		t.Fatal(err)
	}
	return sum.Flags(testNow.Format(time.DateOnly), overview.Options{}), rev
}

// TestSync_KeepsListSummary: every sync leaves the patient's list summary
// in step with what is stored: created, updated, deleted, and a stale copy
// that must not win.
func TestSync_KeepsListSummary(t *testing.T) {
	h := newHarness(t)
	h.mustSync(t, records(oxygen("o1", "2026-12-02", "2026-12-02T08:00:00Z", 85), oxygen("o2", "2026-12-03", "2026-12-03T08:00:00Z", 94)))
	fl, rev := h.flags(t)
	if !fl.LowOxygen || *fl.LowestSpo2Percent != 85 || rev != 1 || !fl.LastSyncAt.Equal(testNow) {
		t.Fatalf("after the first sync: %+v rev %d; want low oxygen 85, rev 1, lastSyncAt now", fl, rev)
	}
	// The low reading is corrected on one phone; another phone later sends
	// the old copy (stale): the summary keeps the correction.
	h.mustSync(t, records(oxygen("o1", "2026-12-02", "2026-12-02T09:00:00Z", 92)))
	if diff := cmp.Diff([]string{"oxygen/o1 stale"}, h.mustSync(t, records(oxygen("o1", "2026-12-02", "2026-12-02T08:00:00Z", 85)))); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if fl, _ := h.flags(t); fl.LowOxygen || *fl.LowestSpo2Percent != 92 {
		t.Errorf("after the correction and a stale copy: %+v; want no low oxygen, lowest 92", fl)
	}
	// Deleting the only readings clears them.
	h.mustSync(t, records(`{"id":"o1","type":"oxygen","date":"2026-12-02","updatedAt":"2026-12-02T10:00:00Z","deleted":true}`,
		`{"id":"o2","type":"oxygen","date":"2026-12-03","updatedAt":"2026-12-03T10:00:00Z","deleted":true}`))
	if fl, rev := h.flags(t); fl.LowestSpo2Percent != nil || rev != 4 {
		t.Errorf("after deleting both: %+v rev %d; want no reading, rev 4", fl, rev)
	}
	// A batch of invalid records only stores nothing and leaves it alone.
	h.mustSync(t, records(oxygen("bad", "2026-12-03", "2026-12-03T08:00:00Z", 140)))
	if _, rev := h.flags(t); rev != 4 {
		t.Errorf("an all-invalid batch wrote the summary (rev %d)", rev)
	}
}

// TestSync_SummaryFailure: the records are stored but the summary write
// fails: the request fails (so the phone retries) and the retry, whose
// records are all unchanged, still brings the summary up to date.
func TestSync_SummaryFailure(t *testing.T) {
	tests := []struct {
		name   string
		op     string
		err    error
		status int
	}{
		{"summary read throttled", memstore.OpGetSummary, errs.E(errs.Unavailable, "store_unavailable", "busy"), 503},
		{"summary write throttled", memstore.OpPutSummary, errs.E(errs.Unavailable, "store_unavailable", "busy"), 503},
		{"summary write fails", memstore.OpPutSummary, errors.New("boom"), 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.store.Fail = func(op string) error {
				if op == tc.op {
					return tc.err
				}
				return nil
			}
			body := records(oxygen("o1", "2026-12-03", "2026-12-03T08:00:00Z", 84))
			if resp := h.post(t, body); resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, resp.Body)
			}
			if n := len(h.stored(t, "2026-12-03", "2026-12-03")); n != 1 {
				t.Fatalf("%d records stored before the summary failed, want 1", n)
			}
			h.store.Fail = nil
			if diff := cmp.Diff([]string{"oxygen/o1 unchanged"}, h.mustSync(t, body)); diff != "" {
				t.Fatalf("retry (-want +got):\n%s", diff)
			}
			if fl, _ := h.flags(t); !fl.LowOxygen {
				t.Errorf("after the retry the summary lacks the reading: %+v", fl)
			}
		})
	}
}

// TestSync_SummaryRace: another sync of the same patient writes the summary
// between this one's read and write; this one re-reads and both batches
// end up in the summary.
func TestSync_SummaryRace(t *testing.T) {
	h := newHarness(t)
	other := oxygen("other", "2026-12-03", "2026-12-03T07:00:00Z", 80)
	var otherRec copd.Record
	if err := json.Unmarshal([]byte(other), &otherRec); err != nil {
		t.Fatal(err)
	}
	races, inside := 0, false
	h.store.Fail = func(op string) error {
		if op == memstore.OpPutSummary && races < 2 && !inside {
			races++
			inside = true // the other sync's own calls pass through Fail too
			defer func() { inside = false }()
			sum, rev, err := h.store.GetSummary(context.Background(), patient)
			if err != nil {
				return err
			}
			n := otherRec.Normalized()
			sum = sum.Apply([]copd.StoredRecord{{Record: n, Version: n.Version(), SyncedAt: testNow}}, testNow)
			if err := h.store.PutSummary(context.Background(), patient, sum, rev); err != nil {
				t.Errorf("the other sync: %v", err)
			}
		}
		return nil
	}
	h.mustSync(t, records(oxygen("mine", "2026-12-03", "2026-12-03T08:00:00Z", 93)))
	if races != 2 {
		t.Fatalf("%d races, want 2", races)
	}
	sum, _, err := h.store.GetSummary(context.Background(), patient)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range sum.Facts {
		ids = append(ids, f.ID)
	}
	if diff := cmp.Diff([]string{"mine", "other"}, ids, cmpSort); diff != "" {
		t.Errorf("facts (-want +got):\n%s", diff)
	}
}
