package copd_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
)

// recordCodes are the codes Validate and the strict decoder may give a record.
var recordCodes = map[string]bool{
	copd.CodeMissingField: true, copd.CodeInvalidField: true, copd.CodeFieldNotAllowed: true,
	copd.CodeUnknownType: true, copd.CodeOutOfRange: true, copd.CodeInFuture: true,
	apigw.CodeInvalidJSON: true, apigw.CodeUnknownField: true, apigw.CodeTrailingData: true,
	apigw.CodeBodyRequired: true, apigw.CodeDuplicateKey: true,
}

// FuzzRecord decodes a record as the sync handler does (strict JSON) and
// validates it. Properties: no panic; every refusal is Invalid with one of
// the stable record codes; a record that validates re-encodes (normalised,
// as it is stored) into JSON that decodes and validates again with the same
// Version, and re-encoding that is a fixed point (idempotence).
func FuzzRecord(f *testing.F) {
	for _, s := range []string{
		`{` + env + `,"type":"weight","weight":72.5,"unit":"kg","isGoal":false}`,
		`{` + env + `,"type":"medication","name":"Salbutamol","dosage":"2 puffs","medicationType":"exacerbation","time":"07:30"}`,
		`{` + env + `,"type":"oxygen","level":91}`,
		`{` + env + `,"type":"exercise","exerciseType":"walking","minutes":20}`,
		`{` + env + `,"type":"water","amount":2,"unit":"cup"}`,
		`{` + env + `,"type":"food","meal":"lunch","category":"soup","description":"leek \u202e soup 🍲","calories":310}`,
		`{` + env + `,"type":"oxygen","deleted":true}`,
		`{"id":"r1","type":"oxygen","level":91,"date":"1899-12-31","updatedAt":"2026-12-01T08:00:00Z"}`,
		`{"id":"r1","type":"oxygen","level":91,"date":"2026-02-30","updatedAt":"2026-12-01T08:00:00.123456789-14:00"}`,
		`{"id":"r1","type":"oxygen","level":91,"date":"2026-12-01","updatedAt":"2026-12-01 08:00:00Z"}`,
		`{"id":"r1","type":"oxygen","level":91,"date":"12/01/2026","updatedAt":"1764576000"}`,
		`{"id":"r1","type":"oxygen","level":91.5,"date":"2026-12-01","updatedAt":"2026-12-01T08:00:00+25:00"}`,
		`{"id":"r1","type":"weight","weight":1e309,"unit":"kg","isGoal":false,"date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z"}`,
		`{"id":"r1","type":"food","meal":"snack","category":"\u0000","date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z"}`,
		`{"id":"r1","type":"food","meal":"snack","category":"\ud800","date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z"}`,
		`{"id":"r1","id":"r2"}`, `{"id":5}`, `[]`, `null`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r copd.Record
		err := apigw.DecodeJSON(data, &r)
		if err == nil {
			err = r.Validate(now)
		}
		if err != nil {
			pub := errs.Public(err)
			if pub.Kind != errs.Invalid || !recordCodes[pub.Code] {
				t.Fatalf("refusal %v: kind %v code %q, want Invalid with a record code", err, pub.Kind, pub.Code)
			}
			return
		}
		v := r.Version()
		n := r.Normalized()
		b, err := json.Marshal(n)
		if err != nil {
			t.Fatalf("valid record does not encode: %v", err)
		}
		var again copd.Record
		if err := apigw.DecodeJSON(b, &again); err != nil {
			t.Fatalf("re-encoded record %s does not decode: %v", b, err)
		}
		if err := again.Validate(now); err != nil {
			t.Fatalf("re-encoded record %s does not validate: %v", b, err)
		}
		if got := again.Version(); got != v {
			t.Fatalf("Version changed over a round trip: %+v -> %+v (%s)", v, got, b)
		}
		if b2, _ := json.Marshal(again.Normalized()); string(b2) != string(b) {
			t.Fatalf("normalised encoding is not a fixed point:\n%s\n%s", b, b2)
		}
		if v.After(v) {
			t.Fatalf("a version is After itself")
		}
	})
}

