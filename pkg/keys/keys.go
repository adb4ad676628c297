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
//	invite            PK INVITE#<code>           SK INVITE
//	                  GSI1 DOCTOR#<doctorSub> / INVITE#<createdAt>#<code>
//	                  (only while unused: a doctor's open invites)
//	consent           PK PATIENT#<sub>           SK CONSENT#<doctorSub>#<consentedAt>
//	link              PK PATIENT#<sub>           SK LINK#<doctorSub>
//	                  GSI1 DOCTOR#<doctorSub> / PATIENT#<sub>
//	                  (only while active: a doctor's patients)
//	guess throttle    PK PATIENT#<sub>           SK THROTTLE#<name>
//	list summary      PK PATIENT#<sub>           SK SUMMARY
//	                  (the flags of GET /patients, kept at sync time)
//	audit entry       PK PATIENT#<sub>           SK AUDIT#<at>#<requestId>
//	                  (a doctor's read of the patient's data)
//
// Times inside keys are TimeKey strings (UTC, fixed width, nanoseconds), so
// string order is time order.
package keys

import (
	"strings"
	"time"
)

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
	// InvitePrefix starts an invite's partition key and its GSI1 sort key.
	InvitePrefix   = "INVITE#"
	doctorPrefix   = "DOCTOR#"
	ConsentPrefix  = "CONSENT#"
	LinkPrefix     = "LINK#"
	throttlePrefix = "THROTTLE#"
	// AuditPrefix starts the sort key of every audit entry.
	AuditPrefix = "AUDIT#"
)

// SummarySK is the sort key of a patient's list summary (one per patient).
const SummarySK = "SUMMARY"

// Audit is the sort key of an audit entry: the request's time then its id,
// so a patient's entries sort by time and a retried request (same id, same
// request time) writes the same item again instead of a second one.
func Audit(at time.Time, requestID string) string {
	return AuditPrefix + TimeKey(at) + "#" + requestID
}

// InviteSK is the sort key of an invite (one item per partition).
const InviteSK = "INVITE"

// timeKeyLayout is RFC 3339 in UTC with exactly nine fractional digits:
// unlike time.RFC3339Nano it has a fixed width, so it sorts as time does.
const timeKeyLayout = "2006-01-02T15:04:05.000000000Z"

// TimeKey formats t for use inside a key.
func TimeKey(t time.Time) string { return t.UTC().Format(timeKeyLayout) }

// Invite is the partition key of an invite; code is in normal form.
func Invite(code string) string { return InvitePrefix + code }

// Doctor is the GSI1 partition key of a doctor's open invites and active links.
func Doctor(sub string) string { return doctorPrefix + sub }

// InviteByDoctor is an open invite's GSI1 sort key, ordered by creation.
func InviteByDoctor(createdAt time.Time, code string) string {
	return InvitePrefix + TimeKey(createdAt) + "#" + code
}

// InvitesSince is the lower GSI1 bound of a doctor's invites created at or
// after since; the upper bound is InvitePrefix + "~" ('~' sorts after every
// digit and letter).
func InvitesSince(since time.Time) (lo, hi string) {
	return InvitePrefix + TimeKey(since), InvitePrefix + "~"
}

// Consent is the sort key of a consent in the patient's partition.
func Consent(doctorSub string, consentedAt time.Time) string {
	return ConsentsOf(doctorSub) + TimeKey(consentedAt)
}

// ConsentsOf is the sort-key prefix of a patient's consents for one doctor.
func ConsentsOf(doctorSub string) string { return ConsentPrefix + doctorSub + "#" }

// Link is the sort key of a patient's link to a doctor.
func Link(doctorSub string) string { return LinkPrefix + doctorSub }

// LinkedPatient is an active link's GSI1 sort key under Doctor(doctorSub).
func LinkedPatient(patientSub string) string { return patientPrefix + patientSub }

// Throttle is the sort key of a patient's named throttle (e.g. "invite").
func Throttle(name string) string { return throttlePrefix + name }

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

// ValidAuditPosition reports whether p is the part of an audit entry's sort
// key after AuditPrefix: a TimeKey, '#', and a request id without '#'.
func ValidAuditPosition(p string) bool {
	ts, id, ok := strings.Cut(p, "#")
	if !ok || id == "" || len(id) > 128 || strings.Contains(id, "#") {
		return false
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	return err == nil && TimeKey(t) == ts
}
