package main

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/apigw/apigwtest"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/doctorread"
	"github.com/copdfuel/backend/pkg/memstore"
)

var testNow = time.Date(2026, 12, 3, 17, 30, 0, 0, time.UTC)

func mustStore(t *testing.T) *memstore.Store {
	t.Helper()
	ctx := context.Background()
	s := memstore.New()
	if _, err := s.PutPractice(ctx, copd.Practice{PracticeID: "pr-1", Name: "Riverside", CreatedAt: testNow}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutUser(ctx, copd.User{UserID: "doc-1", Role: copd.RoleDoctor, DisplayName: "Dr. Reyes", PracticeID: "pr-1", CreatedAt: testNow}); err != nil {
		t.Fatal(err)
	}
	var es []copd.AuditEntry
	for i := range 5 {
		es = append(es, copd.AuditEntry{PatientID: "pat-1", DoctorID: "doc-1", PracticeID: "pr-1", Action: copd.AuditOverview,
			RequestID: fmt.Sprintf("req-%d", i), SourceIP: "198.51.100.4", At: testNow.Add(time.Duration(i) * time.Minute)})
	}
	es = append(es, copd.AuditEntry{PatientID: "pat-2", DoctorID: "doc-1", PracticeID: "pr-1", Action: copd.AuditExport, RequestID: "req-x", At: testNow})
	if err := s.PutAudit(ctx, es...); err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t *testing.T, s *memstore.Store, role copd.Role, sub string, query map[string][]string) events.APIGatewayProxyResponse {
	t.Helper()
	ev := apigwtest.Event(t, role, sub, "GET", "/me/access-log", nil, "")
	ev.MultiValueQueryStringParameters = query
	return apigwtest.Serve(t, apigwtest.Adapter(testNow, nil), "accesslog", (&Handler{Store: s}).Serve, ev)
}

func mustLog(t *testing.T, resp events.APIGatewayProxyResponse) Log {
	t.Helper()
	apigwtest.MustStatus(t, resp, 200, "")
	var l Log
	if err := json.Unmarshal([]byte(resp.Body), &l); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestAccessLog_Pages(t *testing.T) {
	s := mustStore(t)
	var got []string
	q := map[string][]string{"limit": {"2"}}
	for range 5 {
		l := mustLog(t, get(t, s, copd.RolePatient, "pat-1", q))
		for _, e := range l.Entries {
			got = append(got, e.RequestID)
			if e.DoctorName != "Dr. Reyes" || e.PracticeName != "Riverside" || e.Action != copd.AuditOverview {
				t.Errorf("entry %+v", e)
			}
		}
		if l.NextCursor == "" {
			break
		}
		q = map[string][]string{"limit": {"2"}, "cursor": {l.NextCursor}}
	}
	if diff := cmp.Diff([]string{"req-4", "req-3", "req-2", "req-1", "req-0"}, got); diff != "" {
		t.Errorf("newest first (-want +got):\n%s", diff)
	}
	if l := mustLog(t, get(t, s, copd.RolePatient, "pat-3", nil)); len(l.Entries) != 0 || l.NextCursor != "" {
		t.Errorf("a patient without entries: %+v", l)
	}
}

func TestAccessLog_OnlyOwnEntries(t *testing.T) {
	s := mustStore(t)
	// pat-2's cursor, replayed by pat-1, is only a position in pat-1's own trail.
	foreign := doctorread.EncodeCursor(map[string]string{"a": "2026-12-03T17:30:00.000000000Z#req-x"})
	l := mustLog(t, get(t, s, copd.RolePatient, "pat-1", map[string][]string{"cursor": {foreign}}))
	for _, e := range l.Entries {
		if e.RequestID == "req-x" {
			t.Errorf("pat-1 sees pat-2's entry")
		}
	}
}

func TestAccessLog_BadQuery(t *testing.T) {
	s := mustStore(t)
	tests := []struct {
		name  string
		query map[string][]string
		code  string
	}{
		{"limit 0", map[string][]string{"limit": {"0"}}, CodeInvalidLimit},
		{"repeated", map[string][]string{"limit": {"1", "2"}}, "repeated_parameter"},
		{"unknown", map[string][]string{"patient": {"pat-2"}}, "unknown_parameter"},
		{"garbage cursor", map[string][]string{"cursor": {"zz"}}, copd.CodeInvalidCursor},
		{"malformed position", map[string][]string{"cursor": {doctorread.EncodeCursor(map[string]string{"a": "PATIENT#pat-2"})}}, copd.CodeInvalidCursor},
		{"empty position", map[string][]string{"cursor": {doctorread.EncodeCursor(map[string]string{"a": ""})}}, copd.CodeInvalidCursor},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			apigwtest.MustStatus(t, get(t, s, copd.RolePatient, "pat-1", tc.query), 400, tc.code)
		})
	}
	apigwtest.MustStatus(t, get(t, s, copd.RoleDoctor, "doc-1", nil), 403, "forbidden_role")
}
