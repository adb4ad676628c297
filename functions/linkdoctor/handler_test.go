package main

import (
	"context"
	"testing"
	"time"

	"github.com/copdfuel/backend/pkg/apigw/apigwtest"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/linking/linkingtest"
)

var testNow = linkingtest.Now

func TestLinkDoctor(t *testing.T) {
	s, codes := linkingtest.MustWorld(t)
	a := apigwtest.Adapter(testNow, nil)
	h := &Handler{Store: s, Now: func() time.Time { return testNow }}
	post := func(role copd.Role, sub, code string) (int, string, string) {
		resp := apigwtest.Serve(t, a, "linkdoctor", h.Serve, apigwtest.Event(t, role, sub, "POST", "/link-doctor", nil, `{"inviteCode":"`+code+`"}`))
		return resp.StatusCode, apigwtest.ErrorCode(resp), resp.Body
	}
	if status, code, _ := post(copd.RolePatient, "pat-1", codes["valid"]); status != 409 || code != copd.CodeConsentRequired {
		t.Fatalf("without consent: %d %q", status, code)
	}
	linkingtest.MustConsent(t, s, "pat-1", codes["valid"])
	want := `{"doctorId":"doc-1","practiceId":"pr-1","status":"active","consentedAt":"2026-12-03T17:30:00Z","linkedAt":"2026-12-03T17:30:00Z"}`
	for i := range 2 {
		if status, _, got := post(copd.RolePatient, "pat-1", codes["valid"]); status != 200 || got != want {
			t.Fatalf("link (call %d): %d %s", i+1, status, got)
		}
	}
	if l, err := s.GetLink(context.Background(), "pat-1", "doc-1"); err != nil || l.Status != copd.LinkActive {
		t.Errorf("stored link: %+v, %v", l, err)
	}
	// pat-2 consented on doc-2's invite; that does not link with doc-1's code.
	linkingtest.MustConsent(t, s, "pat-2", codes["other"])
	tests := []struct {
		name   string
		role   copd.Role
		code   string
		status int
		want   string
	}{
		{"a doctor", copd.RoleDoctor, codes["valid2"], 403, "forbidden_role"},
		{"consent for another doctor than the code's", copd.RolePatient, codes["valid2"], 409, copd.CodeConsentRequired},
		{"a code used by another patient", copd.RolePatient, codes["valid"], 409, copd.CodeInviteUsed},
		{"expired", copd.RolePatient, codes["expired"], 410, copd.CodeInviteExpired},
		{"unknown", copd.RolePatient, "2222-2222-22", 404, copd.CodeInviteNotFound},
		{"malformed", copd.RolePatient, "12", 400, copd.CodeInvalidInviteCode},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if status, code, got := post(tc.role, "pat-2", tc.code); status != tc.status || code != tc.want {
				t.Errorf("got %d %q, want %d %q: %s", status, code, tc.status, tc.want, got)
			}
		})
	}
	t.Run("throttled after five failed lookups", func(t *testing.T) {
		// pat-2 has three failures (used, expired, unknown) from above.
		for range 2 {
			post(copd.RolePatient, "pat-2", "3333-3333-33")
		}
		if status, code, _ := post(copd.RolePatient, "pat-2", codes["other"]); status != 429 || code != copd.CodeTooManyAttempts {
			t.Errorf("got %d %q, want 429", status, code)
		}
	})
}
