package main

import (
	"context"
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/linking"
)

// Store is what GET /invites needs of the store.
type Store interface {
	OpenInvites(ctx context.Context, doctorID string, since time.Time) ([]copd.Invite, error)
}

// Handler serves GET /invites.
type Handler struct {
	Store Store
	Now   func() time.Time
}

// Invite is one open invite as the portal lists it.
type Invite struct {
	Code      string    `json:"code"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// List is the answer.
type List struct {
	Invites []Invite `json:"invites"`
}

// Serve lists the calling doctor's unused, unexpired invites, newest first
// (at most copd.MaxOpenInvites). The list comes from an eventually
// consistent index: an invite used a moment ago may still be listed.
func (h *Handler) Serve(ctx context.Context, req *apigw.Request) (apigw.Response, error) {
	invs, err := linking.OpenInvites(ctx, h.Store, req.Caller.Sub, h.Now())
	if err != nil {
		return apigw.Response{}, err
	}
	out := List{Invites: []Invite{}}
	for _, inv := range invs {
		out.Invites = append(out.Invites, Invite{Code: copd.FormatInviteCode(inv.Code), CreatedAt: inv.CreatedAt, ExpiresAt: inv.ExpiresAt})
	}
	return apigw.OK(out), nil
}
