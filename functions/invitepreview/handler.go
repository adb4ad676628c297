package main

import (
	"context"
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/linking"
)

// Store is what GET /invites/{code} needs of the store.
type Store interface {
	linking.PreviewStore
}

// Handler serves GET /invites/{code}.
type Handler struct {
	Store Store
	Now   func() time.Time
}

// Preview is the answer: who is asking, no PHI.
type Preview struct {
	DoctorID          string    `json:"doctorId"`
	DoctorDisplayName string    `json:"doctorDisplayName"`
	PracticeID        string    `json:"practiceId"`
	PracticeName      string    `json:"practiceName"`
	ExpiresAt         time.Time `json:"expiresAt"`
}

// Serve looks the code up for the calling patient (throttled: failures
// count towards 429) and answers the doctor's and practice's names.
func (h *Handler) Serve(ctx context.Context, req *apigw.Request) (apigw.Response, error) {
	p, err := linking.PreviewInvite(ctx, h.Store, req.Caller.Sub, req.PathParams["code"], h.Now())
	if err != nil {
		return apigw.Response{}, err
	}
	return apigw.Response{Status: 200, Body: Preview{
		DoctorID: p.Invite.DoctorID, DoctorDisplayName: p.Doctor.DisplayName,
		PracticeID: p.Invite.PracticeID, PracticeName: p.Practice.Name, ExpiresAt: p.Invite.ExpiresAt,
	}, LogAttrs: []any{"doctor_id", p.Invite.DoctorID}}, nil
}
