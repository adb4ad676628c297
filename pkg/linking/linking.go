// Package linking is the consent and linking flow of DESIGN.md section 2 as
// ordered, conditional, idempotent steps over copd.LinkStore: creating
// invites, looking codes up behind the guess throttle, recording consent,
// linking and revoking. There are no transactions (the local DynamoDB
// stand-in has none): each step changes one item with a condition, in an
// order where a retry after a crash between any two steps finishes the
// change, and where a revocation racing a link ends in one consistent state
// (link active on an un-withdrawn consent, or link revoked and its consents
// withdrawn). The functions under functions/ are thin adapters over it.
package linking

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
)

// Throttle is the part of the store the guess throttle uses.
type Throttle interface {
	GetThrottle(ctx context.Context, patientID, name string) (copd.Throttle, error)
	AddFailure(ctx context.Context, patientID, name string, now time.Time, window time.Duration) (copd.Throttle, error)
}

// InviteReader is what a code lookup needs.
type InviteReader interface {
	Throttle
	GetInvite(ctx context.Context, code string) (copd.Invite, error)
}

func tooMany(retry time.Duration) error {
	e := errs.E(errs.RateLimited, copd.CodeTooManyAttempts, "too many invalid invite codes; try again later")
	e.RetryAfter = retry
	return e
}

// Lookup finds the invite a patient typed, for preview, consent and link.
// A malformed code is 400 (its shape is public; it is not counted). While
// the patient's throttle is blocked every lookup is 429 with Retry-After.
// An unknown code (404 invite_not_found), an expired one (410
// invite_expired) and one used by another patient (409 invite_used) each
// count a failure; if that failure is over the limit (concurrent guesses
// that all passed the check), the answer is 429 instead, so the extra
// guesses learn nothing. An invite used by this patient is returned: the
// caller decides (a retried link finishes; a consent is refused).
func Lookup(ctx context.Context, st InviteReader, patientID, raw string, now time.Time) (copd.Invite, error) {
	code, err := copd.NormalizeInviteCode(raw)
	if err != nil {
		return copd.Invite{}, errs.E(errs.Invalid, copd.CodeInvalidInviteCode, "inviteCode must be 10 letters and digits, e.g. K7QM-2XWD-9F")
	}
	th, err := st.GetThrottle(ctx, patientID, copd.ThrottleInvite)
	if err != nil {
		return copd.Invite{}, err
	}
	if blocked, retry := th.Blocked(now, copd.InviteFailureLimit, copd.InviteFailureWindow); blocked {
		return copd.Invite{}, tooMany(retry)
	}
	inv, err := st.GetInvite(ctx, code)
	var fail error
	switch {
	case errs.Is(err, errs.NotFound):
		fail = errs.E(errs.NotFound, copd.CodeInviteNotFound, "no such invite code")
	case err != nil:
		return copd.Invite{}, err
	case inv.Status == copd.InviteUsed && inv.UsedBy == patientID:
		return inv, nil
	case inv.Status == copd.InviteUsed:
		fail = errs.E(errs.Conflict, copd.CodeInviteUsed, "this invite code has been used")
	case inv.Expired(now):
		fail = errs.E(errs.Gone, copd.CodeInviteExpired, "this invite code has expired; ask your doctor for a new one")
	default:
		return inv, nil
	}
	th, err = st.AddFailure(ctx, patientID, copd.ThrottleInvite, now, copd.InviteFailureWindow)
	if err != nil {
		return copd.Invite{}, err
	}
	if th.Failures > copd.InviteFailureLimit {
		_, retry := th.Blocked(now, copd.InviteFailureLimit, copd.InviteFailureWindow)
		return copd.Invite{}, tooMany(retry)
	}
	return copd.Invite{}, fail
}

// Profiles is what reading names of doctors and practices needs.
type Profiles interface {
	GetUser(ctx context.Context, userID string) (copd.User, error)
	GetPractice(ctx context.Context, practiceID string) (copd.Practice, error)
}

// InviteStore is what creating and listing invites needs.
type InviteStore interface {
	Profiles
	CreateInvite(ctx context.Context, inv copd.Invite) error
	OpenInvites(ctx context.Context, doctorID string, since time.Time) ([]copd.Invite, error)
}

