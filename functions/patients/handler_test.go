package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/apigw/apigwtest"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/memstore"
	"github.com/copdfuel/backend/pkg/overview"
)

var testNow = time.Date(2026, 12, 3, 17, 30, 0, 0, time.UTC)

const doctor = "doc-1"

func ptr[T any](v T) *T { return &v }

type harness struct {
	store *memstore.Store
	logs  *bytes.Buffer
	h     *Handler
}

// stale lists extra patient ids as the eventually consistent index might
// (a link revoked a moment ago).
type stale struct {
	*memstore.Store
	extra []string
}

func (s stale) LinkedPatients(ctx context.Context, d, after string, limit int) ([]string, string, error) {
	ids, next, err := s.Store.LinkedPatients(ctx, d, after, limit)
	return append(s.extra, ids...), next, err
}

func newHarness(t *testing.T, extra ...string) *harness {
	t.Helper()
	h := &harness{store: memstore.New(), logs: &bytes.Buffer{}}
	h.h = &Handler{Store: stale{h.store, extra}, Now: func() time.Time { return testNow }}
	return h
}

func (h *harness) link(t *testing.T, p, d string, name string) {
	t.Helper()
	ctx := context.Background()
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	if _, err := h.store.ActivateLink(ctx, copd.Link{PatientID: p, DoctorID: d, PracticeID: "pr-1", Status: copd.LinkActive, ConsentedAt: t0, LinkedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if name != "" {
		if _, err := h.store.PutUser(ctx, copd.User{UserID: p, Email: strings.ToLower(name) + "@example.test", Role: copd.RolePatient, DisplayName: name, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
}

func (h *harness) syncOxygen(t *testing.T, p, date string, level float64) {
	t.Helper()
	r := copd.Record{ID: "o-" + date, Type: copd.TypeOxygen, Date: date, UpdatedAt: date + "T08:00:00Z", Level: ptr(level)}.Normalized()
	sum, rev, err := h.store.GetSummary(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	sum = sum.Apply([]copd.StoredRecord{{Record: r, Version: r.Version()}}, testNow.Add(-time.Hour))
	if err := h.store.PutSummary(context.Background(), p, sum, rev); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) get(t *testing.T, role copd.Role, sub string, query map[string][]string) events.APIGatewayProxyResponse {
	t.Helper()
	ev := apigwtest.Event(t, role, sub, "GET", "/patients", nil, "")
	ev.MultiValueQueryStringParameters = query
	return apigwtest.Serve(t, apigwtest.Adapter(testNow, h.logs), "patients", h.h.Serve, ev)
}

func mustList(t *testing.T, resp events.APIGatewayProxyResponse) List {
	t.Helper()
	apigwtest.MustStatus(t, resp, 200, "")
	var l List
	if err := json.Unmarshal([]byte(resp.Body), &l); err != nil {
		t.Fatal(err)
	}
	return l
}

func ids(l List) []string {
	var out []string
	for _, p := range l.Patients {
		out = append(out, p.PatientID)
	}
	return out
}

func TestPatients_ListWithFlags(t *testing.T) {
	h := newHarness(t, "pat-revoked") // the index still lists a revoked link
	h.link(t, "pat-a", doctor, "Ann")
	h.link(t, "pat-b", doctor, "")
	h.link(t, "pat-revoked", doctor, "Rev")
	h.link(t, "pat-other", "doc-2", "Oth")
	if _, err := h.store.RevokeLink(context.Background(), "pat-revoked", doctor, testNow, nil); err != nil {
		t.Fatal(err)
	}
	h.syncOxygen(t, "pat-a", "2026-12-02", 84)
	h.syncOxygen(t, "pat-b", "2026-11-20", 80) // low, but not in the last 7 days
	l := mustList(t, h.get(t, copd.RoleDoctor, doctor, nil))
	synced := testNow.Add(-time.Hour)
	linked := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	want := List{Patients: []Patient{
		{PatientID: "pat-a", DisplayName: "Ann", Email: "ann@example.test", LinkedAt: linked,
			Flags: overview.Flags{LastSyncAt: &synced, LowOxygen: true, LowestSpo2Percent: ptr(84.0), LastLowOxygenDate: "2026-12-02"}},
		{PatientID: "pat-b", LinkedAt: linked, Flags: overview.Flags{LastSyncAt: &synced}},
	}}
	if diff := cmp.Diff(want, l); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for p, n := range map[string]int{"pat-a": 1, "pat-b": 1, "pat-revoked": 0, "pat-other": 0} {
		log, _, err := h.store.AuditLog(context.Background(), p, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != n || (n == 1 && (log[0].Action != copd.AuditList || log[0].DoctorID != doctor)) {
			t.Errorf("audit of %s: %+v, want %d list entries", p, log, n)
		}
	}
	if n := h.store.Calls(memstore.OpRows); n != 1 {
		t.Errorf("%d batch reads, want 1 (no read per patient)", n)
	}
}

func TestPatients_Pages(t *testing.T) {
	h := newHarness(t)
	for _, p := range []string{"pat-1", "pat-2", "pat-3", "pat-4", "pat-5"} {
		h.link(t, p, doctor, "")
	}
	h.link(t, "pat-0", "doc-2", "")
	h.link(t, "pat-6", "doc-2", "")
	var got []string
	q := map[string][]string{"limit": {"2"}}
	for range 5 {
		l := mustList(t, h.get(t, copd.RoleDoctor, doctor, q))
		got = append(got, ids(l)...)
		if l.NextCursor == "" {
			break
		}
		q = map[string][]string{"limit": {"2"}, "cursor": {l.NextCursor}}
	}
	if diff := cmp.Diff([]string{"pat-1", "pat-2", "pat-3", "pat-4", "pat-5"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// A forged cursor naming another doctor's patient is only a position in
	// the caller's own list: it never yields doc-2's patients.
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"p":"pat-0"}`))
	if l := mustList(t, h.get(t, copd.RoleDoctor, doctor, map[string][]string{"cursor": {forged}})); !cmp.Equal([]string{"pat-1", "pat-2", "pat-3", "pat-4", "pat-5"}, ids(l)) {
		t.Errorf("forged cursor listed %v", ids(l))
	}
	if l := mustList(t, h.get(t, copd.RoleDoctor, "doc-2", nil)); !cmp.Equal([]string{"pat-0", "pat-6"}, ids(l)) {
		t.Errorf("doc-2 lists %v", ids(l))
	}
}

func TestPatients_BadQuery(t *testing.T) {
	tests := []struct {
		name  string
		query map[string][]string
		code  string
	}{
		{"limit 0", map[string][]string{"limit": {"0"}}, CodeInvalidLimit},
		{"limit 101", map[string][]string{"limit": {"101"}}, CodeInvalidLimit},
		{"limit not a number", map[string][]string{"limit": {"all"}}, CodeInvalidLimit},
		{"repeated limit", map[string][]string{"limit": {"5", "6"}}, "repeated_parameter"},
		{"unknown parameter", map[string][]string{"q": {"ann"}}, "unknown_parameter"},
		{"garbage cursor", map[string][]string{"cursor": {"%%%"}}, copd.CodeInvalidCursor},
		{"cursor with another shape", map[string][]string{"cursor": {base64.RawURLEncoding.EncodeToString([]byte(`{"pk":"DOCTOR#doc-2"}`))}}, copd.CodeInvalidCursor},
		{"cursor with a key separator", map[string][]string{"cursor": {base64.RawURLEncoding.EncodeToString([]byte(`{"p":"x#y"}`))}}, copd.CodeInvalidCursor},
		{"empty cursor", map[string][]string{"cursor": {""}}, copd.CodeInvalidCursor},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			apigwtest.MustStatus(t, h.get(t, copd.RoleDoctor, doctor, tc.query), 400, tc.code)
		})
	}
}

func TestPatients_AuditFailureReturnsNoData(t *testing.T) {
	h := newHarness(t)
	h.link(t, "pat-a", doctor, "SENTINELNAME")
	h.store.Fail = func(op string) error {
		if op == memstore.OpPutAudit {
			return errs.E(errs.Unavailable, "store_unavailable", "busy")
		}
		return nil
	}
	resp := h.get(t, copd.RoleDoctor, doctor, nil)
	apigwtest.MustStatus(t, resp, 503, "store_unavailable")
	if strings.Contains(resp.Body, "SENTINELNAME") || strings.Contains(resp.Body, "pat-a") {
		t.Errorf("data left despite the failed audit: %s", resp.Body)
	}
	if strings.Contains(h.logs.String(), "SENTINELNAME") || strings.Contains(h.logs.String(), "example.test") {
		t.Errorf("PHI in logs: %s", h.logs.String())
	}
}

func TestPatients_PatientForbidden(t *testing.T) {
	h := newHarness(t)
	apigwtest.MustStatus(t, h.get(t, copd.RolePatient, "pat-a", nil), 403, "forbidden_role")
}
