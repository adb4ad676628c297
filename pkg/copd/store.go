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
