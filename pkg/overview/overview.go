// Package overview computes what a doctor sees of one patient: the COPD
// summary of a window of days (GET /patients/{id}/overview, DESIGN.md section
// 5) and the flags of the patient list (GET /patients), which are kept up to
// date at sync time from a small per-patient Summary.
//
// Everything here is pure: no AWS, no I/O, no clock. The route handlers read
// the records and the summary from the store, check the link, write the
// audit record and call this package. Dates are the patient's local calendar
// dates (YYYY-MM-DD) as the apps send them, and all arithmetic on them is on
// calendar days, so time zones and daylight-saving changes cannot shift a
// record to another day.
package overview

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
)

// MaxDays is the longest overview window, in days.
const MaxDays = 366

// KgPerLb converts pounds to kilograms (the international avoirdupois pound).
const KgPerLb = 0.45359237

// Options are the clinical thresholds of the overview and of the list flags.
// The zero value means the defaults; see DefaultOptions.
type Options struct {
	// LowOxygenPercent: an SpO2 reading strictly below it counts as low.
	LowOxygenPercent float64
	// WeightChangeKg: the list flags a weight change of more than this many
	// kilograms (gain or loss) within WeightChangeDays.
	WeightChangeKg float64
	// WeightChangeDays is the span, in days, of the weight-change flag: two
	// readings at most this many days apart are compared.
	WeightChangeDays int
	// RecentDays is how far back the oxygen and rescue-medication flags look:
	// today and the RecentDays-1 days before it.
	RecentDays int
}

// DefaultOptions are the thresholds of issue 4: SpO2 below 88 %, a weight
// change over 2 kg in 7 days, and the last 7 days for the list flags.
var DefaultOptions = Options{LowOxygenPercent: 88, WeightChangeKg: 2, WeightChangeDays: 7, RecentDays: 7}

// withDefaults fills in the zero fields of o from DefaultOptions.
func (o Options) withDefaults() Options {
	if o.LowOxygenPercent <= 0 {
		o.LowOxygenPercent = DefaultOptions.LowOxygenPercent
	}
	if o.WeightChangeKg <= 0 {
		o.WeightChangeKg = DefaultOptions.WeightChangeKg
	}
	if o.WeightChangeDays <= 0 {
		o.WeightChangeDays = DefaultOptions.WeightChangeDays
	}
	if o.RecentDays <= 0 {
		o.RecentDays = DefaultOptions.RecentDays
	}
	return o
}

// Input is what Compute needs: the records of the window, the window itself,
// and what the per-patient Summary knows.
type Input struct {
	// Records are the patient's records as RecordStore.RecordsByDate returns
	// them for From..To: tombstones included, in any order. Tombstones and
	// records dated outside the window never count; if one key appears more
	// than once, only its winning version (copd.Version.After) counts.
	Records []copd.StoredRecord
	// From and To bound the window, inclusive, as local dates YYYY-MM-DD.
	From, To string
	// LastSyncAt is when the patient last synced; zero if never.
	LastSyncAt time.Time
	// Goal is the goal weight known outside the window (Summary.Goal), used
	// when no goal record is dated inside the window. Nil if none.
	Goal *WeightReading
}

