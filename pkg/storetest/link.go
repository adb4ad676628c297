package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
)

// LinkStore is what the link conformance suite tests.
type LinkStore interface {
	copd.LinkStore
}

// RunLinks runs the conformance tests of copd.LinkStore as subtests.
func RunLinks(t *testing.T, newStore func(t *testing.T) LinkStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s LinkStore)
	}{
		{"InviteRoundTrip", testInviteRoundTrip},
		{"OpenInvites", testOpenInvites},
		{"ClaimInvite", testClaimInvite},
		{"Consents", testConsents},
		{"Links", testLinks},
		{"RevokeIfConsent", testRevokeIfConsent},
		{"Throttle", testThrottle},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 500, time.UTC)

// Invite returns an open invite of doctor created at created.
func Invite(code, doctor string, created time.Time) copd.Invite {
	return copd.Invite{Code: code, DoctorID: doctor, PracticeID: "pr-1", CreatedAt: created,
		ExpiresAt: created.Add(copd.DefaultInviteTTL), Status: copd.InviteOpen}
}

func kindOf(err error) errs.Kind {
	if err == nil {
		return -1
	}
	return errs.KindOf(err)
}

func mustCreateInvite(t *testing.T, s LinkStore, inv copd.Invite) {
	t.Helper()
	if err := s.CreateInvite(context.Background(), inv); err != nil {
		t.Fatalf("CreateInvite: %v", err)
	}
}

func testInviteRoundTrip(t *testing.T, s LinkStore) {
	ctx := context.Background()
	// A zone other than UTC comes back in UTC, nanoseconds kept.
	inv := Invite("ABCDEFGH23", "doc-1", t0.In(time.FixedZone("x", 3600)))
	mustCreateInvite(t, s, inv)
	got, err := s.GetInvite(ctx, inv.Code)
	if err != nil {
		t.Fatal(err)
	}
	want := inv
	want.CreatedAt, want.ExpiresAt = inv.CreatedAt.UTC(), inv.ExpiresAt.UTC()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetInvite (-want +got):\n%s", diff)
	}
	if k := kindOf(s.CreateInvite(ctx, Invite(inv.Code, "doc-2", t0))); k != errs.Conflict {
		t.Errorf("CreateInvite of an existing code: kind %v, want Conflict", k)
	}
	if got2, _ := s.GetInvite(ctx, inv.Code); got2.DoctorID != "doc-1" {
		t.Errorf("a conflicting create overwrote the invite")
	}
	if _, err := s.GetInvite(ctx, "NOSUCHCODE"); kindOf(err) != errs.NotFound {
		t.Errorf("GetInvite of an unknown code: %v, want NotFound", err)
	}
}

func testOpenInvites(t *testing.T, s LinkStore) {
	ctx := context.Background()
	for i, code := range []string{"AAAAAAAAA2", "AAAAAAAAA3", "AAAAAAAAA4", "AAAAAAAAA5"} {
		mustCreateInvite(t, s, Invite(code, "doc-1", t0.Add(time.Duration(i)*time.Hour)))
	}
	mustCreateInvite(t, s, Invite("BBBBBBBBB2", "doc-2", t0))
	if _, err := s.ClaimInvite(ctx, "AAAAAAAAA4", "pat-1", t0.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := s.OpenInvites(ctx, "doc-1", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, inv := range got {
		codes = append(codes, inv.Code)
	}
	// Newest first; a used invite and one created before since are not listed.
	if diff := cmp.Diff([]string{"AAAAAAAAA5", "AAAAAAAAA3"}, codes); diff != "" {
		t.Errorf("OpenInvites (-want +got):\n%s", diff)
	}
	if got, _ := s.OpenInvites(ctx, "doc-3", t0); len(got) != 0 {
		t.Errorf("OpenInvites of a doctor with none: %d", len(got))
	}
}

func testClaimInvite(t *testing.T, s LinkStore) {
	ctx := context.Background()
	inv := Invite("CCCCCCCCC2", "doc-1", t0)
	mustCreateInvite(t, s, inv)
	at := t0.Add(time.Hour)
	got, err := s.ClaimInvite(ctx, inv.Code, "pat-1", at)
	if err != nil {
		t.Fatal(err)
	}
	want := inv
	want.Status, want.UsedBy, want.UsedAt = copd.InviteUsed, "pat-1", &at
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ClaimInvite (-want +got):\n%s", diff)
	}
	// The same patient again: idempotent, first usedAt kept.
	again, err := s.ClaimInvite(ctx, inv.Code, "pat-1", at.Add(time.Minute))
	if err != nil || !again.UsedAt.Equal(at) {
		t.Errorf("second claim by the claimant: %v, usedAt %v; want success and %v", err, again.UsedAt, at)
	}
	tests := []struct {
		name, code, patient string
		at                  time.Time
	}{
		{"someone else", inv.Code, "pat-2", at},
		{"unknown code", "NOSUCHCODE", "pat-1", at},
	}
	expiring := Invite("CCCCCCCCC3", "doc-1", t0)
	mustCreateInvite(t, s, expiring)
	tests = append(tests,
		struct {
			name, code, patient string
			at                  time.Time
		}{"expired, at the instant of expiry", expiring.Code, "pat-1", expiring.ExpiresAt})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.ClaimInvite(ctx, tc.code, tc.patient, tc.at); kindOf(err) != errs.Conflict {
				t.Errorf("ClaimInvite: %v, want Conflict", err)
			}
		})
	}
	t.Run("one nanosecond before expiry", func(t *testing.T) {
		if _, err := s.ClaimInvite(ctx, expiring.Code, "pat-1", expiring.ExpiresAt.Add(-1)); err != nil {
			t.Errorf("ClaimInvite: %v", err)
		}
	})
	if got, _ := s.GetInvite(ctx, inv.Code); got.UsedBy != "pat-1" {
		t.Errorf("a failed claim changed the invite: usedBy %q", got.UsedBy)
	}
}

