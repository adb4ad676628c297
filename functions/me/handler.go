package main

import (
	"context"
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
)

// Store is what GET /me needs of the user store.
type Store interface {
	GetUser(ctx context.Context, userID string) (copd.User, error)
	GetPractice(ctx context.Context, practiceID string) (copd.Practice, error)
}

// Handler serves GET /me.
type Handler struct {
	Users Store
}

// Me is the body of GET /me.
type Me struct {
	UserID      string     `json:"userId"`
	Email       string     `json:"email"`
	Role        copd.Role  `json:"role"`
	DisplayName string     `json:"displayName,omitempty"`
	CreatedAt   *time.Time `json:"createdAt,omitempty"`
	// Practice is the doctor's practice; absent for patients.
	Practice *PracticeRef `json:"practice,omitempty"`
}

// PracticeRef names a practice.
type PracticeRef struct {
	PracticeID string `json:"practiceId"`
	Name       string `json:"name"`
}

// Serve answers with the caller's profile. Identity and role come from the
// token; the stored profile adds the rest. A profile not written yet (the
// sign-up trigger has not run) is not an error: the token's facts are shown.
func (h *Handler) Serve(ctx context.Context, req *apigw.Request) (apigw.Response, error) {
	me := Me{UserID: req.Caller.Sub, Email: req.Caller.Email, Role: req.Caller.Role}
	u, err := h.Users.GetUser(ctx, req.Caller.Sub)
	switch {
	case errs.Is(err, errs.NotFound), err == nil && u.Role != req.Caller.Role:
		// No profile yet, or (defensively) one that belongs to the other pool.
		return apigw.OK(me), nil
	case err != nil:
		return apigw.Response{}, err
	}
	me.DisplayName = u.DisplayName
	if !u.CreatedAt.IsZero() {
		me.CreatedAt = &u.CreatedAt
	}
	if u.Email != "" {
		me.Email = u.Email
	}
	if req.Caller.Role == copd.RoleDoctor && u.PracticeID != "" {
		p, err := h.Users.GetPractice(ctx, u.PracticeID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return apigw.Response{}, err
		}
		me.Practice = &PracticeRef{PracticeID: u.PracticeID, Name: p.Name}
	}
	return apigw.OK(me), nil
}
