package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/overview"
)

// DoctorStore is what the doctor-view conformance suite tests.
type DoctorStore interface {
	Store
	copd.LinkStore
	copd.AuditStore
	copd.ExportStore
	copd.DirectoryStore
	overview.Store
}

// RunDoctor runs the conformance tests of the doctor views' store methods
// (summaries, the patient list, audit entries, export pages, profiles).
func RunDoctor(t *testing.T, newStore func(t *testing.T) DoctorStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s DoctorStore)
	}{
		{"Summary", testSummary},
		{"LinkedPatients", testLinkedPatients},
		{"Rows", testRows},
		{"Audit", testAudit},
		{"RecordsPage", testRecordsPage},
		{"Profiles", testProfiles},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

func sampleSummary(level float64) overview.Summary {
	return overview.Summary{}.Apply([]copd.StoredRecord{stored(oxygen("o-1", "2026-03-01", "2026-03-01T08:00:00Z", level))}, syncedAt)
}

func testSummary(t *testing.T, s DoctorStore) {
	ctx := context.Background()
	sum, rev, err := s.GetSummary(ctx, "pat-1")
	if err != nil || rev != 0 || !cmp.Equal(overview.Summary{}, sum) {
		t.Fatalf("GetSummary of none: %+v, %d, %v; want the zero summary, 0", sum, rev, err)
	}
	a, b := sampleSummary(85), sampleSummary(95)
	if err := s.PutSummary(ctx, "pat-1", a, 0); err != nil {
		t.Fatalf("PutSummary(rev 0): %v", err)
	}
	if err := s.PutSummary(ctx, "pat-1", b, 0); kindOf(err) != errs.Conflict {
		t.Errorf("second PutSummary(rev 0): %v, want Conflict", err)
	}
	sum, rev, err = s.GetSummary(ctx, "pat-1")
	if err != nil || rev != 1 {
		t.Fatalf("GetSummary: rev %d, %v; want 1", rev, err)
	}
	if diff := cmp.Diff(a, sum); diff != "" {
		t.Errorf("GetSummary (-want +got):\n%s", diff)
	}
	if err := s.PutSummary(ctx, "pat-1", b, 1); err != nil {
		t.Fatalf("PutSummary(rev 1): %v", err)
	}
	if err := s.PutSummary(ctx, "pat-1", a, 1); kindOf(err) != errs.Conflict {
		t.Errorf("stale PutSummary(rev 1): %v, want Conflict", err)
	}
	if sum, rev, _ := s.GetSummary(ctx, "pat-1"); rev != 2 || !cmp.Equal(b, sum) {
		t.Errorf("after the second write: rev %d, %+v", rev, sum)
	}
	if _, rev, _ := s.GetSummary(ctx, "pat-2"); rev != 0 {
		t.Errorf("another patient's summary: rev %d, want 0", rev)
	}
}

func mustActivate(t *testing.T, s DoctorStore, patient, doctor string) {
	t.Helper()
	if _, err := s.ActivateLink(context.Background(), link(patient, doctor, t0)); err != nil {
		t.Fatalf("ActivateLink(%s, %s): %v", patient, doctor, err)
	}
}

func testLinkedPatients(t *testing.T, s DoctorStore) {
	ctx := context.Background()
	for _, p := range []string{"pat-5", "pat-1", "pat-3", "pat-2", "pat-4"} {
		mustActivate(t, s, p, "doc-1")
	}
	mustActivate(t, s, "pat-0", "doc-2")
	mustActivate(t, s, "pat-9", "doc-10") // a doctor id that doc-1 is a prefix of
	if _, err := s.RevokeLink(ctx, "pat-3", "doc-1", t0.Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	type page struct {
		IDs  []string
		Next string
	}
	tests := []struct {
		name  string
		after string
		limit int
		want  page
	}{
		{"first page", "", 2, page{[]string{"pat-1", "pat-2"}, "pat-2"}},
		{"second page skips the revoked link", "pat-2", 2, page{[]string{"pat-4", "pat-5"}, ""}},
		{"exactly full: no next", "", 4, page{[]string{"pat-1", "pat-2", "pat-4", "pat-5"}, ""}},
		{"after the last", "pat-5", 2, page{nil, ""}},
		{"after an id of no link", "pat-10", 1, page{[]string{"pat-2"}, "pat-2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ids, next, err := s.LinkedPatients(ctx, "doc-1", tc.after, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, page{ids, next}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if ids, _, err := s.LinkedPatients(ctx, "doc-9", "", 10); err != nil || len(ids) != 0 {
		t.Errorf("a doctor without links: %v, %v", ids, err)
	}
}

func testRows(t *testing.T, s DoctorStore) {
	ctx := context.Background()
	mustActivate(t, s, "pat-1", "doc-1")
	mustActivate(t, s, "pat-2", "doc-1")
	mustActivate(t, s, "pat-1", "doc-2")
	if _, err := s.RevokeLink(ctx, "pat-2", "doc-1", t0.Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	u := mustPutUser(t, s, copd.User{UserID: "pat-1", Email: "p1@example.test", Role: copd.RolePatient, DisplayName: "P One", CreatedAt: t0})
	sum := sampleSummary(85)
	if err := s.PutSummary(ctx, "pat-1", sum, 0); err != nil {
		t.Fatal(err)
	}
	// Enough patients for more than one 100-key batch.
	ids := []string{"pat-1", "pat-2", "pat-x", "pat-1"}
	for i := range 40 {
		ids = append(ids, fmt.Sprintf("none-%02d", i))
	}
	rows, err := s.Rows(ctx, "doc-1", ids)
	if err != nil {
		t.Fatal(err)
	}
	l1 := link("pat-1", "doc-1", t0)
	if diff := cmp.Diff(overview.Row{Link: &l1, User: &u, Summary: sum}, rows["pat-1"]); diff != "" {
		t.Errorf("row of pat-1 (-want +got):\n%s", diff)
	}
	if r := rows["pat-2"]; r.Link == nil || r.Link.Status != copd.LinkRevoked || r.User != nil {
		t.Errorf("row of pat-2: %+v, want its revoked link and no profile", r)
	}
	if r, ok := rows["pat-x"]; !ok || r.Link != nil || r.User != nil || !cmp.Equal(overview.Summary{}, r.Summary) {
		t.Errorf("row of pat-x: %+v (present %v), want an empty row", r, ok)
	}
	if len(rows) != 43 {
		t.Errorf("%d rows, want 43 (one per distinct id)", len(rows))
	}
}

func audit(patient string, at time.Time, req string) copd.AuditEntry {
	return copd.AuditEntry{PatientID: patient, DoctorID: "doc-1", PracticeID: "pr-1", Action: copd.AuditOverview, RequestID: req, SourceIP: "203.0.113.9", At: at}
}

func testAudit(t *testing.T, s DoctorStore) {
	ctx := context.Background()
	var all []copd.AuditEntry
	for i := range 30 {
		all = append(all, audit("pat-1", t0.Add(time.Duration(i)*time.Minute), fmt.Sprintf("req-%02d", i)))
	}
	if err := s.PutAudit(ctx, all...); err != nil {
		t.Fatalf("PutAudit of 30: %v", err)
	}
	// A retry of one request and of the batch: no duplicates.
	if err := s.PutAudit(ctx, all[3]); err != nil {
		t.Fatalf("PutAudit again: %v", err)
	}
	if err := s.PutAudit(ctx, all...); err != nil {
		t.Fatalf("PutAudit of 30 again: %v", err)
	}
	if err := s.PutAudit(ctx, audit("pat-2", t0, "req-other")); err != nil {
		t.Fatal(err)
	}
	var got []copd.AuditEntry
	after := ""
	pages := 0
	for {
		es, next, err := s.AuditLog(ctx, "pat-1", after, 7)
		if err != nil {
			t.Fatalf("AuditLog page %d: %v", pages, err)
		}
		got = append(got, es...)
		pages++
		if next == "" {
			break
		}
		after = next
		if pages > 10 {
			t.Fatal("AuditLog does not end")
		}
	}
	var want []copd.AuditEntry
	for i := len(all) - 1; i >= 0; i-- {
		want = append(want, all[i])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AuditLog newest first (-want +got):\n%s", diff)
	}
	if pages != 5 {
		t.Errorf("%d pages of 7 for 30 entries, want 5", pages)
	}
	if es, next, err := s.AuditLog(ctx, "pat-3", "", 5); err != nil || len(es) != 0 || next != "" {
		t.Errorf("AuditLog of no entries: %v, %q, %v", es, next, err)
	}
	for _, bad := range []string{"x", "2026-03-01T09:00:00Z#req", "#req", "2026-03-01T09:00:00.000000000Z#"} {
		if _, _, err := s.AuditLog(ctx, "pat-1", bad, 5); kindOf(err) != errs.Invalid {
			t.Errorf("AuditLog after %q: %v, want Invalid", bad, err)
		}
	}
}

func testRecordsPage(t *testing.T, s DoctorStore) {
	ctx := context.Background()
	var recs []copd.Record
	for _, d := range []string{"2026-03-01", "2026-03-02", "2026-03-04"} {
		recs = append(recs, Records(d, d+"T09:00:00Z", d)...)
	}
	for _, r := range recs {
		mustPut(t, s, "pat-1", r)
	}
	for _, r := range Records("2026-03-02", "2026-03-02T09:00:00Z", "other") {
		mustPut(t, s, "pat-2", r)
	}
	tests := []struct {
		name     string
		from, to string
		limit    int
		pages    int
	}{
		{"all in pages of 5", "2026-01-01", "2026-12-31", 5, 4},
		{"exactly full pages", "2026-01-01", "2026-12-31", 6, 3},
		{"one page", "0001-01-01", "9999-12-31", 100, 1},
		{"a range", "2026-03-02", "2026-03-04", 4, 3},
		{"empty range", "2026-03-03", "2026-03-03", 4, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := mustByDate(t, s, "pat-1", tc.from, tc.to)
			var got []copd.StoredRecord
			var after *copd.DateKey
			pages := 0
			for {
				page, next, err := s.RecordsPage(ctx, "pat-1", tc.from, tc.to, after, tc.limit)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) > tc.limit {
					t.Fatalf("page of %d, limit %d", len(page), tc.limit)
				}
				got = append(got, page...)
				pages++
				if next == nil {
					break
				}
				after = next
				if pages > 20 {
					t.Fatal("RecordsPage does not end")
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("pages joined against RecordsByDate (-want +got):\n%s", diff)
			}
			if pages != tc.pages {
				t.Errorf("%d pages, want %d", pages, tc.pages)
			}
		})
	}
}

func testProfiles(t *testing.T, s DoctorStore) {
	ctx := context.Background()
	u := mustPutUser(t, s, copd.User{UserID: "doc-1", Email: "d@example.test", Role: copd.RoleDoctor, DisplayName: "Dr. One", PracticeID: "pr-1", CreatedAt: t0})
	p, err := s.PutPractice(ctx, copd.Practice{PracticeID: "pr-1", Name: "Clinic", CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	users, practices, err := s.Profiles(ctx, []string{"doc-1", "doc-2", "doc-1", ""}, []string{"pr-1", "pr-2"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]copd.User{"doc-1": u}, users); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]copd.Practice{"pr-1": p}, practices); diff != "" {
		t.Errorf("practices (-want +got):\n%s", diff)
	}
}