// CreateInvite makes a new invite for doctorID valid for ttl (bounded by
// copd.MaxInviteTTL) and returns it with the practice. The doctor must have
// a profile with a practice (the admin command writes it): else 409
// doctor_without_practice. At copd.MaxOpenInvites open invites, 409
// too_many_open_invites. The code is drawn from rnd (crypto/rand if nil);
// a collision with an existing code (about 2^-49 per existing invite) draws
// again, at most three times.
func CreateInvite(ctx context.Context, st InviteStore, doctorID string, now time.Time, ttl time.Duration, rnd io.Reader) (copd.Invite, copd.Practice, error) {
	if ttl <= 0 || ttl > copd.MaxInviteTTL {
		return copd.Invite{}, copd.Practice{}, errs.Wrap(errs.Internal, "internal", "internal error", fmt.Errorf("linking: invite ttl %v out of range", ttl))
	}
	noPractice := errs.E(errs.Conflict, copd.CodeNoPractice, "this doctor account has no practice; ask an administrator")
	doc, err := st.GetUser(ctx, doctorID)
	if errs.Is(err, errs.NotFound) || (err == nil && (doc.PracticeID == "" || doc.Role != copd.RoleDoctor)) {
		return copd.Invite{}, copd.Practice{}, noPractice
	}
	if err != nil {
		return copd.Invite{}, copd.Practice{}, err
	}
	pr, err := st.GetPractice(ctx, doc.PracticeID)
	if errs.Is(err, errs.NotFound) {
		return copd.Invite{}, copd.Practice{}, noPractice
	}
	if err != nil {
		return copd.Invite{}, copd.Practice{}, err
	}
	open, err := OpenInvites(ctx, st, doctorID, now)
	if err != nil {
		return copd.Invite{}, copd.Practice{}, err
	}
	if len(open) >= copd.MaxOpenInvites {
		return copd.Invite{}, copd.Practice{}, errs.E(errs.Conflict, copd.CodeTooManyInvites,
			fmt.Sprintf("you have %d open invites; wait until some are used or expire", copd.MaxOpenInvites))
	}
	for attempt := 0; ; attempt++ {
		code, err := copd.NewInviteCode(rnd)
		if err != nil {
			return copd.Invite{}, copd.Practice{}, errs.Wrap(errs.Internal, "internal", "internal error", err)
		}
		inv := copd.Invite{Code: code, DoctorID: doctorID, PracticeID: doc.PracticeID, CreatedAt: now.UTC(),
			ExpiresAt: now.UTC().Add(ttl), Status: copd.InviteOpen}
		err = st.CreateInvite(ctx, inv)
		if err == nil {
			return inv, pr, nil
		}
		if !errs.Is(err, errs.Conflict) || attempt == 2 {
			return copd.Invite{}, copd.Practice{}, err
		}
	}
}

// OpenInvites returns the doctor's invites that are unused and unexpired at
// now, newest first.
func OpenInvites(ctx context.Context, st interface {
	OpenInvites(ctx context.Context, doctorID string, since time.Time) ([]copd.Invite, error)
}, doctorID string, now time.Time) ([]copd.Invite, error) {
	all, err := st.OpenInvites(ctx, doctorID, now.Add(-copd.MaxInviteTTL))
	if err != nil {
		return nil, err
	}
	var out []copd.Invite
	for _, inv := range all {
		if inv.OpenAt(now) {
			out = append(out, inv)
		}
	}
	return out, nil
}

// Preview is what a patient sees before consenting: who is asking.
type Preview struct {
	Invite   copd.Invite
	Doctor   copd.User
	Practice copd.Practice
}

// PreviewStore is what a preview needs.
type PreviewStore interface {
	InviteReader
	Profiles
}

// PreviewInvite looks the code up (throttled, see Lookup) and reads the
// doctor's and practice's names. A missing doctor profile or practice
// leaves that name empty rather than failing the preview.
func PreviewInvite(ctx context.Context, st PreviewStore, patientID, raw string, now time.Time) (Preview, error) {
	inv, err := Lookup(ctx, st, patientID, raw, now)
	if err != nil {
		return Preview{}, err
	}
	p := Preview{Invite: inv}
	if p.Doctor, err = st.GetUser(ctx, inv.DoctorID); err != nil && !errs.Is(err, errs.NotFound) {
		return Preview{}, err
	}
	if p.Practice, err = st.GetPractice(ctx, inv.PracticeID); err != nil && !errs.Is(err, errs.NotFound) {
		return Preview{}, err
	}
	return p, nil
}

// ConsentStore is what recording consent needs.
type ConsentStore interface {
	InviteReader
	PutConsent(ctx context.Context, c copd.Consent) error
	Consents(ctx context.Context, patientID, doctorID string) ([]copd.Consent, error)
}

