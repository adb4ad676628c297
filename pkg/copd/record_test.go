package copd_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
)

var now = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

// mustRecord decodes a record from JSON the way the sync handler does.
func mustRecord(t *testing.T, js string) copd.Record {
	t.Helper()
	var r copd.Record
	dec := json.NewDecoder(strings.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("decode %s: %v", js, err)
	}
	return r
}

const env = `"id":"r1","date":"2026-12-01","updatedAt":"2026-12-01T08:00:00+01:00"`

func TestRecordValidate(t *testing.T) {
	tests := []struct {
		name string
		js   string
		code string // "" means valid
	}{
		{"weight", `{` + env + `,"type":"weight","weight":72.5,"unit":"kg","isGoal":false}`, ""},
		{"weight lb goal", `{` + env + `,"type":"weight","weight":160,"unit":"lb","isGoal":true,"time":"07:30"}`, ""},
		{"weight zero", `{` + env + `,"type":"weight","weight":0,"unit":"kg","isGoal":false}`, copd.CodeOutOfRange},
		{"weight negative", `{` + env + `,"type":"weight","weight":-3,"unit":"kg","isGoal":false}`, copd.CodeOutOfRange},
		{"weight absurd kg", `{` + env + `,"type":"weight","weight":501,"unit":"kg","isGoal":false}`, copd.CodeOutOfRange},
		{"weight 1000 lb ok", `{` + env + `,"type":"weight","weight":1000,"unit":"lb","isGoal":false}`, ""},
		{"weight bad unit", `{` + env + `,"type":"weight","weight":70,"unit":"stone","isGoal":false}`, copd.CodeInvalidField},
		{"weight missing unit", `{` + env + `,"type":"weight","weight":70,"isGoal":false}`, copd.CodeMissingField},
		{"weight missing isGoal", `{` + env + `,"type":"weight","weight":70,"unit":"kg"}`, copd.CodeMissingField},
		{"weight missing value", `{` + env + `,"type":"weight","unit":"kg","isGoal":false}`, copd.CodeMissingField},
		{"weight with level", `{` + env + `,"type":"weight","weight":70,"unit":"kg","isGoal":false,"level":95}`, copd.CodeFieldNotAllowed},
		{"medication daily", `{` + env + `,"type":"medication","name":"Tiotropium","dosage":"2 puffs","medicationType":"daily"}`, ""},
		{"medication rescue", `{` + env + `,"type":"medication","name":"Salbutamol","dosage":"2 puffs","medicationType":"exacerbation"}`, ""},
		{"medication bad type", `{` + env + `,"type":"medication","name":"X","dosage":"1","medicationType":"weekly"}`, copd.CodeInvalidField},
		{"medication empty name", `{` + env + `,"type":"medication","name":"","dosage":"1","medicationType":"daily"}`, copd.CodeMissingField},
		{"medication long name", `{` + env + `,"type":"medication","name":"` + strings.Repeat("a", 201) + `","dosage":"1","medicationType":"daily"}`, copd.CodeOutOfRange},
		{"medication unicode name at limit", `{` + env + `,"type":"medication","name":"` + strings.Repeat("é", 200) + `","dosage":"1","medicationType":"daily"}`, ""},
		{"medication control char", `{` + env + `,"type":"medication","name":"a\u0000b","dosage":"1","medicationType":"daily"}`, copd.CodeInvalidField},
		{"oxygen", `{` + env + `,"type":"oxygen","level":94}`, ""},
		{"oxygen 94.0 is whole", `{` + env + `,"type":"oxygen","level":94.0}`, ""},
		{"oxygen fraction", `{` + env + `,"type":"oxygen","level":94.5}`, copd.CodeInvalidField},
		{"oxygen over 100", `{` + env + `,"type":"oxygen","level":101}`, copd.CodeOutOfRange},
		{"oxygen low edge", `{` + env + `,"type":"oxygen","level":50}`, ""},
		{"oxygen too low", `{` + env + `,"type":"oxygen","level":49}`, copd.CodeOutOfRange},
		{"oxygen missing", `{` + env + `,"type":"oxygen"}`, copd.CodeMissingField},
		{"exercise", `{` + env + `,"type":"exercise","exerciseType":"walking","minutes":30}`, ""},
		{"exercise zero minutes", `{` + env + `,"type":"exercise","exerciseType":"walking","minutes":0}`, copd.CodeOutOfRange},
		{"exercise over a day", `{` + env + `,"type":"exercise","exerciseType":"walking","minutes":1441}`, copd.CodeOutOfRange},
		{"water ml", `{` + env + `,"type":"water","amount":250,"unit":"ml"}`, ""},
		{"water cup", `{` + env + `,"type":"water","amount":2,"unit":"cup"}`, ""},
		{"water too many cups", `{` + env + `,"type":"water","amount":43,"unit":"cup"}`, copd.CodeOutOfRange},
		{"water bad unit", `{` + env + `,"type":"water","amount":2,"unit":"kg"}`, copd.CodeInvalidField},
		{"food", `{` + env + `,"type":"food","meal":"lunch","category":"protein","description":"chicken soup","calories":420}`, ""},
		{"food no calories", `{` + env + `,"type":"food","meal":"snack","category":"fruit"}`, ""},
		{"food bad meal", `{` + env + `,"type":"food","meal":"brunch","category":"fruit"}`, copd.CodeInvalidField},
		{"food negative calories", `{` + env + `,"type":"food","meal":"snack","category":"fruit","calories":-1}`, copd.CodeOutOfRange},
		{"unknown type", `{` + env + `,"type":"sleep"}`, copd.CodeUnknownType},
		{"missing type", `{` + env + `}`, copd.CodeMissingField},
		{"missing id", `{"type":"oxygen","level":90,"date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z"}`, copd.CodeMissingField},
		{"id with slash", `{"id":"a/b","type":"oxygen","level":90,"date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z"}`, copd.CodeInvalidField},
		{"id with hash", `{"id":"a#b","type":"oxygen","level":90,"date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z"}`, copd.CodeInvalidField},
		{"id 64 chars", `{"id":"` + strings.Repeat("x", 64) + `","type":"oxygen","level":90,"date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z"}`, ""},
		{"id 65 chars", `{"id":"` + strings.Repeat("x", 65) + `","type":"oxygen","level":90,"date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z"}`, copd.CodeInvalidField},
		{"date missing", `{"id":"r","type":"oxygen","level":90,"updatedAt":"2026-12-01T08:00:00Z"}`, copd.CodeMissingField},
		{"date not a day", `{"id":"r","type":"oxygen","level":90,"date":"2026-02-30","updatedAt":"2026-12-01T08:00:00Z"}`, copd.CodeInvalidField},
		{"date US format", `{"id":"r","type":"oxygen","level":90,"date":"12/01/2026","updatedAt":"2026-12-01T08:00:00Z"}`, copd.CodeInvalidField},
		{"date with time", `{"id":"r","type":"oxygen","level":90,"date":"2026-12-01T00:00:00Z","updatedAt":"2026-12-01T08:00:00Z"}`, copd.CodeInvalidField},
		{"date pre 1900", `{"id":"r","type":"oxygen","level":90,"date":"1899-12-31","updatedAt":"2026-12-01T08:00:00Z"}`, copd.CodeOutOfRange},
		{"date tomorrow in Kiribati ok", `{"id":"r","type":"oxygen","level":90,"date":"2026-12-04","updatedAt":"2026-12-01T08:00:00Z"}`, ""},
		{"date far future", `{"id":"r","type":"oxygen","level":90,"date":"2027-01-01","updatedAt":"2026-12-01T08:00:00Z"}`, copd.CodeInFuture},
		{"time 24:00", `{"id":"r","type":"oxygen","level":90,"date":"2026-12-01","time":"24:00","updatedAt":"2026-12-01T08:00:00Z"}`, copd.CodeInvalidField},
		{"time with seconds", `{"id":"r","type":"oxygen","level":90,"date":"2026-12-01","time":"08:00:00","updatedAt":"2026-12-01T08:00:00Z"}`, copd.CodeInvalidField},
		{"time 12h", `{"id":"r","type":"oxygen","level":90,"date":"2026-12-01","time":"8:00 PM","updatedAt":"2026-12-01T08:00:00Z"}`, copd.CodeInvalidField},
		{"updatedAt no offset", `{"id":"r","type":"oxygen","level":90,"date":"2026-12-01","updatedAt":"2026-12-01T08:00:00"}`, copd.CodeInvalidField},
		{"updatedAt offset without colon", `{"id":"r","type":"oxygen","level":90,"date":"2026-12-01","updatedAt":"2026-12-01T08:00:00+0100"}`, copd.CodeInvalidField},
		{"updatedAt millis and offset", `{"id":"r","type":"oxygen","level":90,"date":"2026-12-01","updatedAt":"2026-12-01T08:00:00.123-05:00"}`, ""},
		{"updatedAt unix seconds", `{"id":"r","type":"oxygen","level":90,"date":"2026-12-01","updatedAt":"1764576000"}`, copd.CodeInvalidField},
		{"updatedAt space separator", `{"id":"r","type":"oxygen","level":90,"date":"2026-12-01","updatedAt":"2026-12-01 08:00:00Z"}`, copd.CodeInvalidField},
		{"updatedAt far future", `{"id":"r","type":"oxygen","level":90,"date":"2026-12-01","updatedAt":"2026-12-05T08:00:00Z"}`, copd.CodeInFuture},
		{"updatedAt 1999", `{"id":"r","type":"oxygen","level":90,"date":"2026-12-01","updatedAt":"1999-12-31T23:59:59Z"}`, copd.CodeOutOfRange},
		{"tombstone needs only envelope", `{` + env + `,"type":"weight","deleted":true}`, ""},
		{"tombstone fields still checked", `{` + env + `,"type":"oxygen","deleted":true,"level":500}`, copd.CodeOutOfRange},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mustRecord(t, tc.js)
			err := r.Validate(now)
			var got string
			if err != nil {
				var e *errs.Error
				if !errorsAs(err, &e) || e.Kind != errs.Invalid {
					t.Fatalf("Validate: %v, want an Invalid *errs.Error", err)
				}
				got = e.Code
			}
			if got != tc.code {
				t.Errorf("Validate code = %q, want %q (err %v)", got, tc.code, err)
			}
		})
	}
}

