package overview

import (
	"cmp"
	"slices"
	"time"

	"github.com/copdfuel/backend/pkg/copd"
)

// HorizonDays is how many days back (before the server's UTC date at Apply
// time) a Summary keeps facts. It covers RecentDays and WeightChangeDays of
// the defaults (7) plus a day for patients whose local date is ahead of or
// behind UTC, and two days of margin. Flags cannot look further back than
// this: larger Options are clamped to it.
const HorizonDays = 10

// MaxFactsPerType bounds a Summary: at most this many facts of each of the
// three tracked types (weight, oxygen, medication) are kept, the most
// recently dated ones. A patient who logs more than that within HorizonDays
// loses the oldest facts first, which can only make a flag quieter for the
// oldest days of the horizon, never raise a false one.
const MaxFactsPerType = 64

// Summary is the small per-patient state kept up to date at sync time so
// that GET /patients can show each patient's flags without reading their
// records. Store it as one item per patient (or on each of the patient's
// link items) and replace it with a conditional write; on a lost race,
// re-read it and Apply again (Apply is idempotent).
//
// It holds one Fact per weight, oxygen and medication record dated within
// HorizonDays, keyed by record type and id, tombstones included, each with
// the record's version, plus the current goal weight.
//
// What it guarantees, given the records the store accepted in each sync (in
// any order, across any number of syncs, each Applied at least once):
//   - Out-of-order arrival: a fact is only replaced by a newer version
//     (copd.Version.After), so applying an older copy after a newer one, or
//     the same sync twice, changes nothing.
//   - Edits: a record edited to another date, value or medication type moves
//     or changes its fact (the key does not include the date), so a low
//     reading edited to 95 % stops raising the flag.
//   - Deletes: a tombstone replaces the fact (keeping only the version), so
//     deleting the only low reading of the week clears the flag at once, and
//     a late, older copy of the deleted record cannot bring it back.
//
// What it cannot guarantee:
//   - Records dated before the horizon when they arrive are not tracked;
//     they cannot affect flags about the last 7 days anyway.
//   - Beyond MaxFactsPerType facts of one type, the oldest are dropped
//     (see MaxFactsPerType); a dropped tombstone could in theory let a still
//     older copy of its record back in.
//   - The goal weight: if the current goal record is deleted or stops being
//     a goal, Goal becomes nil (the previous goal is not remembered) until
//     the patient logs another goal; the overview still shows any goal record
//     inside its window.
//   - Records synced before the Summary existed need a one-off backfill:
//     Apply them (e.g. the last HorizonDays days from RecordsByDate).
type Summary struct {
	// LastSyncAt is the server time of the patient's last sync; zero if none.
	LastSyncAt time.Time `json:"lastSyncAt"`
	// Facts are the tracked records, oldest date first.
	Facts []Fact `json:"facts"`
	// Goal is the latest goal weight the patient logged (by date, time and
	// updatedAt), or nil.
	Goal *GoalFact `json:"goal,omitempty"`
}

// Fact is what a Summary keeps of one weight, oxygen or medication record.
type Fact struct {
	Type copd.RecordType `json:"type"`
	ID   string          `json:"id"`
	Date string          `json:"date"`
	Time string          `json:"time,omitempty"`
	// UpdatedAt and Hash are the record's copd.Version.
	UpdatedAt int64  `json:"updatedAt"`
	Hash      string `json:"hash"`
	// Deleted marks a tombstone: it keeps the version only.
	Deleted bool `json:"deleted,omitempty"`
	// WeightKg is a weight record's weight in kilograms; IsGoal marks a goal.
	WeightKg *float64 `json:"weightKg,omitempty"`
	IsGoal   bool     `json:"isGoal,omitempty"`
	// Spo2Percent is an oxygen record's level.
	Spo2Percent *float64 `json:"spo2Percent,omitempty"`
	// Rescue marks a medication record of type exacerbation.
	Rescue bool `json:"rescue,omitempty"`
}

// GoalFact is the current goal weight and the version of its record.
type GoalFact struct {
	ID        string        `json:"id"`
	UpdatedAt int64         `json:"updatedAt"`
	Hash      string        `json:"hash"`
	Weight    WeightReading `json:"weight"`
}

func (f Fact) key() copd.RecordKey { return copd.RecordKey{Type: f.Type, ID: f.ID} }

func (f Fact) version() copd.Version { return copd.Version{UpdatedAt: f.UpdatedAt, Hash: f.Hash} }

