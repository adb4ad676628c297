package linking_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/dynamo"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/linking"
	"github.com/copdfuel/backend/pkg/memstore"
	"github.com/copdfuel/backend/pkg/standin"
)

var now = time.Date(2026, 12, 3, 17, 30, 0, 0, time.UTC)

// Store is what the tests need of either store.
type Store interface {
	copd.LinkStore
	copd.UserStore
}

// endpoint is the dynalite the race tests use; empty in -short mode.
var endpoint string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	p, err := standin.Dynalite(ctx, standin.DynaliteOptions{})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "linking tests need dynalite (npm ci at the repository root) or -short:", err)
		os.Exit(1)
	}
	endpoint = p.Endpoint
	code := m.Run()
	p.Stop()
	os.Exit(code)
}

var tableSeq atomic.Int64

func mustDynamo(t *testing.T) Store {
	t.Helper()
	if endpoint == "" {
		t.Skip("needs dynalite; not run with -short")
	}
	c := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	name := fmt.Sprintf("linking-test-%d", tableSeq.Add(1))
	if err := dynamo.CreateTable(context.Background(), c, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &name}) })
	return dynamo.New(c, name)
}

const (
	doctor  = "doc-1"
	patient = "pat-1"
)

// mustWorld writes a practice and two doctors, and returns an invite code
// of doc-1 (grouped, as a person types it).
func mustWorld(t *testing.T, s Store) string {
	t.Helper()
	ctx := context.Background()
	if _, err := s.PutPractice(ctx, copd.Practice{PracticeID: "pr-1", Name: "Harbour Lung Clinic", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"doc-1", "doc-2"} {
		if _, err := s.PutUser(ctx, copd.User{UserID: d, Role: copd.RoleDoctor, DisplayName: "Dr " + d, PracticeID: "pr-1", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	return mustInvite(t, s, doctor)
}

func mustInvite(t *testing.T, s Store, doc string) string {
	t.Helper()
	inv, _, err := linking.CreateInvite(context.Background(), s, doc, now, copd.DefaultInviteTTL, nil)
	if err != nil {
		t.Fatalf("CreateInvite: %v", err)
	}
	return strings.ToLower(copd.FormatInviteCode(inv.Code))
}

func mustConsent(t *testing.T, s Store, pat, code string, at time.Time) copd.Consent {
	t.Helper()
	c, _, err := linking.GiveConsent(context.Background(), s, pat, code, copd.ConsentShareWithDoctor, "203.0.113.7", "test", at)
	if err != nil {
		t.Fatalf("GiveConsent: %v", err)
	}
	return c
}

func code(err error) string {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "untyped: " + err.Error()
	}
	return ""
}

// checkConsistent asserts the invariant every race must keep: an active link
// rests on an un-withdrawn consent; a revoked link's consents are withdrawn
// once the revocation returned.
func checkConsistent(t *testing.T, s Store, pat, doc string, revokeReturned bool) copd.Link {
	t.Helper()
	ctx := context.Background()
	l, err := s.GetLink(ctx, pat, doc)
	if err != nil {
		t.Fatalf("GetLink: %v", err)
	}
	cs, err := s.Consents(ctx, pat, doc)
	if err != nil {
		t.Fatal(err)
	}
	switch l.Status {
	case copd.LinkActive:
		for _, c := range cs {
			if c.ConsentedAt.Equal(l.ConsentedAt) && !c.Active() {
				t.Errorf("active link on a withdrawn consent")
			}
		}
	case copd.LinkRevoked:
		if revokeReturned {
			for _, c := range cs {
				if c.Active() && !c.ConsentedAt.After(l.LinkedAt) {
					t.Errorf("revoked link, consent of %v still active", c.ConsentedAt)
				}
			}
		}
	default:
		t.Errorf("link status %q", l.Status)
	}
	return l
}

func TestLink_Flow(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	c := mustWorld(t, s)
	p, err := linking.PreviewInvite(ctx, s, patient, c, now)
	if err != nil || p.Practice.Name != "Harbour Lung Clinic" || p.Doctor.DisplayName != "Dr doc-1" {
		t.Fatalf("PreviewInvite: %+v, %v", p, err)
	}
	if _, err := linking.Link(ctx, s, patient, c, now); code(err) != copd.CodeConsentRequired {
		t.Fatalf("Link before consent: %v", err)
	}
	con := mustConsent(t, s, patient, c, now)
	if again, created, err := linking.GiveConsent(ctx, s, patient, c, copd.ConsentShareWithDoctor, "x", "y", now.Add(time.Minute)); err != nil || created || !again.ConsentedAt.Equal(con.ConsentedAt) {
		t.Errorf("second consent for the same code: created %v, %v; want the first one back", created, err)
	}
	l, err := linking.Link(ctx, s, patient, c, now.Add(time.Minute))
	if err != nil || l.Status != copd.LinkActive || !l.ConsentedAt.Equal(con.ConsentedAt) {
		t.Fatalf("Link: %+v, %v", l, err)
	}
	if l2, err := linking.Link(ctx, s, patient, strings.ReplaceAll(strings.ToUpper(c), "-", " "), now.Add(2*time.Minute)); err != nil || !l2.LinkedAt.Equal(l.LinkedAt) {
		t.Errorf("Link again: %+v, %v; want the same link", l2, err)
	}
	if _, err := linking.Link(ctx, s, "pat-2", c, now); code(err) != copd.CodeInviteUsed {
		t.Errorf("another patient with a used code: %v", err)
	}
	r, err := linking.Revoke(ctx, s, patient, doctor, now.Add(time.Hour))
	if err != nil || r.Status != copd.LinkRevoked {
		t.Fatalf("Revoke: %+v, %v", r, err)
	}
	checkConsistent(t, s, patient, doctor, true)
	if r2, err := linking.Revoke(ctx, s, patient, doctor, now.Add(2*time.Hour)); err != nil || !r2.RevokedAt.Equal(*r.RevokedAt) {
		t.Errorf("Revoke again: %+v, %v", r2, err)
	}
	// The used code cannot be consented to or linked again after revocation.
	if _, _, err := linking.GiveConsent(ctx, s, patient, c, copd.ConsentShareWithDoctor, "", "", now.Add(3*time.Hour)); code(err) != copd.CodeInviteUsed {
		t.Errorf("consent with the used code after revoke: %v", err)
	}
	if _, err := linking.Link(ctx, s, patient, c, now.Add(3*time.Hour)); code(err) != copd.CodeConsentRequired {
		t.Errorf("link with the used code after revoke: %v", err)
	}
	// A new invite re-activates the link.
	c2 := mustInvite(t, s, doctor)
	mustConsent(t, s, patient, c2, now.Add(4*time.Hour))
	if l, err := linking.Link(ctx, s, patient, c2, now.Add(4*time.Hour)); err != nil || l.Status != copd.LinkActive || l.RevokedAt != nil {
		t.Errorf("re-link from a new invite: %+v, %v", l, err)
	}
	if _, err := linking.Revoke(ctx, s, patient, "doc-2", now); code(err) != copd.CodeLinkNotFound {
		t.Errorf("revoke a doctor never linked: %v", err)
	}
	if _, err := linking.Revoke(ctx, s, "pat-2", doctor, now); code(err) != copd.CodeLinkNotFound {
		t.Errorf("another patient revoking this patient's doctor: %v", err)
	}
}

func TestLookup_Codes(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	c := mustWorld(t, s)
	mustConsent(t, s, "pat-2", c, now)
	if _, err := linking.Link(ctx, s, "pat-2", c, now); err != nil {
		t.Fatal(err)
	}
	expired := mustInvite(t, s, doctor)
	valid := mustInvite(t, s, doctor)
	tests := []struct {
		name, code string
		at         time.Time
		want       string
		status     int
	}{
		{"malformed", "K7QM-2XWD", now, copd.CodeInvalidInviteCode, 400},
		{"ambiguous letter O", "OOOO-OOOO-OO", now, copd.CodeInvalidInviteCode, 400},
		{"unknown", "2222-2222-22", now, copd.CodeInviteNotFound, 404},
		{"used by another patient", c, now, copd.CodeInviteUsed, 409},
		{"expired, at the instant of expiry", expired, now.Add(copd.DefaultInviteTTL), copd.CodeInviteExpired, 410},
		{"valid one nanosecond before expiry", valid, now.Add(copd.DefaultInviteTTL - 1), "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := linking.Lookup(ctx, s, patient, tc.code, tc.at)
			if code(err) != tc.want {
				t.Fatalf("Lookup: %v, want %q", err, tc.want)
			}
			if err != nil && errs.KindOf(err).Status() != tc.status {
				t.Errorf("status %d, want %d", errs.KindOf(err).Status(), tc.status)
			}
		})
	}
}

func TestLookup_ThrottleEdges(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	valid := mustWorld(t, s)
	w := copd.InviteFailureWindow
	for i := 1; i <= copd.InviteFailureLimit; i++ {
		if _, err := linking.Lookup(ctx, s, patient, "2222-2222-22", now.Add(time.Duration(i)*time.Second)); code(err) != copd.CodeInviteNotFound {
			t.Fatalf("failure %d: %v, want invite_not_found", i, err)
		}
	}
	// The limit is reached: even a valid code is refused until the window ends.
	_, err := linking.Lookup(ctx, s, patient, valid, now.Add(time.Minute))
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.RateLimited || e.Code != copd.CodeTooManyAttempts {
		t.Fatalf("lookup after %d failures: %v, want 429 too_many_attempts", copd.InviteFailureLimit, err)
	}
	if e.RetryAfter != w-time.Minute+time.Second {
		t.Errorf("RetryAfter %v, want %v", e.RetryAfter, w-time.Minute+time.Second)
	}
	// The window started at the first failure (now+1s).
	if _, err := linking.Lookup(ctx, s, patient, valid, now.Add(time.Second+w-1)); errs.KindOf(err) != errs.RateLimited {
		t.Errorf("one nanosecond before the window ends: %v, want 429", err)
	}
	if _, err := linking.Lookup(ctx, s, patient, valid, now.Add(time.Second+w)); err != nil {
		t.Errorf("when the window ends: %v, want the invite", err)
	}
	// Another patient is not affected; malformed codes are not counted.
	for range 10 {
		if _, err := linking.Lookup(ctx, s, "pat-3", "bad", now); code(err) != copd.CodeInvalidInviteCode {
			t.Fatal(err)
		}
	}
	if _, err := linking.Lookup(ctx, s, "pat-3", valid, now); err != nil {
		t.Errorf("other patient: %v", err)
	}
	// Consent and preview count failures too.
	for i := range copd.InviteFailureLimit {
		at := now.Add(time.Duration(i) * time.Second)
		if i%2 == 0 {
			_, _, err = linking.GiveConsent(ctx, s, "pat-4", "2222-2222-22", copd.ConsentShareWithDoctor, "", "", at)
		} else {
			_, err = linking.PreviewInvite(ctx, s, "pat-4", "2222-2222-22", at)
		}
		if code(err) != copd.CodeInviteNotFound {
			t.Fatal(err)
		}
	}
	if _, err := linking.Link(ctx, s, "pat-4", valid, now.Add(time.Minute)); errs.KindOf(err) != errs.RateLimited {
		t.Errorf("link after failures on consent and preview: %v, want 429", err)
	}
}

// TestLookup_ConcurrentGuessesOverLimit: failures that passed the check
// together are answered 429 once over the limit, so they learn nothing.
func TestLookup_ConcurrentGuessesOverLimit(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	mustWorld(t, s)
	for range copd.InviteFailureLimit {
		if _, err := s.AddFailure(ctx, patient, copd.ThrottleInvite, now, copd.InviteFailureWindow); err != nil {
			t.Fatal(err)
		}
	}
	// A guess that read the throttle before the fifth failure was counted.
	th, _ := s.GetThrottle(ctx, patient, copd.ThrottleInvite)
	th.Failures--
	st := &staleThrottle{Store: s, th: th}
	if _, err := linking.Lookup(ctx, st, patient, "2222-2222-22", now); errs.KindOf(err) != errs.RateLimited {
		t.Errorf("a sixth failure: %v, want 429", err)
	}
}

type staleThrottle struct {
	*memstore.Store
	th copd.Throttle
}

func (s *staleThrottle) GetThrottle(context.Context, string, string) (copd.Throttle, error) {
	return s.th, nil
}

func TestCreateInvite(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	mustWorld(t, s) // one open invite
	for i := 1; i < copd.MaxOpenInvites; i++ {
		mustInvite(t, s, doctor)
	}
	if _, _, err := linking.CreateInvite(ctx, s, doctor, now, copd.DefaultInviteTTL, nil); code(err) != copd.CodeTooManyInvites {
		t.Fatalf("invite %d: %v, want too_many_open_invites", copd.MaxOpenInvites+1, err)
	}
	// Once they expire, the doctor may invite again.
	later := now.Add(copd.DefaultInviteTTL)
	if _, _, err := linking.CreateInvite(ctx, s, doctor, later, copd.DefaultInviteTTL, nil); err != nil {
		t.Errorf("after expiry: %v", err)
	}
	if _, _, err := linking.CreateInvite(ctx, s, "doc-none", now, copd.DefaultInviteTTL, nil); code(err) != copd.CodeNoPractice {
		t.Errorf("doctor without profile: %v", err)
	}
	t.Run("collision draws again", func(t *testing.T) {
		s := memstore.New()
		mustWorld(t, s)
		// Two draws of the same bytes, then others.
		r := strings.NewReader(strings.Repeat("\x00", 32) + strings.Repeat("\x00", 16) + strings.Repeat("\x01", 16))
		_, _, err := linking.CreateInvite(ctx, s, doctor, now, time.Hour, r)
		if err != nil {
			t.Fatal(err)
		}
		inv, _, err := linking.CreateInvite(ctx, s, doctor, now, time.Hour, r)
		if err != nil || inv.Code != "3333333333" {
			t.Errorf("after a collision: %q, %v", inv.Code, err)
		}
	})
}

var errCrash = errors.New("crash")

// crashOnce makes the n-th call of op fail once, like a Lambda dying there.
func crashOnce(s *memstore.Store, op string, n int) {
	var seen atomic.Int64
	s.Fail = func(o string) error {
		if o == op && seen.Add(1) == int64(n) {
			return errs.Wrap(errs.Unavailable, "store_unavailable", "busy", errCrash)
		}
		return nil
	}
}

func TestLink_CrashPoints(t *testing.T) {
	tests := []struct {
		name string
		op   string
		n    int
		// state after the crash
		invUsed, linked bool
	}{
		{"before the consent query", memstore.OpConsents, 1, false, false},
		{"before claiming the invite", memstore.OpClaimInvite, 1, false, false},
		{"between claiming the invite and the link", memstore.OpActivateLink, 1, true, false},
		{"after the link, before the consent re-check", memstore.OpConsents, 2, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := memstore.New()
			c := mustWorld(t, s)
			mustConsent(t, s, patient, c, now)
			crashOnce(s, tc.op, tc.n)
			if _, err := linking.Link(ctx, s, patient, c, now); !errors.Is(err, errCrash) {
				t.Fatalf("Link with a crash: %v", err)
			}
			s.Fail = nil
			norm, _ := copd.NormalizeInviteCode(c)
			inv, _ := s.GetInvite(ctx, norm)
			_, lerr := s.GetLink(ctx, patient, doctor)
			if (inv.Status == copd.InviteUsed) != tc.invUsed || (lerr == nil) != tc.linked {
				t.Errorf("after the crash: invite %s, link err %v; want used=%v linked=%v", inv.Status, lerr, tc.invUsed, tc.linked)
			}
			l, err := linking.Link(ctx, s, patient, c, now.Add(time.Second))
			if err != nil || l.Status != copd.LinkActive {
				t.Fatalf("retry: %+v, %v", l, err)
			}
			checkConsistent(t, s, patient, doctor, false)
		})
	}
}

func TestRevoke_CrashPoints(t *testing.T) {
	tests := []struct {
		name string
		op   string
		n    int
	}{
		{"before revoking the link", memstore.OpRevokeLink, 1},
		{"after the link, before reading consents", memstore.OpConsents, 1},
		{"while withdrawing consents", memstore.OpWithdrawConsent, 1},
		{"before the re-check", memstore.OpGetLink, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := memstore.New()
			c := mustWorld(t, s)
			mustConsent(t, s, patient, c, now)
			if _, err := linking.Link(ctx, s, patient, c, now); err != nil {
				t.Fatal(err)
			}
			crashOnce(s, tc.op, tc.n)
			if _, err := linking.Revoke(ctx, s, patient, doctor, now.Add(time.Hour)); !errors.Is(err, errCrash) {
				t.Fatalf("Revoke with a crash: %v", err)
			}
			s.Fail = nil
			l, _ := s.GetLink(ctx, patient, doctor)
			if tc.op != memstore.OpRevokeLink && l.Status != copd.LinkRevoked {
				t.Errorf("after a crash past step 1 the doctor still has access")
			}
			if _, err := linking.Revoke(ctx, s, patient, doctor, now.Add(2*time.Hour)); err != nil {
				t.Fatalf("retry: %v", err)
			}
			checkConsistent(t, s, patient, doctor, true)
		})
	}
}

