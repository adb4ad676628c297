package main

import (
	"context"
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/linking"
)

// Store is what DELETE /links/{doctorId} needs of the store.
type Store interface {
	linking.LinkStore
}

// Handler serves DELETE /links/{doctorId}.
type Handler struct {
	Store Store
	Now   func() time.Time
}

// Revoked is the answer.
type Revoked struct {
	DoctorID  string          `json:"doctorId"`
	Status    copd.LinkStatus `json:"status"`
	RevokedAt *time.Time      `json:"revokedAt,omitempty"`
}

// Serve revokes the calling patient's link to the doctor and withdraws
// their consent (see linking.Revoke). Repeating it answers 200 with the
// first revocation's time; a doctor never linked to this patient is 404.
func (h *Handler) Serve(ctx context.Context, req *apigw.Request) (apigw.Response, error) {
	l, err := linking.Revoke(ctx, h.Store, req.Caller.Sub, req.PathParams["doctorId"], h.Now())
	if err != nil {
		return apigw.Response{}, err
	}
	return apigw.Response{Status: 200, Body: Revoked{DoctorID: l.DoctorID, Status: l.Status, RevokedAt: l.RevokedAt},
		LogAttrs: []any{"doctor_id", l.DoctorID}}, nil
}