// activeConsent returns the newest un-withdrawn consent given for code.
func activeConsent(cs []copd.Consent, code string) (copd.Consent, bool) {
	for i := len(cs) - 1; i >= 0; i-- {
		if cs[i].Active() && cs[i].InviteCode == code {
			return cs[i], true
		}
	}
	return copd.Consent{}, false
}

// GiveConsent records a patient's consent to share with the invite's
// doctor and practice. It is idempotent per invite: an un-withdrawn consent
// already given for this code is returned (created false). A code this
// patient used and whose consent was withdrawn (by a revocation) cannot be
// consented to again: 409 invite_used; a new invite is needed.
func GiveConsent(ctx context.Context, st ConsentStore, patientID, raw string, typ copd.ConsentType, sourceIP, userAgent string, now time.Time) (c copd.Consent, created bool, err error) {
	if typ != copd.ConsentShareWithDoctor {
		return copd.Consent{}, false, errs.E(errs.Invalid, copd.CodeInvalidConsent, `consentType must be "share_with_doctor"`)
	}
	inv, err := Lookup(ctx, st, patientID, raw, now)
	if err != nil {
		return copd.Consent{}, false, err
	}
	cs, err := st.Consents(ctx, patientID, inv.DoctorID)
	if err != nil {
		return copd.Consent{}, false, err
	}
	if c, ok := activeConsent(cs, inv.Code); ok {
		return c, false, nil
	}
	if inv.Status == copd.InviteUsed {
		return copd.Consent{}, false, errs.E(errs.Conflict, copd.CodeInviteUsed, "this invite code has been used")
	}
	c = copd.Consent{PatientID: patientID, DoctorID: inv.DoctorID, PracticeID: inv.PracticeID, Type: typ,
		InviteCode: inv.Code, ConsentedAt: now.UTC(), SourceIP: truncate(sourceIP, 64), UserAgent: truncate(userAgent, 512)}
	if err := st.PutConsent(ctx, c); err != nil {
		return copd.Consent{}, false, err
	}
	return c, true, nil
}

func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	for len(s) > n {
		s = s[:n]
		s = strings.ToValidUTF8(s, "")
	}
	return s
}

// LinkStore is what linking and revoking need.
type LinkStore interface {
	InviteReader
	Consents(ctx context.Context, patientID, doctorID string) ([]copd.Consent, error)
	ClaimInvite(ctx context.Context, code, patientID string, at time.Time) (copd.Invite, error)
	GetLink(ctx context.Context, patientID, doctorID string) (copd.Link, error)
	ActivateLink(ctx context.Context, l copd.Link) (copd.Link, error)
	RevokeLink(ctx context.Context, patientID, doctorID string, at time.Time, ifConsentedAt *time.Time) (copd.Link, error)
	WithdrawConsent(ctx context.Context, patientID, doctorID string, consentedAt, at time.Time) (copd.Consent, error)
}

