package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/access"
	"github.com/copdfuel/backend/pkg/apigw/apigwtest"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/memstore"
	"github.com/copdfuel/backend/pkg/overview"
)

// testNow is 17:30 UTC: the earliest local date on Earth is 2026-12-03
// (UTC-12), the latest 2026-12-04 (UTC+14).
var testNow = time.Date(2026, 12, 3, 17, 30, 0, 0, time.UTC)

const (
	doctor  = "doc-1"
	patient = "8f2a6c1e-1b7d-4c55-9a0e-3c1d2e4f5a6b"
)

type harness struct {
	store *memstore.Store
	logs  *bytes.Buffer
	h     *Handler
	froms []string // RecordsByDate ranges asked for
}

// spy records the ranges the handler reads.
type spy struct {
	*memstore.Store
	h *harness
}

func (s spy) RecordsByDate(ctx context.Context, p, from, to string) ([]copd.StoredRecord, error) {
	s.h.froms = append(s.h.froms, from+".."+to)
	return s.Store.RecordsByDate(ctx, p, from, to)
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{store: memstore.New(), logs: &bytes.Buffer{}}
	h.h = &Handler{Store: spy{h.store, h}, Now: func() time.Time { return testNow }}
	mustLink(t, h.store, patient, doctor)
	return h
}

