package main

import (
	"bytes"
	"context"
	"net/url"
	"regexp"
	"slices"
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/doctorread"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/export"
)

// Store is what the export needs of the store.
type Store interface {
	GetLink(ctx context.Context, patientID, doctorID string) (copd.Link, error)
	RecordsPage(ctx context.Context, patientID, from, to string, after *copd.DateKey, limit int) ([]copd.StoredRecord, *copd.DateKey, error)
	PutAudit(ctx context.Context, entries ...copd.AuditEntry) error
}

// Handler serves GET /patients/{id}/export.
type Handler struct {
	Store Store
	// PageSize is the most records a page holds (copd.ExportPageRecords).
	PageSize int
	Now      func() time.Time
}

// Error codes of the export's query.
const (
	CodeInvalidDate      = "invalid_date"
	CodeInvalidDateRange = "invalid_date_range"
)

// HeaderNextCursor carries the next page's cursor for every format (CSV has
// no place for it in the body); Link carries the next page's URL.
const HeaderNextCursor = "X-Next-Cursor"

// Bounds of an open-ended range.
const (
	firstDate = "0001-01-01"
	lastDate  = "9999-12-31"
)

var idPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func validDate(s string) bool {
	t, err := time.Parse(time.DateOnly, s)
	return err == nil && t.Format(time.DateOnly) == s
}

func dateParam(q url.Values, name, def string) (string, error) {
	v, ok := q[name]
	if !ok {
		return def, nil
	}
	if !validDate(v[0]) {
		return "", errs.E(errs.Invalid, CodeInvalidDate, name+": must be a date YYYY-MM-DD")
	}
	return v[0], nil
}

// Serve checks the query (format, from, to, cursor; each at most once),
// then the link (404 unless active), reads one page of at most PageSize
// records in date order, writes the audit entry, and answers the page in
// the format asked for, with the next page's cursor and URL.
func (h *Handler) Serve(ctx context.Context, req *apigw.Request) (apigw.Response, error) {
	q := req.Query
	if err := doctorread.Query(q, "format", "from", "to", "cursor"); err != nil {
		return apigw.Response{}, err
	}
	format, err := export.ParseFormat(q.Get("format"))
	if err != nil {
		return apigw.Response{}, err
	}
	from, err := dateParam(q, "from", firstDate)
	if err != nil {
		return apigw.Response{}, err
	}
	to, err := dateParam(q, "to", lastDate)
	if err != nil {
		return apigw.Response{}, err
	}
	if from > to {
		return apigw.Response{}, errs.E(errs.Invalid, CodeInvalidDateRange, "from must be on or before to")
	}
	var after *copd.DateKey
	if c, ok := q["cursor"]; ok {
		var k copd.DateKey
		if err := doctorread.DecodeCursor(c[0], &k); err != nil {
			return apigw.Response{}, err
		}
		// A position must be a record key inside this range; the store
		// rebuilds it within the path's patient's partition, so no cursor
		// can reach another patient's records.
		if !validDate(k.Date) || k.Date < from || k.Date > to || !slices.Contains(copd.RecordTypes, k.Type) || !idPattern.MatchString(k.ID) {
			return apigw.Response{}, errs.E(errs.Invalid, copd.CodeInvalidCursor, copd.MsgInvalidCursor)
		}
		after = &k
	}
	link, err := doctorread.Check(ctx, h.Store, req.Caller, req.PathParams["id"])
	if err != nil {
		return apigw.Response{}, err
	}
	recs, next, err := h.Store.RecordsPage(ctx, link.PatientID, from, to, after, max(h.PageSize, 1))
	if err != nil {
		return apigw.Response{}, err
	}
	if err := h.Store.PutAudit(ctx, doctorread.Entry(req, link, copd.AuditExport)); err != nil {
		return apigw.Response{}, err
	}
	page := export.Page{PatientID: link.PatientID, Records: recs}
	headers := map[string]string{"Content-Type": format.ContentType()}
	base := req.URL()
	if base != "" {
		page.SelfURL = base + "?" + q.Encode()
	}
	if next != nil {
		page.NextCursor = doctorread.EncodeCursor(next)
		headers[HeaderNextCursor] = page.NextCursor
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("cursor", page.NextCursor)
		if base != "" {
			page.NextURL = base + "?" + nq.Encode()
			headers["Link"] = "<" + page.NextURL + `>; rel="next"`
		}
	}
	var buf bytes.Buffer
	if err := export.Encode(&buf, format, page); err != nil {
		return apigw.Response{}, err
	}
	return apigw.Response{RawBody: buf.Bytes(), Headers: headers, LogAttrs: []any{"patient_id", link.PatientID, "records", len(recs)}}, nil
}
