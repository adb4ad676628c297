package main

import (
	"context"
	"strings"
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/doctorread"
	"github.com/copdfuel/backend/pkg/overview"
)

// Store is what the patient list needs of the store.
type Store interface {
	LinkedPatients(ctx context.Context, doctorID, after string, limit int) ([]string, string, error)
	Rows(ctx context.Context, doctorID string, patientIDs []string) (map[string]overview.Row, error)
	PutAudit(ctx context.Context, entries ...copd.AuditEntry) error
}

// Handler serves GET /patients.
type Handler struct {
	Store   Store
	Options overview.Options
	Now     func() time.Time
}

// CodeInvalidLimit is the code of a bad limit parameter.
const CodeInvalidLimit = "invalid_limit"

// List is the body of GET /patients.
type List struct {
	Patients []Patient `json:"patients"`
	// NextCursor fetches the next page; absent on the last page.
	NextCursor string `json:"nextCursor,omitempty"`
}

// Patient is one row of the list: who, since when, and the flags.
type Patient struct {
	PatientID   string         `json:"patientId"`
	DisplayName string         `json:"displayName,omitempty"`
	Email       string         `json:"email,omitempty"`
	LinkedAt    time.Time      `json:"linkedAt"`
	Flags       overview.Flags `json:"flags"`
}

// cursor is the position after which the next page starts: the last
// listed patient's id. The store rebuilds the key with the caller's own
// doctor partition, so a cursor cannot reach another doctor's patients.
type cursor struct {
	After string `json:"p"`
}

func validID(s string) bool {
	return s != "" && len(s) <= 128 && !strings.ContainsAny(s, "# \t\r\n/")
}

// earliestZone: a date is "today" somewhere on Earth from UTC-12 on.
const earliestZone = -12 * time.Hour

// Serve lists one page of the calling doctor's active patients: one Query
// of the doctor's index partition, one batch read of the page's links,
// profiles and summaries (links re-checked: the index is eventually
// consistent, so a link revoked a moment ago is dropped here), one batch
// write of an audit entry per listed patient, then the answer.
func (h *Handler) Serve(ctx context.Context, req *apigw.Request) (apigw.Response, error) {
	var after cursor
	limit, err := doctorread.Page(req.Query, copd.DefaultListPage, copd.MaxListPage, CodeInvalidLimit,
		&after, func() bool { return validID(after.After) })
	if err != nil {
		return apigw.Response{}, err
	}
	doctor := req.Caller.Sub
	ids, next, err := h.Store.LinkedPatients(ctx, doctor, after.After, limit)
	if err != nil {
		return apigw.Response{}, err
	}
	rows, err := h.Store.Rows(ctx, doctor, ids)
	if err != nil {
		return apigw.Response{}, err
	}
	today := h.Now().Add(earliestZone).UTC().Format(time.DateOnly)
	out := List{Patients: make([]Patient, 0, len(ids))}
	var audit []copd.AuditEntry
	for _, id := range ids {
		r := rows[id]
		if r.Link == nil || r.Link.Status != copd.LinkActive || r.Link.DoctorID != doctor || r.Link.PatientID != id {
			continue
		}
		p := Patient{PatientID: id, LinkedAt: r.Link.LinkedAt, Flags: r.Summary.Flags(today, h.Options)}
		if r.User != nil && r.User.Role == copd.RolePatient {
			p.DisplayName, p.Email = r.User.DisplayName, r.User.Email
		}
		out.Patients = append(out.Patients, p)
		audit = append(audit, doctorread.Entry(req, *r.Link, copd.AuditList))
	}
	if len(audit) > 0 {
		if err := h.Store.PutAudit(ctx, audit...); err != nil {
			return apigw.Response{}, err
		}
	}
	if next != "" {
		out.NextCursor = doctorread.EncodeCursor(cursor{After: next})
	}
	return apigw.Response{Body: out, LogAttrs: []any{"records", len(out.Patients)}}, nil
}