// Compute returns the overview of in's window. Its only error is Invalid,
// for a malformed window (dates not YYYY-MM-DD, From after To, or more than
// MaxDays days). An empty window gives nulls and zeros, never NaN.
func Compute(in Input, opts Options) (Overview, error) {
	opts = opts.withDefaults()
	from, ok1 := parseDay(in.From)
	to, ok2 := parseDay(in.To)
	if !ok1 || !ok2 {
		return Overview{}, errs.E(errs.Invalid, "invalid_window", "from and to must be dates YYYY-MM-DD")
	}
	if to < from || to-from+1 > MaxDays {
		return Overview{}, errs.E(errs.Invalid, "invalid_window", "the window must be from 1 to 366 days, from on or before to")
	}
	days := int(to - from + 1)
	recs := winners(in.Records, from, to)

	ov := Overview{
		Window: Window{From: in.From, To: in.To, Days: days},
		Daily:  make([]Day, days),
	}
	if !in.LastSyncAt.IsZero() {
		t := in.LastSyncAt.UTC()
		ov.LastSyncAt = &t
	}
	for i := range ov.Daily {
		ov.Daily[i].Date = (from + day(i)).String()
	}

	var (
		weights []reading // non-goal weights, in order
		goal    *reading
		oxygen  []reading
		oxSum   float64
		exMin   = make(map[string]*ExerciseWeek)
		weeks   []string
		daily   = make(map[string]*MedicationUse)
		rescue  = make(map[string]*MedicationUse)
		// per-day accumulators for the series
		oxDaySum   = make([]float64, days)
		oxDayCount = make([]int, days)
		dailyDays  = make(map[string]map[day]bool)
		rescueDays = make(map[day]bool)
		// distinct dates per medication name
		rescueDaysBy = make(map[string]map[day]bool)
	)
	for _, r := range recs {
		i := int(r.day - from)
		d := &ov.Daily[i]
		switch r.Type {
		case copd.TypeWeight:
			kg, ok := weightKg(r.Record)
			if !ok {
				continue
			}
			rd := reading{rec: r, value: kg}
			if r.IsGoal != nil && *r.IsGoal {
				if goal == nil || !r.before(goal.rec) {
					g := rd
					goal = &g
				}
				continue
			}
			weights = append(weights, rd)
			d.WeightKg = ptr(round(kg, 2)) // records are in order: the day's last reading wins
		case copd.TypeOxygen:
			if r.Level == nil {
				continue
			}
			l := *r.Level
			oxygen = append(oxygen, reading{rec: r, value: l})
			oxSum += l
			oxDaySum[i] += l
			oxDayCount[i]++
			if d.Spo2MinPercent == nil || l < *d.Spo2MinPercent {
				d.Spo2MinPercent = ptr(l)
			}
			if l < opts.LowOxygenPercent {
				ov.Oxygen.BelowThresholdCount++
			}
		case copd.TypeMedication:
			if r.Name == nil || r.MedicationType == nil {
				continue
			}
			key := strings.ToLower(strings.TrimSpace(*r.Name))
			switch *r.MedicationType {
			case "daily":
				d.DailyMedicationDoses++
				m := daily[key]
				if m == nil {
					m = &MedicationUse{Name: strings.TrimSpace(*r.Name)}
					daily[key] = m
					dailyDays[key] = make(map[day]bool)
				}
				m.Doses++
				dailyDays[key][r.day] = true
			case "exacerbation":
				d.RescueMedicationDoses++
				ov.Medications.Exacerbation.Doses++
				rescueDays[r.day] = true
				m := rescue[key]
				if m == nil {
					m = &MedicationUse{Name: strings.TrimSpace(*r.Name)}
					rescue[key] = m
					rescueDaysBy[key] = make(map[day]bool)
				}
				m.Doses++
				rescueDaysBy[key][r.day] = true
			}
		case copd.TypeExercise:
			if r.Minutes == nil {
				continue
			}
			d.ExerciseMinutes = ptr(deref(d.ExerciseMinutes) + *r.Minutes)
		case copd.TypeWater:
			ml := r.WaterMl()
			if ml <= 0 {
				continue
			}
			d.WaterMl = ptr(deref(d.WaterMl) + ml)
		case copd.TypeFood:
			d.FoodEntries++
		}
	}

	// Weight.
	ov.Weight.ReadingCount = len(weights)
	if n := len(weights); n > 0 {
		ov.Weight.Latest = weights[n-1].weight()
		if n > 1 {
			ov.Weight.ChangeKg = ptr(round(weights[n-1].value-weights[0].value, 2))
		}
	}
	switch {
	case goal != nil:
		ov.Weight.Goal = goal.weight()
	case in.Goal != nil:
		g := *in.Goal
		ov.Weight.Goal = &g
	}
	if ov.Weight.Latest != nil && ov.Weight.Goal != nil {
		ov.Weight.ToGoalKg = ptr(round(ov.Weight.Goal.WeightKg-ov.Weight.Latest.WeightKg, 2))
	}

	// Oxygen.
	ov.Oxygen.ThresholdPercent = opts.LowOxygenPercent
	ov.Oxygen.ReadingCount = len(oxygen)
	if n := len(oxygen); n > 0 {
		last := oxygen[n-1]
		ov.Oxygen.Latest = &OxygenReading{Date: last.rec.Date, Time: last.rec.Time, Spo2Percent: last.value}
		ov.Oxygen.MeanPercent = ptr(round(oxSum/float64(n), 1))
		lo := oxygen[0].value
		for _, o := range oxygen[1:] {
			lo = min(lo, o.value)
		}
		ov.Oxygen.MinPercent = ptr(lo)
	}

	// Per-day series, exercise weeks, water and food.
	var waterTotal float64
	for i := range ov.Daily {
		d := &ov.Daily[i]
		if c := oxDayCount[i]; c > 0 {
			ov.Oxygen.DaysWithReading++
			d.Spo2MeanPercent = ptr(round(oxDaySum[i]/float64(c), 1))
		}
		if d.WaterMl != nil {
			ov.Water.DaysWithEntry++
			waterTotal += *d.WaterMl
			d.WaterMl = ptr(math.Round(*d.WaterMl))
		}
		if d.FoodEntries > 0 {
			ov.Food.DaysWithEntry++
			ov.Food.Entries += d.FoodEntries
		}
		if d.ExerciseMinutes != nil {
			d.ExerciseMinutes = ptr(round(*d.ExerciseMinutes, 1))
		}
		t := (from + day(i)).time()
		year, week := t.ISOWeek()
		label := isoWeekLabel(year, week)
		w := exMin[label]
		if w == nil {
			monday := from + day(i) - day((int(t.Weekday())+6)%7)
			w = &ExerciseWeek{Week: label, WeekStart: monday.String()}
			exMin[label] = w
			weeks = append(weeks, label)
		}
		w.DaysInWindow++
		if d.ExerciseMinutes != nil {
			w.Minutes += *d.ExerciseMinutes
			w.DaysWithExercise++
		}
	}
	ov.Exercise.Weeks = make([]ExerciseWeek, 0, len(weeks))
	for _, label := range weeks {
		w := exMin[label]
		w.Minutes = round(w.Minutes, 1)
		ov.Exercise.TotalMinutes += w.Minutes
		ov.Exercise.Weeks = append(ov.Exercise.Weeks, *w)
	}
	ov.Exercise.TotalMinutes = round(ov.Exercise.TotalMinutes, 1)
	ov.Water.TotalMl = math.Round(waterTotal)
	if ov.Water.DaysWithEntry > 0 {
		ov.Water.MeanMlPerDayWithEntry = ptr(math.Round(waterTotal / float64(ov.Water.DaysWithEntry)))
	}
	ov.Water.MeanMlPerDay = math.Round(waterTotal / float64(days))
	ov.Food.MeanEntriesPerDay = round(float64(ov.Food.Entries)/float64(days), 2)

	// Medications.
	ov.Medications.Daily = make([]MedicationUse, 0, len(daily))
	for key, m := range daily {
		m.DaysTaken = len(dailyDays[key])
		ov.Medications.Daily = append(ov.Medications.Daily, *m)
	}
	sortUses(ov.Medications.Daily)
	ov.Medications.Exacerbation.Medications = make([]MedicationUse, 0, len(rescue))
	for key, m := range rescue {
		m.DaysTaken = len(rescueDaysBy[key])
		ov.Medications.Exacerbation.Medications = append(ov.Medications.Exacerbation.Medications, *m)
	}
	sortUses(ov.Medications.Exacerbation.Medications)
	ov.Medications.Exacerbation.Dates = make([]string, 0, len(rescueDays))
	for i := range ov.Daily {
		if rescueDays[from+day(i)] {
			ov.Medications.Exacerbation.Dates = append(ov.Medications.Exacerbation.Dates, ov.Daily[i].Date)
		}
	}
	ov.Medications.Exacerbation.DaysWithUse = len(ov.Medications.Exacerbation.Dates)
	return ov, nil
}

