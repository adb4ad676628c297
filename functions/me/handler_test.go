package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/access"
	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/memstore"
	"github.com/copdfuel/backend/pkg/philog"
)

var testNow = time.Date(2026, 12, 3, 17, 30, 0, 0, time.UTC)

const (
	patientIss = "http://127.0.0.1:9229/local_patients"
	doctorIss  = "http://127.0.0.1:9229/local_doctors"
)

func event(iss, aud, sub, email string) events.APIGatewayProxyRequest {
	return events.APIGatewayProxyRequest{
		Resource: "/me", Path: "/me", HTTPMethod: "GET",
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID: "req-1",
			Authorizer: map[string]any{"claims": map[string]any{
				"sub": sub, "iss": iss, "aud": aud, "token_use": "id", "email": email,
				"exp": "Thu Dec 03 18:00:00 UTC 2026",
			}},
		},
	}
}

func mustServe(t *testing.T, store *memstore.Store, ev events.APIGatewayProxyRequest) (int, string) {
	t.Helper()
	a := &apigw.Adapter{
		Access: access.Config{Pools: []access.Pool{
			{Role: copd.RolePatient, Issuer: patientIss, ClientIDs: []string{"pc"}},
			{Role: copd.RoleDoctor, Issuer: doctorIss, ClientIDs: []string{"dc"}},
		}},
		Log: philog.New(io.Discard, nil), AllowOrigin: "*", Now: func() time.Time { return testNow },
	}
	resp, err := a.Wrap("me", (&Handler{Users: store}).Serve)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Body
}

func TestMe(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	store := memstore.New()
	ctx := context.Background()
	if _, err := store.PutPractice(ctx, copd.Practice{PracticeID: "pr1", Name: "Harbour Lung Clinic", CreatedAt: created}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []copd.User{
		{UserID: "doc-1", Email: "dr.lee@clinic.example", Role: copd.RoleDoctor, DisplayName: "Dr Lee", PracticeID: "pr1", CreatedAt: created},
		{UserID: "pat-1", Email: "pat@example.com", Role: copd.RolePatient, CreatedAt: created},
	} {
		if _, err := store.PutUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	linked := created.Add(24 * time.Hour)
	for _, l := range []copd.Link{
		{PatientID: "pat-1", DoctorID: "doc-1", PracticeID: "pr1", ConsentedAt: linked, LinkedAt: linked},
		{PatientID: "pat-1", DoctorID: "doc-2", PracticeID: "pr-gone", ConsentedAt: linked, LinkedAt: linked},
		{PatientID: "pat-2", DoctorID: "doc-1", PracticeID: "pr1", ConsentedAt: linked, LinkedAt: linked},
	} {
		if _, err := store.ActivateLink(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.RevokeLink(ctx, "pat-1", "doc-2", linked.Add(24*time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		ev     events.APIGatewayProxyRequest
		status int
		want   string
	}{
		{"doctor with practice", event(doctorIss, "dc", "doc-1", "Dr.Lee@clinic.example"), 200,
			`{"userId":"doc-1","email":"dr.lee@clinic.example","role":"doctor","displayName":"Dr Lee","createdAt":"2026-01-02T03:04:05Z","practice":{"practiceId":"pr1","name":"Harbour Lung Clinic"}}`},
		{"patient", event(patientIss, "pc", "pat-1", "pat@example.com"), 200,
			`{"userId":"pat-1","email":"pat@example.com","role":"patient","createdAt":"2026-01-02T03:04:05Z","doctors":[
				{"doctorId":"doc-1","displayName":"Dr Lee","practiceId":"pr1","practiceName":"Harbour Lung Clinic","status":"active","linkedAt":"2026-01-03T03:04:05Z"},
				{"doctorId":"doc-2","displayName":"","practiceId":"pr-gone","practiceName":"","status":"revoked","linkedAt":"2026-01-03T03:04:05Z","revokedAt":"2026-01-04T03:04:05Z"}]}`},
		{"patient before the sign-up trigger wrote a profile", event(patientIss, "pc", "pat-new", "New@Example.com"), 200,
			`{"userId":"pat-new","email":"new@example.com","role":"patient","doctors":[]}`},
		{"a profile of the other pool is never shown", event(patientIss, "pc", "doc-1", "x@example.com"), 200,
			`{"userId":"doc-1","email":"x@example.com","role":"patient","doctors":[]}`},
		{"patient token with doctor client", event(patientIss, "dc", "pat-1", "pat@example.com"), 401, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := mustServe(t, store, tc.ev)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			if tc.want == "" {
				return
			}
			var got, want any
			_ = json.Unmarshal([]byte(body), &got)
			_ = json.Unmarshal([]byte(tc.want), &want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMe_StoreDown(t *testing.T) {
	store := memstore.New()
	store.Fail = func(string) error {
		return errs.Wrap(errs.Unavailable, "store_unavailable", "the data store is busy; retry later", errors.New("throttled"))
	}
	if status, body := mustServe(t, store, event(patientIss, "pc", "pat-1", "p@example.com")); status != 503 {
		t.Errorf("status %d: %s", status, body)
	}
}