func mustLink(t *testing.T, s *memstore.Store, p, d string) {
	t.Helper()
	t0 := testNow.Add(-30 * 24 * time.Hour)
	if _, err := s.ActivateLink(context.Background(), copd.Link{PatientID: p, DoctorID: d, PracticeID: "pr-1", Status: copd.LinkActive, ConsentedAt: t0, LinkedAt: t0}); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

func rec(id string, typ copd.RecordType, date string, set func(*copd.Record)) copd.Record {
	r := copd.Record{ID: id, Type: typ, Date: date, Time: "08:00", UpdatedAt: date + "T08:00:00-05:00"}
	set(&r)
	return r
}

func ox(id, date string, level float64) copd.Record {
	return rec(id, copd.TypeOxygen, date, func(r *copd.Record) { r.Level = ptr(level) })
}

// mustSync stores records the way POST /sync does, summary included.
func (h *harness) mustSync(t *testing.T, rs ...copd.Record) {
	t.Helper()
	ctx := context.Background()
	var stored []copd.StoredRecord
	for _, r := range rs {
		n := r.Normalized()
		sr := copd.StoredRecord{Record: n, Version: n.Version(), SyncedAt: testNow.Add(-time.Hour)}
		if err := h.store.PutRecord(ctx, patient, sr); err != nil {
			t.Fatal(err)
		}
		stored = append(stored, sr)
	}
	sum, rev, err := h.store.GetSummary(ctx, patient)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store.PutSummary(ctx, patient, sum.Apply(stored, testNow.Add(-time.Hour)), rev); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) get(t *testing.T, role copd.Role, sub, id string, query map[string][]string) events.APIGatewayProxyResponse {
	t.Helper()
	ev := apigwtest.Event(t, role, sub, "GET", "/patients/{id}/overview", map[string]string{"id": id}, "")
	ev.MultiValueQueryStringParameters = query
	ev.QueryStringParameters = map[string]string{}
	for k, v := range query {
		ev.QueryStringParameters[k] = v[len(v)-1]
	}
	return apigwtest.Serve(t, apigwtest.Adapter(testNow, h.logs), "overview", h.h.Serve, ev)
}

func mustOverview(t *testing.T, resp events.APIGatewayProxyResponse) overview.Overview {
	t.Helper()
	apigwtest.MustStatus(t, resp, 200, "")
	var ov overview.Overview
	if err := json.Unmarshal([]byte(resp.Body), &ov); err != nil {
		t.Fatal(err)
	}
	return ov
}

func TestOverview_Numbers(t *testing.T) {
	h := newHarness(t)
	h.mustSync(t,
		ox("o1", "2026-12-03", 85), ox("o2", "2026-12-02", 95), ox("o3", "2026-11-27", 90),
		ox("old", "2026-11-26", 70), // one day before a 7-day window
		func() copd.Record { r := ox("gone", "2026-12-03", 60); r.Deleted = true; return r }(),
		rec("r1", copd.TypeMedication, "2026-12-01", func(r *copd.Record) {
			r.Name, r.Dosage, r.MedicationType = ptr("Salbutamol"), ptr("2 puffs"), ptr("exacerbation")
		}),
		rec("goal", copd.TypeWeight, "2026-06-01", func(r *copd.Record) { r.Weight, r.Unit, r.IsGoal = ptr(70.0), ptr("kg"), ptr(true) }),
		rec("w1", copd.TypeWeight, "2026-11-28", func(r *copd.Record) { r.Weight, r.Unit, r.IsGoal = ptr(74.0), ptr("kg"), ptr(false) }),
		rec("w2", copd.TypeWeight, "2026-12-03", func(r *copd.Record) { r.Weight, r.Unit, r.IsGoal = ptr(72.5), ptr("kg"), ptr(false) }),
	)
	ov := mustOverview(t, h.get(t, copd.RoleDoctor, doctor, patient, map[string][]string{"days": {"7"}}))
	if diff := cmp.Diff(overview.Window{From: "2026-11-27", To: "2026-12-03", Days: 7}, ov.Window); diff != "" {
		t.Errorf("window (-want +got):\n%s", diff)
	}
	// Oxygen: 85, 95, 90 (the 70 is outside, the 60 deleted): mean 90, min 85, one below 88.
	got := []any{*ov.Oxygen.MeanPercent, *ov.Oxygen.MinPercent, ov.Oxygen.BelowThresholdCount, ov.Oxygen.ReadingCount, ov.Oxygen.DaysWithReading,
		ov.Medications.Exacerbation.Doses, ov.Medications.Exacerbation.Dates, *ov.Weight.ChangeKg, ov.Weight.Goal.Value, *ov.Weight.ToGoalKg}
	want := []any{90.0, 85.0, 1, 3, 3, 1, []string{"2026-12-01"}, -1.5, 70.0, -2.5}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("numbers (-want +got):\n%s", diff)
	}
	if ov.LastSyncAt == nil || !ov.LastSyncAt.Equal(testNow.Add(-time.Hour)) {
		t.Errorf("lastSyncAt %v", ov.LastSyncAt)
	}
	// The read covered the window plus the dates that may be the patient's today.
	if diff := cmp.Diff([]string{"2026-11-27..2026-12-04"}, h.froms); diff != "" {
		t.Errorf("RecordsByDate ranges (-want +got):\n%s", diff)
	}
	// The audit entry names the doctor, the action, the request.
	log, _, err := h.store.AuditLog(context.Background(), patient, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	wantAudit := []copd.AuditEntry{{PatientID: patient, DoctorID: doctor, PracticeID: "pr-1", Action: copd.AuditOverview,
		RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", SourceIP: apigwtest.SourceIP, At: time.UnixMilli(1764783000000).UTC()}}
	if diff := cmp.Diff(wantAudit, log); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

// TestOverview_Window: the last day is the patient's latest plausible
// local today; the default is 30 days; an empty window is nulls.
func TestOverview_Window(t *testing.T) {
	tests := []struct {
		name  string
		recs  []copd.Record
		query map[string][]string
		want  overview.Window
	}{
		{"no records: the earliest today on Earth", nil, nil, overview.Window{From: "2026-11-04", To: "2026-12-03", Days: 30}},
		{"a patient already on 2026-12-04 (UTC+13)", []copd.Record{ox("o", "2026-12-04", 93)}, map[string][]string{"days": {"1"}}, overview.Window{From: "2026-12-04", To: "2026-12-04", Days: 1}},
		{"a deleted record does not move it", []copd.Record{func() copd.Record { r := ox("o", "2026-12-04", 93); r.Deleted = true; return r }()}, map[string][]string{"days": {"2"}}, overview.Window{From: "2026-12-02", To: "2026-12-03", Days: 2}},
		{"a year", nil, map[string][]string{"days": {"365"}}, overview.Window{From: "2025-12-04", To: "2026-12-03", Days: 365}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			if len(tc.recs) > 0 {
				h.mustSync(t, tc.recs...)
			}
			ov := mustOverview(t, h.get(t, copd.RoleDoctor, doctor, patient, tc.query))
			if diff := cmp.Diff(tc.want, ov.Window); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if len(tc.recs) == 0 && (ov.Oxygen.MeanPercent != nil || ov.LastSyncAt != nil || len(ov.Daily) != tc.want.Days) {
				t.Errorf("empty window: mean %v lastSync %v, %d days", ov.Oxygen.MeanPercent, ov.LastSyncAt, len(ov.Daily))
			}
		})
	}
}

func TestOverview_BadQuery(t *testing.T) {
	tests := []struct {
		name  string
		query map[string][]string
		code  string
	}{
		{"zero days", map[string][]string{"days": {"0"}}, CodeInvalidDays},
		{"366 days", map[string][]string{"days": {"366"}}, CodeInvalidDays},
		{"not a number", map[string][]string{"days": {"week"}}, CodeInvalidDays},
		{"decimal", map[string][]string{"days": {"7.5"}}, CodeInvalidDays},
		{"repeated", map[string][]string{"days": {"7", "30"}}, "repeated_parameter"},
		{"unknown", map[string][]string{"from": {"2026-01-01"}}, "unknown_parameter"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			apigwtest.MustStatus(t, h.get(t, copd.RoleDoctor, doctor, patient, tc.query), 400, tc.code)
			if n := h.store.Calls(memstore.OpGetLink); n != 0 {
				t.Errorf("a bad query reached the store")
			}
		})
	}
}

// TestOverview_Access: every caller who may not read the patient gets the
// same 404 body (bar the request id) as for an id that does not exist, and
// nothing is audited.
func TestOverview_Access(t *testing.T) {
	h := newHarness(t)
	mustLink(t, h.store, "pat-revoked", doctor)
	if _, err := h.store.RevokeLink(context.Background(), "pat-revoked", doctor, testNow, nil); err != nil {
		t.Fatal(err)
	}
	mustLink(t, h.store, "pat-other", "doc-2")
	unknown := h.get(t, copd.RoleDoctor, doctor, "no-such-patient", nil)
	apigwtest.MustStatus(t, unknown, 404, access.CodePatientNotFound)
	tests := []struct {
		name    string
		role    copd.Role
		sub, id string
		status  int
	}{
		{"revoked", copd.RoleDoctor, doctor, "pat-revoked", 404},
		{"another doctor's patient", copd.RoleDoctor, doctor, "pat-other", 404},
		{"never linked doctor", copd.RoleDoctor, "doc-3", patient, 404},
		{"malformed id", copd.RoleDoctor, doctor, "a#b", 404},
		{"the patient on their own data", copd.RolePatient, patient, patient, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := h.get(t, tc.role, tc.sub, tc.id, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, resp.Body)
			}
			if tc.status == 404 && resp.Body != unknown.Body {
				t.Errorf("body %s differs from an unknown id's %s", resp.Body, unknown.Body)
			}
		})
	}
	for _, p := range []string{"pat-revoked", "pat-other", patient} {
		if log, _, _ := h.store.AuditLog(context.Background(), p, "", 10); len(log) != 0 {
			t.Errorf("denied reads of %s were audited: %+v", p, log)
		}
	}
}