func TestConsent_CrashAndWrongDoctor(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	c := mustWorld(t, s)
	crashOnce(s, memstore.OpPutConsent, 1)
	if _, _, err := linking.GiveConsent(ctx, s, patient, c, copd.ConsentShareWithDoctor, "", "", now); !errors.Is(err, errCrash) {
		t.Fatal(err)
	}
	s.Fail = nil
	if _, created, err := linking.GiveConsent(ctx, s, patient, c, copd.ConsentShareWithDoctor, "", "", now); err != nil || !created {
		t.Fatalf("retry: %v %v", created, err)
	}
	// A consent given on doc-2's invite does not let doc-1's code link.
	c1 := mustInvite(t, s, doctor)
	c2 := mustInvite(t, s, "doc-2")
	mustConsent(t, s, "pat-5", c2, now)
	if _, err := linking.Link(ctx, s, "pat-5", c1, now); code(err) != copd.CodeConsentRequired {
		t.Errorf("link doc-1's code with consent for doc-2: %v", err)
	}
	if _, _, err := linking.GiveConsent(ctx, s, patient, c, "share_with_everyone", "", "", now); code(err) != copd.CodeInvalidConsent {
		t.Errorf("unknown consent type: %v", err)
	}
}

// TestRevokeRacesLink_Interleavings forces the two interleavings that
// matter on the fake: a revocation landing inside a link, and a link
// landing inside a revocation.
func TestRevokeRacesLink_Interleavings(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*memstore.Store, string) {
		s := memstore.New()
		c := mustWorld(t, s)
		mustConsent(t, s, patient, c, now)
		if _, err := linking.Link(ctx, s, patient, c, now); err != nil {
			t.Fatal(err)
		}
		if _, err := linking.Revoke(ctx, s, patient, doctor, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		c2 := mustInvite(t, s, doctor)
		mustConsent(t, s, patient, c2, now.Add(2*time.Minute))
		return s, c2
	}
	t.Run("revoke between link's activation and its re-check", func(t *testing.T) {
		s, c2 := setup(t)
		var revErr error
		// Run the revocation right after ActivateLink returns: on the
		// link's second Consents call.
		var consents atomic.Int64
		s.Fail = func(op string) error {
			if op == memstore.OpConsents && consents.Add(1) == 2 {
				s.Fail = nil
				_, revErr = linking.Revoke(ctx, s, patient, doctor, now.Add(3*time.Minute))
			}
			return nil
		}
		_, err := linking.Link(ctx, s, patient, c2, now.Add(3*time.Minute))
		if revErr != nil || code(err) != copd.CodeConsentWithdrawn {
			t.Fatalf("link %v, revoke %v; want consent_withdrawn and success", err, revErr)
		}
		if l := checkConsistent(t, s, patient, doctor, true); l.Status != copd.LinkRevoked {
			t.Errorf("final status %s, want revoked", l.Status)
		}
	})
	t.Run("link between revoke's first write and its consent withdrawal", func(t *testing.T) {
		s, c2 := setup(t)
		var linkErr error
		s.Fail = func(op string) error {
			if op == memstore.OpConsents {
				s.Fail = nil
				_, linkErr = linking.Link(ctx, s, patient, c2, now.Add(3*time.Minute))
			}
			return nil
		}
		_, err := linking.Revoke(ctx, s, patient, doctor, now.Add(3*time.Minute))
		if err != nil || linkErr != nil {
			t.Fatalf("revoke %v, link %v", err, linkErr)
		}
		// Link then revoke: the revocation's re-check revoked it again.
		if l := checkConsistent(t, s, patient, doctor, true); l.Status != copd.LinkRevoked {
			t.Errorf("final status %s, want revoked", l.Status)
		}
	})
}

