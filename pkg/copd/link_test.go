package copd_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/copdfuel/backend/pkg/copd"
)

func TestInviteCode(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		c, err := copd.NewInviteCode(nil)
		if err != nil {
			t.Fatal(err)
		}
		n, err := copd.NormalizeInviteCode(strings.ToLower(copd.FormatInviteCode(c)))
		if err != nil || n != c || seen[c] {
			t.Fatalf("code %q: normalised %q, %v, seen %v", c, n, err, seen[c])
		}
		seen[c] = true
	}
	// Bytes at or above 240 are rejected (uniformity): 0xF0 never maps.
	c, err := copd.NewInviteCode(bytes.NewReader(append(bytes.Repeat([]byte{0xF0}, 16), bytes.Repeat([]byte{29}, 16)...)))
	if err != nil || c != "ZZZZZZZZZZ" {
		t.Errorf("rejection sampling: %q, %v", c, err)
	}
	if _, err := copd.NewInviteCode(bytes.NewReader(nil)); err == nil {
		t.Errorf("no randomness: no error")
	}
}

func TestNormalizeInviteCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"K7QM-2XWD-9F", "K7QM2XWD9F"},
		{"k7qm 2xwd 9f", "K7QM2XWD9F"},
		{" k7qm2xwd9f\t", "K7QM2XWD9F"},
		{"K7QM-2XWD-9", ""},
		{"K7QM-2XWD-9F2", ""},
		{"K7QM-2XWD-0F", ""}, // 0 is not in the alphabet
		{"K7QM-2XWD-IF", ""},
		{"K7QM-2XWD-UF", ""},
		{"K7QM_2XWD_9F", ""},
		{"K7QM-2XWD-9Ｆ", ""},
		{strings.Repeat("-", 100), ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := copd.NormalizeInviteCode(tc.in)
			if got != tc.want || (err != nil) != (tc.want == "") {
				t.Errorf("NormalizeInviteCode(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestThrottleBlocked(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := copd.InviteFailureWindow
	tests := []struct {
		name      string
		failures  int
		at        time.Time
		blocked   bool
		retryWant time.Duration
	}{
		{"under the limit", copd.InviteFailureLimit - 1, start, false, 0},
		{"at the limit", copd.InviteFailureLimit, start.Add(time.Minute), true, w - time.Minute},
		{"at the limit, last nanosecond", copd.InviteFailureLimit, start.Add(w - 1), true, time.Second},
		{"window over", copd.InviteFailureLimit, start.Add(w), false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, r := copd.Throttle{WindowStart: start, Failures: tc.failures}.Blocked(tc.at, copd.InviteFailureLimit, w)
			if b != tc.blocked || r != tc.retryWant {
				t.Errorf("Blocked = %v, %v; want %v, %v", b, r, tc.blocked, tc.retryWant)
			}
		})
	}
}
