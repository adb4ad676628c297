package overview_test

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/overview"
)

func ptr64(v float64) *float64 { return &v }

func mustCompute(t *testing.T, in overview.Input, opts overview.Options) overview.Overview {
	t.Helper()
	ov, err := overview.Compute(in, opts)
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	if _, err := json.Marshal(ov); err != nil {
		t.Fatalf("the overview is not JSON-safe: %v", err)
	}
	return ov
}

// TestCompute_HandComputed computes the overview of an 8-day window
// (Tue 2024-02-27 .. Tue 2024-03-05, across the leap day and two ISO weeks)
// whose every number was worked out by hand in the comments.
func TestCompute_HandComputed(t *testing.T) {
	w6 := weight("w6", "2024-03-01", "07:00", 80, "kg", false)
	recs := mustStored(t,
		// Weights (non-goal), in time order: 70 kg; 154 lb = 154 x 0.45359237
		// = 69.85322498 kg -> 69.85; on 03-05 the untimed 71 kg comes before
		// the 07:00 69 kg. Latest 69 kg; change 69 - 70 = -1.00; goal 65 kg,
		// so toGoal = 65 - 69 = -4.00. Four readings.
		weight("w1", "2024-02-27", "07:00", 70, "kg", false),
		weight("w2", "2024-02-29", "07:00", 154, "lb", false),
		weight("w3", "2024-03-05", "07:00", 69, "kg", false),
		weight("w4", "2024-03-05", "", 71, "kg", false),
		weight("g1", "2024-02-28", "", 65, "kg", true),
		deleted(weight("w5", "2024-03-04", "07:00", 90, "kg", false)),
		// w6 was edited from 03-01 to 03-10 (outside the window): the store
		// handed back a stale copy too; neither may count.
		w6,
		edited(w6, func(r *copd.Record) { r.Date = "2024-03-10" }),

		// Oxygen: 92, 86, 87, 88, 95 -> 5 readings, sum 448, mean 89.6, min
		// 86; below 88 (strictly): 86 and 87 -> 2; days 02-27, 02-29, 03-02,
		// 03-05 -> 4; latest 03-05 09:00 95. Day 02-27: min 86, mean 89.0.
		oxygen("o1", "2024-02-27", "08:00", 92),
		oxygen("o2", "2024-02-27", "20:00", 86),
		oxygen("o3", "2024-02-29", "08:00", 87),
		oxygen("o4", "2024-03-02", "08:00", 88),
		oxygen("o5", "2024-03-05", "09:00", 95),
		deleted(oxygen("o6", "2024-03-03", "08:00", 60)),

		// Daily: Tiotropium 02-27, 02-28 x2, " tiotropium " 03-01 -> 4
		// doses on 3 days; Budesonide 03-01 -> 1 dose, 1 day.
		med("m1", "2024-02-27", "Tiotropium", "daily"),
		med("m2", "2024-02-28", "Tiotropium", "daily"),
		med("m3", "2024-02-28", "Tiotropium", "daily"),
		med("m4", "2024-03-01", " tiotropium ", "daily"),
		med("m5", "2024-03-01", "Budesonide", "daily"),
		// Rescue: Salbutamol 02-29 x2 and 03-02, Prednisolone 03-02 -> 4
		// doses on 2 dates; Salbutamol 3 doses on 2 days, Prednisolone 1/1.
		med("r1", "2024-02-29", "Salbutamol", "exacerbation"),
		med("r2", "2024-02-29", "Salbutamol", "exacerbation"),
		med("r3", "2024-03-02", "Salbutamol", "exacerbation"),
		med("r4", "2024-03-02", "Prednisolone", "exacerbation"),

		// Exercise: 02-27 20 + 15.5 = 35.5; Sun 03-03 30; Mon 03-04 25.
		// 2024-W09 (Mon 02-26 .. Sun 03-03, 6 days in the window): 65.5 min
		// on 2 days; 2024-W10 (from Mon 03-04, 2 days in window): 25 on 1.
		// Total 90.5.
		exercise("e1", "2024-02-27", 20),
		exercise("e2", "2024-02-27", 15.5),
		exercise("e3", "2024-03-03", 30),
		exercise("e4", "2024-03-04", 25),

		// Water: 02-27 500 ml + 2 cups (2 x 236.588 = 473.176) = 973.176 ->
		// 973; 02-29 8 oz = 8 x 29.5735 = 236.588 -> 237. Total 1209.764 ->
		// 1210; per day with entry 604.882 -> 605; per day 1209.764 / 8 =
		// 151.2205 -> 151.
		water("h1", "2024-02-27", 500, "ml"),
		water("h2", "2024-02-27", 2, "cup"),
		water("h3", "2024-02-29", 8, "oz"),

		// Food: 2 entries on 02-27, 1 on 03-05 -> 3 entries on 2 days;
		// 3 / 8 = 0.375 -> 0.38 per day. The tombstone on 03-01 is not one.
		food("f1", "2024-02-27", "breakfast"),
		food("f2", "2024-02-27", "lunch"),
		food("f3", "2024-03-05", "dinner"),
		deleted(food("f4", "2024-03-01", "snack")),
	)
	lastSync := time.Date(2024, 3, 5, 12, 0, 0, 0, time.FixedZone("EST", -5*3600))
	got := mustCompute(t, overview.Input{Records: recs, From: "2024-02-27", To: "2024-03-05", LastSyncAt: lastSync}, overview.Options{})

	syncUTC := time.Date(2024, 3, 5, 17, 0, 0, 0, time.UTC)
	want := overview.Overview{
		Window:     overview.Window{From: "2024-02-27", To: "2024-03-05", Days: 8},
		LastSyncAt: &syncUTC,
		Weight: overview.WeightSummary{
			Latest:       &overview.WeightReading{Date: "2024-03-05", Time: "07:00", Value: 69, Unit: "kg", WeightKg: 69},
			ChangeKg:     ptr64(-1),
			Goal:         &overview.WeightReading{Date: "2024-02-28", Value: 65, Unit: "kg", WeightKg: 65},
			ToGoalKg:     ptr64(-4),
			ReadingCount: 4,
		},
		Oxygen: overview.OxygenSummary{
			Latest:              &overview.OxygenReading{Date: "2024-03-05", Time: "09:00", Spo2Percent: 95},
			MeanPercent:         ptr64(89.6),
			MinPercent:          ptr64(86),
			ThresholdPercent:    88,
			BelowThresholdCount: 2,
			ReadingCount:        5,
			DaysWithReading:     4,
		},
		Medications: overview.MedicationSummary{
			Daily: []overview.MedicationUse{
				{Name: "Budesonide", Doses: 1, DaysTaken: 1},
				{Name: "Tiotropium", Doses: 4, DaysTaken: 3},
			},
			Exacerbation: overview.ExacerbationUse{
				Doses: 4, DaysWithUse: 2, Dates: []string{"2024-02-29", "2024-03-02"},
				Medications: []overview.MedicationUse{
					{Name: "Prednisolone", Doses: 1, DaysTaken: 1},
					{Name: "Salbutamol", Doses: 3, DaysTaken: 2},
				},
			},
		},
		Exercise: overview.ExerciseSummary{
			TotalMinutes: 90.5,
			Weeks: []overview.ExerciseWeek{
				{Week: "2024-W09", WeekStart: "2024-02-26", Minutes: 65.5, DaysWithExercise: 2, DaysInWindow: 6},
				{Week: "2024-W10", WeekStart: "2024-03-04", Minutes: 25, DaysWithExercise: 1, DaysInWindow: 2},
			},
		},
		Water: overview.WaterSummary{TotalMl: 1210, MeanMlPerDay: 151, MeanMlPerDayWithEntry: ptr64(605), DaysWithEntry: 2},
		Food:  overview.FoodSummary{Entries: 3, MeanEntriesPerDay: 0.38, DaysWithEntry: 2},
		Daily: []overview.Day{
			{Date: "2024-02-27", WeightKg: ptr64(70), Spo2MinPercent: ptr64(86), Spo2MeanPercent: ptr64(89), ExerciseMinutes: ptr64(35.5), WaterMl: ptr64(973), FoodEntries: 2, DailyMedicationDoses: 1},
			{Date: "2024-02-28", DailyMedicationDoses: 2},
			{Date: "2024-02-29", WeightKg: ptr64(69.85), Spo2MinPercent: ptr64(87), Spo2MeanPercent: ptr64(87), WaterMl: ptr64(237), RescueMedicationDoses: 2},
			{Date: "2024-03-01", DailyMedicationDoses: 2},
			{Date: "2024-03-02", Spo2MinPercent: ptr64(88), Spo2MeanPercent: ptr64(88), RescueMedicationDoses: 2},
			{Date: "2024-03-03", ExerciseMinutes: ptr64(30)},
			{Date: "2024-03-04", ExerciseMinutes: ptr64(25)},
			{Date: "2024-03-05", WeightKg: ptr64(69), Spo2MinPercent: ptr64(95), Spo2MeanPercent: ptr64(95), FoodEntries: 1},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Compute (-want +got):\n%s", diff)
	}

	// The store's order (date, type, id) and a shuffled order give the same.
	rev := make([]copd.StoredRecord, len(recs))
	for i, r := range recs {
		rev[len(recs)-1-i] = r
	}
	got2 := mustCompute(t, overview.Input{Records: rev, From: "2024-02-27", To: "2024-03-05", LastSyncAt: lastSync}, overview.Options{})
	if diff := cmp.Diff(got, got2); diff != "" {
		t.Errorf("Compute depends on input order (-sorted +reversed):\n%s", diff)
	}
}

// emptyJSON is the whole overview of a one-day window with nothing in it: the
// wire shape clients see, with nulls and zeros and [] (never NaN, never a
// missing key).
const emptyJSON = `{"window":{"from":"2026-12-03","to":"2026-12-03","days":1},"lastSyncAt":null,` +
	`"weight":{"latest":null,"changeKg":null,"goal":null,"toGoalKg":null,"readingCount":0},` +
	`"oxygen":{"latest":null,"meanPercent":null,"minPercent":null,"thresholdPercent":88,"belowThresholdCount":0,"readingCount":0,"daysWithReading":0},` +
	`"medications":{"daily":[],"exacerbation":{"doses":0,"daysWithUse":0,"dates":[],"medications":[]}},` +
	`"exercise":{"totalMinutes":0,"weeks":[{"week":"2026-W49","weekStart":"2026-11-30","minutes":0,"daysWithExercise":0,"daysInWindow":1}]},` +
	`"water":{"totalMl":0,"meanMlPerDay":0,"meanMlPerDayWithEntry":null,"daysWithEntry":0},` +
	`"food":{"entries":0,"meanEntriesPerDay":0,"daysWithEntry":0},` +
	`"daily":[{"date":"2026-12-03","weightKg":null,"spo2MinPercent":null,"spo2MeanPercent":null,"exerciseMinutes":null,"waterMl":null,"foodEntries":0,"dailyMedicationDoses":0,"rescueMedicationDoses":0}]}`

func TestCompute_Empty(t *testing.T) {
	tests := []struct {
		name string
		recs []copd.Record
	}{
		{"no records", nil},
		{"only tombstones", []copd.Record{
			deleted(weight("w", "2026-12-03", "", 70, "kg", false)),
			deleted(oxygen("o", "2026-12-03", "", 80)),
			deleted(med("m", "2026-12-03", "Salbutamol", "exacerbation")),
			deleted(exercise("e", "2026-12-03", 30)),
			deleted(water("h", "2026-12-03", 1, "cup")),
			deleted(food("f", "2026-12-03", "lunch")),
		}},
		{"only records outside the window", []copd.Record{
			oxygen("before", "2026-12-02", "23:59", 80),
			oxygen("after", "2026-12-04", "00:00", 80),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ov := mustCompute(t, overview.Input{Records: mustStored(t, tt.recs...), From: "2026-12-03", To: "2026-12-03"}, overview.Options{})
			b, err := json.Marshal(ov)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(emptyJSON, string(b)); diff != "" {
				t.Errorf("JSON (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCompute_EditedRecord(t *testing.T) {
	low := oxygen("o1", "2026-03-02", "08:00", 85)
	tests := []struct {
		name     string
		recs     []copd.Record
		wantDays []string // dates with an SpO2 reading
		wantLow  int
	}{
		// The phone moved the reading from 03-02 to 03-04; a stale copy under
		// the old date must not count twice, in either input order.
		{"moved within the window", []copd.Record{low, edited(low, func(r *copd.Record) { r.Date = "2026-03-04" })}, []string{"2026-03-04"}, 1},
		{"moved, newer first", []copd.Record{edited(low, func(r *copd.Record) { r.Date = "2026-03-04" }), low}, []string{"2026-03-04"}, 1},
		{"value corrected", []copd.Record{low, edited(low, func(r *copd.Record) { r.Level = ptr(95.0) })}, []string{"2026-03-02"}, 0},
		{"deleted after", []copd.Record{low, deleted(low)}, nil, 0},
		// The same version twice (a replayed page) counts once.
		{"duplicate", []copd.Record{low, low}, []string{"2026-03-02"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ov := mustCompute(t, overview.Input{Records: mustStored(t, tt.recs...), From: "2026-03-01", To: "2026-03-05"}, overview.Options{})
			var days []string
			for _, d := range ov.Daily {
				if d.Spo2MinPercent != nil {
					days = append(days, d.Date)
				}
			}
			if diff := cmp.Diff(tt.wantDays, days); diff != "" {
				t.Errorf("days with SpO2 (-want +got):\n%s", diff)
			}
			if ov.Oxygen.BelowThresholdCount != tt.wantLow || ov.Oxygen.ReadingCount != len(tt.wantDays) {
				t.Errorf("below = %d, readings = %d; want %d, %d", ov.Oxygen.BelowThresholdCount, ov.Oxygen.ReadingCount, tt.wantLow, len(tt.wantDays))
			}
		})
	}
}

func TestCompute_WeightUnits(t *testing.T) {
	tests := []struct {
		name       string
		recs       []copd.Record
		wantLatest float64
		wantChange *float64
	}{
		// 200 lb = 90.718474 kg -> 90.72; 88 kg - 90.718474 = -2.718474 -> -2.72.
		{"lb then kg", []copd.Record{weight("a", "2026-01-01", "", 200, "lb", false), weight("b", "2026-01-02", "", 88, "kg", false)}, 88, ptr64(-2.72)},
		// 90 kg then 200 lb: +0.718474 -> 0.72.
		{"kg then lb", []copd.Record{weight("a", "2026-01-01", "", 90, "kg", false), weight("b", "2026-01-02", "", 200, "lb", false)}, 90.72, ptr64(0.72)},
		{"one reading has no change", []copd.Record{weight("a", "2026-01-01", "", 150, "lb", false)}, 68.04, nil},
		// Goal records are not readings.
		{"goal only in lb", []copd.Record{weight("g", "2026-01-01", "", 150, "lb", true), weight("a", "2026-01-02", "", 70, "kg", false)}, 70, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ov := mustCompute(t, overview.Input{Records: mustStored(t, tt.recs...), From: "2026-01-01", To: "2026-01-07"}, overview.Options{})
			if ov.Weight.Latest == nil || ov.Weight.Latest.WeightKg != tt.wantLatest {
				t.Errorf("latest = %+v, want %v kg", ov.Weight.Latest, tt.wantLatest)
			}
			if diff := cmp.Diff(tt.wantChange, ov.Weight.ChangeKg); diff != "" {
				t.Errorf("changeKg (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("goal from the summary when none in the window", func(t *testing.T) {
		g := &overview.WeightReading{Date: "2025-06-02", Value: 154, Unit: "lb", WeightKg: 69.85}
		ov := mustCompute(t, overview.Input{Records: mustStored(t, weight("a", "2026-01-02", "", 70, "kg", false)), From: "2026-01-01", To: "2026-01-07", Goal: g}, overview.Options{})
		// toGoal = 69.85 - 70 = -0.15.
		if diff := cmp.Diff(g, ov.Weight.Goal); diff != "" || ov.Weight.ToGoalKg == nil || *ov.Weight.ToGoalKg != -0.15 {
			t.Errorf("goal (-want +got):\n%s; toGoalKg = %v", diff, ov.Weight.ToGoalKg)
		}
	})
}

func TestCompute_Boundaries(t *testing.T) {
	recs := mustStored(t,
		exercise("before", "2026-02-28", 10),
		exercise("first", "2026-03-01", 20),
		exercise("last", "2026-03-31", 40),
		exercise("after", "2026-04-01", 80),
	)
	ov := mustCompute(t, overview.Input{Records: recs, From: "2026-03-01", To: "2026-03-31"}, overview.Options{})
	// Only the two days on the bounds count: 20 + 40 = 60.
	if ov.Window.Days != 31 || len(ov.Daily) != 31 || ov.Exercise.TotalMinutes != 60 {
		t.Errorf("days = %d, series = %d, minutes = %v; want 31, 31, 60", ov.Window.Days, len(ov.Daily), ov.Exercise.TotalMinutes)
	}
	if ov.Daily[0].Date != "2026-03-01" || ov.Daily[30].Date != "2026-03-31" {
		t.Errorf("series runs %s..%s, want 2026-03-01..2026-03-31", ov.Daily[0].Date, ov.Daily[30].Date)
	}
}

func TestCompute_Calendar(t *testing.T) {
	tests := []struct {
		name      string
		from, to  string
		wantDates []string
		wantWeeks []overview.ExerciseWeek
	}{
		// 2026 starts on a Thursday, so it has 53 ISO weeks: Mon 2026-12-28 to
		// Sun 2027-01-03 is 2026-W53; Mon 2027-01-04 starts 2027-W01.
		{"ISO weeks across a year end", "2026-12-30", "2027-01-05",
			[]string{"2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04", "2027-01-05"},
			[]overview.ExerciseWeek{
				{Week: "2026-W53", WeekStart: "2026-12-28", Minutes: 30, DaysWithExercise: 1, DaysInWindow: 5},
				{Week: "2027-W01", WeekStart: "2027-01-04", Minutes: 30, DaysWithExercise: 1, DaysInWindow: 2},
			}},
		// 2024-12-30 (Mon) is already 2025-W01.
		{"a December day in next year's week 1", "2024-12-29", "2024-12-31",
			[]string{"2024-12-29", "2024-12-30", "2024-12-31"},
			[]overview.ExerciseWeek{
				{Week: "2024-W52", WeekStart: "2024-12-23", Minutes: 30, DaysWithExercise: 1, DaysInWindow: 1},
				{Week: "2025-W01", WeekStart: "2024-12-30", Minutes: 30, DaysWithExercise: 1, DaysInWindow: 2},
			}},
		{"leap day", "2024-02-28", "2024-03-01",
			[]string{"2024-02-28", "2024-02-29", "2024-03-01"},
			[]overview.ExerciseWeek{{Week: "2024-W09", WeekStart: "2024-02-26", Minutes: 30, DaysWithExercise: 1, DaysInWindow: 3}}},
		// US clocks spring forward on 2026-03-08 and fall back on 2026-11-01;
		// local dates are calendar days, so neither adds or drops a day.
		{"DST start (US)", "2026-03-07", "2026-03-09",
			[]string{"2026-03-07", "2026-03-08", "2026-03-09"},
			[]overview.ExerciseWeek{
				{Week: "2026-W10", WeekStart: "2026-03-02", Minutes: 30, DaysWithExercise: 1, DaysInWindow: 2},
				{Week: "2026-W11", WeekStart: "2026-03-09", Minutes: 0, DaysWithExercise: 0, DaysInWindow: 1},
			}},
		{"DST end (US)", "2026-10-31", "2026-11-02",
			[]string{"2026-10-31", "2026-11-01", "2026-11-02"},
			[]overview.ExerciseWeek{
				{Week: "2026-W44", WeekStart: "2026-10-26", Minutes: 30, DaysWithExercise: 1, DaysInWindow: 2},
				{Week: "2026-W45", WeekStart: "2026-11-02", Minutes: 0, DaysWithExercise: 0, DaysInWindow: 1},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// 30 minutes on the first day and on the last day of the window
			// (or the same day, for the one-week cases).
			var recs []copd.Record
			for _, w := range tt.wantWeeks {
				if w.DaysWithExercise == 0 {
					continue
				}
				d := max(w.WeekStart, tt.from)
				recs = append(recs, exercise("e"+d, d, 30))
			}
			// The DST cases log with both offsets; they must not matter.
			for i := range recs {
				recs[i].UpdatedAt = recs[i].Date + "T01:30:00-04:00"
			}
			ov := mustCompute(t, overview.Input{Records: mustStored(t, recs...), From: tt.from, To: tt.to}, overview.Options{})
			var dates []string
			for _, d := range ov.Daily {
				dates = append(dates, d.Date)
			}
			if diff := cmp.Diff(tt.wantDates, dates); diff != "" {
				t.Errorf("dates (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantWeeks, ov.Exercise.Weeks); diff != "" {
				t.Errorf("weeks (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCompute_Threshold(t *testing.T) {
	recs := mustStored(t, oxygen("a", "2026-01-01", "", 88), oxygen("b", "2026-01-01", "", 90), oxygen("c", "2026-01-02", "", 91))
	tests := []struct {
		threshold float64
		want      int
	}{
		{0, 0},  // default 88: 88 is not below it
		{89, 1}, // 88
		{91, 2}, // 88, 90
		{92, 3},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("threshold %v", tt.threshold), func(t *testing.T) {
			ov := mustCompute(t, overview.Input{Records: recs, From: "2026-01-01", To: "2026-01-02"}, overview.Options{LowOxygenPercent: tt.threshold})
			if ov.Oxygen.BelowThresholdCount != tt.want {
				t.Errorf("below %v: %d, want %d", tt.threshold, ov.Oxygen.BelowThresholdCount, tt.want)
			}
		})
	}
}

func TestCompute_InvalidWindow(t *testing.T) {
	tests := []struct{ name, from, to string }{
		{"from after to", "2026-01-02", "2026-01-01"},
		{"not a date", "2026-1-1", "2026-01-02"},
		{"not a calendar date", "2026-02-29", "2026-03-01"},
		{"empty", "", ""},
		{"367 days", "2025-01-01", "2026-01-02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := overview.Compute(overview.Input{From: tt.from, To: tt.to}, overview.Options{})
			if errs.KindOf(err) != errs.Invalid {
				t.Errorf("Compute(%q, %q) error = %v, want kind invalid", tt.from, tt.to, err)
			}
		})
	}
	if _, err := overview.Compute(overview.Input{From: "2024-01-01", To: "2024-12-31"}, overview.Options{}); err != nil {
		t.Errorf("a leap year's 366 days: %v", err)
	}
}

// TestCompute_JSONSafe feeds extreme but valid values and checks that every
// number in the result is finite (json.Marshal fails on NaN and Inf).
func TestCompute_JSONSafe(t *testing.T) {
	var recs []copd.Record
	for i, d := range []string{"2026-01-01", "2026-01-02", "2026-01-03"} {
		recs = append(recs,
			weight("w"+d, d, "", []float64{500, 0.001, 1100}[i], []string{"kg", "kg", "lb"}[i], false),
			oxygen("o"+d, d, "", []float64{50, 100, 73}[i]),
			water("h"+d, d, []float64{10000, 0.0001, 42}[i], []string{"ml", "ml", "cup"}[i]),
			exercise("e"+d, d, []float64{1440, 0.01, 1}[i]),
		)
	}
	ov := mustCompute(t, overview.Input{Records: mustStored(t, recs...), From: "2025-12-01", To: "2026-01-03"}, overview.Options{})
	b, _ := json.Marshal(ov)
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("non-finite number %v", v)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
}
