// Package storetest is the conformance suite of the record and user stores
// (in the style of go-cloud's drivertest): the same tests run against the
// in-memory fake (memstore) and against DynamoDB's API on the local stand-in
// (dynamo), so unit tests that use the fake can trust its semantics.
package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
)

// Store is what the suite tests: both store interfaces in one value.
type Store interface {
	copd.RecordStore
	copd.UserStore
}

// Run runs every conformance test as a subtest. newStore returns a store
// with no data, called once per subtest; it registers its own clean-up.
func Run(t *testing.T, newStore func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"RecordRoundTrip", testRecordRoundTrip},
		{"LastWriterWins", testLastWriterWins},
		{"ExactTie", testExactTie},
		{"Offsets", testOffsets},
		{"VersionMismatch", testVersionMismatch},
		{"Tombstone", testTombstone},
		{"DateMove", testDateMove},
		{"RecordsByDateBounds", testRecordsByDateBounds},
		{"GetRecordsMany", testGetRecordsMany},
		{"Copies", testCopies},
		{"Users", testUsers},
		{"Practices", testPractices},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

var syncedAt = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

func ptr[T any](v T) *T { return &v }

// Records returns one record of every type, with every field set, on date
// and updated at updatedAt; ids are "<type>-<suffix>".
func Records(date, updatedAt, suffix string) []copd.Record {
	env := func(typ copd.RecordType) copd.Record {
		return copd.Record{ID: string(typ) + "-" + suffix, Type: typ, Date: date, Time: "08:15", UpdatedAt: updatedAt}
	}
	w := env(copd.TypeWeight)
	w.Weight, w.Unit, w.IsGoal = ptr(72.4), ptr("kg"), ptr(false)
	m := env(copd.TypeMedication)
	m.Name, m.Dosage, m.MedicationType = ptr("Salbutamol"), ptr("2 puffs"), ptr("exacerbation")
	o := env(copd.TypeOxygen)
	o.Level = ptr(93.0)
	e := env(copd.TypeExercise)
	e.ExerciseType, e.Minutes = ptr("walking"), ptr(22.5)
	wa := env(copd.TypeWater)
	wa.Amount, wa.Unit = ptr(1.5), ptr("cup")
	f := env(copd.TypeFood)
	f.Meal, f.Category, f.Description, f.Calories = ptr("breakfast"), ptr("grains"), ptr("porridge, \"oats\" & honey\nwith ünïcode"), ptr(350.0)
	return []copd.Record{w, m, o, e, wa, f}
}

// oxygen returns an oxygen record.
func oxygen(id, date, updatedAt string, level float64) copd.Record {
	return copd.Record{ID: id, Type: copd.TypeOxygen, Date: date, UpdatedAt: updatedAt, Level: ptr(level)}
}

func stored(r copd.Record) copd.StoredRecord {
	n := r.Normalized()
	return copd.StoredRecord{Record: n, Version: n.Version(), SyncedAt: syncedAt}
}

func mustPut(t *testing.T, s Store, patient string, r copd.Record) {
	t.Helper()
	if err := s.PutRecord(context.Background(), patient, copd.StoredRecord{Record: r, Version: r.Version(), SyncedAt: syncedAt}); err != nil {
		t.Fatalf("PutRecord(%s, %s/%s): %v", patient, r.Type, r.ID, err)
	}
}

// put stores r and returns the error kind (-1 for no error).
func put(t *testing.T, s Store, patient string, r copd.Record) errs.Kind {
	t.Helper()
	err := s.PutRecord(context.Background(), patient, copd.StoredRecord{Record: r, Version: r.Version(), SyncedAt: syncedAt})
	if err == nil {
		return -1
	}
	return errs.KindOf(err)
}

