package main

import (
	"context"
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/linking"
)

// Store is what POST /link-doctor needs of the store.
type Store interface {
	linking.LinkStore
}

// Handler serves POST /link-doctor.
type Handler struct {
	Store Store
	Now   func() time.Time
}

// Request is the body.
type Request struct {
	InviteCode string `json:"inviteCode"`
}

// Link is the answer.
type Link struct {
	DoctorID    string          `json:"doctorId"`
	PracticeID  string          `json:"practiceId"`
	Status      copd.LinkStatus `json:"status"`
	ConsentedAt time.Time       `json:"consentedAt"`
	LinkedAt    time.Time       `json:"linkedAt"`
}

// Serve links the calling patient to the invite's doctor (see
// linking.Link for the order of writes). Repeating it answers the same
// link.
func (h *Handler) Serve(ctx context.Context, req *apigw.Request) (apigw.Response, error) {
	var body Request
	if err := apigw.DecodeJSON(req.Body, &body); err != nil {
		return apigw.Response{}, err
	}
	l, err := linking.Link(ctx, h.Store, req.Caller.Sub, body.InviteCode, h.Now())
	if err != nil {
		return apigw.Response{}, err
	}
	return apigw.Response{Status: 200, Body: Link{DoctorID: l.DoctorID, PracticeID: l.PracticeID, Status: l.Status,
		ConsentedAt: l.ConsentedAt, LinkedAt: l.LinkedAt}, LogAttrs: []any{"doctor_id", l.DoctorID}}, nil
}