func TestRaces(t *testing.T) {
	stores := []struct {
		name  string
		new   func(t *testing.T) Store
		iters int
	}{
		{"memstore", func(t *testing.T) Store { return memstore.New() }, 50},
		{"dynalite", mustDynamo, 8},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Run("same code, same patient, at once", func(t *testing.T) {
				for i := range st.iters {
					s := st.new(t)
					c := mustWorld(t, s)
					mustConsent(t, s, patient, c, now)
					errs := parallel(4, func(int) error {
						_, err := linking.Link(context.Background(), s, patient, c, now.Add(time.Duration(i)))
						return err
					})
					for _, err := range errs {
						if err != nil {
							t.Fatalf("iteration %d: %v", i, err)
						}
					}
					checkConsistent(t, s, patient, doctor, false)
				}
			})
			t.Run("same code, two patients, at once", func(t *testing.T) {
				for i := range st.iters {
					s := st.new(t)
					c := mustWorld(t, s)
					pats := []string{"pat-a", "pat-b"}
					for _, p := range pats {
						mustConsent(t, s, p, c, now)
					}
					res := parallel(2, func(k int) error {
						_, err := linking.Link(context.Background(), s, pats[k], c, now.Add(time.Second))
						return err
					})
					wins := 0
					for k, err := range res {
						_, lerr := s.GetLink(context.Background(), pats[k], doctor)
						switch {
						case err == nil:
							wins++
							if lerr != nil {
								t.Errorf("winner %s has no link", pats[k])
							}
						case code(err) == copd.CodeInviteUsed:
							if lerr == nil {
								t.Errorf("loser %s has a link", pats[k])
							}
						default:
							t.Errorf("iteration %d, %s: %v", i, pats[k], err)
						}
					}
					if wins != 1 {
						t.Errorf("iteration %d: %d winners", i, wins)
					}
				}
			})
			t.Run("revoke racing a link", func(t *testing.T) {
				for i := range st.iters {
					ctx := context.Background()
					s := st.new(t)
					c := mustWorld(t, s)
					mustConsent(t, s, patient, c, now)
					if _, err := linking.Link(ctx, s, patient, c, now); err != nil {
						t.Fatal(err)
					}
					c2 := mustInvite(t, s, doctor)
					mustConsent(t, s, patient, c2, now.Add(time.Minute))
					if _, err := linking.Revoke(ctx, s, patient, doctor, now.Add(2*time.Minute)); err != nil {
						t.Fatal(err)
					}
					// c2's consent was withdrawn; give a new one so the link can win.
					c3 := mustInvite(t, s, doctor)
					mustConsent(t, s, patient, c3, now.Add(3*time.Minute))
					res := parallel(2, func(k int) error {
						var err error
						if k == 0 {
							_, err = linking.Link(ctx, s, patient, c3, now.Add(4*time.Minute))
						} else {
							_, err = linking.Revoke(ctx, s, patient, doctor, now.Add(4*time.Minute))
						}
						return err
					})
					if res[1] != nil {
						t.Errorf("iteration %d: revoke: %v", i, res[1])
					}
					if res[0] != nil && code(res[0]) != copd.CodeConsentWithdrawn && code(res[0]) != copd.CodeConsentRequired {
						t.Errorf("iteration %d: link: %v", i, res[0])
					}
					checkConsistent(t, s, patient, doctor, true)
				}
			})
		})
	}
}

func parallel(n int, f func(k int) error) []error {
	out := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for k := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[k] = f(k)
		}()
	}
	close(start)
	wg.Wait()
	return out
}
