package main

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/apigw/apigwtest"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/linking/linkingtest"
)

var testNow = linkingtest.Now

func TestConsent(t *testing.T) {
	s, codes := linkingtest.MustWorld(t)
	linkingtest.MustLink(t, s, "pat-2", codes["valid2"])
	a := apigwtest.Adapter(testNow, nil)
	h := &Handler{Store: s, Now: func() time.Time { return testNow }}
	post := func(role copd.Role, sub, body string) (int, string, string) {
		resp := apigwtest.Serve(t, a, "consent", h.Serve, apigwtest.Event(t, role, sub, "POST", "/consent", nil, body))
		return resp.StatusCode, apigwtest.ErrorCode(resp), resp.Body
	}
	body := `{"inviteCode":"` + codes["valid"] + `","consentType":"share_with_doctor"}`
	want := `{"doctorId":"doc-1","practiceId":"pr-1","consentType":"share_with_doctor","consentedAt":"2026-12-03T17:30:00Z"}`
	if status, _, got := post(copd.RolePatient, "pat-1", body); status != 201 || got != want {
		t.Fatalf("consent: %d %s", status, got)
	}
	if status, _, got := post(copd.RolePatient, "pat-1", body); status != 200 || got != want {
		t.Errorf("consent again: %d %s, want 200 and the same consent", status, got)
	}
	cs, err := s.Consents(context.Background(), "pat-1", "doc-1")
	if err != nil || len(cs) != 1 {
		t.Fatalf("stored consents: %d, %v", len(cs), err)
	}
	wantStored := copd.Consent{PatientID: "pat-1", DoctorID: "doc-1", PracticeID: "pr-1", Type: copd.ConsentShareWithDoctor,
		InviteCode: cs[0].InviteCode, ConsentedAt: testNow, SourceIP: apigwtest.SourceIP, UserAgent: apigwtest.UserAgent}
	if diff := cmp.Diff(wantStored, cs[0]); diff != "" {
		t.Errorf("stored consent (-want +got):\n%s", diff)
	}
	tests := []struct {
		name   string
		role   copd.Role
		body   string
		status int
		code   string
	}{
		{"a doctor", copd.RoleDoctor, body, 403, "forbidden_role"},
		{"no body", copd.RolePatient, "", 400, "body_required"},
		{"another consent type", copd.RolePatient, `{"inviteCode":"` + codes["valid"] + `","consentType":"research"}`, 400, copd.CodeInvalidConsent},
		{"an IP in the body is not accepted", copd.RolePatient, `{"inviteCode":"` + codes["valid"] + `","consentType":"share_with_doctor","sourceIp":"1.2.3.4"}`, 400, "unknown_field"},
		{"unknown code", copd.RolePatient, `{"inviteCode":"2222-2222-22","consentType":"share_with_doctor"}`, 404, copd.CodeInviteNotFound},
		{"expired code", copd.RolePatient, `{"inviteCode":"` + codes["expired"] + `","consentType":"share_with_doctor"}`, 410, copd.CodeInviteExpired},
		{"code used by another patient", copd.RolePatient, `{"inviteCode":"` + codes["valid2"] + `","consentType":"share_with_doctor"}`, 409, copd.CodeInviteUsed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if status, code, got := post(tc.role, "pat-3", tc.body); status != tc.status || code != tc.code {
				t.Errorf("got %d %q, want %d %q: %s", status, code, tc.status, tc.code, got)
			}
		})
	}
}
