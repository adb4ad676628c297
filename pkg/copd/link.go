package copd

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// Invite codes. A code is InviteCodeLen symbols of InviteAlphabet drawn with
// crypto/rand: 30^10 ≈ 2^49 codes. The alphabet leaves out the look-alikes
// 0/O and 1/I/L (and U), so a code read off a printed sheet or a phone
// screen types back the same. Codes are stored and compared in their normal form (upper
// case, no separators) and shown grouped 4-4-2, e.g. K7QM-2XWD-9F.
const (
	InviteAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
	InviteCodeLen  = 10
)

// Invite limits (DESIGN.md section 2).
const (
	// DefaultInviteTTL is how long an invite stays usable unless the function
	// is configured otherwise (INVITE_TTL).
	DefaultInviteTTL = 7 * 24 * time.Hour
	// MaxInviteTTL bounds the configurable TTL; it is also how far back the
	// doctor's open-invite query reads, so that query stays bounded.
	MaxInviteTTL = 30 * 24 * time.Hour
	// MaxOpenInvites is how many unused, unexpired invites one doctor may
	// hold; one more is 409 too_many_open_invites.
	MaxOpenInvites = 50
)

// Guessing limits: a patient's failed invite-code lookups (unknown, expired
// or someone else's code, on preview, consent or link) are counted in a
// fixed window; at InviteFailureLimit failures every further lookup in the
// window is 429 with Retry-After. With 2^49 codes and at most 5 guesses per
// 15 minutes per account, guessing one live code takes longer than the age
// of the universe, even with thousands of accounts.
const (
	InviteFailureLimit  = 5
	InviteFailureWindow = 15 * time.Minute
	// ThrottleInvite names the invite-guess throttle of a patient.
	ThrottleInvite = "invite"
)

// Stable error codes of the invite, consent and link routes.
const (
	CodeInvalidInviteCode = "invalid_invite_code"
	CodeInviteNotFound    = "invite_not_found"
	CodeInviteExpired     = "invite_expired"
	CodeInviteUsed        = "invite_used"
	CodeConsentRequired   = "consent_required"
	CodeConsentWithdrawn  = "consent_withdrawn"
	CodeInvalidConsent    = "invalid_consent_type"
	CodeTooManyInvites    = "too_many_open_invites"
	CodeTooManyAttempts   = "too_many_attempts"
	CodeLinkNotFound      = "link_not_found"
	CodeNoPractice        = "doctor_without_practice"
)

// InviteStatus is an invite's state as stored.
type InviteStatus string

const (
	InviteOpen InviteStatus = "open"
	InviteUsed InviteStatus = "used"
)

// Invite is a single-use code a doctor gives a patient. Code is in normal
// form. The code is a secret: it never reaches a log (LogValue hides it).
type Invite struct {
	Code       string       `json:"code" dynamodbav:"code"`
	DoctorID   string       `json:"doctorId" dynamodbav:"doctorId"`
	PracticeID string       `json:"practiceId" dynamodbav:"practiceId"`
	CreatedAt  time.Time    `json:"createdAt" dynamodbav:"createdAt"`
	ExpiresAt  time.Time    `json:"expiresAt" dynamodbav:"expiresAt"`
	Status     InviteStatus `json:"status" dynamodbav:"status"`
	UsedBy     string       `json:"usedBy,omitempty" dynamodbav:"usedBy,omitempty"`
	UsedAt     *time.Time   `json:"usedAt,omitempty" dynamodbav:"usedAt,omitempty"`
}

// LogValue lets only the doctor's and practice's ids reach a log.
func (i Invite) LogValue() slog.Value {
	return slog.GroupValue(slog.String("doctor_id", i.DoctorID), slog.String("practice_id", i.PracticeID))
}

// Expired reports whether the invite can no longer be used at now.
func (i Invite) Expired(now time.Time) bool { return !now.Before(i.ExpiresAt) }

// OpenAt reports whether the invite counts against the doctor's cap at now.
func (i Invite) OpenAt(now time.Time) bool { return i.Status == InviteOpen && !i.Expired(now) }

// ConsentType is what a patient agreed to.
type ConsentType string

// ConsentShareWithDoctor lets one doctor read the patient's health data.
const ConsentShareWithDoctor ConsentType = "share_with_doctor"

