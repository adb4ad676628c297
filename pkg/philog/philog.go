// Package philog is the PHI-safe logger: JSON slog with an allow-list of
// attribute keys. Only ids, route, status, latency, counts and error kinds
// pass; any other attribute keeps its key but its value is replaced with
// Redacted, so a slip shows up in review instead of in a breach report.
// Values that implement slog.LogValuer (records, users, callers) are resolved
// first, so they can expose their safe fields under allowed keys.
package philog

import (
	"context"
	"io"
	"log/slog"
)

// Redacted replaces the value of any attribute whose key is not allowed.
const Redacted = "[redacted]"

// Allowed is the allow-list of attribute keys. Add a key only if no value it
// will ever carry can identify a patient or describe their health.
var Allowed = map[string]bool{
	slog.TimeKey: true, slog.LevelKey: true, slog.MessageKey: true,
	"request_id": true, "route": true, "method": true, "function": true,
	"status": true, "latency_ms": true, "error_kind": true, "error_code": true,
	"caller_id": true, "role": true, "user_id": true, "patient_id": true, "doctor_id": true, "practice_id": true,
	"record_id": true, "record_type": true,
	"records": true, "created": true, "updated": true, "unchanged": true, "stale": true, "deleted": true, "invalid": true,
	"attempt": true, "table": true, "operation": true, "port": true, "addr": true, "env": true,
}

// New returns a JSON logger writing to w that passes only allowed attributes.
func New(w io.Writer, level slog.Leveler) *slog.Logger {
	return slog.New(NewHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: replace})))
}

func replace(groups []string, a slog.Attr) slog.Attr {
	a.Value = a.Value.Resolve()
	if a.Value.Kind() == slog.KindGroup {
		return a // members are replaced one by one
	}
	if len(groups) > 0 || !Allowed[a.Key] {
		return slog.String(a.Key, Redacted)
	}
	// Errors may wrap SDK messages holding key values or request bodies.
	if _, isErr := a.Value.Any().(error); isErr {
		return slog.String(a.Key, Redacted)
	}
	return a
}

// Handler flattens LogValuer groups into top-level attributes before the
// allow-list applies, so Caller{...} logs as caller_id and role.
type Handler struct{ next slog.Handler }

// NewHandler wraps next (which should apply replace) with group flattening.
func NewHandler(next slog.Handler) *Handler { return &Handler{next: next} }

func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(flatten(a)...)
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	var flat []slog.Attr
	for _, a := range as {
		flat = append(flat, flatten(a)...)
	}
	return &Handler{next: h.next.WithAttrs(flat)}
}

func (h *Handler) WithGroup(name string) slog.Handler { return &Handler{next: h.next.WithGroup(name)} }

// flatten resolves a LogValuer and lifts a group's members to the top level
// (an inline group with an empty key stays inline), so that allowed keys
// exposed by a LogValuer are logged under their own names.
func flatten(a slog.Attr) []slog.Attr {
	a.Value = a.Value.Resolve()
	if a.Value.Kind() != slog.KindGroup {
		return []slog.Attr{a}
	}
	var out []slog.Attr
	for _, m := range a.Value.Group() {
		out = append(out, flatten(m)...)
	}
	return out
}