// tracked reports whether a Summary keeps facts of records of type t.
func tracked(t copd.RecordType) bool {
	return t == copd.TypeWeight || t == copd.TypeOxygen || t == copd.TypeMedication
}

// Apply returns the summary after the records of one sync (the receiver is
// not changed). records should be those the store accepted (created,
// updated, deleted); unchanged or stale ones are harmless, as only a newer
// version replaces a fact. now is the server's clock: it sets LastSyncAt
// and the horizon.
func (s Summary) Apply(records []copd.StoredRecord, now time.Time) Summary {
	out := Summary{LastSyncAt: s.LastSyncAt, Goal: s.Goal}
	if now.After(out.LastSyncAt) {
		out.LastSyncAt = now.UTC()
	}
	today, _ := parseDay(now.UTC().Format(time.DateOnly))
	oldest := today - HorizonDays

	idx := make(map[copd.RecordKey]int, len(s.Facts)+len(records))
	facts := make([]Fact, 0, len(s.Facts)+len(records))
	for _, f := range s.Facts {
		idx[f.key()] = len(facts)
		facts = append(facts, f)
	}
	for _, r := range records {
		if r.Type == copd.TypeWeight {
			out.Goal = applyGoal(out.Goal, r)
		}
		if !tracked(r.Type) {
			continue
		}
		f := factOf(r)
		if i, ok := idx[r.Key()]; ok {
			if r.Version.After(facts[i].version()) {
				facts[i] = f
			}
			continue
		}
		if d, ok := parseDay(r.Date); ok && d >= oldest {
			idx[r.Key()] = len(facts)
			facts = append(facts, f)
		}
	}

	// Prune to the horizon, then keep the newest MaxFactsPerType of each type.
	kept := facts[:0]
	for _, f := range facts {
		if d, ok := parseDay(f.Date); ok && d >= oldest {
			kept = append(kept, f)
		}
	}
	slices.SortStableFunc(kept, compareFacts)
	perType := make(map[copd.RecordType]int, 3)
	var bounded []Fact
	for i := len(kept) - 1; i >= 0; i-- {
		f := kept[i]
		if perType[f.Type] >= MaxFactsPerType {
			continue
		}
		perType[f.Type]++
		bounded = append(bounded, f)
	}
	slices.Reverse(bounded)
	out.Facts = bounded
	if out.Facts == nil {
		out.Facts = []Fact{}
	}
	return out
}

// compareFacts orders facts in time like compareRecs.
func compareFacts(a, b Fact) int {
	return cmp.Or(
		cmp.Compare(a.Date, b.Date),
		cmp.Compare(a.Time, b.Time),
		cmp.Compare(a.UpdatedAt, b.UpdatedAt),
		cmp.Compare(a.Type, b.Type),
		cmp.Compare(a.ID, b.ID),
	)
}

func factOf(r copd.StoredRecord) Fact {
	f := Fact{Type: r.Type, ID: r.ID, Date: r.Date, Time: r.Time, UpdatedAt: r.Version.UpdatedAt, Hash: r.Version.Hash, Deleted: r.Deleted}
	if r.Deleted {
		return f
	}
	switch r.Type {
	case copd.TypeWeight:
		if kg, ok := weightKg(r.Record); ok {
			f.WeightKg = ptr(kg)
		}
		f.IsGoal = r.IsGoal != nil && *r.IsGoal
	case copd.TypeOxygen:
		if r.Level != nil {
			f.Spo2Percent = ptr(*r.Level)
		}
	case copd.TypeMedication:
		f.Rescue = r.MedicationType != nil && *r.MedicationType == "exacerbation"
	}
	return f
}

// applyGoal returns the goal after weight record r.
func applyGoal(g *GoalFact, r copd.StoredRecord) *GoalFact {
	isGoal := !r.Deleted && r.IsGoal != nil && *r.IsGoal
	kg, ok := weightKg(r.Record)
	if g != nil && g.ID == r.ID {
		if !r.Version.After(copd.Version{UpdatedAt: g.UpdatedAt, Hash: g.Hash}) {
			return g // an older or the same copy of the current goal
		}
		if !isGoal || !ok {
			return nil // the goal was deleted or is no longer a goal
		}
	} else if !isGoal || !ok {
		return g
	} else if g != nil && goalLater(g, r) {
		return g
	}
	return &GoalFact{
		ID: r.ID, UpdatedAt: r.Version.UpdatedAt, Hash: r.Version.Hash,
		Weight: WeightReading{Date: r.Date, Time: r.Time, Value: *r.Weight, Unit: *r.Unit, WeightKg: round(kg, 2)},
	}
}

