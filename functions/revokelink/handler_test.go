package main

import (
	"context"
	"testing"
	"time"

	"github.com/copdfuel/backend/pkg/access"
	"github.com/copdfuel/backend/pkg/apigw/apigwtest"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/linking"
	"github.com/copdfuel/backend/pkg/memstore"
)

var testNow = time.Date(2026, 12, 3, 17, 30, 0, 0, time.UTC)

// mustWorld writes a practice, two doctors, and an invite of doc-1 per
// name in codes (valid, expired, ...); it returns the grouped codes.
func mustWorld(t *testing.T) (*memstore.Store, map[string]string) {
	t.Helper()
	s := memstore.New()
	ctx := context.Background()
	if _, err := s.PutPractice(ctx, copd.Practice{PracticeID: "pr-1", Name: "Harbour Lung Clinic", CreatedAt: testNow}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"doc-1", "doc-2"} {
		if _, err := s.PutUser(ctx, copd.User{UserID: d, Role: copd.RoleDoctor, DisplayName: "Dr " + d, PracticeID: "pr-1", CreatedAt: testNow}); err != nil {
			t.Fatal(err)
		}
	}
	codes := map[string]string{}
	for name, at := range map[string]time.Time{"valid": testNow, "valid2": testNow, "expired": testNow.Add(-copd.DefaultInviteTTL), "other": testNow} {
		doc := "doc-1"
		if name == "other" {
			doc = "doc-2"
		}
		inv, _, err := linking.CreateInvite(ctx, s, doc, at, copd.DefaultInviteTTL, nil)
		if err != nil {
			t.Fatal(err)
		}
		codes[name] = copd.FormatInviteCode(inv.Code)
	}
	return s, codes
}

func mustConsent(t *testing.T, s *memstore.Store, patient, code string) {
	t.Helper()
	if _, _, err := linking.GiveConsent(context.Background(), s, patient, code, copd.ConsentShareWithDoctor, "", "", testNow); err != nil {
		t.Fatal(err)
	}
}

func mustLink(t *testing.T, s *memstore.Store, patient, code string) {
	t.Helper()
	mustConsent(t, s, patient, code)
	if _, err := linking.Link(context.Background(), s, patient, code, testNow); err != nil {
		t.Fatal(err)
	}
}

func TestRevokeLink(t *testing.T) {
	s, codes := mustWorld(t)
	mustLink(t, s, "pat-1", codes["valid"])
	mustLink(t, s, "pat-2", codes["other"])
	ctx := context.Background()
	doc := access.Caller{Sub: "doc-1", Role: copd.RoleDoctor}
	if err := access.CheckDoctor(ctx, s, doc, "pat-1"); err != nil {
		t.Fatalf("before revoking: %v", err)
	}
	a := apigwtest.Adapter(testNow, nil)
	later := testNow.Add(time.Hour)
	h := &Handler{Store: s, Now: func() time.Time { return later }}
	del := func(role copd.Role, sub, doctorID string) (int, string, string) {
		resp := apigwtest.Serve(t, a, "revokelink", h.Serve, apigwtest.Event(t, role, sub, "DELETE", "/links/{doctorId}", map[string]string{"doctorId": doctorID}, ""))
		return resp.StatusCode, apigwtest.ErrorCode(resp), resp.Body
	}
	tests := []struct {
		name, sub, doctor string
		role              copd.Role
		status            int
		code              string
	}{
		{"a doctor", "doc-1", "doc-1", copd.RoleDoctor, 403, "forbidden_role"},
		{"another patient's doctor", "pat-1", "doc-2", copd.RolePatient, 404, copd.CodeLinkNotFound},
		{"a patient with no link to this doctor", "pat-2", "doc-1", copd.RolePatient, 404, copd.CodeLinkNotFound},
		{"a malformed doctor id", "pat-1", "doc-1#x", copd.RolePatient, 404, copd.CodeLinkNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if status, code, got := del(tc.role, tc.sub, tc.doctor); status != tc.status || code != tc.code {
				t.Errorf("got %d %q, want %d %q: %s", status, code, tc.status, tc.code, got)
			}
		})
	}
	if err := access.CheckDoctor(ctx, s, doc, "pat-1"); err != nil {
		t.Fatalf("refused attempts changed access: %v", err)
	}
	want := `{"doctorId":"doc-1","status":"revoked","revokedAt":"2026-12-03T18:30:00Z"}`
	if status, _, got := del(copd.RolePatient, "pat-1", "doc-1"); status != 200 || got != want {
		t.Fatalf("revoke: %d %s", status, got)
	}
	if err := access.CheckDoctor(ctx, s, doc, "pat-1"); errs.KindOf(err) != errs.NotFound {
		t.Errorf("the doctor's next request after revoking: %v, want NotFound", err)
	}
	cs, _ := s.Consents(ctx, "pat-1", "doc-1")
	if len(cs) != 1 || cs[0].WithdrawnAt == nil || !cs[0].WithdrawnAt.Equal(later) {
		t.Errorf("consent not withdrawn: %+v", cs)
	}
	later = later.Add(time.Hour)
	if status, _, got := del(copd.RolePatient, "pat-1", "doc-1"); status != 200 || got != want {
		t.Errorf("revoke again: %d %s, want the same answer", status, got)
	}
	if err := access.CheckDoctor(ctx, s, access.Caller{Sub: "doc-2", Role: copd.RoleDoctor}, "pat-2"); err != nil {
		t.Errorf("another patient's link was touched: %v", err)
	}
}