func TestVersion_OffsetsAreOneInstant(t *testing.T) {
	a := mustRecord(t, `{"id":"r","type":"oxygen","level":90,"date":"2026-12-01","updatedAt":"2026-12-01T09:00:00+01:00"}`)
	b := mustRecord(t, `{"id":"r","type":"oxygen","level":90,"date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z"}`)
	if a.Version().UpdatedAt != b.Version().UpdatedAt {
		t.Errorf("same instant in two offsets: %d != %d", a.Version().UpdatedAt, b.Version().UpdatedAt)
	}
}

func TestVersion_After(t *testing.T) {
	older := copd.Version{UpdatedAt: 1, Hash: "ff"}
	newer := copd.Version{UpdatedAt: 2, Hash: "00"}
	tieLow := copd.Version{UpdatedAt: 2, Hash: "01"}
	tests := []struct {
		name string
		a, b copd.Version
		want bool
	}{
		{"later wins whatever the hash", newer, older, true},
		{"earlier loses", older, newer, false},
		{"tie broken by hash", tieLow, newer, true},
		{"tie other way", newer, tieLow, false},
		{"equal is not after", newer, newer, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.After(tc.b); got != tc.want {
				t.Errorf("After = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNormalized_TombstoneDropsValues(t *testing.T) {
	r := mustRecord(t, `{`+env+`,"type":"weight","weight":70,"unit":"kg","isGoal":false,"deleted":true}`)
	n := r.Normalized()
	if n.Weight != nil || n.Unit != nil || n.IsGoal != nil {
		t.Errorf("tombstone kept values: %+v", n)
	}
	// A tombstone sent with or without its values is the same version.
	bare := mustRecord(t, `{`+env+`,"type":"weight","deleted":true}`)
	if r.Version() != bare.Version() {
		t.Errorf("tombstone versions differ: %v vs %v", r.Version(), bare.Version())
	}
}

func errorsAs(err error, target **errs.Error) bool { return errors.As(err, target) }
