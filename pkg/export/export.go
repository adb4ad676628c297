// Package export encodes pages of a patient's health records for GET
// /patients/{id}/export as CSV, JSON or a FHIR R4 Bundle. It is pure: the
// handler reads a page of records from the store (bounded so that no
// response nears API Gateway's 6 MB), checks the link, writes the audit
// record and then calls Encode with the page.
//
// Tombstones (deleted records) are never exported: a page may therefore hold
// fewer rows than the records it was given.
package export

import (
	"io"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
)

// Format is an export format, as in the format query parameter.
type Format string

const (
	CSV  Format = "csv"
	JSON Format = "json"
	FHIR Format = "fhir"
)

// ParseFormat returns the format named by the query parameter; "" means JSON.
// Any other value is Invalid.
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case "", JSON:
		return JSON, nil
	case CSV, FHIR:
		return Format(s), nil
	}
	return "", errs.E(errs.Invalid, "invalid_format", "format must be one of csv, json, fhir")
}

// ContentType is the media type of the format's body.
func (f Format) ContentType() string {
	switch f {
	case CSV:
		return "text/csv; charset=utf-8; header=present"
	case FHIR:
		return "application/fhir+json; fhirVersion=4.0"
	}
	return "application/json"
}

// Page is one page of an export.
type Page struct {
	// PatientID is the patient's user id (Cognito sub); FHIR resources refer
	// to it as Patient/<PatientID>, so it must be a valid FHIR id
	// ([A-Za-z0-9.-]{1,64}, which a UUID is).
	PatientID string
	// Records are the page's records in the store's order; tombstones are
	// skipped.
	Records []copd.StoredRecord
	// NextCursor is the opaque cursor of the next page, "" on the last page.
	// JSON carries it in the body; CSV cannot (the handler should send it in
	// a response header); FHIR carries NextURL instead.
	NextCursor string
	// SelfURL and NextURL are the absolute URLs of this page and the next
	// one, for the FHIR Bundle's links; either may be "".
	SelfURL, NextURL string
}

// Encode writes p to w in format f.
func Encode(w io.Writer, f Format, p Page) error {
	switch f {
	case CSV:
		return EncodeCSV(w, p)
	case FHIR:
		return EncodeFHIR(w, p)
	case JSON:
		return EncodeJSON(w, p)
	}
	return errs.E(errs.Invalid, "invalid_format", "format must be one of csv, json, fhir")
}

// live returns the records that are not tombstones.
func live(recs []copd.StoredRecord) []copd.StoredRecord {
	out := make([]copd.StoredRecord, 0, len(recs))
	for _, r := range recs {
		if !r.Deleted {
			out = append(out, r)
		}
	}
	return out
}
