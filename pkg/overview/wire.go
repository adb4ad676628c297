package overview

import "time"

// Overview is the body of GET /patients/{id}/overview: a COPD summary of one
// window of local dates, and one point per day for charts.
//
// Wire rules, so that clients can rely on them: every field is always
// present; a measurement with no data is null (never NaN, never a missing
// key); counts are 0 when nothing was logged; lists are [] rather than null.
// Units are in the field names (Kg, Percent, Ml, Minutes). Dates are the
// patient's local dates YYYY-MM-DD and times local HH:MM, as logged.
type Overview struct {
	Window Window `json:"window"`
	// LastSyncAt is when the patient's app last synced (RFC 3339, UTC); null
	// if it never has.
	LastSyncAt  *time.Time        `json:"lastSyncAt"`
	Weight      WeightSummary     `json:"weight"`
	Oxygen      OxygenSummary     `json:"oxygen"`
	Medications MedicationSummary `json:"medications"`
	Exercise    ExerciseSummary   `json:"exercise"`
	Water       WaterSummary      `json:"water"`
	Food        FoodSummary       `json:"food"`
	// Daily has one entry per date of the window, oldest first.
	Daily []Day `json:"daily"`
}

// Window is the range of local dates the overview covers, both inclusive.
type Window struct {
	From string `json:"from"`
	To   string `json:"to"`
	Days int    `json:"days"`
}

// WeightSummary covers body-weight readings (goal records excluded).
type WeightSummary struct {
	// Latest is the last reading of the window, null if none.
	Latest *WeightReading `json:"latest"`
	// ChangeKg is the latest reading minus the first reading of the window,
	// in kg (negative: lost weight); null with fewer than two readings.
	ChangeKg *float64 `json:"changeKg"`
	// Goal is the patient's goal weight: the latest goal record in the
	// window, else the last goal known from earlier syncs; null if none.
	Goal *WeightReading `json:"goal"`
	// ToGoalKg is Goal minus Latest in kg (positive: the patient is below
	// the goal); null unless both are known.
	ToGoalKg     *float64 `json:"toGoalKg"`
	ReadingCount int      `json:"readingCount"`
}

// WeightReading is one weight as logged and converted to kilograms.
type WeightReading struct {
	Date string `json:"date"`
	Time string `json:"time,omitempty"`
	// Value and Unit are as the patient logged them (unit kg or lb).
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	// WeightKg is Value in kilograms, to two decimals (1 lb = 0.45359237 kg).
	WeightKg float64 `json:"weightKg"`
}

// OxygenSummary covers SpO2 readings (pulse oximetry, percent).
type OxygenSummary struct {
	Latest *OxygenReading `json:"latest"`
	// MeanPercent is the mean of all readings, to one decimal; null if none.
	MeanPercent *float64 `json:"meanPercent"`
	// MinPercent is the lowest reading; null if none.
	MinPercent *float64 `json:"minPercent"`
	// ThresholdPercent is the threshold in force: a reading strictly below
	// it is counted in BelowThresholdCount.
	ThresholdPercent    float64 `json:"thresholdPercent"`
	BelowThresholdCount int     `json:"belowThresholdCount"`
	ReadingCount        int     `json:"readingCount"`
	DaysWithReading     int     `json:"daysWithReading"`
}

// OxygenReading is one SpO2 reading.
type OxygenReading struct {
	Date        string  `json:"date"`
	Time        string  `json:"time,omitempty"`
	Spo2Percent float64 `json:"spo2Percent"`
}

// MedicationSummary covers daily (maintenance) medications and exacerbation
// (rescue) medications.
type MedicationSummary struct {
	// Daily lists each distinct daily medication (names compared without
	// case and surrounding spaces), sorted by name.
	Daily        []MedicationUse `json:"daily"`
	Exacerbation ExacerbationUse `json:"exacerbation"`
}

// MedicationUse is how one medication was taken in the window.
type MedicationUse struct {
	// Name is the name as first logged in the window.
	Name string `json:"name"`
	// Doses is the number of records (one record is one logged dose).
	Doses int `json:"doses"`
	// DaysTaken is the number of distinct dates with at least one dose.
	DaysTaken int `json:"daysTaken"`
}

// ExacerbationUse is the use of exacerbation (rescue) medication.
type ExacerbationUse struct {
	// Doses is the number of exacerbation-medication records.
	Doses int `json:"doses"`
	// DaysWithUse is len(Dates).
	DaysWithUse int `json:"daysWithUse"`
	// Dates are the distinct dates with any use, oldest first.
	Dates []string `json:"dates"`
	// Medications breaks the use down by medication, sorted by name.
	Medications []MedicationUse `json:"medications"`
}

// ExerciseSummary is exercise minutes per ISO 8601 week.
type ExerciseSummary struct {
	TotalMinutes float64 `json:"totalMinutes"`
	// Weeks has every ISO week the window touches, oldest first; the first
	// and last may be partial (see DaysInWindow).
	Weeks []ExerciseWeek `json:"weeks"`
}

// ExerciseWeek is one ISO 8601 week (Monday to Sunday).
type ExerciseWeek struct {
	// Week is the ISO week, e.g. 2026-W01 (which may start in December).
	Week string `json:"week"`
	// WeekStart is the week's Monday, which may be before the window.
	WeekStart        string  `json:"weekStart"`
	Minutes          float64 `json:"minutes"`
	DaysWithExercise int     `json:"daysWithExercise"`
	// DaysInWindow is how many of the week's days are in the window (1-7).
	DaysInWindow int `json:"daysInWindow"`
}

// WaterSummary is water intake in millilitres (oz and cups converted as US
// fluid ounces and US cups).
type WaterSummary struct {
	TotalMl float64 `json:"totalMl"`
	// MeanMlPerDay is TotalMl over every day of the window.
	MeanMlPerDay float64 `json:"meanMlPerDay"`
	// MeanMlPerDayWithEntry is TotalMl over the days with an entry; null if
	// there are none (a day without an entry is often a day not logged).
	MeanMlPerDayWithEntry *float64 `json:"meanMlPerDayWithEntry"`
	DaysWithEntry         int      `json:"daysWithEntry"`
}

// FoodSummary counts food entries.
type FoodSummary struct {
	Entries           int     `json:"entries"`
	MeanEntriesPerDay float64 `json:"meanEntriesPerDay"`
	DaysWithEntry     int     `json:"daysWithEntry"`
}

// Day is one point of the chart series. A measurement with nothing logged
// that day is null; counts are 0.
type Day struct {
	Date string `json:"date"`
	// WeightKg is the day's last non-goal weight reading, in kg.
	WeightKg *float64 `json:"weightKg"`
	// Spo2MinPercent and Spo2MeanPercent summarise the day's SpO2 readings.
	Spo2MinPercent  *float64 `json:"spo2MinPercent"`
	Spo2MeanPercent *float64 `json:"spo2MeanPercent"`
	// ExerciseMinutes is the day's total exercise time.
	ExerciseMinutes *float64 `json:"exerciseMinutes"`
	// WaterMl is the day's total water, rounded to a whole millilitre.
	WaterMl               *float64 `json:"waterMl"`
	FoodEntries           int      `json:"foodEntries"`
	DailyMedicationDoses  int      `json:"dailyMedicationDoses"`
	RescueMedicationDoses int      `json:"rescueMedicationDoses"`
}
