package copd

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"slices"
	"time"

	"github.com/copdfuel/backend/pkg/errs"
)

// RecordType names one kind of health record the apps log.
type RecordType string

const (
	TypeWeight     RecordType = "weight"
	TypeMedication RecordType = "medication"
	TypeOxygen     RecordType = "oxygen"
	TypeExercise   RecordType = "exercise"
	TypeWater      RecordType = "water"
	TypeFood       RecordType = "food"
)

// RecordTypes lists every record type in a fixed order.
var RecordTypes = []RecordType{TypeWeight, TypeMedication, TypeOxygen, TypeExercise, TypeWater, TypeFood}

// Limits of POST /sync. They are documented in docs/openapi.yaml and each has a
// test at its edge.
const (
	// MaxSyncRecords is the most records one POST /sync may carry.
	MaxSyncRecords = 500
	// MaxSyncBodyBytes is the largest POST /sync body, after base64 decoding.
	MaxSyncBodyBytes = 1 << 20
	// MaxRecordBytes is the largest single record, as JSON.
	MaxRecordBytes = 8 << 10
	// MaxIDLength is the longest client-generated record id.
	MaxIDLength = 64
	// MaxNameLength bounds short free-text fields (medication name, dosage, category, exercise type).
	MaxNameLength = 200
	// MaxDescriptionLength bounds a food entry's description.
	MaxDescriptionLength = 2000
	// FutureSkew is how far ahead of the server's clock an updatedAt may be.
	FutureSkew = 24 * time.Hour
)

// Field limits for numbers, with their units. A reading outside them is
// almost always a typo; it is rejected so that it cannot skew a doctor's view.
const (
	MaxWeightKg      = 500.0
	MaxWeightLb      = 1100.0
	MinOxygenLevel   = 50
	MaxOxygenLevel   = 100
	MaxMinutes       = 1440.0 // one day
	MaxWaterMl       = 10000.0
	MaxCalories      = 10000.0
	earliestDate     = "1900-01-01"
	earliestUpdateAt = "2000-01-01T00:00:00Z"
)

// Record is one health record as the apps send it and as it is stored. The
// envelope fields are common to every type; the other fields belong to one
// type each (see the `type` comments) and must be absent on the others.
//
// Record carries PHI: its LogValue only lets the id and type through.
type Record struct {
	ID        string     `json:"id" dynamodbav:"id"`
	Type      RecordType `json:"type" dynamodbav:"type"`
	Date      string     `json:"date" dynamodbav:"date"`
	Time      string     `json:"time,omitempty" dynamodbav:"time,omitempty"`
	UpdatedAt string     `json:"updatedAt" dynamodbav:"updatedAt"`
	Deleted   bool       `json:"deleted,omitempty" dynamodbav:"deleted,omitempty"`

	// weight: weight (> 0) in unit (kg | lb); isGoal marks a goal weight.
	Weight *float64 `json:"weight,omitempty" dynamodbav:"weight,omitempty"`
	IsGoal *bool    `json:"isGoal,omitempty" dynamodbav:"isGoal,omitempty"`
	// weight (kg | lb) and water (ml | oz | cup).
	Unit *string `json:"unit,omitempty" dynamodbav:"unit,omitempty"`

	// medication: name, dosage (free text), medicationType (daily | exacerbation).
	Name           *string `json:"name,omitempty" dynamodbav:"name,omitempty"`
	Dosage         *string `json:"dosage,omitempty" dynamodbav:"dosage,omitempty"`
	MedicationType *string `json:"medicationType,omitempty" dynamodbav:"medicationType,omitempty"`

	// oxygen: level, SpO2 in percent, a whole number.
	Level *float64 `json:"level,omitempty" dynamodbav:"level,omitempty"`

	// exercise: exerciseType (e.g. walking), minutes (> 0).
	ExerciseType *string  `json:"exerciseType,omitempty" dynamodbav:"exerciseType,omitempty"`
	Minutes      *float64 `json:"minutes,omitempty" dynamodbav:"minutes,omitempty"`

	// water: amount (> 0) in unit.
	Amount *float64 `json:"amount,omitempty" dynamodbav:"amount,omitempty"`

	// food: meal (breakfast | lunch | dinner | snack), category, description, optional calories.
	Meal        *string  `json:"meal,omitempty" dynamodbav:"meal,omitempty"`
	Category    *string  `json:"category,omitempty" dynamodbav:"category,omitempty"`
	Description *string  `json:"description,omitempty" dynamodbav:"description,omitempty"`
	Calories    *float64 `json:"calories,omitempty" dynamodbav:"calories,omitempty"`
}

