package export_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/export"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata (then re-run the R4 schema check)")

const patientID = "3f2c9a1e-5b7d-4c8e-9f10-2a3b4c5d6e7f"

func ptr[T any](v T) *T { return &v }

// mustRecords decodes records from their wire JSON, validates them and
// stores them with their versions.
func mustRecords(t testing.TB, js ...string) []copd.StoredRecord {
	t.Helper()
	out := make([]copd.StoredRecord, 0, len(js))
	for _, s := range js {
		var r copd.Record
		dec := json.NewDecoder(strings.NewReader(s))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("decode %s: %v", s, err)
		}
		if err := r.Validate(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatalf("invalid test record %s: %v", s, err)
		}
		n := r.Normalized()
		out = append(out, copd.StoredRecord{Record: n, Version: n.Version()})
	}
	return out
}

// sample has one record of every type and variant, a tombstone, and text
// that a spreadsheet would run as a formula.
func sample(t testing.TB) []copd.StoredRecord {
	return mustRecords(t,
		`{"id":"w1","type":"weight","date":"2026-03-01","time":"07:30","updatedAt":"2026-03-01T07:31:00-05:00","weight":70.5,"unit":"kg","isGoal":false}`,
		`{"id":"w2","type":"weight","date":"2026-03-02","updatedAt":"2026-03-02T12:00:00Z","weight":155,"unit":"lb","isGoal":false}`,
		`{"id":"goal_1","type":"weight","date":"2026-01-15","updatedAt":"2026-01-15T09:00:00+01:00","weight":68,"unit":"kg","isGoal":true}`,
		`{"id":"o1","type":"oxygen","date":"2026-03-01","time":"08:00","updatedAt":"2026-03-01T08:00:00-05:00","level":87}`,
		`{"id":"m1","type":"medication","date":"2026-03-01","time":"08:05","updatedAt":"2026-03-01T08:05:00-05:00","name":"Tiotropium","dosage":"2 puffs","medicationType":"daily"}`,
		`{"id":"m2","type":"medication","date":"2026-03-02","updatedAt":"2026-03-02T22:10:00-05:00","name":"Salbutamol, \"blue\" inhaler","dosage":"=2 puffs","medicationType":"exacerbation"}`,
		`{"id":"e1","type":"exercise","date":"2026-03-01","updatedAt":"2026-03-01T18:00:00-05:00","exerciseType":"walking","minutes":32.5}`,
		`{"id":"h1","type":"water","date":"2026-03-01","updatedAt":"2026-03-01T18:00:00-05:00","amount":2,"unit":"cup"}`,
		`{"id":"h2","type":"water","date":"2026-03-01","updatedAt":"2026-03-01T18:00:00-05:00","amount":250,"unit":"ml"}`,
		`{"id":"f1","type":"food","date":"2026-03-01","time":"12:30","updatedAt":"2026-03-01T12:31:00-05:00","meal":"lunch","category":"soup","description":"chicken soup\nwith bread","calories":420}`,
		`{"id":"-f2","type":"food","date":"2026-03-02","updatedAt":"2026-03-02T16:00:00-05:00","meal":"snack","category":"@fruit"}`,
		`{"id":"gone","type":"oxygen","date":"2026-03-02","updatedAt":"2026-03-02T09:00:00Z","deleted":true}`,
	)
}

func mustEncode(t testing.TB, f export.Format, p export.Page) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := export.Encode(&buf, f, p); err != nil {
		t.Fatalf("Encode(%s): %v", f, err)
	}
	return buf.Bytes()
}

func TestSafeCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"walking", "walking"},
		{"70.5", "70.5"},
		{"2026-03-01", "2026-03-01"},
		{"=1+1", "'=1+1"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"a=b", "a=b"},
		{"'quoted", "'quoted"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := export.SafeCell(tt.in); got != tt.want {
				t.Errorf("SafeCell(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEncodeCSV(t *testing.T) {
	out := mustEncode(t, export.CSV, export.Page{PatientID: patientID, Records: sample(t)})
	if !bytes.HasSuffix(out, []byte("\r\n")) || !bytes.Contains(out, []byte("\"chicken soup\r\nwith bread\"")) {
		t.Errorf("want CRLF line ends, also for the newline quoted inside a cell:\n%s", out)
	}
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("the output is not RFC 4180 CSV: %v", err)
	}
	//           id type date time updatedAt weight unit isGoal weightKg name dosage medicationType level exerciseType minutes amount waterMl meal category description calories
	want := [][]string{
		export.CSVHeader,
		{"w1", "weight", "2026-03-01", "07:30", "2026-03-01T07:31:00-05:00", "70.5", "kg", "false", "70.50", "", "", "", "", "", "", "", "", "", "", "", ""},
		// 155 lb x 0.45359237 = 70.30681735 kg.
		{"w2", "weight", "2026-03-02", "", "2026-03-02T12:00:00Z", "155", "lb", "false", "70.31", "", "", "", "", "", "", "", "", "", "", "", ""},
		{"goal_1", "weight", "2026-01-15", "", "2026-01-15T09:00:00+01:00", "68", "kg", "true", "68.00", "", "", "", "", "", "", "", "", "", "", "", ""},
		{"o1", "oxygen", "2026-03-01", "08:00", "2026-03-01T08:00:00-05:00", "", "", "", "", "", "", "", "87", "", "", "", "", "", "", "", ""},
		{"m1", "medication", "2026-03-01", "08:05", "2026-03-01T08:05:00-05:00", "", "", "", "", "Tiotropium", "2 puffs", "daily", "", "", "", "", "", "", "", "", ""},
		{"m2", "medication", "2026-03-02", "", "2026-03-02T22:10:00-05:00", "", "", "", "", `Salbutamol, "blue" inhaler`, "'=2 puffs", "exacerbation", "", "", "", "", "", "", "", "", ""},
		{"e1", "exercise", "2026-03-01", "", "2026-03-01T18:00:00-05:00", "", "", "", "", "", "", "", "", "walking", "32.5", "", "", "", "", "", ""},
		// 2 cups x 236.588 = 473.176 ml -> 473.2.
		{"h1", "water", "2026-03-01", "", "2026-03-01T18:00:00-05:00", "", "cup", "", "", "", "", "", "", "", "", "2", "473.2", "", "", "", ""},
		{"h2", "water", "2026-03-01", "", "2026-03-01T18:00:00-05:00", "", "ml", "", "", "", "", "", "", "", "", "250", "250.0", "", "", "", ""},
		{"f1", "food", "2026-03-01", "12:30", "2026-03-01T12:31:00-05:00", "", "", "", "", "", "", "", "", "", "", "", "", "lunch", "soup", "chicken soup\nwith bread", "420"},
		// The id starts with '-' and the category with '@': both escaped. No
		// row for the tombstone.
		{"'-f2", "food", "2026-03-02", "", "2026-03-02T16:00:00-05:00", "", "", "", "", "", "", "", "", "", "", "", "", "snack", "'@fruit", "", ""},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("CSV rows (-want +got):\n%s", diff)
	}
	for _, row := range rows {
		if len(row) != len(export.CSVHeader) {
			t.Errorf("row of %d cells, header has %d", len(row), len(export.CSVHeader))
		}
		for _, c := range row {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("unsafe cell %q", c)
			}
		}
	}

	t.Run("empty page has the header only", func(t *testing.T) {
		out := mustEncode(t, export.CSV, export.Page{PatientID: patientID})
		if want := strings.Join(export.CSVHeader, ",") + "\r\n"; string(out) != want {
			t.Errorf("got %q, want %q", out, want)
		}
	})
}

func TestEncodeJSON(t *testing.T) {
	recs := sample(t)
	out := mustEncode(t, export.JSON, export.Page{PatientID: patientID, Records: recs, NextCursor: "abc"})
	var got struct {
		Records    []copd.Record `json:"records"`
		NextCursor string        `json:"nextCursor"`
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	var want []copd.Record
	for _, r := range recs {
		if !r.Deleted {
			want = append(want, r.Record)
		}
	}
	if diff := cmp.Diff(want, got.Records); diff != "" || got.NextCursor != "abc" {
		t.Errorf("records (-want +got):\n%s\nnextCursor %q", diff, got.NextCursor)
	}
	// Each record is the sync wire format: it validates as one.
	for _, r := range got.Records {
		if err := r.Validate(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Errorf("record %s does not validate: %v", r.ID, err)
		}
	}
	if empty := mustEncode(t, export.JSON, export.Page{PatientID: patientID}); string(empty) != "{\"records\":[]}\n" {
		t.Errorf("empty page = %q", empty)
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in   string
		want export.Format
		ok   bool
	}{
		{"", export.JSON, true}, {"json", export.JSON, true}, {"csv", export.CSV, true}, {"fhir", export.FHIR, true},
		{"CSV", "", false}, {"xml", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := export.ParseFormat(tt.in)
			if got != tt.want || (err == nil) != tt.ok || (err != nil && errs.KindOf(err) != errs.Invalid) {
				t.Errorf("ParseFormat(%q) = %q, %v", tt.in, got, err)
			}
		})
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s changed (-want +got); if intended, run go test -update and re-run the R4 schema check (testdata/fhirschema):\n%s", path, diff)
	}
}