func mustGet(t *testing.T, s Store, patient string, ks ...copd.RecordKey) map[copd.RecordKey]copd.StoredRecord {
	t.Helper()
	got, err := s.GetRecords(context.Background(), patient, ks)
	if err != nil {
		t.Fatalf("GetRecords(%s, %d keys): %v", patient, len(ks), err)
	}
	return got
}

func mustByDate(t *testing.T, s Store, patient, from, to string) []copd.StoredRecord {
	t.Helper()
	got, err := s.RecordsByDate(context.Background(), patient, from, to)
	if err != nil {
		t.Fatalf("RecordsByDate(%s, %s, %s): %v", patient, from, to, err)
	}
	return got
}

// want builds the expected GetRecords answer for records.
func want(rs ...copd.Record) map[copd.RecordKey]copd.StoredRecord {
	m := make(map[copd.RecordKey]copd.StoredRecord, len(rs))
	for _, r := range rs {
		m[r.Key()] = stored(r)
	}
	return m
}

func storedList(rs ...copd.Record) []copd.StoredRecord {
	var out []copd.StoredRecord
	for _, r := range rs {
		out = append(out, stored(r))
	}
	return out
}

func keysOf(rs ...copd.Record) []copd.RecordKey {
	var ks []copd.RecordKey
	for _, r := range rs {
		ks = append(ks, r.Key())
	}
	return ks
}

func testRecordRoundTrip(t *testing.T, s Store) {
	const patient = "patient-roundtrip"
	rs := Records("2026-02-27", "2026-02-27T08:16:00+01:00", "1")
	for _, r := range rs {
		t.Run(string(r.Type), func(t *testing.T) {
			mustPut(t, s, patient, r)
			got := mustGet(t, s, patient, r.Key())
			if diff := cmp.Diff(want(r), got); diff != "" {
				t.Errorf("GetRecords (-want +got):\n%s", diff)
			}
		})
	}
	// The index orders one day's records by type, then id.
	byType := slices.Clone(rs)
	slices.SortFunc(byType, func(a, b copd.Record) int { return strings.Compare(string(a.Type), string(b.Type)) })
	if diff := cmp.Diff(storedList(byType...), mustByDate(t, s, patient, "2026-02-27", "2026-02-27")); diff != "" {
		t.Errorf("RecordsByDate (-want +got):\n%s", diff)
	}
	// A zero Version is derived by the store.
	r := oxygen("zero-version", "2026-02-27", "2026-02-27T09:00:00Z", 91)
	if err := s.PutRecord(context.Background(), patient, copd.StoredRecord{Record: r, SyncedAt: syncedAt}); err != nil {
		t.Fatalf("PutRecord with zero Version: %v", err)
	}
	if diff := cmp.Diff(want(r), mustGet(t, s, patient, r.Key())); diff != "" {
		t.Errorf("GetRecords after zero-Version put (-want +got):\n%s", diff)
	}
}

// orderCase puts records of one key in order, expecting the error kind of
// each put (-1: none) and the winner that stays stored.
type orderCase struct {
	name  string
	order []copd.Record
	kinds []errs.Kind
	want  copd.Record
}

// runOrders runs each case on its own patient (prefix-<i>).
func runOrders(t *testing.T, s Store, prefix string, tests []orderCase) {
	t.Helper()
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			patient := fmt.Sprintf("%s-%d", prefix, i)
			var kinds []errs.Kind
			for _, r := range tc.order {
				kinds = append(kinds, put(t, s, patient, r))
			}
			if diff := cmp.Diff(tc.kinds, kinds); diff != "" {
				t.Errorf("PutRecord error kinds (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want(tc.want), mustGet(t, s, patient, tc.want.Key())); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
		})
	}
}

func testLastWriterWins(t *testing.T, s Store) {
	older := oxygen("lww", "2026-03-01", "2026-03-01T08:00:00Z", 90)
	newer := oxygen("lww", "2026-03-01", "2026-03-01T08:00:00.000000001Z", 95)
	runOrders(t, s, "patient-lww", []orderCase{
		{"older then newer", []copd.Record{older, newer}, []errs.Kind{-1, -1}, newer},
		{"newer then older", []copd.Record{newer, older}, []errs.Kind{-1, errs.Conflict}, newer},
	})
}