func sortUses(u []MedicationUse) {
	slices.SortFunc(u, func(a, b MedicationUse) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.Name, b.Name))
	})
}

// reading is one numeric reading with the record it came from.
type reading struct {
	rec   rec
	value float64 // kg for weights, % for oxygen
}

func (r reading) weight() *WeightReading {
	w := &WeightReading{Date: r.rec.Date, Time: r.rec.Time, WeightKg: round(r.value, 2)}
	if r.rec.Weight != nil && r.rec.Unit != nil {
		w.Value, w.Unit = *r.rec.Weight, *r.rec.Unit
	}
	return w
}

// rec is a live record with its parsed day.
type rec struct {
	copd.StoredRecord
	day day
}

// before orders records in time: by date, then time (a record without a time
// comes before the timed records of its day), then updatedAt, then id, so
// "latest" is the same on every run whatever order the store returned.
func (r rec) before(o rec) bool { return compareRecs(r, o) < 0 }

func compareRecs(a, b rec) int {
	return cmp.Or(
		cmp.Compare(a.day, b.day),
		cmp.Compare(a.Time, b.Time),
		cmp.Compare(a.Version.UpdatedAt, b.Version.UpdatedAt),
		cmp.Compare(a.Type, b.Type),
		cmp.Compare(a.ID, b.ID),
	)
}

