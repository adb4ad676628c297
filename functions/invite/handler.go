package main

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/linking"
)

// Store is what POST /invite needs of the store.
type Store interface {
	linking.InviteStore
}

// Handler serves POST /invite.
type Handler struct {
	Store Store
	Now   func() time.Time
	// TTL is how long an invite stays usable (config.InviteTTL).
	TTL time.Duration
	// Rand is the code's randomness; nil means crypto/rand.
	Rand io.Reader
}

// Created is the answer: the code grouped for reading out, its expiry and
// the practice the patient will see.
type Created struct {
	Code         string    `json:"code"`
	ExpiresAt    time.Time `json:"expiresAt"`
	PracticeName string    `json:"practiceName"`
}

// request is the optional body: nothing yet ({} or empty).
type request struct{}

// Serve creates an invite for the calling doctor (201).
func (h *Handler) Serve(ctx context.Context, req *apigw.Request) (apigw.Response, error) {
	if len(req.Body) > 0 {
		if err := apigw.DecodeJSON(req.Body, &request{}); err != nil {
			return apigw.Response{}, err
		}
	}
	inv, pr, err := linking.CreateInvite(ctx, h.Store, req.Caller.Sub, h.Now(), h.TTL, h.Rand)
	if err != nil {
		return apigw.Response{}, err
	}
	return apigw.Response{Status: http.StatusCreated, Body: Created{
		Code: copd.FormatInviteCode(inv.Code), ExpiresAt: inv.ExpiresAt, PracticeName: pr.Name,
	}, LogAttrs: []any{"practice_id", inv.PracticeID}}, nil
}