func consent(patient, doctor string, at time.Time) copd.Consent {
	return copd.Consent{PatientID: patient, DoctorID: doctor, PracticeID: "pr-1", Type: copd.ConsentShareWithDoctor,
		InviteCode: "CCCCCCCCC2", ConsentedAt: at, SourceIP: "203.0.113.7", UserAgent: "COPDFuel/2.3"}
}

func testConsents(t *testing.T, s LinkStore) {
	ctx := context.Background()
	// Times whose RFC 3339 text would sort wrong: .5s and a whole second.
	a, b := consent("pat-1", "doc-1", t0.Add(500*time.Millisecond)), consent("pat-1", "doc-1", t0.Add(time.Second))
	for _, c := range []copd.Consent{b, a, consent("pat-1", "doc-10", t0), consent("pat-2", "doc-1", t0)} {
		if err := s.PutConsent(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if k := kindOf(s.PutConsent(ctx, a)); k != errs.Conflict {
		t.Errorf("PutConsent of an existing consent: kind %v, want Conflict", k)
	}
	got, err := s.Consents(ctx, "pat-1", "doc-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]copd.Consent{a, b}, got); diff != "" {
		t.Errorf("Consents: doc-1 only (not doc-10), oldest first (-want +got):\n%s", diff)
	}
	w := t0.Add(time.Hour)
	c, err := s.WithdrawConsent(ctx, "pat-1", "doc-1", a.ConsentedAt, w)
	if err != nil || c.WithdrawnAt == nil || !c.WithdrawnAt.Equal(w) {
		t.Fatalf("WithdrawConsent: %v, %v", c.WithdrawnAt, err)
	}
	c, err = s.WithdrawConsent(ctx, "pat-1", "doc-1", a.ConsentedAt, w.Add(time.Hour))
	if err != nil || !c.WithdrawnAt.Equal(w) {
		t.Errorf("WithdrawConsent again: %v, %v; want the first time kept", c.WithdrawnAt, err)
	}
	if _, err := s.WithdrawConsent(ctx, "pat-1", "doc-1", t0.Add(time.Minute), w); kindOf(err) != errs.NotFound {
		t.Errorf("WithdrawConsent of no consent: %v, want NotFound", err)
	}
	if got, _ := s.Consents(ctx, "pat-1", "doc-1"); len(got) != 2 || got[0].Active() || !got[1].Active() {
		t.Errorf("after withdrawing the first: %+v", got)
	}
}

func link(patient, doctor string, consentedAt time.Time) copd.Link {
	return copd.Link{PatientID: patient, DoctorID: doctor, PracticeID: "pr-1", Status: copd.LinkActive,
		ConsentedAt: consentedAt, LinkedAt: consentedAt.Add(time.Second)}
}

func testLinks(t *testing.T, s LinkStore) {
	ctx := context.Background()
	l := link("pat-1", "doc-1", t0)
	got, err := s.ActivateLink(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(l, got); diff != "" {
		t.Errorf("ActivateLink (-want +got):\n%s", diff)
	}
	// Active already: unchanged, whatever the second call says.
	later := link("pat-1", "doc-1", t0.Add(time.Hour))
	if got, err := s.ActivateLink(ctx, later); err != nil || !cmp.Equal(l, got) {
		t.Errorf("ActivateLink of an active link: %v, %+v; want it unchanged", err, got)
	}
	rev := t0.Add(2 * time.Hour)
	r, err := s.RevokeLink(ctx, "pat-1", "doc-1", rev, nil)
	if err != nil || r.Status != copd.LinkRevoked || !r.RevokedAt.Equal(rev) {
		t.Fatalf("RevokeLink: %+v, %v", r, err)
	}
	if r, err := s.RevokeLink(ctx, "pat-1", "doc-1", rev.Add(time.Hour), nil); err != nil || !r.RevokedAt.Equal(rev) {
		t.Errorf("RevokeLink again: %+v, %v; want the first revokedAt kept", r, err)
	}
	if _, err := s.RevokeLink(ctx, "pat-1", "doc-2", rev, nil); kindOf(err) != errs.NotFound {
		t.Errorf("RevokeLink of no link: %v, want NotFound", err)
	}
	if got, err := s.GetLink(ctx, "pat-1", "doc-1"); err != nil || got.Status != copd.LinkRevoked {
		t.Errorf("GetLink after revoke: %+v, %v", got, err)
	}
	// Re-activation from a new consent: a fresh link, no revokedAt.
	if got, err := s.ActivateLink(ctx, later); err != nil || !cmp.Equal(later, got) {
		t.Errorf("ActivateLink of a revoked link: %v, %+v; want %+v", err, got, later)
	}
	if _, err := s.ActivateLink(ctx, link("pat-1", "doc-0", t0)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ActivateLink(ctx, link("pat-2", "doc-1", t0)); err != nil {
		t.Fatal(err)
	}
	ls, err := s.Links(ctx, "pat-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]copd.Link{link("pat-1", "doc-0", t0), later}, ls); diff != "" {
		t.Errorf("Links: the patient's own, by doctor (-want +got):\n%s", diff)
	}
	if _, err := s.GetLink(ctx, "pat-3", "doc-1"); kindOf(err) != errs.NotFound {
		t.Errorf("GetLink of no link: %v, want NotFound", err)
	}
}

func testRevokeIfConsent(t *testing.T, s LinkStore) {
	ctx := context.Background()
	l := link("pat-1", "doc-1", t0)
	if _, err := s.ActivateLink(ctx, l); err != nil {
		t.Fatal(err)
	}
	other := t0.Add(time.Minute)
	if _, err := s.RevokeLink(ctx, "pat-1", "doc-1", t0.Add(time.Hour), &other); kindOf(err) != errs.Conflict {
		t.Errorf("RevokeLink on another consent: %v, want Conflict", err)
	}
	if got, _ := s.GetLink(ctx, "pat-1", "doc-1"); got.Status != copd.LinkActive {
		t.Errorf("a refused conditional revoke changed the link")
	}
	if _, err := s.RevokeLink(ctx, "pat-1", "doc-1", t0.Add(time.Hour), &l.ConsentedAt); err != nil {
		t.Errorf("RevokeLink on its consent: %v", err)
	}
	if _, err := s.RevokeLink(ctx, "pat-1", "doc-1", t0.Add(2*time.Hour), &l.ConsentedAt); kindOf(err) != errs.Conflict {
		t.Errorf("conditional RevokeLink of a revoked link: %v, want Conflict", err)
	}
	if _, err := s.RevokeLink(ctx, "pat-1", "doc-2", t0, &l.ConsentedAt); kindOf(err) != errs.NotFound {
		t.Errorf("conditional RevokeLink of no link: %v, want NotFound", err)
	}
}

func testThrottle(t *testing.T, s LinkStore) {
	ctx := context.Background()
	w := copd.InviteFailureWindow
	if th, err := s.GetThrottle(ctx, "pat-1", copd.ThrottleInvite); err != nil || th != (copd.Throttle{}) {
		t.Fatalf("GetThrottle with none: %+v, %v", th, err)
	}
	steps := []struct {
		name string
		at   time.Time
		want copd.Throttle
	}{
		{"first failure starts a window", t0, copd.Throttle{WindowStart: t0, Failures: 1}},
		{"inside the window", t0.Add(time.Minute), copd.Throttle{WindowStart: t0, Failures: 2}},
		{"one nanosecond before the window ends", t0.Add(w - 1), copd.Throttle{WindowStart: t0, Failures: 3}},
		{"at the window's end a new one starts", t0.Add(w), copd.Throttle{WindowStart: t0.Add(w), Failures: 1}},
	}
	for _, st := range steps {
		got, err := s.AddFailure(ctx, "pat-1", copd.ThrottleInvite, st.at, w)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
	}
	if got, _ := s.GetThrottle(ctx, "pat-1", copd.ThrottleInvite); got != steps[3].want {
		t.Errorf("GetThrottle: %+v, want %+v", got, steps[3].want)
	}
	if got, _ := s.GetThrottle(ctx, "pat-2", copd.ThrottleInvite); got != (copd.Throttle{}) {
		t.Errorf("another patient's throttle: %+v", got)
	}
}
