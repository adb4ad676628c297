// Package keys declares the single DynamoDB table: its key attributes, its
// indexes and the key format of every item. The CDK app, the local stack and
// the store all import it, so what is deployed and what runs locally cannot
// drift. It has no AWS dependency.
//
// Items and their keys (docs/architecture.md lists every access pattern):
//
//	user profile      PK USER#<sub>              SK PROFILE
//	practice          PK PRACTICE#<practiceId>   SK PROFILE
//	health record     PK PATIENT#<sub>           SK RECORD#<type>#<id>
//	                  LSI1SK RECORD#<date>#<type>#<id>   (by local date)
package keys

import "strings"

// Attribute names of the table's keys.
const (
	PK     = "pk"
	SK     = "sk"
	LSI1SK = "lsi1sk"
	GSI1PK = "gsi1pk"
	GSI1SK = "gsi1sk"
)

// Index names.
const (
	// ByDate is a local secondary index over a patient's partition, sorted by
	// local date, so an overview reads only its window, strongly consistent.
	ByDate = "lsi1"
	// Inverted is a global secondary index for the reverse side of a relation
	// (a doctor's patients). Declared now so the table never needs rebuilding.
	Inverted = "gsi1"
)

// Index describes a secondary index: its name and key attributes.
type Index struct {
	Name         string
	PartitionKey string // empty for a local index (it shares PK)
	SortKey      string
	Local        bool
}

// Table describes the table's key schema for CDK and the local stack. All
// key attributes are strings; both indexes project all attributes.
var Table = struct {
	PartitionKey string
	SortKey      string
	Indexes      []Index
}{
	PartitionKey: PK,
	SortKey:      SK,
	Indexes: []Index{
		{Name: ByDate, SortKey: LSI1SK, Local: true},
		{Name: Inverted, PartitionKey: GSI1PK, SortKey: GSI1SK},
	},
}

// Sort key of a single-item entity.
const Profile = "PROFILE"

const (
	userPrefix     = "USER#"
	practicePrefix = "PRACTICE#"
	patientPrefix  = "PATIENT#"
	// RecordPrefix starts the sort key of every health record (and, in the
	// ByDate index, the date-ordered key).
	RecordPrefix = "RECORD#"
)

// User is the partition key of a user's profile.
func User(sub string) string { return userPrefix + sub }

// Practice is the partition key of a practice.
func Practice(id string) string { return practicePrefix + id }

// Patient is the partition key of a patient's health data.
func Patient(sub string) string { return patientPrefix + sub }

// Record is the sort key of a health record: unique per type and client id,
// so a record whose date is edited stays one item.
func Record(recordType, id string) string { return RecordPrefix + recordType + "#" + id }

// RecordByDate is the ByDate index key of a health record.
func RecordByDate(date, recordType, id string) string {
	return RecordPrefix + date + "#" + recordType + "#" + id
}

// DateRange returns ByDate index bounds that cover local dates from..to
// inclusive (YYYY-MM-DD), for a BETWEEN condition.
func DateRange(from, to string) (lo, hi string) {
	// '$' sorts after '#' and before every digit and letter, so it ends the day.
	return RecordPrefix + from, RecordPrefix + to + "$"
}

// ParseRecord splits a record sort key into type and id.
func ParseRecord(sk string) (recordType, id string, ok bool) {
	rest, ok := strings.CutPrefix(sk, RecordPrefix)
	if !ok {
		return "", "", false
	}
	return strings.Cut(rest, "#")
}