// winners keeps one version per record key (the winning one), drops
// tombstones and records outside from..to, and orders the rest in time.
func winners(in []copd.StoredRecord, from, to day) []rec {
	best := make(map[copd.RecordKey]int, len(in))
	for i, r := range in {
		k := r.Key()
		if j, ok := best[k]; !ok || r.Version.After(in[j].Version) {
			best[k] = i
		}
	}
	out := make([]rec, 0, len(best))
	for i, r := range in {
		if best[r.Key()] != i || r.Deleted {
			continue
		}
		d, ok := parseDay(r.Date)
		if !ok || d < from || d > to {
			continue
		}
		out = append(out, rec{StoredRecord: r, day: d})
	}
	slices.SortFunc(out, compareRecs)
	return out
}

// weightKg returns a weight record's weight in kilograms.
func weightKg(r copd.Record) (float64, bool) {
	if r.Weight == nil || r.Unit == nil || !finite(*r.Weight) {
		return 0, false
	}
	switch *r.Unit {
	case "kg":
		return *r.Weight, true
	case "lb":
		return *r.Weight * KgPerLb, true
	}
	return 0, false
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// round rounds f to n decimal places; it keeps the overview's numbers short
// and stable on the wire (70.00999999 would otherwise appear).
func round(f float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(f*p) / p
}

func ptr[T any](v T) *T { return &v }

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// day is a local calendar date as a count of days since 1970-01-01. Dates are
// calendar days, not instants: no time zone or DST can move them.
type day int64

func parseDay(s string) (day, bool) {
	if len(s) != len(time.DateOnly) {
		return 0, false
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	return day(t.Unix() / 86400), true
}

func (d day) time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

func (d day) String() string { return d.time().Format(time.DateOnly) }

// isoWeekLabel formats an ISO 8601 week, e.g. 2026-W01.
func isoWeekLabel(year, week int) string {
	b := make([]byte, 0, 8)
	b = appendInt(b, year, 4)
	b = append(b, "-W"...)
	b = appendInt(b, week, 2)
	return string(b)
}

func appendInt(b []byte, v, width int) []byte {
	var digits [20]byte
	i := len(digits)
	for v > 0 || i == len(digits) {
		i--
		digits[i] = byte('0' + v%10)
		v /= 10
	}
	for n := len(digits) - i; n < width; n++ {
		b = append(b, '0')
	}
	return append(b, digits[i:]...)
}
