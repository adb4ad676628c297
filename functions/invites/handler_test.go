package main

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/apigw/apigwtest"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/memstore"
)

var testNow = time.Date(2026, 12, 3, 17, 30, 0, 0, time.UTC)

func TestInvites(t *testing.T) {
	s := memstore.New()
	ctx := context.Background()
	for i, c := range []string{"AAAAAAAAA2", "AAAAAAAAA3", "AAAAAAAAA4", "AAAAAAAAA5"} {
		created := testNow.Add(-time.Duration(i) * 24 * time.Hour)
		doc := "doc-1"
		if i == 3 {
			doc = "doc-2"
		}
		if err := s.CreateInvite(ctx, copd.Invite{Code: c, DoctorID: doc, PracticeID: "pr-1", CreatedAt: created, ExpiresAt: created.Add(48 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.ClaimInvite(ctx, "AAAAAAAAA2", "pat-1", testNow); err != nil {
		t.Fatal(err)
	}
	a := apigwtest.Adapter(testNow, nil)
	h := &Handler{Store: s, Now: func() time.Time { return testNow }}
	resp := apigwtest.Serve(t, a, "invites", h.Serve, apigwtest.Event(t, copd.RoleDoctor, "doc-1", "GET", "/invites", nil, ""))
	apigwtest.MustStatus(t, resp, 200, "")
	// Used (…A2) and expired (…A4, created two days ago) are not listed; doc-2's neither.
	want := `{"invites":[{"code":"AAAA-AAAA-A3","createdAt":"2026-12-02T17:30:00Z","expiresAt":"2026-12-04T17:30:00Z"}]}`
	if diff := cmp.Diff(want, resp.Body); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	resp = apigwtest.Serve(t, a, "invites", h.Serve, apigwtest.Event(t, copd.RoleDoctor, "doc-3", "GET", "/invites", nil, ""))
	if resp.Body != `{"invites":[]}` {
		t.Errorf("no invites: %s", resp.Body)
	}
	resp = apigwtest.Serve(t, a, "invites", h.Serve, apigwtest.Event(t, copd.RolePatient, "pat-1", "GET", "/invites", nil, ""))
	apigwtest.MustStatus(t, resp, 403, "forbidden_role")
}
