// Package linkingtest builds the small world the linking functions' unit
// tests share: a practice, two doctors and invites of each, on the in-memory
// store, through the real pkg/linking flow.
package linkingtest

import (
	"context"
	"testing"
	"time"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/linking"
	"github.com/copdfuel/backend/pkg/memstore"
)

// Now is the tests' clock.
var Now = time.Date(2026, 12, 3, 17, 30, 0, 0, time.UTC)

// MustWorld writes practice pr-1 with doctors doc-1 and doc-2, and invites
// named "valid" and "valid2" (doc-1, open), "expired" (doc-1, created one
// TTL before Now) and "other" (doc-2). It returns the store and the grouped
// codes by name.
func MustWorld(t *testing.T) (*memstore.Store, map[string]string) {
	t.Helper()
	s := memstore.New()
	ctx := context.Background()
	if _, err := s.PutPractice(ctx, copd.Practice{PracticeID: "pr-1", Name: "Harbour Lung Clinic", CreatedAt: Now}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"doc-1", "doc-2"} {
		if _, err := s.PutUser(ctx, copd.User{UserID: d, Role: copd.RoleDoctor, DisplayName: "Dr " + d, PracticeID: "pr-1", CreatedAt: Now}); err != nil {
			t.Fatal(err)
		}
	}
	codes := map[string]string{}
	for name, at := range map[string]time.Time{"valid": Now, "valid2": Now, "expired": Now.Add(-copd.DefaultInviteTTL), "other": Now} {
		doc := "doc-1"
		if name == "other" {
			doc = "doc-2"
		}
		inv, _, err := linking.CreateInvite(ctx, s, doc, at, copd.DefaultInviteTTL, nil)
		if err != nil {
			t.Fatal(err)
		}
		codes[name] = copd.FormatInviteCode(inv.Code)
	}
	return s, codes
}

// MustConsent records patient's consent for the invite code.
func MustConsent(t *testing.T, s *memstore.Store, patient, code string) {
	t.Helper()
	if _, _, err := linking.GiveConsent(context.Background(), s, patient, code, copd.ConsentShareWithDoctor, "", "", Now); err != nil {
		t.Fatal(err)
	}
}

// MustLink consents and links patient with the invite code.
func MustLink(t *testing.T, s *memstore.Store, patient, code string) {
	t.Helper()
	MustConsent(t, s, patient, code)
	if _, err := linking.Link(context.Background(), s, patient, code, Now); err != nil {
		t.Fatal(err)
	}
}
