package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/memstore"
	"github.com/copdfuel/backend/pkg/philog"
)

var testNow = time.Date(2026, 12, 3, 17, 30, 0, 0, time.UTC)

func event(source, sub, email string) events.CognitoEventUserPoolsPostConfirmation {
	ev := events.CognitoEventUserPoolsPostConfirmation{}
	ev.Version, ev.TriggerSource, ev.Region, ev.UserPoolID, ev.UserName = "1", source, "eu-west-1", "eu-west-1_Patients", sub
	ev.CallerContext.ClientID = "patientclient123"
	ev.Request.UserAttributes = map[string]string{"sub": sub, "email": email, "email_verified": "true", "cognito:user_status": "CONFIRMED"}
	return ev
}

func TestPostConfirm(t *testing.T) {
	s := memstore.New()
	logs := &bytes.Buffer{}
	h := &Handler{Users: s, Now: func() time.Time { return testNow }, Log: philog.New(logs, nil)}
	ctx := context.Background()
	ev := event(SourceConfirmSignUp, "pat-1", "Pat.Morgan@Example.com")
	got, err := h.Serve(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ev, got); diff != "" {
		t.Errorf("the event is returned unchanged (-want +got):\n%s", diff)
	}
	want := copd.User{UserID: "pat-1", Email: "pat.morgan@example.com", Role: copd.RolePatient, CreatedAt: testNow}
	if u, err := s.GetUser(ctx, "pat-1"); err != nil || !cmp.Equal(want, u) {
		t.Errorf("stored user: %+v, %v", u, err)
	}
	h.Now = func() time.Time { return testNow.Add(time.Hour) }
	if _, err := h.Serve(ctx, ev); err != nil {
		t.Errorf("repeated trigger: %v", err)
	}
	if u, _ := s.GetUser(ctx, "pat-1"); !u.CreatedAt.Equal(testNow) {
		t.Errorf("a repeated trigger changed the profile: %+v", u)
	}
	if _, err := h.Serve(ctx, event("PostConfirmation_ConfirmForgotPassword", "pat-2", "x@example.com")); err != nil {
		t.Errorf("forgot password: %v", err)
	}
	if _, err := s.GetUser(ctx, "pat-2"); errs.KindOf(err) != errs.NotFound {
		t.Errorf("a forgotten-password confirmation wrote a profile")
	}
	for _, bad := range []events.CognitoEventUserPoolsPostConfirmation{
		event(SourceConfirmSignUp, "", "x@example.com"), event(SourceConfirmSignUp, "p#1", "x@example.com"), event(SourceConfirmSignUp, "pat-3", ""),
	} {
		if _, err := h.Serve(ctx, bad); err == nil {
			t.Errorf("malformed event %v: no error", bad.Request.UserAttributes)
		}
	}
	s.Fail = func(string) error { return errs.E(errs.Unavailable, "store_unavailable", "busy") }
	if _, err := h.Serve(ctx, event(SourceConfirmSignUp, "pat-4", "y@example.com")); err == nil {
		t.Errorf("store down: no error (the confirmation must fail so it is retried)")
	}
	if strings.Contains(strings.ToLower(logs.String()), "example.com") {
		t.Errorf("an email reached the log: %s", logs)
	}
}
