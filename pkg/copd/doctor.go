package copd

import (
	"context"
	"log/slog"
	"time"
)

// AuditAction is what a doctor did with a patient's data.
type AuditAction string

const (
	// AuditOverview: GET /patients/{id}/overview.
	AuditOverview AuditAction = "overview"
	// AuditExport: one page of GET /patients/{id}/export.
	AuditExport AuditAction = "export"
	// AuditList: the patient was a row of GET /patients (name, email, flags).
	AuditList AuditAction = "list"
)

// AuditEntry records one read of a patient's data by a doctor (DESIGN.md
// section 6). It is written before the data leaves; At is the request's
// time and RequestID the API Gateway request id, so a retried request
// writes the same entry again rather than a second one. SourceIP is audit
// data: never log it.
type AuditEntry struct {
	PatientID  string      `json:"patientId" dynamodbav:"patientId"`
	DoctorID   string      `json:"doctorId" dynamodbav:"doctorId"`
	PracticeID string      `json:"practiceId,omitempty" dynamodbav:"practiceId,omitempty"`
	Action     AuditAction `json:"action" dynamodbav:"action"`
	RequestID  string      `json:"requestId" dynamodbav:"requestId"`
	SourceIP   string      `json:"-" dynamodbav:"sourceIp,omitempty"`
	At         time.Time   `json:"at" dynamodbav:"at"`
}

// LogValue lets only ids reach a log.
func (e AuditEntry) LogValue() slog.Value {
	return slog.GroupValue(slog.String("patient_id", e.PatientID), slog.String("doctor_id", e.DoctorID))
}

// DateKey is a record's position in a patient's date-ordered records (the
// ByDate index): an export page ends at one and the next starts after it.
type DateKey struct {
	Date string     `json:"d"`
	Type RecordType `json:"t"`
	ID   string     `json:"i"`
}

// CodeInvalidCursor is the error code of a paging cursor that is malformed
// or was not issued for this request; MsgInvalidCursor its message.
const (
	CodeInvalidCursor = "invalid_cursor"
	MsgInvalidCursor  = "cursor is malformed or does not belong to this request"
)

// Page sizes of the doctor views.
const (
	// ExportPageRecords is the most records in one export page: a FHIR
	// entry is about 1 KB, so a page stays near 1 MB, far below API
	// Gateway's 6 MB, and reads about 100 RCU.
	ExportPageRecords = 1000
	// DefaultListPage and MaxListPage bound GET /patients (limit).
	DefaultListPage = 50
	MaxListPage     = 100
	// DefaultAuditPage and MaxAuditPage bound GET /me/access-log (limit).
	DefaultAuditPage = 50
	MaxAuditPage     = 100
)

// AuditStore keeps the access trail of doctors' reads.
type AuditStore interface {
	// PutAudit stores entries (one item each, keyed by patient, At and
	// RequestID); writing an entry that exists changes nothing, so a retry
	// is harmless. Either every entry is stored or an error is returned.
	// Errors: Unavailable (throttled, or unprocessed items after retries),
	// Internal.
	PutAudit(ctx context.Context, entries ...AuditEntry) error
	// AuditLog returns a patient's entries newest first, at most limit,
	// starting after the entry named by after ("" from the newest), and
	// the position to pass as after for the next page ("" on the last).
	// Positions are only meaningful within the patient's partition.
	// Errors: Invalid (a malformed after), Unavailable, Internal.
	AuditLog(ctx context.Context, patientID, after string, limit int) ([]AuditEntry, string, error)
}

// ExportStore pages through a patient's records.
type ExportStore interface {
	// RecordsPage returns at most limit of a patient's records (tombstones
	// included) dated from..to inclusive, in RecordsByDate's order,
	// starting after the position after (nil from the start), strongly
	// consistent, and the position of the page's last record if more
	// records follow (nil on the last page).
	// Errors: Unavailable, Internal.
	RecordsPage(ctx context.Context, patientID, from, to string, after *DateKey, limit int) ([]StoredRecord, *DateKey, error)
}

// DirectoryStore reads many profiles at once.
type DirectoryStore interface {
	// Profiles reads users and practices by id (strongly consistent, in
	// batches); ids without an item are absent from the maps.
	// Errors: Unavailable, Internal.
	Profiles(ctx context.Context, userIDs, practiceIDs []string) (map[string]User, map[string]Practice, error)
}
