// Package doctorread is what every route that shows a doctor a patient's
// data (GET /patients, /patients/{id}/overview, /patients/{id}/export)
// shares: strict query parsing, opaque cursors, the link check in front of
// every read, and the audit entry written before any PHI leaves
// (DESIGN.md sections 5 and 6).
package doctorread

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strconv"

	"github.com/copdfuel/backend/pkg/access"
	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
)

// Error codes of query parsing.
const (
	CodeUnknownParameter  = "unknown_parameter"
	CodeRepeatedParameter = "repeated_parameter"
)

// MaxCursorLen bounds an encoded cursor: every cursor the API issues is far
// shorter, so a longer one is forged and is refused before decoding.
const MaxCursorLen = 512

// Query checks that q holds only the allowed parameters, each at most once.
// A repeated parameter is refused rather than half-honoured (issue 4:
// never silently truncated). Parameter names in messages are the allowed
// ones only; an unknown name is not echoed.
func Query(q url.Values, allowed ...string) error {
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	for k, vs := range q {
		if !ok[k] {
			return errs.E(errs.Invalid, CodeUnknownParameter, "unknown query parameter; this route takes only "+list(allowed))
		}
		if len(vs) > 1 {
			return errs.E(errs.Invalid, CodeRepeatedParameter, k+": give this query parameter at most once")
		}
	}
	return nil
}

func list(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}

// Int reads an optional integer parameter in min..max (def if absent). A
// value that is not a plain decimal integer in range is Invalid with code.
func Int(q url.Values, name string, def, min, max int, code string) (int, error) {
	v, ok := q[name]
	if !ok {
		return def, nil
	}
	s := ""
	if len(v) == 1 {
		s = v[0]
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max || s != strconv.Itoa(n) {
		return 0, errs.E(errs.Invalid, code, name+": must be an integer from "+strconv.Itoa(min)+" to "+strconv.Itoa(max))
	}
	return n, nil
}

// EncodeCursor returns v as an opaque cursor: base64url of its JSON. A
// cursor names only a position within the caller's own data; the handler
// rebuilds every key from the caller's identity and the path, never from
// the cursor alone.
func EncodeCursor(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(errors.New("doctorread: a cursor does not marshal: " + err.Error()))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor decodes a cursor made by EncodeCursor into v, strictly (no
// unknown fields, no trailing data). Any failure is Invalid
// copd.CodeInvalidCursor; the cursor's text is never echoed or logged.
func DecodeCursor(s string, v any) error {
	bad := invalidCursor()
	if s == "" || len(s) > MaxCursorLen {
		return bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return bad
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bad
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return bad
	}
	return nil
}

func invalidCursor() error {
	return errs.E(errs.Invalid, copd.CodeInvalidCursor, copd.MsgInvalidCursor)
}

// Page reads the query of a list route, whose only parameters are limit
// and cursor: limit in 1..max (def if absent; otherwise Invalid limitCode),
// and the cursor, if given, decoded into cur and accepted only if valid
// reports true (otherwise Invalid copd.CodeInvalidCursor).
func Page(q url.Values, def, max int, limitCode string, cur any, valid func() bool) (int, error) {
	if err := Query(q, "limit", "cursor"); err != nil {
		return 0, err
	}
	limit, err := Int(q, "limit", def, 1, max, limitCode)
	if err != nil {
		return 0, err
	}
	if c, ok := q["cursor"]; ok {
		if err := DecodeCursor(c[0], cur); err != nil {
			return 0, err
		}
		if !valid() {
			return 0, invalidCursor()
		}
	}
	return limit, nil
}

// capture remembers the link a LinkReader returned.
type capture struct {
	r access.LinkReader
	l copd.Link
}

func (c *capture) GetLink(ctx context.Context, patientID, doctorID string) (copd.Link, error) {
	l, err := c.r.GetLink(ctx, patientID, doctorID)
	c.l = l
	return l, err
}

// Check applies access.CheckDoctor (one strongly consistent GetItem of the
// link; not linked, pending, revoked or unknown: 404 patient_not_found) and
// returns the active link.
func Check(ctx context.Context, links access.LinkReader, c access.Caller, patientID string) (copd.Link, error) {
	cp := &capture{r: links}
	if err := access.CheckDoctor(ctx, cp, c, patientID); err != nil {
		return copd.Link{}, err
	}
	return cp.l, nil
}

// Entry is the audit entry of req's read of l's patient.
func Entry(req *apigw.Request, l copd.Link, action copd.AuditAction) copd.AuditEntry {
	return copd.AuditEntry{
		PatientID: l.PatientID, DoctorID: req.Caller.Sub, PracticeID: l.PracticeID, Action: action,
		RequestID: req.RequestID, SourceIP: req.SourceIP, At: req.RequestTime,
	}
}
