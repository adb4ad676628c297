package main

import (
	"context"
	"testing"
	"time"

	"github.com/copdfuel/backend/pkg/access"
	"github.com/copdfuel/backend/pkg/apigw/apigwtest"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/linking/linkingtest"
)

var testNow = linkingtest.Now

func TestRevokeLink(t *testing.T) {
	s, codes := linkingtest.MustWorld(t)
	linkingtest.MustLink(t, s, "pat-1", codes["valid"])
	linkingtest.MustLink(t, s, "pat-2", codes["other"])
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
