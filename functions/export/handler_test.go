package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/access"
	"github.com/copdfuel/backend/pkg/apigw/apigwtest"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/doctorread"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/export"
	"github.com/copdfuel/backend/pkg/memstore"
)

var testNow = time.Date(2026, 12, 3, 17, 30, 0, 0, time.UTC)

const (
	doctor  = "doc-1"
	patient = "8f2a6c1e-1b7d-4c55-9a0e-3c1d2e4f5a6b"
)

func ptr[T any](v T) *T { return &v }

type harness struct {
	store *memstore.Store
	logs  *bytes.Buffer
	h     *Handler
	n     int // requests sent, for distinct request ids
}

func newHarness(t *testing.T, pageSize int) *harness {
	t.Helper()
	h := &harness{store: memstore.New(), logs: &bytes.Buffer{}}
	h.h = &Handler{Store: h.store, PageSize: pageSize, Now: func() time.Time { return testNow }}
	t0 := testNow.Add(-time.Hour)
	if _, err := h.store.ActivateLink(context.Background(), copd.Link{PatientID: patient, DoctorID: doctor, PracticeID: "pr-1", Status: copd.LinkActive, ConsentedAt: t0, LinkedAt: t0}); err != nil {
		t.Fatal(err)
	}
	return h
}

// mustRecords stores n food records over n days (the last one a tombstone)
// and returns the live ones in export order.
func (h *harness) mustRecords(t *testing.T, p string, n int) []copd.Record {
	t.Helper()
	var live []copd.Record
	for i := range n {
		d := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format(time.DateOnly)
		r := copd.Record{ID: fmt.Sprintf("f-%03d", i), Type: copd.TypeFood, Date: d, UpdatedAt: d + "T12:00:00Z",
			Meal: ptr("lunch"), Category: ptr("soup"), Description: ptr("=HYPERLINK(\"http://evil\")"), Calories: ptr(300.0)}
		if i == n-1 {
			r.Deleted = true
		}
		r = r.Normalized()
		if err := h.store.PutRecord(context.Background(), p, copd.StoredRecord{Record: r, Version: r.Version(), SyncedAt: testNow}); err != nil {
			t.Fatal(err)
		}
		if !r.Deleted {
			live = append(live, r)
		}
	}
	return live
}

func (h *harness) get(t *testing.T, sub, id string, query url.Values) events.APIGatewayProxyResponse {
	t.Helper()
	ev := apigwtest.Event(t, copd.RoleDoctor, sub, "GET", "/patients/{id}/export", map[string]string{"id": id}, "")
	ev.MultiValueQueryStringParameters = query
	ev.Headers["Host"], ev.Headers["X-Forwarded-Proto"] = "api.copdfuel.example", "https"
	delete(ev.MultiValueHeaders, "Host")
	h.n++
	ev.RequestContext.RequestID = fmt.Sprintf("req-%d", h.n)
	return apigwtest.Serve(t, apigwtest.Adapter(testNow, h.logs), "export", h.h.Serve, ev)
}

