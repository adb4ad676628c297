package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/apigw/apigwtest"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/memstore"
)

var testNow = time.Date(2026, 12, 3, 17, 30, 0, 0, time.UTC)

func mustStore(t *testing.T) *memstore.Store {
	t.Helper()
	s := memstore.New()
	ctx := context.Background()
	if _, err := s.PutPractice(ctx, copd.Practice{PracticeID: "pr-1", Name: "Harbour Lung Clinic", CreatedAt: testNow}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []copd.User{
		{UserID: "doc-1", Role: copd.RoleDoctor, PracticeID: "pr-1", CreatedAt: testNow},
		{UserID: "doc-nopractice", Role: copd.RoleDoctor, CreatedAt: testNow},
	} {
		if _, err := s.PutUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestInvite(t *testing.T) {
	s := mustStore(t)
	logs := &bytes.Buffer{}
	a := apigwtest.Adapter(testNow, logs)
	h := &Handler{Store: s, Now: func() time.Time { return testNow }, TTL: 48 * time.Hour}
	resp := apigwtest.Serve(t, a, "invite", h.Serve, apigwtest.Event(t, copd.RoleDoctor, "doc-1", "POST", "/invite", nil, ""))
	apigwtest.MustStatus(t, resp, 201, "")
	var got Created
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
		t.Fatal(err)
	}
	want := Created{Code: got.Code, ExpiresAt: testNow.Add(48 * time.Hour), PracticeName: "Harbour Lung Clinic"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	norm, err := copd.NormalizeInviteCode(got.Code)
	if err != nil || copd.FormatInviteCode(norm) != got.Code || len(got.Code) != 12 {
		t.Errorf("code %q is not grouped 4-4-2", got.Code)
	}
	if strings.Contains(logs.String(), norm) || strings.Contains(logs.String(), got.Code) {
		t.Errorf("the invite code reached the log: %s", logs)
	}
	if inv, err := s.GetInvite(context.Background(), norm); err != nil || inv.DoctorID != "doc-1" || inv.Status != copd.InviteOpen {
		t.Errorf("stored invite: %+v, %v", inv, err)
	}
}

func TestInvite_Errors(t *testing.T) {
	s := mustStore(t)
	for range copd.MaxOpenInvites - 1 {
		if err := s.CreateInvite(context.Background(), copd.Invite{Code: randomCode(t), DoctorID: "doc-1", PracticeID: "pr-1",
			CreatedAt: testNow, ExpiresAt: testNow.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	a := apigwtest.Adapter(testNow, nil)
	h := &Handler{Store: s, Now: func() time.Time { return testNow }, TTL: copd.DefaultInviteTTL}
	tests := []struct {
		name   string
		role   copd.Role
		sub    string
		body   string
		status int
		code   string
	}{
		{"the 50th open invite", copd.RoleDoctor, "doc-1", "{}", 201, ""},
		{"the 51st", copd.RoleDoctor, "doc-1", "", 409, copd.CodeTooManyInvites},
		{"a patient", copd.RolePatient, "pat-1", "", 403, "forbidden_role"},
		{"a doctor without practice", copd.RoleDoctor, "doc-nopractice", "", 409, copd.CodeNoPractice},
		{"a doctor without profile", copd.RoleDoctor, "doc-none", "", 409, copd.CodeNoPractice},
		{"an unknown field", copd.RoleDoctor, "doc-1", `{"doctorId":"doc-2"}`, 400, "unknown_field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := apigwtest.Serve(t, a, "invite", h.Serve, apigwtest.Event(t, tc.role, tc.sub, "POST", "/invite", nil, tc.body))
			apigwtest.MustStatus(t, resp, tc.status, tc.code)
		})
	}
	t.Run("store down", func(t *testing.T) {
		s.Fail = func(string) error { return errs.E(errs.Unavailable, "store_unavailable", "busy") }
		defer func() { s.Fail = nil }()
		resp := apigwtest.Serve(t, a, "invite", h.Serve, apigwtest.Event(t, copd.RoleDoctor, "doc-1", "POST", "/invite", nil, ""))
		apigwtest.MustStatus(t, resp, 503, "store_unavailable")
	})
}

func randomCode(t *testing.T) string {
	t.Helper()
	c, err := copd.NewInviteCode(nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
