package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
)

// Store is what the trigger needs of the user store.
type Store interface {
	PutUser(ctx context.Context, u copd.User) (copd.User, error)
}

// Handler is the post-confirmation trigger.
type Handler struct {
	Users Store
	Now   func() time.Time
	Log   *slog.Logger
}

// SourceConfirmSignUp is the only trigger source that creates a profile: a
// patient confirming their sign-up. Others (a confirmed forgotten
// password) pass through.
const SourceConfirmSignUp = "PostConfirmation_ConfirmSignUp"

// Serve writes the patient's User record (id = sub, email lower-cased,
// role patient) and returns the event unchanged, as Cognito expects. The
// write is a create-if-absent, so a repeated trigger is harmless. An error
// fails the confirmation, and the app's retry runs the trigger again.
func (h *Handler) Serve(ctx context.Context, ev events.CognitoEventUserPoolsPostConfirmation) (events.CognitoEventUserPoolsPostConfirmation, error) {
	start := h.Now()
	log := h.Log.With("function", "postconfirm", "operation", ev.TriggerSource)
	if ev.TriggerSource != SourceConfirmSignUp {
		log.Info("trigger", "status", "skipped")
		return ev, nil
	}
	sub := ev.Request.UserAttributes["sub"]
	email := strings.ToLower(strings.TrimSpace(ev.Request.UserAttributes["email"]))
	if sub == "" || len(sub) > 128 || strings.ContainsAny(sub, "# \t\r\n") || email == "" {
		log.Error("trigger", "status", "invalid", "error_kind", "invalid")
		return ev, errors.New("postconfirm: the event has no usable sub or email")
	}
	_, err := h.Users.PutUser(ctx, copd.User{UserID: sub, Email: email, Role: copd.RolePatient, CreatedAt: start.UTC()})
	attrs := []any{"user_id", sub, "latency_ms", h.Now().Sub(start).Milliseconds()}
	if err != nil {
		log.Error("trigger", append(attrs, "status", "failed", "error_kind", errs.KindOf(err).String())...)
		return ev, errors.New("postconfirm: could not write the profile")
	}
	log.Info("trigger", append(attrs, "status", "ok")...)
	return ev, nil
}