func TestExport_JSONPages(t *testing.T) {
	h := newHarness(t, 3)
	want := h.mustRecords(t, patient, 8)
	h.mustRecords(t, "another-patient", 4)
	var got []copd.Record
	q := url.Values{"format": {"json"}}
	pages := 0
	for {
		resp := h.get(t, doctor, patient, q)
		apigwtest.MustStatus(t, resp, 200, "")
		var body struct {
			Records    []copd.Record `json:"records"`
			NextCursor string        `json:"nextCursor"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
			t.Fatal(err)
		}
		got = append(got, body.Records...)
		pages++
		if body.NextCursor != resp.Headers[HeaderNextCursor] {
			t.Errorf("body cursor %q, header %q", body.NextCursor, resp.Headers[HeaderNextCursor])
		}
		if body.NextCursor == "" {
			break
		}
		if link := resp.Headers["Link"]; !strings.HasPrefix(link, "<https://api.copdfuel.example/patients/"+patient+"/export?") || !strings.HasSuffix(link, `>; rel="next"`) {
			t.Errorf("Link %q", link)
		}
		q = url.Values{"format": {"json"}, "cursor": {body.NextCursor}}
		if pages > 5 {
			t.Fatal("no end")
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records across pages (-want +got):\n%s", diff)
	}
	// 8 records (one a tombstone) in pages of 3: 3 pages, one audit entry each.
	log, _, _ := h.store.AuditLog(context.Background(), patient, "", 10)
	if pages != 3 || len(log) != 3 || log[0].Action != copd.AuditExport {
		t.Errorf("%d pages, audit %+v", pages, log)
	}
}

func TestExport_CSV(t *testing.T) {
	h := newHarness(t, 2)
	h.mustRecords(t, patient, 3)
	resp := h.get(t, doctor, patient, url.Values{"format": {"csv"}})
	apigwtest.MustStatus(t, resp, 200, "")
	if ct := resp.Headers["Content-Type"]; ct != export.CSV.ContentType() {
		t.Errorf("Content-Type %q", ct)
	}
	if resp.Headers["Access-Control-Allow-Origin"] != "*" || resp.Headers["Cache-Control"] != "no-store" {
		t.Errorf("CORS or cache headers lost: %v", resp.Headers)
	}
	rows, err := csv.NewReader(strings.NewReader(resp.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || !cmp.Equal(export.CSVHeader, rows[0]) {
		t.Fatalf("rows %q", rows)
	}
	if d := rows[1][19]; d != `'=HYPERLINK("http://evil")` {
		t.Errorf("description cell %q is not formula-safe", d)
	}
	if resp.Headers[HeaderNextCursor] == "" {
		t.Errorf("no next cursor header")
	}
}

func TestExport_FHIR(t *testing.T) {
	h := newHarness(t, 2)
	h.mustRecords(t, patient, 3)
	resp := h.get(t, doctor, patient, url.Values{"format": {"fhir"}})
	apigwtest.MustStatus(t, resp, 200, "")
	var b export.Bundle
	if err := json.Unmarshal([]byte(resp.Body), &b); err != nil {
		t.Fatal(err)
	}
	if b.ResourceType != "Bundle" || len(b.Entry) != 2 || len(b.Link) != 2 || b.Link[1].Relation != "next" || !strings.Contains(b.Link[1].URL, "cursor=") {
		t.Errorf("bundle %s", resp.Body)
	}
}

func TestExport_BadQuery(t *testing.T) {
	h := newHarness(t, 2)
	inRange := doctorread.EncodeCursor(copd.DateKey{Date: "2026-10-01", Type: copd.TypeFood, ID: "f-000"})
	tests := []struct {
		name  string
		query url.Values
		code  string
	}{
		{"unknown format", url.Values{"format": {"xml"}}, "invalid_format"},
		{"repeated format", url.Values{"format": {"csv", "json"}}, "repeated_parameter"},
		{"repeated from", url.Values{"from": {"2026-01-01", "2026-02-01"}}, "repeated_parameter"},
		{"unknown parameter", url.Values{"limit": {"10"}}, "unknown_parameter"},
		{"malformed date", url.Values{"from": {"2026-13-01"}}, CodeInvalidDate},
		{"not a date", url.Values{"to": {"today"}}, CodeInvalidDate},
		{"reversed range", url.Values{"from": {"2026-12-01"}, "to": {"2026-11-01"}}, CodeInvalidDateRange},
		{"garbage cursor", url.Values{"cursor": {"***"}}, copd.CodeInvalidCursor},
		{"cursor outside the range", url.Values{"from": {"2026-11-01"}, "cursor": {inRange}}, copd.CodeInvalidCursor},
		{"cursor of an unknown type", url.Values{"cursor": {doctorread.EncodeCursor(copd.DateKey{Date: "2026-10-01", Type: "blood", ID: "x"})}}, copd.CodeInvalidCursor},
		{"cursor with a key separator", url.Values{"cursor": {doctorread.EncodeCursor(copd.DateKey{Date: "2026-10-01", Type: copd.TypeFood, ID: "x#y"})}}, copd.CodeInvalidCursor},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			apigwtest.MustStatus(t, h.get(t, doctor, patient, tc.query), 400, tc.code)
		})
	}
}

func TestExport_AccessAndAudit(t *testing.T) {
	h := newHarness(t, 10)
	h.mustRecords(t, patient, 2)
	if _, err := h.store.RevokeLink(context.Background(), patient, doctor, testNow, nil); err != nil {
		t.Fatal(err)
	}
	apigwtest.MustStatus(t, h.get(t, doctor, patient, nil), 404, access.CodePatientNotFound)
	apigwtest.MustStatus(t, h.get(t, "doc-2", patient, nil), 404, access.CodePatientNotFound)

	h = newHarness(t, 10)
	h.mustRecords(t, patient, 2)
	h.store.Fail = func(op string) error {
		if op == memstore.OpPutAudit {
			return errs.E(errs.Unavailable, "store_unavailable", "busy")
		}
		return nil
	}
	resp := h.get(t, doctor, patient, url.Values{"format": {"csv"}})
	apigwtest.MustStatus(t, resp, 503, "store_unavailable")
	if strings.Contains(resp.Body, "HYPERLINK") || strings.Contains(h.logs.String(), "HYPERLINK") {
		t.Errorf("data in the answer or the log despite the failed audit")
	}
}
