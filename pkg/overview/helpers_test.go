package overview_test

import (
	"testing"
	"time"

	"github.com/copdfuel/backend/pkg/copd"
)

// validateAt is the clock test records are validated against: after every
// date the tests use.
var validateAt = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func envelope(id string, typ copd.RecordType, date, tm string) copd.Record {
	return copd.Record{ID: id, Type: typ, Date: date, Time: tm, UpdatedAt: date + "T23:00:00Z"}
}

func weight(id, date, tm string, v float64, unit string, goal bool) copd.Record {
	r := envelope(id, copd.TypeWeight, date, tm)
	r.Weight, r.Unit, r.IsGoal = ptr(v), ptr(unit), ptr(goal)
	return r
}

func oxygen(id, date, tm string, level float64) copd.Record {
	r := envelope(id, copd.TypeOxygen, date, tm)
	r.Level = ptr(level)
	return r
}

func med(id, date, name, medType string) copd.Record {
	r := envelope(id, copd.TypeMedication, date, "")
	r.Name, r.Dosage, r.MedicationType = ptr(name), ptr("2 puffs"), ptr(medType)
	return r
}

func exercise(id, date string, minutes float64) copd.Record {
	r := envelope(id, copd.TypeExercise, date, "")
	r.ExerciseType, r.Minutes = ptr("walking"), ptr(minutes)
	return r
}

func water(id, date string, amount float64, unit string) copd.Record {
	r := envelope(id, copd.TypeWater, date, "")
	r.Amount, r.Unit = ptr(amount), ptr(unit)
	return r
}

func food(id, date, meal string) copd.Record {
	r := envelope(id, copd.TypeFood, date, "")
	r.Meal, r.Category = ptr(meal), ptr("protein")
	return r
}

// deleted returns r's tombstone, written later than r.
func deleted(r copd.Record) copd.Record {
	r.Deleted = true
	r.UpdatedAt = later(r.UpdatedAt)
	return r.Normalized()
}

// edited returns r with change applied and a later updatedAt.
func edited(r copd.Record, change func(*copd.Record)) copd.Record {
	change(&r)
	r.UpdatedAt = later(r.UpdatedAt)
	return r
}

func later(updatedAt string) string {
	t, err := time.Parse(time.RFC3339, updatedAt)
	if err != nil {
		panic(err)
	}
	return t.Add(time.Hour).Format(time.RFC3339)
}

// mustStored validates records and turns them into stored records with
// their versions, as the store returns them.
func mustStored(t *testing.T, recs ...copd.Record) []copd.StoredRecord {
	t.Helper()
	out := make([]copd.StoredRecord, 0, len(recs))
	for _, r := range recs {
		if err := r.Validate(validateAt); err != nil {
			t.Fatalf("test record %s/%s is invalid: %v", r.Type, r.ID, err)
		}
		n := r.Normalized()
		out = append(out, copd.StoredRecord{Record: n, Version: n.Version(), SyncedAt: validateAt})
	}
	return out
}
