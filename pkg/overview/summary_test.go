package overview_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/overview"
)

// syncNow is the server's clock in the summary tests: its UTC date is
// 2026-03-10, so the horizon starts on 2026-02-28 and "recent" (7 days) on
// 2026-03-04.
var syncNow = time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)

const today = "2026-03-10"

// mustApply applies batches (one per sync) to an empty summary, round-tripping
// it through JSON between syncs as the store would.
func mustApply(t *testing.T, batches ...[]copd.Record) overview.Summary {
	t.Helper()
	var s overview.Summary
	for _, b := range batches {
		s = s.Apply(mustStored(t, b...), syncNow)
		js, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		s = overview.Summary{}
		if err := json.Unmarshal(js, &s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestSummaryFlags(t *testing.T) {
	low := oxygen("o1", "2026-03-08", "08:00", 85)
	rescue := med("r1", "2026-03-05", "Salbutamol", "exacerbation")
	w1 := weight("w1", "2026-03-03", "", 70, "kg", false)
	type batches = [][]copd.Record
	sync := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		batches batches
		want    overview.Flags
	}{
		{"nothing synced", nil, overview.Flags{}},
		{"quiet week", batches{{oxygen("o", "2026-03-09", "", 94), med("m", "2026-03-09", "Tiotropium", "daily"), w1, weight("w2", "2026-03-09", "", 71, "kg", false)}},
			// 71 - 70 = +1 kg: under 2.
			overview.Flags{LastSyncAt: &sync, LowestSpo2Percent: ptr64(94), WeightChangeKg: ptr64(1)}},
		{"low oxygen and rescue medication", batches{{low, rescue}},
			overview.Flags{LastSyncAt: &sync, LowOxygen: true, LowestSpo2Percent: ptr64(85), LastLowOxygenDate: "2026-03-08", RescueMedication: true, LastRescueMedicationDate: "2026-03-05"}},
		{"88 is not below 88", batches{{oxygen("o", "2026-03-09", "", 88)}},
			overview.Flags{LastSyncAt: &sync, LowestSpo2Percent: ptr64(88)}},
		// 2026-03-03 is 8 days before today: outside "the last 7 days" but
		// still known as the last low date.
		{"low reading 8 days ago", batches{{oxygen("o", "2026-03-03", "", 80)}},
			overview.Flags{LastSyncAt: &sync, LastLowOxygenDate: "2026-03-03"}},
		{"low reading 7 days ago counts", batches{{oxygen("o", "2026-03-04", "", 80)}},
			overview.Flags{LastSyncAt: &sync, LowOxygen: true, LowestSpo2Percent: ptr64(80), LastLowOxygenDate: "2026-03-04"}},
		{"patient's local date ahead of UTC", batches{{oxygen("o", "2026-03-11", "", 80)}},
			overview.Flags{LastSyncAt: &sync, LowOxygen: true, LowestSpo2Percent: ptr64(80), LastLowOxygenDate: "2026-03-11"}},
		{"deleting the only low reading clears the flag", batches{{low}, {deleted(low)}},
			overview.Flags{LastSyncAt: &sync}},
		{"a stale copy after the delete cannot bring it back", batches{{deleted(low)}, {low}},
			overview.Flags{LastSyncAt: &sync}},
		{"reading corrected to 95", batches{{low}, {edited(low, func(r *copd.Record) { r.Level = ptr(95.0) })}},
			overview.Flags{LastSyncAt: &sync, LowestSpo2Percent: ptr64(95)}},
		{"older copy after the correction is ignored", batches{{edited(low, func(r *copd.Record) { r.Level = ptr(95.0) })}, {low}},
			overview.Flags{LastSyncAt: &sync, LowestSpo2Percent: ptr64(95)}},
		{"low reading moved out of the week", batches{{low}, {edited(low, func(r *copd.Record) { r.Date = "2026-03-01" })}},
			overview.Flags{LastSyncAt: &sync, LastLowOxygenDate: "2026-03-01"}},
		{"low reading moved before the horizon is forgotten", batches{{low}, {edited(low, func(r *copd.Record) { r.Date = "2026-02-01" })}},
			overview.Flags{LastSyncAt: &sync}},
		{"rescue dose re-logged as daily", batches{{rescue}, {edited(rescue, func(r *copd.Record) { r.MedicationType = ptr("daily") })}},
			overview.Flags{LastSyncAt: &sync}},
		{"same sync applied twice", batches{{low, rescue}, {low, rescue}},
			overview.Flags{LastSyncAt: &sync, LowOxygen: true, LowestSpo2Percent: ptr64(85), LastLowOxygenDate: "2026-03-08", RescueMedication: true, LastRescueMedicationDate: "2026-03-05"}},
		// 150 lb = 68.0388555 kg; 70.5 - 68.0388555 = 2.4611445 -> 2.46 > 2.
		{"weight gain over 2 kg, lb and kg", batches{{weight("a", "2026-03-04", "", 150, "lb", false)}, {weight("b", "2026-03-09", "", 70.5, "kg", false)}},
			overview.Flags{LastSyncAt: &sync, WeightChange: true, WeightChangeKg: ptr64(2.46)}},
		// A loss counts too: 72 -> 69.9 is -2.1.
		{"weight loss over 2 kg", batches{{weight("a", "2026-03-05", "", 72, "kg", false), weight("b", "2026-03-06", "", 69.9, "kg", false)}},
			overview.Flags{LastSyncAt: &sync, WeightChange: true, WeightChangeKg: ptr64(-2.1)}},
		// Exactly 2 kg is not over 2 kg.
		{"weight change of exactly 2 kg", batches{{weight("a", "2026-03-05", "", 72, "kg", false), weight("b", "2026-03-06", "", 70, "kg", false)}},
			overview.Flags{LastSyncAt: &sync, WeightChangeKg: ptr64(-2)}},
		// 03-02 is 8 days before today: more than a week from anything.
		{"weights more than a week apart", batches{{weight("a", "2026-03-02", "", 75, "kg", false), weight("b", "2026-03-09", "", 70, "kg", false)}},
			overview.Flags{LastSyncAt: &sync}},
		// 03-03 and 03-10 are exactly 7 days apart.
		{"weights exactly a week apart", batches{{weight("a", "2026-03-03", "", 75, "kg", false), weight("b", "2026-03-10", "", 70, "kg", false)}},
			overview.Flags{LastSyncAt: &sync, WeightChange: true, WeightChangeKg: ptr64(-5)}},
		{"deleted weight no longer counts", batches{{weight("a", "2026-03-05", "", 75, "kg", false), weight("b", "2026-03-09", "", 70, "kg", false)}, {deleted(weight("a", "2026-03-05", "", 75, "kg", false))}},
			overview.Flags{LastSyncAt: &sync}},
		{"goal weights are not readings", batches{{weight("g", "2026-03-05", "", 60, "kg", true), weight("b", "2026-03-09", "", 70, "kg", false)}},
			overview.Flags{LastSyncAt: &sync}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustApply(t, tt.batches...)
			got := s.Flags(today, overview.Options{})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Flags (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSummaryFlags_Options(t *testing.T) {
	s := mustApply(t, []copd.Record{
		oxygen("o", "2026-03-09", "", 90),
		weight("a", "2026-03-05", "", 71, "kg", false),
		weight("b", "2026-03-09", "", 70, "kg", false),
	})
	got := s.Flags(today, overview.Options{LowOxygenPercent: 91, WeightChangeKg: 0.5})
	if !got.LowOxygen || !got.WeightChange {
		t.Errorf("with threshold 91 %% and 0.5 kg: %+v, want both flags", got)
	}
	if got := s.Flags("not a date", overview.Options{}); got.LowOxygen || got.LastSyncAt == nil {
		t.Errorf("malformed today: %+v, want only lastSyncAt", got)
	}
}

func TestSummaryApply_Goal(t *testing.T) {
	g1 := weight("g1", "2026-01-01", "", 70, "kg", true)
	g2 := weight("g2", "2026-02-01", "", 150, "lb", true)
	tests := []struct {
		name    string
		batches [][]copd.Record
		want    *overview.WeightReading
	}{
		// Goals are kept whatever their date: they are not horizon facts.
		{"one goal", [][]copd.Record{{g1}}, &overview.WeightReading{Date: "2026-01-01", Value: 70, Unit: "kg", WeightKg: 70}},
		{"later goal wins", [][]copd.Record{{g1}, {g2}}, &overview.WeightReading{Date: "2026-02-01", Value: 150, Unit: "lb", WeightKg: 68.04}},
		{"later goal wins, out of order", [][]copd.Record{{g2}, {g1}}, &overview.WeightReading{Date: "2026-02-01", Value: 150, Unit: "lb", WeightKg: 68.04}},
		{"goal edited", [][]copd.Record{{g1}, {edited(g1, func(r *copd.Record) { r.Weight = ptr(68.0) })}}, &overview.WeightReading{Date: "2026-01-01", Value: 68, Unit: "kg", WeightKg: 68}},
		{"goal deleted: unknown until the next one", [][]copd.Record{{g1}, {deleted(g1)}}, nil},
		{"goal no longer a goal", [][]copd.Record{{g1}, {edited(g1, func(r *copd.Record) { r.IsGoal = ptr(false) })}}, nil},
		{"stale copy of the goal ignored", [][]copd.Record{{edited(g1, func(r *copd.Record) { r.Weight = ptr(68.0) })}, {g1}}, &overview.WeightReading{Date: "2026-01-01", Value: 68, Unit: "kg", WeightKg: 68}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustApply(t, tt.batches...)
			var got *overview.WeightReading
			if s.Goal != nil {
				got = &s.Goal.Weight
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("goal (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSummaryApply_Bounded(t *testing.T) {
	// 100 readings a day for 30 days: the summary keeps only the horizon and
	// at most MaxFactsPerType oxygen facts, the newest.
	var recs []copd.Record
	for d := range 30 {
		date := time.Date(2026, 2, 9+d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		for i := range 100 {
			recs = append(recs, oxygen(date+"-"+string(rune('a'+i%26))+string(rune('a'+i/26)), date, "", 80))
		}
	}
	s := mustApply(t, recs)
	if len(s.Facts) != overview.MaxFactsPerType {
		t.Errorf("%d facts, want %d", len(s.Facts), overview.MaxFactsPerType)
	}
	for _, f := range s.Facts {
		if f.Date < "2026-03-10" {
			// 100 a day: the newest 64 are all dated 2026-03-10.
			t.Fatalf("kept a fact of %s", f.Date)
		}
	}
	if s.LastSyncAt != syncNow {
		t.Errorf("lastSyncAt = %v, want %v", s.LastSyncAt, syncNow)
	}
	// An older sync time never moves LastSyncAt back.
	if got := s.Apply(nil, syncNow.Add(-time.Hour)).LastSyncAt; got != syncNow {
		t.Errorf("lastSyncAt after an older Apply = %v", got)
	}
}
