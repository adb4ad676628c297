package seed

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/copd"
)

func TestRecords(t *testing.T) {
	now := time.Date(2026, 12, 3, 16, 0, 0, 0, time.UTC) // 11:00 in PatientZone
	recs := Records(now, 90)
	t.Run("every record is valid and unique", func(t *testing.T) {
		seen := map[copd.RecordKey]bool{}
		for _, r := range recs {
			if err := r.Validate(now); err != nil {
				t.Errorf("%s %s: %v", r.Type, r.ID, err)
			}
			if seen[r.Key()] {
				t.Errorf("duplicate key %v", r.Key())
			}
			seen[r.Key()] = true
		}
	})
	t.Run("deterministic", func(t *testing.T) {
		if diff := cmp.Diff(recs, Records(now, 90)); diff != "" {
			t.Errorf("second run differs (-first +second):\n%s", diff)
		}
	})
	t.Run("a later run only adds records", func(t *testing.T) {
		later := map[copd.RecordKey]copd.Record{}
		for _, r := range Records(now.AddDate(0, 0, 1), 91) {
			later[r.Key()] = r
		}
		for _, r := range recs {
			if diff := cmp.Diff(r, later[r.Key()]); diff != "" {
				t.Fatalf("%v changed (-before +after):\n%s", r.Key(), diff)
			}
		}
	})
	t.Run("realistic mix", func(t *testing.T) {
		byType := map[copd.RecordType]int{}
		var oxygen, low, inRange, rescue int
		first, last := recs[1].Date, recs[1].Date
		for _, r := range recs[1:] { // recs[0] is the goal weight
			byType[r.Type]++
			first, last = min(first, r.Date), max(last, r.Date)
			if r.Type == copd.TypeOxygen {
				oxygen++
				switch l := *r.Level; {
				case l < 88:
					low++
				case l >= 90 && l <= 96:
					inRange++
				}
			}
			if r.Type == copd.TypeMedication && *r.MedicationType == "exacerbation" {
				rescue++
			}
			if t0, _ := time.ParseInLocation("2006-01-02 15:04", r.Date+" "+r.Time, PatientZone); t0.After(now) {
				t.Errorf("%s %s is after now", r.Type, r.ID)
			}
		}
		if recs[0].ID != "seed-weight-goal" {
			t.Fatalf("first record %s, want the goal weight", recs[0].ID)
		}
		for _, ty := range copd.RecordTypes {
			if byType[ty] < 60 {
				t.Errorf("%d %s records, want at least 60 over 90 days", byType[ty], ty)
			}
		}
		if first != "2026-09-05" || last != "2026-12-03" {
			t.Errorf("dates %s..%s, want 2026-09-05..2026-12-03", first, last)
		}
		if low < 3 || float64(inRange) < 0.8*float64(oxygen) {
			t.Errorf("oxygen: %d below 88, %d of %d within 90-96", low, inRange, oxygen)
		}
		if rescue < 8 {
			t.Errorf("%d rescue doses, want the exacerbations to show", rescue)
		}
	})
}