// TestOverview_AuditFailure: no audit entry, no data.
func TestOverview_AuditFailure(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
	}{
		{"throttled", errs.E(errs.Unavailable, "store_unavailable", "busy"), 503},
		{"broken", errors.New("boom"), 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.mustSync(t, ox("o1", "2026-12-03", 85))
			h.store.Fail = func(op string) error {
				if op == memstore.OpPutAudit {
					return tc.err
				}
				return nil
			}
			resp := h.get(t, copd.RoleDoctor, doctor, patient, nil)
			if resp.StatusCode != tc.status || strings.Contains(resp.Body, "85") || strings.Contains(resp.Body, "oxygen") {
				t.Errorf("status %d body %s; want %d and no data", resp.StatusCode, resp.Body, tc.status)
			}
		})
	}
}

func TestOverview_NoPHIInLogs(t *testing.T) {
	h := newHarness(t)
	h.mustSync(t, ox("o1", "2026-12-03", 81.25), rec("m", copd.TypeMedication, "2026-12-03", func(r *copd.Record) {
		r.Name, r.Dosage, r.MedicationType = ptr("SENTINELPHI"), ptr("SENTINELDOSE"), ptr("daily")
	}))
	h.get(t, copd.RoleDoctor, doctor, patient, nil)
	h.get(t, copd.RoleDoctor, doctor, patient, map[string][]string{"days": {"SENTINELQ"}})
	logs := h.logs.String()
	for _, leak := range []string{"SENTINEL", "81.25", apigwtest.SourceIP} {
		if strings.Contains(logs, leak) {
			t.Errorf("log contains %q:\n%s", leak, logs)
		}
	}
	if !strings.Contains(logs, fmt.Sprintf(`"patient_id":%q`, patient)) {
		t.Errorf("log lacks the patient id:\n%s", logs)
	}
}