func testExactTie(t *testing.T, s Store) {
	a := oxygen("tie", "2026-03-01", "2026-03-01T08:00:00Z", 90)
	b := oxygen("tie", "2026-03-01", "2026-03-01T08:00:00Z", 91)
	va, vb := a.Version(), b.Version()
	if va.UpdatedAt != vb.UpdatedAt || va.Hash == vb.Hash {
		t.Fatalf("fixture: want equal instants and different hashes, got %+v and %+v", va, vb)
	}
	hi, lo := a, b
	if vb.After(va) {
		hi, lo = b, a
	}
	runOrders(t, s, "patient-tie", []orderCase{
		{"lower hash first", []copd.Record{lo, hi}, []errs.Kind{-1, -1}, hi},
		{"higher hash first", []copd.Record{hi, lo}, []errs.Kind{-1, errs.Conflict}, hi},
		{"identical content", []copd.Record{a, a}, []errs.Kind{-1, errs.Conflict}, a},
	})
}

// testOffsets checks that updatedAt is compared as an instant, not as text:
// the same instant with +02:00 and Z is a tie (broken by hash), and a later
// instant wins even when its text sorts lower.
func testOffsets(t *testing.T, s Store) {
	plus2 := oxygen("offset", "2026-03-01", "2026-03-01T10:00:00+02:00", 90)
	zulu := oxygen("offset", "2026-03-01", "2026-03-01T08:00:00Z", 90)
	if plus2.Version().UpdatedAt != zulu.Version().UpdatedAt {
		t.Fatalf("fixture: +02:00 and Z are not the same instant")
	}
	hi, lo := plus2, zulu
	if zulu.Version().After(plus2.Version()) {
		hi, lo = zulu, plus2
	}
	earlierText := oxygen("offset", "2026-03-01", "2026-03-01T09:30:00+02:00", 80) // 07:30Z, sorts after "08:00Z" as text
	runOrders(t, s, "patient-offset", []orderCase{
		{"same instant, lower hash first", []copd.Record{lo, hi}, []errs.Kind{-1, -1}, hi},
		{"same instant, higher hash first", []copd.Record{hi, lo}, []errs.Kind{-1, errs.Conflict}, hi},
		{"later instant with lower text first", []copd.Record{zulu, earlierText}, []errs.Kind{-1, errs.Conflict}, zulu},
		{"earlier instant with higher text first", []copd.Record{earlierText, zulu}, []errs.Kind{-1, -1}, zulu},
	})
}

func testVersionMismatch(t *testing.T, s Store) {
	const patient = "patient-mismatch"
	r := oxygen("mismatch", "2026-03-01", "2026-03-01T08:00:00Z", 90)
	other := oxygen("mismatch", "2026-03-01", "2026-03-01T09:00:00Z", 91)
	err := s.PutRecord(context.Background(), patient, copd.StoredRecord{Record: r, Version: other.Version(), SyncedAt: syncedAt})
	if got := errs.KindOf(err); err == nil || got != errs.Internal {
		t.Fatalf("PutRecord with another record's Version: err %v, want kind %v", err, errs.Internal)
	}
	if got := mustGet(t, s, patient, r.Key()); len(got) != 0 {
		t.Errorf("GetRecords after a rejected put: got %d records, want none", len(got))
	}
}

