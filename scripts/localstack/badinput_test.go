package localstack_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/route"
	"github.com/copdfuel/backend/scripts/apispec"
	"github.com/copdfuel/backend/scripts/localstack"
	"github.com/copdfuel/backend/scripts/seed"
)

// badRow is one malformed request and the answer it must get.
type badRow struct {
	name         string
	method, path string
	as           string // "patient", "doctor", "none" or a raw Authorization value
	ctype        string // Content-Type; "" sends application/json when there is a body
	body         string
	status       int
	// code is the error code; for a POST /sync answered 200 it is the code
	// of the first record's result, and the second (valid) record must be
	// stored all the same.
	code string
}

// field is one "key": raw-JSON-value of a record, in order.
type field struct{ k, v string }

// baseRecords are valid records of each type, as ordered fields.
var baseRecords = map[copd.RecordType][]field{
	copd.TypeWeight:     {{"weight", `72.5`}, {"unit", `"kg"`}, {"isGoal", `false`}},
	copd.TypeMedication: {{"name", `"Tiotropium"`}, {"dosage", `"2 puffs"`}, {"medicationType", `"daily"`}},
	copd.TypeOxygen:     {{"level", `91`}},
	copd.TypeExercise:   {{"exerciseType", `"walking"`}, {"minutes", `20`}},
	copd.TypeWater:      {{"amount", `250`}, {"unit", `"ml"`}},
	copd.TypeFood:       {{"meal", `"lunch"`}, {"category", `"soup"`}, {"description", `"leek"`}, {"calories", `310`}},
}

