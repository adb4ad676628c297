package doctorread_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/copdfuel/backend/pkg/access"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/doctorread"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/memstore"
)

func code(err error) string {
	if err == nil {
		return ""
	}
	return errs.Public(err).Code
}

func TestQuery(t *testing.T) {
	tests := []struct {
		name string
		q    url.Values
		want string
	}{
		{"none", url.Values{}, ""},
		{"allowed", url.Values{"days": {"7"}}, ""},
		{"unknown", url.Values{"day": {"7"}}, doctorread.CodeUnknownParameter},
		{"repeated", url.Values{"days": {"7", "8"}}, doctorread.CodeRepeatedParameter},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := code(doctorread.Query(tc.q, "days", "cursor")); got != tc.want {
				t.Errorf("code %q, want %q", got, tc.want)
			}
		})
	}
}

func TestInt(t *testing.T) {
	tests := []struct {
		name  string
		q     url.Values
		want  int
		wantC string
	}{
		{"absent", url.Values{}, 30, ""},
		{"one", url.Values{"days": {"1"}}, 1, ""},
		{"max", url.Values{"days": {"365"}}, 365, ""},
		{"zero", url.Values{"days": {"0"}}, 0, "invalid_days"},
		{"too many", url.Values{"days": {"366"}}, 0, "invalid_days"},
		{"not a number", url.Values{"days": {"ten"}}, 0, "invalid_days"},
		{"plus sign", url.Values{"days": {"+7"}}, 0, "invalid_days"},
		{"leading zero", url.Values{"days": {"07"}}, 0, "invalid_days"},
		{"decimal", url.Values{"days": {"7.0"}}, 0, "invalid_days"},
		{"empty", url.Values{"days": {""}}, 0, "invalid_days"},
		{"huge", url.Values{"days": {"99999999999999999999"}}, 0, "invalid_days"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := doctorread.Int(tc.q, "days", 30, 1, 365, "invalid_days")
			if got != tc.want || code(err) != tc.wantC {
				t.Errorf("got %d, %q; want %d, %q", got, code(err), tc.want, tc.wantC)
			}
		})
	}
}

func TestCursor(t *testing.T) {
	type pos struct {
		P string `json:"p"`
	}
	c := doctorread.EncodeCursor(pos{P: "abc"})
	var got pos
	if err := doctorread.DecodeCursor(c, &got); err != nil || got.P != "abc" {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	for _, bad := range []string{"", "!!!", "e30x", doctorread.EncodeCursor(map[string]string{"q": "x"}),
		doctorread.EncodeCursor(pos{P: "a"}) + "e30", strings.Repeat("A", doctorread.MaxCursorLen+1), "bnVsbA"} {
		var p pos
		err := doctorread.DecodeCursor(bad, &p)
		if bad == "bnVsbA" { // JSON null decodes to the zero position: the handler validates fields
			continue
		}
		if code(err) != copd.CodeInvalidCursor {
			t.Errorf("DecodeCursor(%q): %v, want invalid_cursor", bad, err)
		}
	}
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, p := range []string{"pat-active", "pat-revoked"} {
		if _, err := s.ActivateLink(ctx, copd.Link{PatientID: p, DoctorID: "doc-1", PracticeID: "pr-1", Status: copd.LinkActive, ConsentedAt: t0, LinkedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.RevokeLink(ctx, "pat-revoked", "doc-1", t0, nil); err != nil {
		t.Fatal(err)
	}
	doctor := access.Caller{Sub: "doc-1", Role: copd.RoleDoctor}
	tests := []struct {
		name    string
		caller  access.Caller
		patient string
		want    string
	}{
		{"linked", doctor, "pat-active", ""},
		{"revoked", doctor, "pat-revoked", access.CodePatientNotFound},
		{"never linked", doctor, "pat-none", access.CodePatientNotFound},
		{"another doctor", access.Caller{Sub: "doc-2", Role: copd.RoleDoctor}, "pat-active", access.CodePatientNotFound},
		{"a patient", access.Caller{Sub: "pat-active", Role: copd.RolePatient}, "pat-active", access.CodePatientNotFound},
		{"malformed id", doctor, "pat#1", access.CodePatientNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := doctorread.Check(ctx, s, tc.caller, tc.patient)
			if code(err) != tc.want {
				t.Fatalf("code %q, want %q", code(err), tc.want)
			}
			if err == nil && (l.PatientID != tc.patient || l.PracticeID != "pr-1") {
				t.Errorf("link %+v", l)
			}
		})
	}
}