// Consent is an immutable audit record of a patient's agreement; only
// WithdrawnAt is ever set afterwards. SourceIP and UserAgent come from the
// request context, never from the body.
type Consent struct {
	PatientID   string      `json:"patientId" dynamodbav:"patientId"`
	DoctorID    string      `json:"doctorId" dynamodbav:"doctorId"`
	PracticeID  string      `json:"practiceId" dynamodbav:"practiceId"`
	Type        ConsentType `json:"consentType" dynamodbav:"consentType"`
	InviteCode  string      `json:"-" dynamodbav:"inviteCode"`
	ConsentedAt time.Time   `json:"consentedAt" dynamodbav:"consentedAt"`
	SourceIP    string      `json:"-" dynamodbav:"sourceIp,omitempty"`
	UserAgent   string      `json:"-" dynamodbav:"userAgent,omitempty"`
	WithdrawnAt *time.Time  `json:"withdrawnAt,omitempty" dynamodbav:"withdrawnAt,omitempty"`
}

// LogValue lets only ids reach a log.
func (c Consent) LogValue() slog.Value {
	return slog.GroupValue(slog.String("patient_id", c.PatientID), slog.String("doctor_id", c.DoctorID))
}

// Active reports whether the consent has not been withdrawn.
func (c Consent) Active() bool { return c.WithdrawnAt == nil }

// LinkStatus is a patient-doctor link's state.
type LinkStatus string

const (
	LinkActive  LinkStatus = "active"
	LinkRevoked LinkStatus = "revoked"
)

// Link is the PatientDoctorLink: while Active, the doctor may read the
// patient's data. ConsentedAt names the consent it rests on (the consent's
// sort key holds the doctor and this time).
type Link struct {
	PatientID   string     `json:"patientId" dynamodbav:"patientId"`
	DoctorID    string     `json:"doctorId" dynamodbav:"doctorId"`
	PracticeID  string     `json:"practiceId" dynamodbav:"practiceId"`
	Status      LinkStatus `json:"status" dynamodbav:"status"`
	ConsentedAt time.Time  `json:"consentedAt" dynamodbav:"consentedAt"`
	LinkedAt    time.Time  `json:"linkedAt" dynamodbav:"linkedAt"`
	RevokedAt   *time.Time `json:"revokedAt,omitempty" dynamodbav:"revokedAt,omitempty"`
}

// LogValue lets only ids reach a log.
func (l Link) LogValue() slog.Value {
	return slog.GroupValue(slog.String("patient_id", l.PatientID), slog.String("doctor_id", l.DoctorID))
}

// Throttle is a fixed-window failure counter.
type Throttle struct {
	WindowStart time.Time
	Failures    int
}

// Blocked reports whether another attempt at now is refused, with how long
// until the window ends (at least one second, for Retry-After).
func (t Throttle) Blocked(now time.Time, limit int, window time.Duration) (bool, time.Duration) {
	end := t.WindowStart.Add(window)
	if t.Failures < limit || !now.Before(end) {
		return false, 0
	}
	return true, max(end.Sub(now), time.Second)
}

// NewInviteCode draws a code in normal form from r (crypto/rand.Reader if
// nil), uniformly: bytes of 240 or more are rejected so that every symbol
// is equally likely.
func NewInviteCode(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	n := len(InviteAlphabet)
	limit := 256 - 256%n
	out := make([]byte, 0, InviteCodeLen)
	buf := make([]byte, 16)
	for len(out) < InviteCodeLen {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", fmt.Errorf("copd: invite code: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < InviteCodeLen {
				out = append(out, InviteAlphabet[int(b)%n])
			}
		}
	}
	return string(out), nil
}

// ErrInviteCode is returned by NormalizeInviteCode for a malformed code.
var ErrInviteCode = errors.New("copd: malformed invite code")

// NormalizeInviteCode accepts a code as a person types it: any case, with
// or without dashes and spaces. It returns the normal form, or
// ErrInviteCode if what remains is not InviteCodeLen symbols of the
// alphabet. The error never holds the input.
func NormalizeInviteCode(s string) (string, error) {
	if len(s) > 4*InviteCodeLen {
		return "", ErrInviteCode
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			continue
		case r < 128 && strings.IndexByte(InviteAlphabet, byte(r)) >= 0:
			b.WriteRune(r)
		default:
			return "", ErrInviteCode
		}
	}
	if b.Len() != InviteCodeLen {
		return "", ErrInviteCode
	}
	return b.String(), nil
}

// FormatInviteCode groups a normal-form code for display: K7QM-2XWD-9F.
func FormatInviteCode(code string) string {
	if len(code) != InviteCodeLen {
		return code
	}
	return code[:4] + "-" + code[4:8] + "-" + code[8:]
}