func testTombstone(t *testing.T, s Store) {
	const patient = "patient-tombstone"
	live := Records("2026-03-02", "2026-03-02T08:00:00Z", "t")[0] // weight
	tomb := live
	tomb.UpdatedAt = "2026-03-02T09:00:00Z"
	tomb.Deleted = true // still carries its values: the store drops them
	resurrect := live
	resurrect.UpdatedAt = "2026-03-02T08:30:00Z"

	mustPut(t, s, patient, live)
	mustPut(t, s, patient, tomb)
	wantTomb := copd.Record{ID: live.ID, Type: live.Type, Date: live.Date, Time: live.Time, UpdatedAt: tomb.UpdatedAt, Deleted: true}
	if diff := cmp.Diff(map[copd.RecordKey]copd.StoredRecord{live.Key(): stored(wantTomb)}, mustGet(t, s, patient, live.Key())); diff != "" {
		t.Errorf("GetRecords after delete (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(storedList(wantTomb), mustByDate(t, s, patient, "2026-03-02", "2026-03-02")); diff != "" {
		t.Errorf("RecordsByDate after delete (-want +got):\n%s", diff)
	}
	if got := put(t, s, patient, resurrect); got != errs.Conflict {
		t.Errorf("PutRecord of an older live version after delete: kind %v, want %v", got, errs.Conflict)
	}
	if got := put(t, s, patient, tomb); got != errs.Conflict {
		t.Errorf("PutRecord of the same tombstone again: kind %v, want %v", got, errs.Conflict)
	}
	undelete := live
	undelete.UpdatedAt = "2026-03-02T10:00:00Z"
	mustPut(t, s, patient, undelete)
	if diff := cmp.Diff(want(undelete), mustGet(t, s, patient, live.Key())); diff != "" {
		t.Errorf("GetRecords after a newer live write (-want +got):\n%s", diff)
	}
}

func testDateMove(t *testing.T, s Store) {
	const patient = "patient-move"
	before := oxygen("move", "2026-03-01", "2026-03-01T08:00:00Z", 90)
	moved := oxygen("move", "2026-03-05", "2026-03-05T08:00:00Z", 90)
	staleMove := oxygen("move", "2026-03-09", "2026-03-02T08:00:00Z", 90)
	mustPut(t, s, patient, before)
	mustPut(t, s, patient, moved)
	if got := put(t, s, patient, staleMove); got != errs.Conflict {
		t.Errorf("PutRecord of an older re-dated version: kind %v, want %v", got, errs.Conflict)
	}
	tests := []struct {
		name     string
		from, to string
		want     []copd.StoredRecord
	}{
		{"old date", "2026-03-01", "2026-03-01", nil},
		{"new date", "2026-03-05", "2026-03-05", storedList(moved)},
		{"stale move's date", "2026-03-09", "2026-03-09", nil},
		{"whole month", "2026-03-01", "2026-03-31", storedList(moved)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, mustByDate(t, s, patient, tc.from, tc.to)); diff != "" {
				t.Errorf("RecordsByDate(%s, %s) (-want +got):\n%s", tc.from, tc.to, diff)
			}
		})
	}
}

