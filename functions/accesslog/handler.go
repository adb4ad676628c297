package main

import (
	"context"
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/doctorread"
)

// Store is what the access log needs of the store.
type Store interface {
	AuditLog(ctx context.Context, patientID, after string, limit int) ([]copd.AuditEntry, string, error)
	Profiles(ctx context.Context, userIDs, practiceIDs []string) (map[string]copd.User, map[string]copd.Practice, error)
}

// Handler serves GET /me/access-log.
type Handler struct {
	Store Store
}

// CodeInvalidLimit is the code of a bad limit parameter.
const CodeInvalidLimit = "invalid_limit"

// Log is the body of GET /me/access-log.
type Log struct {
	Entries []Entry `json:"entries"`
	// NextCursor fetches older entries; absent on the last page.
	NextCursor string `json:"nextCursor,omitempty"`
}

// Entry is one read of the patient's data by a doctor.
type Entry struct {
	At           time.Time        `json:"at"`
	Action       copd.AuditAction `json:"action"`
	DoctorID     string           `json:"doctorId"`
	DoctorName   string           `json:"doctorName"`
	PracticeID   string           `json:"practiceId,omitempty"`
	PracticeName string           `json:"practiceName"`
	RequestID    string           `json:"requestId"`
}

type cursor struct {
	After string `json:"a"`
}

// Serve lists one page of the caller's own audit entries, newest first: one
// Query of their partition (the partition is the caller's sub from the
// token: no parameter names a patient, so no one reads another patient's
// trail) and one batch read of the doctors' and practices' names.
func (h *Handler) Serve(ctx context.Context, req *apigw.Request) (apigw.Response, error) {
	var after cursor
	limit, err := doctorread.Page(req.Query, copd.DefaultAuditPage, copd.MaxAuditPage, CodeInvalidLimit,
		&after, func() bool { return after.After != "" })
	if err != nil {
		return apigw.Response{}, err
	}
	entries, next, err := h.Store.AuditLog(ctx, req.Caller.Sub, after.After, limit)
	if err != nil {
		return apigw.Response{}, err
	}
	var doctors, practices []string
	for _, e := range entries {
		doctors, practices = append(doctors, e.DoctorID), append(practices, e.PracticeID)
	}
	users, pracs, err := h.Store.Profiles(ctx, doctors, practices)
	if err != nil {
		return apigw.Response{}, err
	}
	out := Log{Entries: make([]Entry, 0, len(entries))}
	for _, e := range entries {
		x := Entry{At: e.At, Action: e.Action, DoctorID: e.DoctorID, PracticeID: e.PracticeID, RequestID: e.RequestID,
			PracticeName: pracs[e.PracticeID].Name}
		if u, ok := users[e.DoctorID]; ok && u.Role == copd.RoleDoctor {
			x.DoctorName = u.DisplayName
		}
		out.Entries = append(out.Entries, x)
	}
	if next != "" {
		out.NextCursor = doctorread.EncodeCursor(cursor{After: next})
	}
	return apigw.Response{Body: out, LogAttrs: []any{"records", len(out.Entries)}}, nil
}
