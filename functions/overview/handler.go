package main

import (
	"context"
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/doctorread"
	"github.com/copdfuel/backend/pkg/overview"
)

// Store is what the overview needs of the store.
type Store interface {
	GetLink(ctx context.Context, patientID, doctorID string) (copd.Link, error)
	RecordsByDate(ctx context.Context, patientID, from, to string) ([]copd.StoredRecord, error)
	GetSummary(ctx context.Context, patientID string) (overview.Summary, int64, error)
	PutAudit(ctx context.Context, entries ...copd.AuditEntry) error
}

// Handler serves GET /patients/{id}/overview?days=N.
type Handler struct {
	Store   Store
	Options overview.Options
	Now     func() time.Time
}

// Window limits and the error code of a bad days parameter.
const (
	DefaultDays     = 30
	MaxDays         = 365
	CodeInvalidDays = "invalid_days"
)

// The patient's local date is not known to the server (the apps send local
// dates without a zone). At any instant the local dates in use on Earth run
// from UTC-12 to UTC+14.
const (
	earliestZone = -12 * time.Hour
	latestZone   = 14 * time.Hour
)

// Window returns the overview's last day: the latest local date of any of
// the patient's live records that is a date somewhere on Earth today (so the
// patient's own today when they logged anything today), and never before the
// earliest date on Earth today. recs must cover at least lo..hi.
func Window(now time.Time, recs []copd.StoredRecord) (to string) {
	lo := now.Add(earliestZone).UTC().Format(time.DateOnly)
	hi := now.Add(latestZone).UTC().Format(time.DateOnly)
	to = lo
	for _, r := range recs {
		if !r.Deleted && r.Date > to && r.Date <= hi {
			to = r.Date
		}
	}
	return to
}

func addDays(date string, n int) string {
	t, _ := time.Parse(time.DateOnly, date)
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

// Serve checks the query, then the link (404 unless active), reads the
// window's records (one query over at most days+2 dates: the cost is
// bounded by the window, not the history) and the summary (last sync, goal
// weight), computes the overview, writes the audit entry and only then
// answers.
func (h *Handler) Serve(ctx context.Context, req *apigw.Request) (apigw.Response, error) {
	if err := doctorread.Query(req.Query, "days"); err != nil {
		return apigw.Response{}, err
	}
	days, err := doctorread.Int(req.Query, "days", DefaultDays, 1, MaxDays, CodeInvalidDays)
	if err != nil {
		return apigw.Response{}, err
	}
	link, err := doctorread.Check(ctx, h.Store, req.Caller, req.PathParams["id"])
	if err != nil {
		return apigw.Response{}, err
	}
	now := h.Now()
	lo := now.Add(earliestZone).UTC().Format(time.DateOnly)
	hi := now.Add(latestZone).UTC().Format(time.DateOnly)
	recs, err := h.Store.RecordsByDate(ctx, link.PatientID, addDays(lo, -(days-1)), hi)
	if err != nil {
		return apigw.Response{}, err
	}
	sum, _, err := h.Store.GetSummary(ctx, link.PatientID)
	if err != nil {
		return apigw.Response{}, err
	}
	to := Window(now, recs)
	in := overview.Input{Records: recs, From: addDays(to, -(days - 1)), To: to, LastSyncAt: sum.LastSyncAt}
	if sum.Goal != nil {
		g := sum.Goal.Weight
		in.Goal = &g
	}
	ov, err := overview.Compute(in, h.Options)
	if err != nil {
		return apigw.Response{}, err
	}
	if err := h.Store.PutAudit(ctx, doctorread.Entry(req, link, copd.AuditOverview)); err != nil {
		return apigw.Response{}, err
	}
	return apigw.Response{Body: ov, LogAttrs: []any{"patient_id", link.PatientID, "records", len(recs)}}, nil
}