func testRecordsByDateBounds(t *testing.T, s Store) {
	const patient, other = "patient-bounds", "patient-bounds-other"
	var rs []copd.Record
	for _, d := range []string{"2026-02-28", "2026-03-01", "2026-03-02", "2026-03-31", "2026-04-01"} {
		rs = append(rs,
			oxygen("b-"+d, d, d+"T08:00:00Z", 90),
			oxygen("a-"+d, d, d+"T08:00:00Z", 91),
			copd.Record{ID: "z-" + d, Type: copd.TypeExercise, Date: d, UpdatedAt: d + "T08:00:00Z", ExerciseType: ptr("walking"), Minutes: ptr(10.0)},
		)
	}
	for _, r := range rs {
		mustPut(t, s, patient, r)
		o := r
		o.ID = "other-" + r.ID // another patient's data on the same days, and the same ids
		mustPut(t, s, other, o)
		mustPut(t, s, other, r)
	}
	// Index order is date, then type, then id.
	day := func(d string) []copd.StoredRecord {
		return storedList(
			copd.Record{ID: "z-" + d, Type: copd.TypeExercise, Date: d, UpdatedAt: d + "T08:00:00Z", ExerciseType: ptr("walking"), Minutes: ptr(10.0)},
			oxygen("a-"+d, d, d+"T08:00:00Z", 91),
			oxygen("b-"+d, d, d+"T08:00:00Z", 90),
		)
	}
	cat := func(days ...string) []copd.StoredRecord {
		var out []copd.StoredRecord
		for _, d := range days {
			out = append(out, day(d)...)
		}
		return out
	}
	tests := []struct {
		name     string
		from, to string
		want     []copd.StoredRecord
	}{
		{"month inclusive", "2026-03-01", "2026-03-31", cat("2026-03-01", "2026-03-02", "2026-03-31")},
		{"single day", "2026-03-02", "2026-03-02", cat("2026-03-02")},
		{"first day", "2026-02-28", "2026-02-28", cat("2026-02-28")},
		{"last day", "2026-04-01", "2026-04-01", cat("2026-04-01")},
		{"everything", "2000-01-01", "2099-12-31", cat("2026-02-28", "2026-03-01", "2026-03-02", "2026-03-31", "2026-04-01")},
		{"gap", "2026-03-03", "2026-03-30", nil},
		{"reversed", "2026-03-31", "2026-03-01", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, mustByDate(t, s, patient, tc.from, tc.to)); diff != "" {
				t.Errorf("RecordsByDate(%s, %s) (-want +got):\n%s", tc.from, tc.to, diff)
			}
		})
	}
	t.Run("unknown patient", func(t *testing.T) {
		if got := mustByDate(t, s, "patient-nobody", "2000-01-01", "2099-12-31"); len(got) != 0 {
			t.Errorf("RecordsByDate of a patient with no records: got %d, want 0", len(got))
		}
	})
}

func testGetRecordsMany(t *testing.T, s Store) {
	const patient, other = "patient-many", "patient-many-other"
	var rs []copd.Record
	for i := range 250 {
		rs = append(rs, oxygen(fmt.Sprintf("r%03d", i), "2026-03-01", "2026-03-01T08:00:00Z", float64(50+i%50)))
	}
	for _, r := range rs {
		mustPut(t, s, patient, r)
		o := r
		o.Level = ptr(99.0)
		mustPut(t, s, other, o)
	}
	ks := keysOf(rs...)
	for i := range 10 {
		ks = append(ks, copd.RecordKey{Type: copd.TypeOxygen, ID: fmt.Sprintf("missing-%d", i)})
	}
	ks = append(ks, ks[0], ks[149], copd.RecordKey{Type: copd.TypeWater, ID: "r000"}) // duplicates; same id, other type
	if diff := cmp.Diff(want(rs...), mustGet(t, s, patient, ks...)); diff != "" {
		t.Errorf("GetRecords of 250 stored, 10 missing and 3 odd keys (-want +got):\n%s", diff)
	}
	if got := mustGet(t, s, patient); len(got) != 0 {
		t.Errorf("GetRecords with no keys: got %d records, want 0", len(got))
	}
	if got := mustGet(t, s, "patient-nobody", ks[:5]...); len(got) != 0 {
		t.Errorf("GetRecords of another patient's keys: got %d records, want 0", len(got))
	}
}

// testCopies checks that neither the caller's record nor a returned one
// aliases what the store keeps.
func testCopies(t *testing.T, s Store) {
	const patient = "patient-copies"
	r := Records("2026-03-01", "2026-03-01T08:00:00Z", "c")[0]
	orig := stored(r)
	in := copd.StoredRecord{Record: r, Version: r.Version(), SyncedAt: syncedAt}
	in.Weight = ptr(*r.Weight) // the fixture's pointer is shared with orig
	if err := s.PutRecord(context.Background(), patient, in); err != nil {
		t.Fatal(err)
	}
	*in.Weight = 1
	got := mustGet(t, s, patient, r.Key())
	*got[r.Key()].Weight = 2
	if diff := cmp.Diff(map[copd.RecordKey]copd.StoredRecord{r.Key(): orig}, mustGet(t, s, patient, r.Key())); diff != "" {
		t.Errorf("stored record changed through a pointer (-want +got):\n%s", diff)
	}
}

