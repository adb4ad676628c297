package copd

import (
	"context"
	"time"
)

// StoredRecord is a health record as the store keeps it: the normalised
// record, its version, and when the server accepted it.
type StoredRecord struct {
	Record
	Version  Version
	SyncedAt time.Time
}

// RecordStore keeps patients' health records. Implementations: dynamo.Store
// (DynamoDB) and memstore.Store (a fake for unit tests); storetest runs one
// conformance suite against both.
type RecordStore interface {
	// GetRecords returns the stored records (strongly consistent) for keys
	// of one patient; keys with no stored record are absent from the map.
	// Errors: Unavailable (throttled or down after retries), Internal.
	GetRecords(ctx context.Context, patientID string, keys []RecordKey) (map[RecordKey]StoredRecord, error)

	// PutRecord stores r only if it wins last-writer-wins against whatever is
	// stored for its key (nothing stored, or a Version that r.Version is
	// After). A record whose date changed replaces its old copy: the key does
	// not include the date.
	// Errors: Conflict (the stored version is equal or newer; nothing
	// written), Unavailable, Internal.
	PutRecord(ctx context.Context, patientID string, r StoredRecord) error

	// RecordsByDate returns a patient's records (tombstones included) whose
	// local date is within from..to inclusive (YYYY-MM-DD), ordered by date,
	// type and id, strongly consistent.
	// Errors: Unavailable, Internal.
	RecordsByDate(ctx context.Context, patientID, from, to string) ([]StoredRecord, error)
}

// UserStore keeps user profiles and practices.
type UserStore interface {
	// GetUser returns a user's profile.
	// Errors: NotFound, Unavailable, Internal.
	GetUser(ctx context.Context, userID string) (User, error)
	// PutUser creates the profile if it does not exist; an existing profile is
	// left as it is (the call is idempotent) and returned.
	// Errors: Unavailable, Internal.
	PutUser(ctx context.Context, u User) (User, error)
	// GetPractice returns a practice.
	// Errors: NotFound, Unavailable, Internal.
	GetPractice(ctx context.Context, practiceID string) (Practice, error)
	// PutPractice creates the practice if it does not exist (idempotent) and
	// returns the stored one.
	// Errors: Unavailable, Internal.
	PutPractice(ctx context.Context, p Practice) (Practice, error)
}

// LinkStore keeps invites, consents, patient-doctor links and the
// invite-guess throttle. Every method changes at most one item, with a
// condition, so the multi-step changes built on it (package linking) are
// ordered and idempotent instead of transactional.
type LinkStore interface {
	// CreateInvite stores a new open invite if its code is unused.
	// Errors: Conflict (the code exists), Unavailable, Internal.
	CreateInvite(ctx context.Context, inv Invite) error
	// GetInvite reads an invite by its normal-form code (strongly
	// consistent). Errors: NotFound, Unavailable, Internal.
	GetInvite(ctx context.Context, code string) (Invite, error)
	// OpenInvites returns a doctor's unused invites created at or after
	// since, newest first, expired ones included (the caller filters by
	// time). It reads an eventually consistent index: an invite created or
	// used a moment ago may be missing or still listed.
	// Errors: Unavailable, Internal.
	OpenInvites(ctx context.Context, doctorID string, since time.Time) ([]Invite, error)
	// ClaimInvite marks an invite used by patientID at at, if it is open and
	// not expired at at, or already used by patientID (then it is returned
	// as stored: the call is idempotent for its claimant).
	// Errors: Conflict (missing, expired, or used by someone else; nothing
	// written), Unavailable, Internal.
	ClaimInvite(ctx context.Context, code, patientID string, at time.Time) (Invite, error)

	// PutConsent stores a new consent record.
	// Errors: Conflict (one with the same patient, doctor and time exists),
	// Unavailable, Internal.
	PutConsent(ctx context.Context, c Consent) error
	// Consents returns a patient's consents for one doctor, oldest first
	// (strongly consistent). Errors: Unavailable, Internal.
	Consents(ctx context.Context, patientID, doctorID string) ([]Consent, error)
	// WithdrawConsent sets a consent's WithdrawnAt to at unless it is set
	// already (idempotent) and returns the stored consent.
	// Errors: NotFound, Unavailable, Internal.
	WithdrawConsent(ctx context.Context, patientID, doctorID string, consentedAt, at time.Time) (Consent, error)

	// GetLink reads a patient's link to a doctor (strongly consistent).
	// Errors: NotFound, Unavailable, Internal.
	GetLink(ctx context.Context, patientID, doctorID string) (Link, error)
	// Links returns all of a patient's links, active and revoked, ordered by
	// doctor id (strongly consistent). Errors: Unavailable, Internal.
	Links(ctx context.Context, patientID string) ([]Link, error)
	// ActivateLink creates l as an active link, or re-activates a revoked one
	// (with l's practice, consent and LinkedAt, and no RevokedAt). A link
	// that is already active is returned unchanged (idempotent).
	// Errors: Unavailable, Internal.
	ActivateLink(ctx context.Context, l Link) (Link, error)
	// RevokeLink marks a link revoked at at; an already revoked link keeps
	// its RevokedAt (idempotent). With ifConsentedAt set, it revokes only an
	// active link resting on that consent.
	// Errors: NotFound (no link), Conflict (ifConsentedAt did not match;
	// nothing written), Unavailable, Internal.
	RevokeLink(ctx context.Context, patientID, doctorID string, at time.Time, ifConsentedAt *time.Time) (Link, error)

	// GetThrottle reads a patient's named throttle; the zero Throttle if
	// there is none. Errors: Unavailable, Internal.
	GetThrottle(ctx context.Context, patientID, name string) (Throttle, error)
	// AddFailure counts one failure at now: in the current window if it
	// started less than window before now, else in a new window starting at
	// now. It returns the throttle after the update.
	// Errors: Unavailable, Internal.
	AddFailure(ctx context.Context, patientID, name string, now time.Time, window time.Duration) (Throttle, error)
}