// Link links a patient to the doctor of an invite, in this order:
//  1. look the invite up (strongly consistent, throttled): unknown 404,
//     expired 410, used by another patient 409 (see Lookup);
//  2. require an un-withdrawn consent of this patient for this code (the
//     query is on the invite's doctor, so a consent for another doctor does
//     not count): else 409 consent_required;
//  3. claim the invite (open -> used by this patient, or already so);
//  4. activate the link on that consent (an active link stays as it is);
//  5. re-read the consent: if a revocation withdrew it meanwhile, revoke
//     the link again (only if it still rests on a withdrawn consent) and
//     answer 409 consent_withdrawn.
//
// A crash after 3 leaves the invite used by this patient; the retry passes
// 1 (its own invite) and 2 (the consent is still there) and finishes.
// Repeating a finished link answers the same link.
func Link(ctx context.Context, st LinkStore, patientID, raw string, now time.Time) (copd.Link, error) {
	inv, err := Lookup(ctx, st, patientID, raw, now)
	if err != nil {
		return copd.Link{}, err
	}
	cs, err := st.Consents(ctx, patientID, inv.DoctorID)
	if err != nil {
		return copd.Link{}, err
	}
	c, ok := activeConsent(cs, inv.Code)
	if !ok {
		return copd.Link{}, errs.E(errs.Conflict, copd.CodeConsentRequired, "consent to share with this doctor is required first (POST /consent)")
	}
	if _, err := st.ClaimInvite(ctx, inv.Code, patientID, now); err != nil {
		if !errs.Is(err, errs.Conflict) {
			return copd.Link{}, err
		}
		// Lost a race (another patient claimed it) or it expired since step 1.
		cur, gerr := st.GetInvite(ctx, inv.Code)
		switch {
		case gerr != nil && !errs.Is(gerr, errs.NotFound):
			return copd.Link{}, gerr
		case gerr == nil && cur.Status == copd.InviteUsed && cur.UsedBy != patientID:
			return copd.Link{}, errs.E(errs.Conflict, copd.CodeInviteUsed, "this invite code has been used")
		default:
			return copd.Link{}, errs.E(errs.Gone, copd.CodeInviteExpired, "this invite code has expired; ask your doctor for a new one")
		}
	}
	l, err := st.ActivateLink(ctx, copd.Link{PatientID: patientID, DoctorID: inv.DoctorID, PracticeID: inv.PracticeID,
		Status: copd.LinkActive, ConsentedAt: c.ConsentedAt, LinkedAt: now.UTC()})
	if err != nil {
		return copd.Link{}, err
	}
	cs, err = st.Consents(ctx, patientID, inv.DoctorID)
	if err != nil {
		return copd.Link{}, err
	}
	for _, x := range cs {
		if x.ConsentedAt.Equal(c.ConsentedAt) && !x.Active() {
			// A revocation withdrew the consent while we linked: it wins.
			if _, err := st.RevokeLink(ctx, patientID, inv.DoctorID, now, &l.ConsentedAt); err != nil && !errs.Is(err, errs.Conflict) && !errs.Is(err, errs.NotFound) {
				return copd.Link{}, err
			}
			return copd.Link{}, errs.E(errs.Conflict, copd.CodeConsentWithdrawn, "the consent was withdrawn while linking")
		}
	}
	return l, nil
}

// errBadDoctorID is the cause of a 404 for a doctor id that cannot exist.
var errBadDoctorID = errors.New("linking: malformed doctor id")

// Revoke ends a patient's link to a doctor, in this order:
//  1. the link is marked revoked (the doctor's very next request is
//     refused: access checks read the link strongly consistent);
//  2. every un-withdrawn consent of this patient for this doctor is marked
//     withdrawn;
//  3. the link is read again: if a racing Link re-activated it on one of
//     the consents just withdrawn, it is revoked again.
//
// Repeating it is harmless (the first RevokedAt is kept). No link: 404
// link_not_found. A crash after 1 leaves the link revoked and consents not
// yet withdrawn: the doctor has no access, and the retry withdraws them.
func Revoke(ctx context.Context, st LinkStore, patientID, doctorID string, now time.Time) (copd.Link, error) {
	notFound := errs.E(errs.NotFound, copd.CodeLinkNotFound, "no link to this doctor")
	if doctorID == "" || len(doctorID) > 128 || strings.ContainsAny(doctorID, "# \t\r\n/") {
		return copd.Link{}, errs.Wrap(errs.NotFound, copd.CodeLinkNotFound, "no link to this doctor", errBadDoctorID)
	}
	l, err := st.RevokeLink(ctx, patientID, doctorID, now, nil)
	if errs.Is(err, errs.NotFound) {
		return copd.Link{}, notFound
	}
	if err != nil {
		return copd.Link{}, err
	}
	cs, err := st.Consents(ctx, patientID, doctorID)
	if err != nil {
		return copd.Link{}, err
	}
	withdrawn := map[int64]bool{}
	for _, c := range cs {
		if c.Active() {
			if _, err := st.WithdrawConsent(ctx, patientID, doctorID, c.ConsentedAt, now); err != nil {
				return copd.Link{}, err
			}
		}
		withdrawn[c.ConsentedAt.UnixNano()] = true
	}
	cur, err := st.GetLink(ctx, patientID, doctorID)
	if err != nil {
		return copd.Link{}, err
	}
	if cur.Status == copd.LinkActive && withdrawn[cur.ConsentedAt.UnixNano()] {
		if l, err = st.RevokeLink(ctx, patientID, doctorID, now, &cur.ConsentedAt); err != nil && !errs.Is(err, errs.Conflict) {
			return copd.Link{}, err
		}
		if err != nil {
			// Revoked meanwhile by someone else: read what is stored.
			if l, err = st.GetLink(ctx, patientID, doctorID); err != nil {
				return copd.Link{}, err
			}
		}
	}
	return l, nil
}