func mustPutUser(t *testing.T, s Store, u copd.User) copd.User {
	t.Helper()
	got, err := s.PutUser(context.Background(), u)
	if err != nil {
		t.Fatalf("PutUser(%s): %v", u.UserID, err)
	}
	return got
}

func testUsers(t *testing.T, s Store) {
	ctx := context.Background()
	u := copd.User{UserID: "sub-1", Email: "Pat.Example@Example.COM", Role: copd.RolePatient, DisplayName: "Pat", CreatedAt: syncedAt}
	stored := u
	stored.Email = "pat.example@example.com"

	if diff := cmp.Diff(stored, mustPutUser(t, s, u)); diff != "" {
		t.Errorf("PutUser (create) (-want +got):\n%s", diff)
	}
	again := u
	again.DisplayName, again.Role, again.CreatedAt = "Someone else", copd.RoleDoctor, syncedAt.Add(time.Hour)
	if diff := cmp.Diff(stored, mustPutUser(t, s, again)); diff != "" {
		t.Errorf("PutUser (exists) returned (-want +got):\n%s", diff)
	}
	got, err := s.GetUser(ctx, u.UserID)
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if diff := cmp.Diff(stored, got); diff != "" {
		t.Errorf("GetUser (-want +got):\n%s", diff)
	}
	doc := copd.User{UserID: "sub-2", Email: "doc@example.com", Role: copd.RoleDoctor, PracticeID: "pr-1", CreatedAt: syncedAt}
	if diff := cmp.Diff(doc, mustPutUser(t, s, doc)); diff != "" {
		t.Errorf("PutUser (doctor) (-want +got):\n%s", diff)
	}
	for _, id := range []string{"sub-unknown", "pr-1"} {
		if _, err := s.GetUser(ctx, id); errs.KindOf(err) != errs.NotFound || err == nil {
			t.Errorf("GetUser(%q): err %v, want kind %v", id, err, errs.NotFound)
		}
	}
}

func testPractices(t *testing.T, s Store) {
	ctx := context.Background()
	baa := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	p := copd.Practice{PracticeID: "pr-1", Name: "Lung Clinic", Address: "1 Main St", BAASignedAt: &baa, CreatedAt: syncedAt}
	got, err := s.PutPractice(ctx, p)
	if err != nil {
		t.Fatalf("PutPractice: %v", err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("PutPractice (create) (-want +got):\n%s", diff)
	}
	again := copd.Practice{PracticeID: "pr-1", Name: "Another name", CreatedAt: syncedAt.Add(time.Hour)}
	if got, err = s.PutPractice(ctx, again); err != nil {
		t.Fatalf("PutPractice (exists): %v", err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("PutPractice (exists) returned (-want +got):\n%s", diff)
	}
	if got, err = s.GetPractice(ctx, "pr-1"); err != nil {
		t.Fatalf("GetPractice: %v", err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("GetPractice (-want +got):\n%s", diff)
	}
	bare := copd.Practice{PracticeID: "pr-2", Name: "No BAA yet", CreatedAt: syncedAt}
	if got, err = s.PutPractice(ctx, bare); err != nil {
		t.Fatalf("PutPractice: %v", err)
	}
	if diff := cmp.Diff(bare, got); diff != "" {
		t.Errorf("PutPractice (no BAA) (-want +got):\n%s", diff)
	}
	for _, id := range []string{"pr-unknown", "sub-1"} {
		if _, err := s.GetPractice(ctx, id); errs.KindOf(err) != errs.NotFound || err == nil {
			t.Errorf("GetPractice(%q): err %v, want kind %v", id, err, errs.NotFound)
		}
	}
}