// goalLater reports whether the current goal g was logged after record r.
func goalLater(g *GoalFact, r copd.StoredRecord) bool {
	return cmp.Or(
		cmp.Compare(g.Weight.Date, r.Date),
		cmp.Compare(g.Weight.Time, r.Time),
		cmp.Compare(g.UpdatedAt, r.Version.UpdatedAt),
		cmp.Compare(g.ID, r.ID),
	) > 0
}

// Flags are what the patient list shows beside each patient.
type Flags struct {
	// LastSyncAt is the patient's last sync (RFC 3339, UTC); null if never.
	LastSyncAt *time.Time `json:"lastSyncAt"`
	// LowOxygen: an SpO2 reading below the threshold in the recent days.
	LowOxygen bool `json:"lowOxygen"`
	// LowestSpo2Percent is the lowest reading of the recent days; null if none.
	LowestSpo2Percent *float64 `json:"lowestSpo2Percent"`
	// LastLowOxygenDate is the latest date with a low reading that the
	// summary knows (at most HorizonDays back), or "".
	LastLowOxygenDate string `json:"lastLowOxygenDate,omitempty"`
	// RescueMedication: exacerbation medication taken in the recent days.
	RescueMedication bool `json:"rescueMedication"`
	// LastRescueMedicationDate is the latest date with exacerbation
	// medication that the summary knows, or "".
	LastRescueMedicationDate string `json:"lastRescueMedicationDate,omitempty"`
	// WeightChange: two weights at most WeightChangeDays apart, both within
	// the last WeightChangeDays days, differ by more than WeightChangeKg.
	WeightChange bool `json:"weightChange"`
	// WeightChangeKg is the largest such change (later minus earlier
	// reading, kg, two decimals); null with fewer than two readings.
	WeightChangeKg *float64 `json:"weightChangeKg"`
}

// Flags computes the list flags of a patient from their summary as of today,
// a date YYYY-MM-DD (the handler's choice, e.g. the server's UTC date).
// "Recent" means dated from today-(RecentDays-1) on, including dates after
// today (a patient whose local date is ahead of UTC). A malformed today
// gives flags with only LastSyncAt set.
func (s Summary) Flags(today string, opts Options) Flags {
	opts = opts.withDefaults()
	var fl Flags
	if !s.LastSyncAt.IsZero() {
		t := s.LastSyncAt.UTC()
		fl.LastSyncAt = &t
	}
	t, ok := parseDay(today)
	if !ok {
		return fl
	}
	recentFrom := t - day(min(opts.RecentDays, HorizonDays)-1)
	weightFrom := t - day(min(opts.WeightChangeDays, HorizonDays))

	facts := slices.Clone(s.Facts)
	slices.SortStableFunc(facts, compareFacts)
	var weights []float64
	for _, f := range facts {
		if f.Deleted {
			continue
		}
		d, ok := parseDay(f.Date)
		if !ok {
			continue
		}
		switch {
		case f.Spo2Percent != nil:
			low := *f.Spo2Percent < opts.LowOxygenPercent
			if low {
				fl.LastLowOxygenDate = max(fl.LastLowOxygenDate, f.Date)
			}
			if d >= recentFrom {
				fl.LowOxygen = fl.LowOxygen || low
				if fl.LowestSpo2Percent == nil || *f.Spo2Percent < *fl.LowestSpo2Percent {
					fl.LowestSpo2Percent = ptr(*f.Spo2Percent)
				}
			}
		case f.Rescue:
			fl.LastRescueMedicationDate = max(fl.LastRescueMedicationDate, f.Date)
			fl.RescueMedication = fl.RescueMedication || d >= recentFrom
		case f.WeightKg != nil && !f.IsGoal && d >= weightFrom:
			weights = append(weights, *f.WeightKg)
		}
	}
	// Every pair of readings from weightFrom on is at most WeightChangeDays
	// apart (readings dated after today are the patient's local today).
	var best float64
	for i := range weights {
		for j := i + 1; j < len(weights); j++ {
			if d := weights[j] - weights[i]; fl.WeightChangeKg == nil || abs(d) >= abs(best) {
				best = d
				fl.WeightChangeKg = ptr(0.0)
			}
		}
	}
	if fl.WeightChangeKg != nil {
		fl.WeightChangeKg = ptr(round(best, 2))
		fl.WeightChange = abs(best) > opts.WeightChangeKg
	}
	return fl
}

func abs(f float64) float64 { return max(f, -f) }
