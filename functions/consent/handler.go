package main

import (
	"context"
	"net/http"
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/linking"
)

// Store is what POST /consent needs of the store.
type Store interface {
	linking.ConsentStore
}

// Handler serves POST /consent.
type Handler struct {
	Store Store
	Now   func() time.Time
}

// Request is the body.
type Request struct {
	InviteCode  string           `json:"inviteCode"`
	ConsentType copd.ConsentType `json:"consentType"`
}

// Consent is the answer.
type Consent struct {
	DoctorID    string           `json:"doctorId"`
	PracticeID  string           `json:"practiceId"`
	ConsentType copd.ConsentType `json:"consentType"`
	ConsentedAt time.Time        `json:"consentedAt"`
}

// Serve records the calling patient's consent for the invite's doctor and
// practice: 201 when recorded now, 200 when this code's consent exists
// already. Source IP and User-Agent come from the request context.
func (h *Handler) Serve(ctx context.Context, req *apigw.Request) (apigw.Response, error) {
	var body Request
	if err := apigw.DecodeJSON(req.Body, &body); err != nil {
		return apigw.Response{}, err
	}
	c, created, err := linking.GiveConsent(ctx, h.Store, req.Caller.Sub, body.InviteCode, body.ConsentType, req.SourceIP, req.UserAgent, h.Now())
	if err != nil {
		return apigw.Response{}, err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return apigw.Response{Status: status, Body: Consent{DoctorID: c.DoctorID, PracticeID: c.PracticeID, ConsentType: c.Type, ConsentedAt: c.ConsentedAt},
		LogAttrs: []any{"doctor_id", c.DoctorID}}, nil
}
