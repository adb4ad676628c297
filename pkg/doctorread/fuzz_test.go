package doctorread_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/doctorread"
	"github.com/copdfuel/backend/pkg/errs"
)

// FuzzDecodeCursor feeds arbitrary cursor text to the decoder, into the
// shapes the routes use (the export's DateKey and the list cursors'
// struct). Properties: no panic; a refusal is exactly Invalid
// invalid_cursor whose message never holds the input; an accepted cursor
// re-encodes to a cursor that decodes to the same value (round trip).
func FuzzDecodeCursor(f *testing.F) {
	for _, s := range []string{
		doctorread.EncodeCursor(copd.DateKey{Date: "2026-12-01", Type: copd.TypeOxygen, ID: "r1"}),
		doctorread.EncodeCursor(map[string]string{"a": "8f2a6c1e"}),
		"", "e30", "eyJkIjoiMjAyNi0xMi0wMSIsImQiOiIyMDI2LTEyLTAyIn0", "eyJ4IjoxfQ", "e30gZTMw", "e30=", "!!!!", "bnVsbA",
		"eyJkIjoiXHVkODAwIn0", "eyJkIjpbMV19",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var k copd.DateKey
		if err := doctorread.DecodeCursor(s, &k); err != nil {
			mustCursorError(t, s, err)
		} else {
			var again copd.DateKey
			if err := doctorread.DecodeCursor(doctorread.EncodeCursor(k), &again); err != nil {
				t.Fatalf("re-encoded cursor of %+v refused: %v", k, err)
			}
			// Invalid UTF-8 in a string decodes to U+FFFD, so compare the
			// value after one round trip with the value after two.
			var third copd.DateKey
			_ = doctorread.DecodeCursor(doctorread.EncodeCursor(again), &third)
			if diff := cmp.Diff(again, third); diff != "" {
				t.Fatalf("cursor round trip (-want +got):\n%s", diff)
			}
		}
		var list struct {
			After string `json:"a"`
		}
		if err := doctorread.DecodeCursor(s, &list); err != nil {
			mustCursorError(t, s, err)
		}
	})
}

func mustCursorError(t *testing.T, s string, err error) {
	t.Helper()
	pub := errs.Public(err)
	if pub.Kind != errs.Invalid || pub.Code != copd.CodeInvalidCursor {
		t.Fatalf("DecodeCursor(%q): kind %v code %q, want Invalid %s", s, pub.Kind, pub.Code, copd.CodeInvalidCursor)
	}
	if len(s) > 3 && strings.Contains(pub.Message, s) {
		t.Fatalf("message %q echoes the cursor", pub.Message)
	}
}

// FuzzQueryInt parses a raw query string as API Gateway would split it and
// checks the strict parameter rules: no panic; refusals are Invalid with a
// stable code; an accepted integer is in range and its canonical decimal.
func FuzzQueryInt(f *testing.F) {
	for _, s := range []string{"days=7", "days=07", "days=+7", "days=-1", "days=1e3", "days=0x10", "days=7&days=8", "day=7",
		"days=", "days", "days=9999999999999999999999", "days=%37", "days=7%00", "days=%E2%80%AE7", "days=٧", "cursor=abc&days=30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return // API Gateway refuses an undecodable query string itself
		}
		if err := doctorread.Query(q, "days", "cursor"); err != nil {
			if pub := errs.Public(err); pub.Kind != errs.Invalid ||
				(pub.Code != doctorread.CodeUnknownParameter && pub.Code != doctorread.CodeRepeatedParameter) {
				t.Fatalf("Query(%q): %v", raw, err)
			}
			return
		}
		n, err := doctorread.Int(q, "days", 30, 1, 365, "invalid_days")
		if err != nil {
			if pub := errs.Public(err); pub.Kind != errs.Invalid || pub.Code != "invalid_days" {
				t.Fatalf("Int(%q): %v", raw, err)
			}
			return
		}
		if n < 1 || n > 365 {
			t.Fatalf("Int(%q) = %d, out of range", raw, n)
		}
		if v, ok := q["days"]; ok && v[0] != strconv.Itoa(n) {
			t.Fatalf("Int(%q) = %d from %q, not its canonical form", raw, n, v[0])
		}
	})
}