// rec returns a record of typ as JSON with edits applied: a field whose
// value is "-" is removed, a new key is appended, an existing one replaced.
func rec(typ copd.RecordType, id string, edits ...field) string {
	fs := append([]field{{"id", `"` + id + `"`}, {"type", `"` + string(typ) + `"`}, {"date", `"2026-11-30"`},
		{"time", `"08:15"`}, {"updatedAt", `"2026-11-30T08:15:00+01:00"`}}, baseRecords[typ]...)
	for _, e := range edits {
		found := false
		for i := range fs {
			if fs[i].k == e.k {
				fs[i].v, found = e.v, true
			}
		}
		if !found {
			fs = append(fs, e)
		}
	}
	var parts []string
	for _, f := range fs {
		if f.v != "-" {
			parts = append(parts, `"`+f.k+`":`+f.v)
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// recordRows are records that each break one rule, sent beside a valid one.
func recordRows() []badRow {
	type rc struct {
		name string
		typ  copd.RecordType
		f    []field
		code string
	}
	O, W, M, E, Wa, F := copd.TypeOxygen, copd.TypeWeight, copd.TypeMedication, copd.TypeExercise, copd.TypeWater, copd.TypeFood
	long := func(n int) string { return `"` + strings.Repeat("x", n) + `"` }
	cases := []rc{
		// Envelope: id.
		{"id missing", O, []field{{"id", "-"}}, copd.CodeMissingField},
		{"id empty", O, []field{{"id", `""`}}, copd.CodeMissingField},
		{"id a number", O, []field{{"id", `5`}}, "invalid_json"},
		{"id null", O, []field{{"id", `null`}}, copd.CodeMissingField},
		{"id 65 chars", O, []field{{"id", long(65)}}, copd.CodeInvalidField},
		{"id with space", O, []field{{"id", `"a b"`}}, copd.CodeInvalidField},
		{"id with slash", O, []field{{"id", `"a/b"`}}, copd.CodeInvalidField},
		{"id with hash", O, []field{{"id", `"a#b"`}}, copd.CodeInvalidField},
		{"id with NUL", O, []field{{"id", `"a\u0000b"`}}, copd.CodeInvalidField},
		{"id with emoji", O, []field{{"id", `"a😀"`}}, copd.CodeInvalidField},
		{"id with RTL override", O, []field{{"id", `"a\u202eb"`}}, copd.CodeInvalidField},
		{"id accented", O, []field{{"id", `"é"`}}, copd.CodeInvalidField},
		{"id lone surrogate", O, []field{{"id", `"a\ud800"`}}, "invalid_json"},
		// Envelope: type.
		{"type missing", O, []field{{"type", "-"}}, copd.CodeMissingField},
		{"type empty", O, []field{{"type", `""`}}, copd.CodeMissingField},
		{"type capitalised", O, []field{{"type", `"Oxygen"`}}, copd.CodeUnknownType},
		{"type unknown", O, []field{{"type", `"bloodPressure"`}}, copd.CodeUnknownType},
		{"type a number", O, []field{{"type", `3`}}, "invalid_json"},
		{"type an array", O, []field{{"type", `["oxygen"]`}}, "invalid_json"},
		// Envelope: date, in the formats a phone might send.
		{"date missing", O, []field{{"date", "-"}}, copd.CodeMissingField},
		{"date empty", O, []field{{"date", `""`}}, copd.CodeMissingField},
		{"date slashes", O, []field{{"date", `"2026/11/30"`}}, copd.CodeInvalidField},
		{"date US order", O, []field{{"date", `"11/30/2026"`}}, copd.CodeInvalidField},
		{"date European dots", O, []field{{"date", `"30.11.2026"`}}, copd.CodeInvalidField},
		{"date no padding", O, []field{{"date", `"2026-11-3"`}}, copd.CodeInvalidField},
		{"date compact", O, []field{{"date", `"20261130"`}}, copd.CodeInvalidField},
		{"date with time", O, []field{{"date", `"2026-11-30T08:15:00Z"`}}, copd.CodeInvalidField},
		{"date spelled out", O, []field{{"date", `"Nov 30, 2026"`}}, copd.CodeInvalidField},
		{"date leading space", O, []field{{"date", `" 2026-11-30"`}}, copd.CodeInvalidField},
		{"date full-width digits", O, []field{{"date", `"２０２６-１１-３０"`}}, copd.CodeInvalidField},
		{"date Feb 30", O, []field{{"date", `"2026-02-30"`}}, copd.CodeInvalidField},
		{"date month 13", O, []field{{"date", `"2026-13-01"`}}, copd.CodeInvalidField},
		{"date not a leap year", O, []field{{"date", `"2025-02-29"`}}, copd.CodeInvalidField},
		{"date epoch number", O, []field{{"date", `1764460800`}}, "invalid_json"},
		{"date pre-1900", O, []field{{"date", `"1899-12-31"`}}, copd.CodeOutOfRange},
		{"date year 1", O, []field{{"date", `"0001-01-01"`}}, copd.CodeOutOfRange},
		{"date next year", O, []field{{"date", `"2099-01-01"`}}, copd.CodeInFuture},
		{"date year 9999", O, []field{{"date", `"9999-12-31"`}}, copd.CodeInFuture},
		// Envelope: time.
		{"time no padding", O, []field{{"time", `"8:15"`}}, copd.CodeInvalidField},
		{"time with seconds", O, []field{{"time", `"08:15:00"`}}, copd.CodeInvalidField},
		{"time 12-hour", O, []field{{"time", `"8:15 PM"`}}, copd.CodeInvalidField},
		{"time 24:00", O, []field{{"time", `"24:00"`}}, copd.CodeInvalidField},
		{"time minute 60", O, []field{{"time", `"23:60"`}}, copd.CodeInvalidField},
		{"time compact", O, []field{{"time", `"0815"`}}, copd.CodeInvalidField},
		{"time dot", O, []field{{"time", `"08.15"`}}, copd.CodeInvalidField},
		{"time with zone", O, []field{{"time", `"08:15Z"`}}, copd.CodeInvalidField},
		{"time a number", O, []field{{"time", `815`}}, "invalid_json"},
		// Envelope: updatedAt.
		{"updatedAt missing", O, []field{{"updatedAt", "-"}}, copd.CodeMissingField},
		{"updatedAt no offset", O, []field{{"updatedAt", `"2026-11-30T08:15:00"`}}, copd.CodeInvalidField},
		{"updatedAt space separator", O, []field{{"updatedAt", `"2026-11-30 08:15:00Z"`}}, copd.CodeInvalidField},
		{"updatedAt offset without colon", O, []field{{"updatedAt", `"2026-11-30T08:15:00+0100"`}}, copd.CodeInvalidField},
		{"updatedAt offset 25 hours", O, []field{{"updatedAt", `"2026-11-30T08:15:00+25:00"`}}, copd.CodeInvalidField},
		{"updatedAt epoch seconds string", O, []field{{"updatedAt", `"1764490500"`}}, copd.CodeInvalidField},
		{"updatedAt epoch millis number", O, []field{{"updatedAt", `1764490500000`}}, "invalid_json"},
		{"updatedAt RFC 1123", O, []field{{"updatedAt", `"Sun, 30 Nov 2026 08:15:00 GMT"`}}, copd.CodeInvalidField},
		{"updatedAt date only", O, []field{{"updatedAt", `"2026-11-30"`}}, copd.CodeInvalidField},
		{"updatedAt hour 24", O, []field{{"updatedAt", `"2026-11-30T24:00:00Z"`}}, copd.CodeInvalidField},
		{"updatedAt before 2000", O, []field{{"updatedAt", `"1999-12-31T23:59:59Z"`}}, copd.CodeOutOfRange},
		{"updatedAt Unix epoch", O, []field{{"updatedAt", `"1970-01-01T00:00:00Z"`}}, copd.CodeOutOfRange},
		{"updatedAt far future", O, []field{{"updatedAt", `"2099-01-01T00:00:00Z"`}}, copd.CodeInFuture},
		// Envelope: deleted, and fields of another type.
		{"deleted a string", O, []field{{"deleted", `"true"`}}, "invalid_json"},
		{"deleted a number", O, []field{{"deleted", `1`}}, "invalid_json"},
		{"unknown field", O, []field{{"note", `"x"`}}, "unknown_field"},
		{"field of another type", O, []field{{"weight", `70`}}, copd.CodeFieldNotAllowed},
		{"duplicate key in a record", O, []field{{"level", `91,"level":80`}}, "duplicate_key"},
		// oxygen.
		{"oxygen level missing", O, []field{{"level", "-"}}, copd.CodeMissingField},
		{"oxygen level a string", O, []field{{"level", `"91"`}}, "invalid_json"},
		{"oxygen level true", O, []field{{"level", `true`}}, "invalid_json"},
		{"oxygen level fraction", O, []field{{"level", `91.5`}}, copd.CodeInvalidField},
		{"oxygen level 49", O, []field{{"level", `49`}}, copd.CodeOutOfRange},
		{"oxygen level 101", O, []field{{"level", `101`}}, copd.CodeOutOfRange},
		{"oxygen level negative", O, []field{{"level", `-91`}}, copd.CodeOutOfRange},
		{"oxygen level 1e309", O, []field{{"level", `1e309`}}, "invalid_json"},
		{"oxygen level NaN string", O, []field{{"level", `"NaN"`}}, "invalid_json"},
		{"oxygen level Infinity string", O, []field{{"level", `"Infinity"`}}, "invalid_json"},
		{"oxygen level an object", O, []field{{"level", `{"value":91}`}}, "invalid_json"},
		// weight.
		{"weight zero", W, []field{{"weight", `0`}}, copd.CodeOutOfRange},
		{"weight negative", W, []field{{"weight", `-70`}}, copd.CodeOutOfRange},
		{"weight absurd kg", W, []field{{"weight", `501`}}, copd.CodeOutOfRange},
		{"weight absurd lb", W, []field{{"weight", `1101`}, {"unit", `"lb"`}}, copd.CodeOutOfRange},
		{"weight 1e308", W, []field{{"weight", `1e308`}}, copd.CodeOutOfRange},
		{"weight tiny negative zero", W, []field{{"weight", `-0`}}, copd.CodeOutOfRange},
		{"weight unit stone", W, []field{{"unit", `"st"`}}, copd.CodeInvalidField},
		{"weight unit uppercase", W, []field{{"unit", `"KG"`}}, copd.CodeInvalidField},
		{"weight unit missing", W, []field{{"unit", "-"}}, copd.CodeMissingField},
		{"weight isGoal missing", W, []field{{"isGoal", "-"}}, copd.CodeMissingField},
		{"weight isGoal a string", W, []field{{"isGoal", `"no"`}}, "invalid_json"},
		{"weight with level", W, []field{{"level", `91`}}, copd.CodeFieldNotAllowed},
		// medication.
		{"medication name missing", M, []field{{"name", "-"}}, copd.CodeMissingField},
		{"medication name empty", M, []field{{"name", `""`}}, copd.CodeMissingField},
		{"medication name 201 chars", M, []field{{"name", long(201)}}, copd.CodeOutOfRange},
		{"medication name NUL", M, []field{{"name", `"Tio\u0000tropium"`}}, copd.CodeInvalidField},
		{"medication name escape char", M, []field{{"name", `"\u001b[31mred"`}}, copd.CodeInvalidField},
		{"medication name lone low surrogate", M, []field{{"name", `"\udc00"`}}, "invalid_json"},
		{"medication dosage an array", M, []field{{"dosage", `[]`}}, "invalid_json"},
		{"medication type unknown", M, []field{{"medicationType", `"rescue"`}}, copd.CodeInvalidField},
		{"medication type empty", M, []field{{"medicationType", `""`}}, copd.CodeInvalidField},
		// exercise.
		{"exercise minutes zero", E, []field{{"minutes", `0`}}, copd.CodeOutOfRange},
		{"exercise minutes over a day", E, []field{{"minutes", `1441`}}, copd.CodeOutOfRange},
		{"exercise minutes a string", E, []field{{"minutes", `"20"`}}, "invalid_json"},
		{"exercise type 201 chars", E, []field{{"exerciseType", long(201)}}, copd.CodeOutOfRange},
		{"exercise type missing", E, []field{{"exerciseType", "-"}}, copd.CodeMissingField},
		// water.
		{"water amount negative", Wa, []field{{"amount", `-1`}}, copd.CodeOutOfRange},
		{"water amount absurd", Wa, []field{{"amount", `10001`}}, copd.CodeOutOfRange},
		{"water 50 cups", Wa, []field{{"amount", `50`}, {"unit", `"cup"`}}, copd.CodeOutOfRange},
		{"water unit litre", Wa, []field{{"unit", `"l"`}}, copd.CodeInvalidField},
		{"water unit null", Wa, []field{{"unit", `null`}}, copd.CodeMissingField},
		// food.
		{"food meal unknown", F, []field{{"meal", `"brunch"`}}, copd.CodeInvalidField},
		{"food category missing", F, []field{{"category", "-"}}, copd.CodeMissingField},
		{"food description 2001 chars", F, []field{{"description", long(2001)}}, copd.CodeOutOfRange},
		{"food description with NUL", F, []field{{"description", `"a\u0000"`}}, copd.CodeInvalidField},
		{"food description lone surrogate", F, []field{{"description", `"\ud83d and no pair"`}}, "invalid_json"},
		{"food calories negative", F, []field{{"calories", `-1`}}, copd.CodeOutOfRange},
		{"food calories absurd", F, []field{{"calories", `100000`}}, copd.CodeOutOfRange},
		{"food calories a string", F, []field{{"calories", `"310"`}}, "invalid_json"},
		{"record over 8 KiB", F, []field{{"description", long(copd.MaxRecordBytes)}}, "record_too_large"},
	}
	var rows []badRow
	for i, c := range cases {
		bad := rec(c.typ, fmt.Sprintf("bad-%03d", i), c.f...)
		good := rec(copd.TypeOxygen, fmt.Sprintf("ctl-%03d", i))
		rows = append(rows, badRow{name: "record " + c.name, method: "POST", path: "/sync", as: "patient",
			body: `{"records":[` + bad + `,` + good + `]}`, status: 200, code: c.code})
	}
	// Not records at all, beside a valid one.
	for i, raw := range []string{`1`, `"x"`, `null`, `[]`, `true`} {
		good := rec(copd.TypeOxygen, fmt.Sprintf("ctl-nr-%d", i))
		rows = append(rows, badRow{name: "record is " + raw, method: "POST", path: "/sync", as: "patient",
			body: `{"records":[` + raw + `,` + good + `]}`, status: 200, code: "invalid_json"})
	}
	return rows
}

// requestRows break POST /sync as a whole, or other routes.
func requestRows(doctorID string) []badRow {
	ok := rec(copd.TypeOxygen, "req-ok")
	many := make([]string, copd.MaxSyncRecords+1)
	for i := range many {
		many[i] = rec(copd.TypeOxygen, fmt.Sprintf("many-%03d", i))
	}
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	return []badRow{
		// POST /sync: the body as a whole.
		{name: "sync empty body", method: "POST", path: "/sync", as: "patient", status: 400, code: "body_required"},
		{name: "sync whitespace body", method: "POST", path: "/sync", as: "patient", body: " \n ", status: 400, code: "body_required"},
		{name: "sync {}", method: "POST", path: "/sync", as: "patient", body: `{}`, status: 400, code: "no_records"},
		{name: "sync null", method: "POST", path: "/sync", as: "patient", body: `null`, status: 400, code: "no_records"},
		{name: "sync records empty", method: "POST", path: "/sync", as: "patient", body: `{"records":[]}`, status: 400, code: "no_records"},
		{name: "sync records null", method: "POST", path: "/sync", as: "patient", body: `{"records":null}`, status: 400, code: "no_records"},
		{name: "sync records an object", method: "POST", path: "/sync", as: "patient", body: `{"records":` + ok + `}`, status: 400, code: "invalid_json"},
		{name: "sync records a string", method: "POST", path: "/sync", as: "patient", body: `{"records":"[]"}`, status: 400, code: "invalid_json"},
		{name: "sync top-level array", method: "POST", path: "/sync", as: "patient", body: `[` + ok + `]`, status: 400, code: "invalid_json"},
		{name: "sync top-level string", method: "POST", path: "/sync", as: "patient", body: `"records"`, status: 400, code: "invalid_json"},
		{name: "sync unknown top-level field", method: "POST", path: "/sync", as: "patient", body: `{"records":[` + ok + `],"deviceId":"x"}`, status: 400, code: "unknown_field"},
		{name: "sync records key twice", method: "POST", path: "/sync", as: "patient", body: `{"records":[],"records":[` + ok + `]}`, status: 400, code: "duplicate_key"},
		{name: "sync trailing data", method: "POST", path: "/sync", as: "patient", body: `{"records":[` + ok + `]}{}`, status: 400, code: "trailing_data"},
		{name: "sync truncated", method: "POST", path: "/sync", as: "patient", body: `{"records":[` + ok, status: 400, code: "invalid_json"},
		{name: "sync NaN literal", method: "POST", path: "/sync", as: "patient", body: `{"records":[{"level":NaN}]}`, status: 400, code: "invalid_json"},
		{name: "sync Infinity literal", method: "POST", path: "/sync", as: "patient", body: `{"records":[{"level":Infinity}]}`, status: 400, code: "invalid_json"},
		{name: "sync single quotes", method: "POST", path: "/sync", as: "patient", body: `{'records':[]}`, status: 400, code: "invalid_json"},
		{name: "sync comment", method: "POST", path: "/sync", as: "patient", body: `{"records":[] /* x */}`, status: 400, code: "invalid_json"},
		{name: "sync byte order mark", method: "POST", path: "/sync", as: "patient", body: "\ufeff{\"records\":[" + ok + "]}", status: 400, code: "invalid_json"},
		{name: "sync nested 20000 deep", method: "POST", path: "/sync", as: "patient", body: `{"records":` + deep + `}`, status: 400, code: "invalid_json"},
		{name: "sync 501 records", method: "POST", path: "/sync", as: "patient", body: `{"records":[` + strings.Join(many, ",") + `]}`, status: 413, code: "too_many_records"},
		{name: "sync body over 1 MiB", method: "POST", path: "/sync", as: "patient", body: `{"records":["` + strings.Repeat("x", copd.MaxSyncBodyBytes) + `"]}`, status: 413, code: "body_too_large"},
		// Latin-1 text from a phone: not UTF-8, so the gateway sends it base64;
		// encoding/json alone would have stored U+FFFD (fixed in issue 8).
		{name: "sync Latin-1 text (arrives base64)", method: "POST", path: "/sync", as: "patient",
			body: `{"records":[` + rec(copd.TypeFood, "latin1", field{"description", "\"caf\xe9\""}) + `,` + rec(copd.TypeOxygen, "ctl-latin1") + `]}`, status: 200, code: "invalid_json"},
		{name: "sync content type text/plain", method: "POST", path: "/sync", as: "patient", ctype: "text/plain", body: `{"records":[` + ok + `]}`, status: 415, code: "unsupported_media_type"},
		{name: "sync content type form", method: "POST", path: "/sync", as: "patient", ctype: "application/x-www-form-urlencoded", body: `records=1`, status: 415, code: "unsupported_media_type"},
		{name: "sync content type multipart", method: "POST", path: "/sync", as: "patient", ctype: "multipart/form-data; boundary=x", body: `--x--`, status: 415, code: "unsupported_media_type"},
		{name: "sync content type xml", method: "POST", path: "/sync", as: "patient", ctype: "application/xml", body: `<records/>`, status: 415, code: "unsupported_media_type"},
		{name: "sync content type jsonp", method: "POST", path: "/sync", as: "patient", ctype: "application/jsonp", body: `{"records":[` + ok + `]}`, status: 415, code: "unsupported_media_type"},
		{name: "sync content type malformed", method: "POST", path: "/sync", as: "patient", ctype: "application/", body: `{"records":[` + ok + `]}`, status: 415, code: "unsupported_media_type"},
		{name: "sync as a doctor", method: "POST", path: "/sync", as: "doctor", body: `{"records":[` + ok + `]}`, status: 403, code: "forbidden_role"},
		{name: "sync without a token", method: "POST", path: "/sync", as: "none", body: `{"records":[` + ok + `]}`, status: 401, code: "unauthenticated"},
		{name: "sync with a garbage token", method: "POST", path: "/sync", as: "not.a.jwt", body: `{"records":[` + ok + `]}`, status: 401, code: "unauthenticated"},
		{name: "sync with Bearer and garbage", method: "POST", path: "/sync", as: "Bearer x", body: `{"records":[` + ok + `]}`, status: 401, code: "unauthenticated"},
		// GET /me and GET /invites take no body.
		{name: "me with a body", method: "GET", path: "/me", as: "patient", body: `{"x":1}`, status: 400, code: "body_not_allowed"},
		{name: "me without a token", method: "GET", path: "/me", as: "none", status: 401, code: "unauthenticated"},
		{name: "invites with a body", method: "GET", path: "/invites", as: "doctor", body: `{}`, status: 400, code: "body_not_allowed"},
		{name: "invites as a patient", method: "GET", path: "/invites", as: "patient", status: 403, code: "forbidden_role"},
		// POST /invite (doctor; optional empty object).
		{name: "invite unknown field", method: "POST", path: "/invite", as: "doctor", body: `{"expiresInDays":30}`, status: 400, code: "unknown_field"},
		{name: "invite array body", method: "POST", path: "/invite", as: "doctor", body: `[]`, status: 400, code: "invalid_json"},
		{name: "invite string body", method: "POST", path: "/invite", as: "doctor", body: `"x"`, status: 400, code: "invalid_json"},
		{name: "invite text/plain", method: "POST", path: "/invite", as: "doctor", ctype: "text/plain", body: `{}`, status: 415, code: "unsupported_media_type"},
		{name: "invite over 16 KiB", method: "POST", path: "/invite", as: "doctor", body: `{"x":"` + strings.Repeat("x", 16<<10) + `"}`, status: 413, code: "body_too_large"},
		{name: "invite as a patient", method: "POST", path: "/invite", as: "patient", body: `{}`, status: 403, code: "forbidden_role"},
		// GET /invites/{code}.
		{name: "preview code too short", method: "GET", path: "/invites/K7QM-2XWD", as: "patient", status: 400, code: copd.CodeInvalidInviteCode},
		{name: "preview code too long", method: "GET", path: "/invites/K7QM-2XWD-9FF", as: "patient", status: 400, code: copd.CodeInvalidInviteCode},
		{name: "preview ambiguous letters", method: "GET", path: "/invites/O0I1-LLLL-UU", as: "patient", status: 400, code: copd.CodeInvalidInviteCode},
		{name: "preview NUL in code", method: "GET", path: "/invites/K7QM-2XWD-9%00", as: "patient", status: 400, code: copd.CodeInvalidInviteCode},
		{name: "preview full-width letters", method: "GET", path: "/invites/%EF%BC%AB7QM-2XWD-9F", as: "patient", status: 400, code: copd.CodeInvalidInviteCode},
		{name: "preview RTL override", method: "GET", path: "/invites/K7QM-2XWD-9F%E2%80%AE", as: "patient", status: 400, code: copd.CodeInvalidInviteCode},
		{name: "preview 2 KiB code", method: "GET", path: "/invites/" + strings.Repeat("K", 2048), as: "patient", status: 400, code: copd.CodeInvalidInviteCode},
		{name: "preview as a doctor", method: "GET", path: "/invites/K7QM-2XWD-9F", as: "doctor", status: 403, code: "forbidden_role"},
		{name: "preview with a body", method: "GET", path: "/invites/K7QM-2XWD-9F", as: "patient", body: `{}`, status: 400, code: "body_not_allowed"},
		// POST /consent.
		{name: "consent empty object", method: "POST", path: "/consent", as: "patient", body: `{}`, status: 400, code: copd.CodeInvalidConsent},
		{name: "consent wrong type", method: "POST", path: "/consent", as: "patient", body: `{"inviteCode":"K7QM-2XWD-9F","consentType":"share_with_everyone"}`, status: 400, code: copd.CodeInvalidConsent},
		{name: "consent type case", method: "POST", path: "/consent", as: "patient", body: `{"inviteCode":"K7QM-2XWD-9F","consentType":"SHARE_WITH_DOCTOR"}`, status: 400, code: copd.CodeInvalidConsent},
		{name: "consent code missing", method: "POST", path: "/consent", as: "patient", body: `{"consentType":"share_with_doctor"}`, status: 400, code: copd.CodeInvalidInviteCode},
		{name: "consent code empty", method: "POST", path: "/consent", as: "patient", body: `{"inviteCode":"","consentType":"share_with_doctor"}`, status: 400, code: copd.CodeInvalidInviteCode},
		{name: "consent code a number", method: "POST", path: "/consent", as: "patient", body: `{"inviteCode":7,"consentType":"share_with_doctor"}`, status: 400, code: "invalid_json"},
		{name: "consent code NUL", method: "POST", path: "/consent", as: "patient", body: `{"inviteCode":"K7QM-2XWD-9\u0000","consentType":"share_with_doctor"}`, status: 400, code: copd.CodeInvalidInviteCode},
		{name: "consent code emoji", method: "POST", path: "/consent", as: "patient", body: `{"inviteCode":"K7QM-2XWD-😀","consentType":"share_with_doctor"}`, status: 400, code: copd.CodeInvalidInviteCode},
		{name: "consent code lone surrogate", method: "POST", path: "/consent", as: "patient", body: `{"inviteCode":"K7QM-2XWD-9\ud800","consentType":"share_with_doctor"}`, status: 400, code: "invalid_json"},
		{name: "consent extra field (patient id)", method: "POST", path: "/consent", as: "patient", body: `{"inviteCode":"K7QM-2XWD-9F","consentType":"share_with_doctor","patientId":"x"}`, status: 400, code: "unknown_field"},
		{name: "consent extra field (source IP)", method: "POST", path: "/consent", as: "patient", body: `{"inviteCode":"K7QM-2XWD-9F","consentType":"share_with_doctor","sourceIp":"1.2.3.4"}`, status: 400, code: "unknown_field"},
		{name: "consent duplicate key", method: "POST", path: "/consent", as: "patient", body: `{"inviteCode":"K7QM-2XWD-9F","inviteCode":"K7QM-2XWD-9G","consentType":"share_with_doctor"}`, status: 400, code: "duplicate_key"},
		{name: "consent text/plain", method: "POST", path: "/consent", as: "patient", ctype: "text/plain", body: `{}`, status: 415, code: "unsupported_media_type"},
		{name: "consent array", method: "POST", path: "/consent", as: "patient", body: `[]`, status: 400, code: "invalid_json"},
		{name: "consent no body", method: "POST", path: "/consent", as: "patient", status: 400, code: "body_required"},
		{name: "consent as a doctor", method: "POST", path: "/consent", as: "doctor", body: `{}`, status: 403, code: "forbidden_role"},
		// POST /link-doctor.
		{name: "link empty object", method: "POST", path: "/link-doctor", as: "patient", body: `{}`, status: 400, code: copd.CodeInvalidInviteCode},
		{name: "link code null", method: "POST", path: "/link-doctor", as: "patient", body: `{"inviteCode":null}`, status: 400, code: copd.CodeInvalidInviteCode},
		{name: "link code an array", method: "POST", path: "/link-doctor", as: "patient", body: `{"inviteCode":["K7QM-2XWD-9F"]}`, status: 400, code: "invalid_json"},
		{name: "link code 200 dashes", method: "POST", path: "/link-doctor", as: "patient", body: `{"inviteCode":"` + strings.Repeat("-", 200) + `"}`, status: 400, code: copd.CodeInvalidInviteCode},
		{name: "link doctor id in body", method: "POST", path: "/link-doctor", as: "patient", body: `{"inviteCode":"K7QM-2XWD-9F","doctorId":"` + doctorID + `"}`, status: 400, code: "unknown_field"},
		{name: "link trailing data", method: "POST", path: "/link-doctor", as: "patient", body: `{"inviteCode":"K7QM-2XWD-9F"}x`, status: 400, code: "trailing_data"},
		{name: "link no body", method: "POST", path: "/link-doctor", as: "patient", status: 400, code: "body_required"},
		{name: "link as a doctor", method: "POST", path: "/link-doctor", as: "doctor", body: `{"inviteCode":"K7QM-2XWD-9F"}`, status: 403, code: "forbidden_role"},
		// DELETE /links/{doctorId}.
		{name: "revoke unknown doctor", method: "DELETE", path: "/links/no-such-doctor", as: "patient", status: 404, code: copd.CodeLinkNotFound},
		{name: "revoke id with hash", method: "DELETE", path: "/links/a%23b", as: "patient", status: 404, code: copd.CodeLinkNotFound},
		{name: "revoke id with space", method: "DELETE", path: "/links/a%20b", as: "patient", status: 404, code: copd.CodeLinkNotFound},
		{name: "revoke 1 KiB id", method: "DELETE", path: "/links/" + strings.Repeat("d", 1024), as: "patient", status: 404, code: copd.CodeLinkNotFound},
		{name: "revoke with a body", method: "DELETE", path: "/links/" + doctorID, as: "patient", body: `{}`, status: 400, code: "body_not_allowed"},
		{name: "revoke as a doctor", method: "DELETE", path: "/links/" + doctorID, as: "doctor", status: 403, code: "forbidden_role"},
		// Routes that do not exist.
		{name: "unknown route", method: "GET", path: "/records", as: "patient", status: 404, code: "route_not_found"},
		{name: "sync with GET", method: "GET", path: "/sync", as: "patient", status: 404, code: "route_not_found"},
	}
}

// doctorViewRows are the doctor views' queries (GET /patients, overview,
// export, GET /me/access-log); patient is the demo patient's id.
func doctorViewRows(patient string) []badRow {
	ov := "/patients/" + patient + "/overview"
	ex := "/patients/" + patient + "/export"
	return []badRow{
		{name: "patients limit 0", method: "GET", path: "/patients?limit=0", as: "doctor", status: 400, code: "invalid_limit"},
		{name: "patients limit negative", method: "GET", path: "/patients?limit=-1", as: "doctor", status: 400, code: "invalid_limit"},
		{name: "patients limit text", method: "GET", path: "/patients?limit=ten", as: "doctor", status: 400, code: "invalid_limit"},
		{name: "patients limit 1e3", method: "GET", path: "/patients?limit=1e3", as: "doctor", status: 400, code: "invalid_limit"},
		{name: "patients limit huge", method: "GET", path: "/patients?limit=99999999999999999999", as: "doctor", status: 400, code: "invalid_limit"},
		{name: "patients limit twice", method: "GET", path: "/patients?limit=1&limit=2", as: "doctor", status: 400, code: "repeated_parameter"},
		{name: "patients unknown parameter", method: "GET", path: "/patients?doctorId=x", as: "doctor", status: 400, code: "unknown_parameter"},
		{name: "patients garbage cursor", method: "GET", path: "/patients?cursor=!!!", as: "doctor", status: 400, code: copd.CodeInvalidCursor},
		{name: "patients forged cursor", method: "GET", path: "/patients?cursor=eyJ4IjoxfQ", as: "doctor", status: 400, code: copd.CodeInvalidCursor},
		{name: "patients as a patient", method: "GET", path: "/patients", as: "patient", status: 403, code: "forbidden_role"},
		{name: "overview days 0", method: "GET", path: ov + "?days=0", as: "doctor", status: 400, code: "invalid_days"},
		{name: "overview days 1e309", method: "GET", path: ov + "?days=1e309", as: "doctor", status: 400, code: "invalid_days"},
		{name: "overview days NaN", method: "GET", path: ov + "?days=NaN", as: "doctor", status: 400, code: "invalid_days"},
		{name: "overview days padded", method: "GET", path: ov + "?days=07", as: "doctor", status: 400, code: "invalid_days"},
		{name: "overview days huge", method: "GET", path: ov + "?days=100000", as: "doctor", status: 400, code: "invalid_days"},
		{name: "overview unknown patient", method: "GET", path: "/patients/00000000-0000-0000-0000-000000000000/overview", as: "doctor", status: 404, code: "patient_not_found"},
		{name: "overview patient id with hash", method: "GET", path: "/patients/a%23b/overview", as: "doctor", status: 404, code: "patient_not_found"},
		{name: "overview as a patient", method: "GET", path: ov, as: "patient", status: 403, code: "forbidden_role"},
		{name: "export format xml", method: "GET", path: ex + "?format=xml", as: "doctor", status: 400, code: "invalid_format"},
		{name: "export from slashes", method: "GET", path: ex + "?format=json&from=2026/11/01", as: "doctor", status: 400, code: "invalid_date"},
		{name: "export to Feb 30", method: "GET", path: ex + "?format=json&to=2026-02-30", as: "doctor", status: 400, code: "invalid_date"},
		{name: "export from after to", method: "GET", path: ex + "?format=json&from=2026-12-01&to=2026-11-01", as: "doctor", status: 400, code: "invalid_date_range"},
		{name: "export garbage cursor", method: "GET", path: ex + "?format=json&cursor=e30", as: "doctor", status: 400, code: copd.CodeInvalidCursor},
		{name: "export unknown patient", method: "GET", path: "/patients/nobody/export?format=json", as: "doctor", status: 404, code: "patient_not_found"},
		{name: "access log limit 0", method: "GET", path: "/me/access-log?limit=0", as: "patient", status: 400, code: "invalid_limit"},
		{name: "access log cursor", method: "GET", path: "/me/access-log?cursor=!!", as: "patient", status: 400, code: copd.CodeInvalidCursor},
		{name: "access log as a doctor", method: "GET", path: "/me/access-log", as: "doctor", status: 403, code: "forbidden_role"},
	}
}

// TestBadInput_EveryRoute sends well over 150 malformed requests with real
// tokens through the local gateway to the real functions: each must get
// its 4xx and stable code (or, for a record inside POST /sync, a 200 whose
// result for it is invalid with its code while the valid record beside it
// is stored). Never a 5xx. Every answer is also checked against
// docs/openapi.yaml by the stack's contract validator.
func TestBadInput_EveryRoute(t *testing.T) {
	mustRealFunctions(t)
	s := localstack.New(t, localstack.Options{Seed: true, SeedDays: 1})
	tokens := map[string]string{
		"patient": s.MustSignIn(t, false, seed.PatientEmail, seed.PatientPassword, ""),
		"doctor":  s.MustSignIn(t, true, seed.DoctorEmail, seed.DoctorPassword, s.Accounts.DoctorTOTPSecret),
		"none":    "",
	}
	rows := append(recordRows(), requestRows(s.Accounts.DoctorSub)...)
	views := doctorViewRows(s.Accounts.PatientSub)
	for _, r := range views {
		if _, _, ok, _ := route.Match(r.method, strings.SplitN(r.path, "?", 2)[0]); ok {
			rows = append(rows, r)
		}
	}
	if len(rows) < 150 {
		t.Fatalf("only %d rows", len(rows))
	}
	t.Logf("%d malformed requests (%d doctor-view rows of %d: routes present)", len(rows), len(rows)-len(recordRows())-len(requestRows("")), len(views))
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			h := map[string]string{apispec.UncheckedRequestHeader: "malformed on purpose: " + r.name}
			if tok, ok := tokens[r.as]; !ok {
				h["Authorization"] = r.as
			} else if tok != "" {
				h["Authorization"] = tok
			}
			c := call{method: r.method, path: r.path, header: h}
			if r.body != "" || r.method == "POST" {
				c.body = []byte(r.body)
				h["Content-Type"] = "application/json"
			}
			if r.ctype != "" {
				h["Content-Type"] = r.ctype
			}
			a := mustDo(t, s.Info.APIURL, c)
			if a.status >= 500 {
				t.Fatalf("status %d for client input: %s", a.status, a.body)
			}
			if a.status != r.status {
				t.Fatalf("status %d, want %d: %.300s", a.status, r.status, a.body)
			}
			if r.status != http.StatusOK {
				if got := mustErrorBody(t, a).Error.Code; got != r.code {
					t.Errorf("code %q, want %q", got, r.code)
				}
				return
			}
			var out copd.SyncResponse
			if err := json.Unmarshal(a.body, &out); err != nil {
				t.Fatal(err)
			}
			if len(out.Results) == 0 || out.Results[0].Status != copd.StatusInvalid || out.Results[0].Error == nil || out.Results[0].Error.Code != r.code {
				t.Fatalf("first result %+v, want invalid %s", out.Results, r.code)
			}
			if len(out.Results) == 2 && out.Results[1].Status != copd.StatusCreated {
				t.Errorf("the valid record beside it: %s, want created", out.Results[1].Status)
			}
		})
	}
}
