package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/apigw/apigwtest"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/linking/linkingtest"
)

var testNow = linkingtest.Now

func TestPreview(t *testing.T) {
	s, codes := linkingtest.MustWorld(t)
	linkingtest.MustLink(t, s, "pat-2", codes["valid2"])
	logs := &bytes.Buffer{}
	a := apigwtest.Adapter(testNow, logs)
	h := &Handler{Store: s, Now: func() time.Time { return testNow }}
	get := func(role copd.Role, sub, code string) (int, string, string) {
		resp := apigwtest.Serve(t, a, "invitepreview", h.Serve, apigwtest.Event(t, role, sub, "GET", "/invites/{code}", map[string]string{"code": code}, ""))
		return resp.StatusCode, apigwtest.ErrorCode(resp), resp.Body
	}
	status, _, body := get(copd.RolePatient, "pat-1", strings.ToLower(codes["valid"]))
	want := `{"doctorId":"doc-1","doctorDisplayName":"Dr doc-1","practiceId":"pr-1","practiceName":"Harbour Lung Clinic","expiresAt":"2026-12-10T17:30:00Z"}`
	if status != 200 || body != want {
		t.Errorf("preview: %d %s\n%s", status, body, cmp.Diff(want, body))
	}
	tests := []struct {
		name   string
		role   copd.Role
		code   string
		status int
		want   string
	}{
		{"a doctor", copd.RoleDoctor, codes["valid"], 403, "forbidden_role"},
		{"malformed", copd.RolePatient, "abc", 400, copd.CodeInvalidInviteCode},
		{"unknown", copd.RolePatient, "2222-2222-22", 404, copd.CodeInviteNotFound},
		{"expired", copd.RolePatient, codes["expired"], 410, copd.CodeInviteExpired},
		{"used by another patient", copd.RolePatient, codes["valid2"], 409, copd.CodeInviteUsed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if status, code, body := get(tc.role, "pat-1", tc.code); status != tc.status || code != tc.want {
				t.Errorf("got %d %q, want %d %q: %s", status, code, tc.status, tc.want, body)
			}
		})
	}
	// Three failures so far: two more are answered, then 429 with Retry-After.
	for i := 0; i < 2; i++ {
		if status, _, _ := get(copd.RolePatient, "pat-1", "2222-2222-22"); status != 404 {
			t.Fatalf("failure %d: %d", 4+i, status)
		}
	}
	resp := apigwtest.Serve(t, a, "invitepreview", h.Serve, apigwtest.Event(t, copd.RolePatient, "pat-1", "GET", "/invites/{code}", map[string]string{"code": codes["valid"]}, ""))
	apigwtest.MustStatus(t, resp, 429, copd.CodeTooManyAttempts)
	if resp.Headers["Retry-After"] != "900" {
		t.Errorf("Retry-After %q, want 900", resp.Headers["Retry-After"])
	}
	for _, c := range codes {
		n, _ := copd.NormalizeInviteCode(c)
		if strings.Contains(logs.String(), n) || strings.Contains(logs.String(), c) {
			t.Errorf("an invite code reached the log")
		}
	}
}