// LogValue lets only the record's id and type reach a log.
func (r Record) LogValue() slog.Value {
	return slog.GroupValue(slog.String("record_id", r.ID), slog.String("record_type", string(r.Type)))
}

// RecordKey identifies a record within one patient's data: the client's id is
// unique per type (apps keep one table per type), so the key is both.
type RecordKey struct {
	Type RecordType
	ID   string
}

// Key returns the record's key.
func (r Record) Key() RecordKey { return RecordKey{Type: r.Type, ID: r.ID} }

var (
	idPattern   = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	timePattern = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`)
)

// Record error codes. They appear in POST /sync results and are stable.
const (
	CodeMissingField    = "missing_field"
	CodeInvalidField    = "invalid_field"
	CodeFieldNotAllowed = "field_not_allowed"
	CodeUnknownType     = "unknown_type"
	CodeOutOfRange      = "out_of_range"
	CodeInFuture        = "in_future"
)

func fieldErr(code, field, msg string) error {
	return errs.E(errs.Invalid, code, field+": "+msg)
}

// typeFields lists the type-specific fields in a fixed order with whether
// the record carries each, so a misplaced field is reported the same way
// every time.
func (r *Record) typeFields() []struct {
	name    string
	present bool
} {
	return []struct {
		name    string
		present bool
	}{
		{"weight", r.Weight != nil}, {"isGoal", r.IsGoal != nil}, {"unit", r.Unit != nil},
		{"name", r.Name != nil}, {"dosage", r.Dosage != nil}, {"medicationType", r.MedicationType != nil},
		{"level", r.Level != nil},
		{"exerciseType", r.ExerciseType != nil}, {"minutes", r.Minutes != nil},
		{"amount", r.Amount != nil},
		{"meal", r.Meal != nil}, {"category", r.Category != nil}, {"description", r.Description != nil}, {"calories", r.Calories != nil},
	}
}

var allowedFields = map[RecordType][]string{
	TypeWeight:     {"weight", "unit", "isGoal"},
	TypeMedication: {"name", "dosage", "medicationType"},
	TypeOxygen:     {"level"},
	TypeExercise:   {"exerciseType", "minutes"},
	TypeWater:      {"amount", "unit"},
	TypeFood:       {"meal", "category", "description", "calories"},
}

// Validate checks the record against the wire contract, as of now (used to
// reject dates and update times in the future). A tombstone (deleted: true)
// needs only the envelope; type fields it carries are still checked.
func (r *Record) Validate(now time.Time) error {
	if r.ID == "" {
		return fieldErr(CodeMissingField, "id", "is required")
	}
	if !idPattern.MatchString(r.ID) {
		return fieldErr(CodeInvalidField, "id", "must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'")
	}
	allowed, ok := allowedFields[r.Type]
	if r.Type == "" {
		return fieldErr(CodeMissingField, "type", "is required")
	}
	if !ok {
		return errs.E(errs.Invalid, CodeUnknownType, "type: must be one of weight, medication, oxygen, exercise, water, food")
	}
	if err := validateDate(r.Date, now); err != nil {
		return err
	}
	if r.Time != "" && !timePattern.MatchString(r.Time) {
		return fieldErr(CodeInvalidField, "time", "must be HH:MM (24-hour, local)")
	}
	if _, err := ParseUpdatedAt(r.UpdatedAt, now); err != nil {
		return err
	}
	for _, f := range r.typeFields() {
		if f.present && !slices.Contains(allowed, f.name) {
			return fieldErr(CodeFieldNotAllowed, f.name, "is not a field of "+string(r.Type)+" records")
		}
	}
	switch r.Type {
	case TypeWeight:
		return r.validateWeight()
	case TypeMedication:
		return r.validateMedication()
	case TypeOxygen:
		return r.validateOxygen()
	case TypeExercise:
		return r.validateExercise()
	case TypeWater:
		return r.validateWater()
	default:
		return r.validateFood()
	}
}

func validateDate(d string, now time.Time) error {
	if d == "" {
		return fieldErr(CodeMissingField, "date", "is required")
	}
	t, err := time.Parse(time.DateOnly, d)
	if !datePattern.MatchString(d) || err != nil {
		return fieldErr(CodeInvalidField, "date", "must be a calendar date YYYY-MM-DD")
	}
	if d < earliestDate {
		return fieldErr(CodeOutOfRange, "date", "must be on or after "+earliestDate)
	}
	// The latest local date anywhere is UTC+14; allow an hour of clock skew.
	latest := now.UTC().Add(15 * time.Hour).Format(time.DateOnly)
	if t.Format(time.DateOnly) > latest {
		return fieldErr(CodeInFuture, "date", "is in the future")
	}
	return nil
}

// ParseUpdatedAt parses an RFC 3339 time with a 'Z' or numeric offset and
// checks that it is neither before 2000 nor more than FutureSkew after now.
func ParseUpdatedAt(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, fieldErr(CodeMissingField, "updatedAt", "is required")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || len(s) < len("2006-01-02T15:04:05Z") || (s[10] != 'T') {
		return time.Time{}, fieldErr(CodeInvalidField, "updatedAt", "must be an RFC 3339 time with Z or an offset, e.g. 2026-01-31T08:15:00+01:00")
	}
	earliest, _ := time.Parse(time.RFC3339, earliestUpdateAt)
	if t.Before(earliest) {
		return time.Time{}, fieldErr(CodeOutOfRange, "updatedAt", "must be on or after 2000-01-01")
	}
	if t.After(now.Add(FutureSkew)) {
		return time.Time{}, fieldErr(CodeInFuture, "updatedAt", "is more than 24 hours ahead of the server's clock")
	}
	return t, nil
}

func checkPositive(field string, v *float64, max float64, unit string, required bool) error {
	if v == nil {
		if required {
			return fieldErr(CodeMissingField, field, "is required")
		}
		return nil
	}
	if math.IsNaN(*v) || math.IsInf(*v, 0) || *v <= 0 {
		return fieldErr(CodeOutOfRange, field, "must be a number greater than 0")
	}
	if *v > max {
		return fieldErr(CodeOutOfRange, field, fmt.Sprintf("must be at most %g %s", max, unit))
	}
	return nil
}

func checkText(field string, v *string, max int, required bool) error {
	if v == nil || *v == "" {
		if required {
			return fieldErr(CodeMissingField, field, "is required")
		}
		return nil
	}
	if n := len([]rune(*v)); n > max {
		return fieldErr(CodeOutOfRange, field, fmt.Sprintf("must be at most %d characters", max))
	}
	for _, c := range *v {
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
			return fieldErr(CodeInvalidField, field, "must not contain control characters")
		}
	}
	return nil
}

func checkEnum(field string, v *string, required bool, values ...string) error {
	if v == nil {
		if required {
			return fieldErr(CodeMissingField, field, "is required")
		}
		return nil
	}
	for _, ok := range values {
		if *v == ok {
			return nil
		}
	}
	msg := "must be one of"
	for i, ok := range values {
		if i > 0 {
			msg += ","
		}
		msg += " " + ok
	}
	return fieldErr(CodeInvalidField, field, msg)
}

func (r *Record) validateWeight() error {
	req := !r.Deleted
	if err := checkEnum("unit", r.Unit, req, "kg", "lb"); err != nil {
		return err
	}
	max := MaxWeightKg
	if r.Unit != nil && *r.Unit == "lb" {
		max = MaxWeightLb
	}
	unit := "kg"
	if r.Unit != nil {
		unit = *r.Unit
	}
	if err := checkPositive("weight", r.Weight, max, unit, req); err != nil {
		return err
	}
	if r.IsGoal == nil && req {
		return fieldErr(CodeMissingField, "isGoal", "is required")
	}
	return nil
}

func (r *Record) validateMedication() error {
	req := !r.Deleted
	if err := checkText("name", r.Name, MaxNameLength, req); err != nil {
		return err
	}
	if err := checkText("dosage", r.Dosage, MaxNameLength, req); err != nil {
		return err
	}
	return checkEnum("medicationType", r.MedicationType, req, "daily", "exacerbation")
}

func (r *Record) validateOxygen() error {
	if r.Level == nil {
		if r.Deleted {
			return nil
		}
		return fieldErr(CodeMissingField, "level", "is required")
	}
	l := *r.Level
	if l != math.Trunc(l) {
		return fieldErr(CodeInvalidField, "level", "must be a whole number of percent")
	}
	if l < MinOxygenLevel || l > MaxOxygenLevel {
		return fieldErr(CodeOutOfRange, "level", fmt.Sprintf("must be from %d to %d percent", MinOxygenLevel, MaxOxygenLevel))
	}
	return nil
}

func (r *Record) validateExercise() error {
	req := !r.Deleted
	if err := checkText("exerciseType", r.ExerciseType, MaxNameLength, req); err != nil {
		return err
	}
	return checkPositive("minutes", r.Minutes, MaxMinutes, "minutes", req)
}

// waterMl is how many millilitres one unit of water is.
var waterMl = map[string]float64{"ml": 1, "oz": 29.5735, "cup": 236.588}

func (r *Record) validateWater() error {
	req := !r.Deleted
	if err := checkEnum("unit", r.Unit, req, "ml", "oz", "cup"); err != nil {
		return err
	}
	max := MaxWaterMl
	unit := "ml"
	if r.Unit != nil {
		unit = *r.Unit
		max = math.Floor(MaxWaterMl / waterMl[unit])
	}
	return checkPositive("amount", r.Amount, max, unit, req)
}

// WaterMl returns the record's water amount in millilitres.
func (r *Record) WaterMl() float64 {
	if r.Amount == nil || r.Unit == nil {
		return 0
	}
	return *r.Amount * waterMl[*r.Unit]
}

func (r *Record) validateFood() error {
	req := !r.Deleted
	if err := checkEnum("meal", r.Meal, req, "breakfast", "lunch", "dinner", "snack"); err != nil {
		return err
	}
	if err := checkText("category", r.Category, MaxNameLength, req); err != nil {
		return err
	}
	if err := checkText("description", r.Description, MaxDescriptionLength, false); err != nil {
		return err
	}
	if r.Calories != nil && (math.IsNaN(*r.Calories) || *r.Calories < 0 || *r.Calories > MaxCalories) {
		return fieldErr(CodeOutOfRange, "calories", fmt.Sprintf("must be from 0 to %g", MaxCalories))
	}
	return nil
}

// Normalized returns the record as it is stored: a tombstone keeps only its
// envelope, so a deleted record's health values are not retained.
func (r Record) Normalized() Record {
	if !r.Deleted {
		return r
	}
	return Record{ID: r.ID, Type: r.Type, Date: r.Date, Time: r.Time, UpdatedAt: r.UpdatedAt, Deleted: true}
}

// Version orders the writes of one record across devices: the later
// UpdatedAt wins, and equal instants are broken by comparing content hashes,
// so every device and every replay converges on the same winner.
type Version struct {
	// UpdatedAt is updatedAt as Unix nanoseconds (offsets normalised away).
	UpdatedAt int64
	// Hash is the hex SHA-256 (first 128 bits) of the normalised record.
	Hash string
}

// After reports whether v beats o.
func (v Version) After(o Version) bool {
	if v.UpdatedAt != o.UpdatedAt {
		return v.UpdatedAt > o.UpdatedAt
	}
	return v.Hash > o.Hash
}

// Version returns the record's version. It assumes a validated record.
func (r Record) Version() Version {
	n := r.Normalized()
	t, _ := time.Parse(time.RFC3339Nano, n.UpdatedAt)
	b, _ := json.Marshal(n)
	sum := sha256.Sum256(b)
	return Version{UpdatedAt: t.UnixNano(), Hash: hex.EncodeToString(sum[:16])}
}