// FuzzParseUpdatedAt: no panic; an accepted time is within the accepted
// window and re-formats (in UTC and in its own offset) to a string that
// parses to the same instant; every refusal is Invalid with a record code.
func FuzzParseUpdatedAt(f *testing.F) {
	for _, s := range []string{"2026-12-01T08:00:00Z", "2026-12-01T08:00:00+01:00", "2026-12-01T08:00:00.5-14:00",
		"2026-12-01T08:00:00", "2026-12-01 08:00:00Z", "2026-12-01t08:00:00z", "1999-12-31T23:59:59Z", "2126-01-01T00:00:00Z",
		"2026-12-01T24:00:00Z", "2026-12-01T08:00:00+99:99", "1764576000", "Tue, 01 Dec 2026 08:00:00 GMT", "", "2026-12-01T08:00:00.0000000001Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := copd.ParseUpdatedAt(s, now)
		if err != nil {
			if pub := errs.Public(err); pub.Kind != errs.Invalid || !recordCodes[pub.Code] {
				t.Fatalf("ParseUpdatedAt(%q): %v (code %q)", s, err, pub.Code)
			}
			return
		}
		earliest := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		if got.Before(earliest) || got.After(now.Add(copd.FutureSkew)) {
			t.Fatalf("ParseUpdatedAt(%q) = %v, outside the window", s, got)
		}
		for _, f := range []string{got.UTC().Format(time.RFC3339Nano), got.Format(time.RFC3339Nano)} {
			back, err := copd.ParseUpdatedAt(f, now)
			if err != nil || !back.Equal(got) {
				t.Fatalf("%q -> %v -> %q -> %v, %v", s, got, f, back, err)
			}
		}
	})
}

// FuzzDateTime checks the envelope's date and time through Validate of an
// otherwise valid record: an accepted date is a real calendar day from
// 1900-01-01 to tomorrow anywhere on earth, an accepted time is HH:MM.
func FuzzDateTime(f *testing.F) {
	for _, s := range [][2]string{{"2026-12-01", "08:00"}, {"2026-02-29", "24:00"}, {"1900-01-01", "23:59"}, {"1899-12-31", ""},
		{"2026-12-04", "8:00"}, {"2026-12-05", "08:00:00"}, {"+2026-12-01", "08:00 PM"}, {"2026-1-1", "0800"}, {"２０２６-12-01", "０８:00"}, {"9999-12-31", "23:60"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, date, tm string) {
		js, _ := json.Marshal(map[string]any{"id": "r1", "type": "oxygen", "level": 90, "date": date, "time": tm, "updatedAt": "2026-12-01T08:00:00Z"})
		var r copd.Record
		if err := apigw.DecodeJSON(js, &r); err != nil {
			t.Fatalf("decode: %v", err)
		}
		err := r.Validate(now)
		if err != nil {
			if pub := errs.Public(err); pub.Kind != errs.Invalid || !recordCodes[pub.Code] {
				t.Fatalf("Validate date %q time %q: %v", date, tm, err)
			}
			return
		}
		d, perr := time.Parse(time.DateOnly, date)
		if perr != nil || d.Format(time.DateOnly) != date || date < "1900-01-01" || d.After(now.Add(24*time.Hour)) {
			t.Fatalf("accepted date %q (%v)", date, perr)
		}
		if tm != "" {
			if _, perr := time.Parse("15:04", tm); perr != nil || len(tm) != 5 {
				t.Fatalf("accepted time %q", tm)
			}
		}
	})
}

// FuzzNormalizeInviteCode: no panic; an accepted code is in normal form
// (InviteCodeLen symbols of the alphabet), normalising it again and
// normalising its display form give it back; a refusal never holds input.
func FuzzNormalizeInviteCode(f *testing.F) {
	for _, s := range []string{"K7QM-2XWD-9F", "k7qm 2xwd 9f", "K7QM2XWD9F", "K7QM-2XWD-9", "K7QM-2XWD-9FF", "O0I1-LLLL-UU",
		"ｋ7QM-2XWD-9F", "K7QM\u00002XWD9F", "K7QM-2XWD-9F\u202e", "ß", "ﬀ", "\t\tK7QM-2XWD-9F  ", strings.Repeat("-", 41)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := copd.NormalizeInviteCode(s)
		if err != nil {
			if err != copd.ErrInviteCode {
				t.Fatalf("error %v is not ErrInviteCode", err)
			}
			return
		}
		if len(code) != copd.InviteCodeLen || strings.Trim(code, copd.InviteAlphabet) != "" {
			t.Fatalf("NormalizeInviteCode(%q) = %q, not in normal form", s, code)
		}
		for _, in := range []string{code, copd.FormatInviteCode(code), strings.ToLower(copd.FormatInviteCode(code))} {
			if again, err := copd.NormalizeInviteCode(in); err != nil || again != code {
				t.Fatalf("NormalizeInviteCode(%q) = %q, %v; want %q", in, again, err, code)
			}
		}
	})
}
