package overview

import (
	"context"

	"github.com/copdfuel/backend/pkg/copd"
)

// Row is what GET /patients reads of one listed patient in its one batch
// read: the link (re-checked, since the doctor's index is eventually
// consistent), the patient's profile and their list summary.
type Row struct {
	// Link is nil if there is no link item.
	Link *copd.Link
	// User is nil if the patient has no profile yet.
	User *copd.User
	// Summary is the zero Summary if the patient never synced.
	Summary Summary
}

// Store keeps the per-patient summaries and reads the patient list. The
// DynamoDB store (pkg/dynamo) and the fake (pkg/memstore) implement it;
// pkg/storetest checks both.
type Store interface {
	// GetSummary reads a patient's summary and its revision (strongly
	// consistent); a patient without one has the zero Summary and
	// revision 0. Errors: Unavailable, Internal.
	GetSummary(ctx context.Context, patientID string) (Summary, int64, error)
	// PutSummary replaces the summary whose revision was rev with s, as
	// revision rev+1 (rev 0: only if there is none yet).
	// Errors: Conflict (another writer got there first; re-read, Apply
	// again and retry), Unavailable, Internal.
	PutSummary(ctx context.Context, patientID string, s Summary, rev int64) error
	// LinkedPatients returns the ids of a doctor's actively linked
	// patients in id order, at most limit, starting after the patient id
	// after ("" from the first), and the id to pass as after for the next
	// page ("" on the last). It reads an eventually consistent index: a
	// link activated or revoked a moment ago may be missing or still
	// listed, so callers re-check each link (Rows).
	// Errors: Unavailable, Internal.
	LinkedPatients(ctx context.Context, doctorID, after string, limit int) ([]string, string, error)
	// Rows reads the link to doctorID, the profile and the summary of each
	// patient, strongly consistent, in batches (no read per patient).
	// Errors: Unavailable, Internal.
	Rows(ctx context.Context, doctorID string, patientIDs []string) (map[string]Row, error)
}
