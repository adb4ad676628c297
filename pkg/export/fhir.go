package export

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"regexp"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
)

// FHIR R4 systems and codes used by the export.
const (
	LOINC = "http://loinc.org"
	UCUM  = "http://unitsofmeasure.org"
	// ObservationCategory is HL7's observation category code system.
	ObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category"
	// CodeSystem is COPD Fuel's own code system, for what LOINC has no code
	// we could vouch for. Its codes:
	//   water-intake    Observation: water drunk (valueQuantity in mL, [foz_us] or [cup_us])
	//   food-entry      Observation: one logged food entry (valueString: description)
	//   meal            component: breakfast | lunch | dinner | snack (valueCodeableConcept)
	//   food-category   component: the app's food category (valueString)
	//   calories        component: energy of the entry (valueQuantity, kcal)
	//   exercise-type   component of a 55411-3 Observation: e.g. walking (valueString)
	//   daily           MedicationStatement.category: daily maintenance medication
	//   exacerbation    MedicationStatement.category: exacerbation (rescue) medication
	//   breakfast, lunch, dinner, snack: values of the meal component
	CodeSystem = "https://copdfuel.example/fhir/CodeSystem/copd-fuel"
	// LocalTimeExtension carries the local time of day a record was logged
	// (valueTime, hh:mm:ss). FHIR's dateTime requires a time zone whenever it
	// has a time, and the apps log local wall-clock time without one, so
	// effectiveDateTime keeps day precision (YYYY-MM-DD, valid without a
	// zone) and the time travels in this extension instead of being given a
	// guessed offset.
	LocalTimeExtension = "https://copdfuel.example/fhir/StructureDefinition/local-time"
)

// idNamespace is the UUID namespace of export resource ids (a random v4
// UUID, fixed forever: changing it changes every exported id).
var idNamespace = [16]byte{0x6f, 0x1c, 0x2b, 0x0e, 0x93, 0x4a, 0x4d, 0x5e, 0x8a, 0x61, 0x2c, 0x57, 0xd0, 0x3b, 0x9e, 0x14}

// fhirID is FHIR's id syntax.
var fhirID = regexp.MustCompile(`^[A-Za-z0-9.-]{1,64}$`)

// ResourceID returns the FHIR id of a patient's record: a name-based UUID
// (version 5, RFC 9562) of patient id, record type and record id. It is the
// same on every export, so a receiver can de-duplicate and update; the
// patient id is part of the name because record ids are client-generated
// and unique only per patient. Record ids themselves can hold '_' and run
// to 64 characters, so they cannot be FHIR ids as they are.
func ResourceID(patientID string, t copd.RecordType, recordID string) string {
	h := sha1.New()
	h.Write(idNamespace[:])
	h.Write([]byte(patientID + "/" + string(t) + "/" + recordID))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// Bundle is a FHIR R4 Bundle, with only the elements the export uses.
type Bundle struct {
	ResourceType string       `json:"resourceType"`
	Type         string       `json:"type"`
	Link         []BundleLink `json:"link,omitempty"`
	Entry        []Entry      `json:"entry,omitempty"`
}

// BundleLink is a Bundle.link (self, next).
type BundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

// Entry is a Bundle.entry.
type Entry struct {
	FullURL  string      `json:"fullUrl"`
	Resource Resource    `json:"resource"`
	Search   EntrySearch `json:"search"`
}

// EntrySearch is Bundle.entry.search.
type EntrySearch struct {
	Mode string `json:"mode"`
}

// Resource holds the elements of the three resource types the export makes:
// Observation, MedicationStatement and Goal. Only those of ResourceType are
// set; the rest are omitted from the JSON.
type Resource struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id"`
	Meta         *Meta        `json:"meta,omitempty"`
	Extension    []Extension  `json:"extension,omitempty"`
	Identifier   []Identifier `json:"identifier,omitempty"`
	// Observation and MedicationStatement.
	Status string `json:"status,omitempty"`
	// Goal.
	LifecycleStatus string `json:"lifecycleStatus,omitempty"`
	// Category is MedicationStatement.category (0..1); Categories is
	// Observation.category (0..*). MarshalJSON writes the right one.
	Category   *CodeableConcept  `json:"-"`
	Categories []CodeableConcept `json:"-"`
	// Observation.
	Code *CodeableConcept `json:"code,omitempty"`
	// MedicationStatement.
	MedicationCodeableConcept *CodeableConcept `json:"medicationCodeableConcept,omitempty"`
	// Goal.
	Description *CodeableConcept `json:"description,omitempty"`
	Subject     Reference        `json:"subject"`
	// Observation and MedicationStatement: the local date (day precision).
	EffectiveDateTime string `json:"effectiveDateTime,omitempty"`
	// Goal.
	StartDate string `json:"startDate,omitempty"`
	// MedicationStatement: when the patient logged it (updatedAt, with its offset).
	DateAsserted      string     `json:"dateAsserted,omitempty"`
	InformationSource *Reference `json:"informationSource,omitempty"`
	// Observation.
	Performer     []Reference `json:"performer,omitempty"`
	ValueQuantity *Quantity   `json:"valueQuantity,omitempty"`
	ValueString   string      `json:"valueString,omitempty"`
	Component     []Component `json:"component,omitempty"`
	// MedicationStatement.
	Dosage []Dosage `json:"dosage,omitempty"`
	// Goal.
	Target []GoalTarget `json:"target,omitempty"`
}

// MarshalJSON writes category as an array (Observation 0..*) or as a
// single CodeableConcept (MedicationStatement 0..1), as R4 defines it.
func (r Resource) MarshalJSON() ([]byte, error) {
	type plain Resource
	switch r.ResourceType {
	case "MedicationStatement":
		return json.Marshal(struct {
			plain
			Category *CodeableConcept `json:"category,omitempty"`
		}{plain(r), r.Category})
	default:
		return json.Marshal(struct {
			plain
			Categories []CodeableConcept `json:"category,omitempty"`
		}{plain(r), r.Categories})
	}
}

// Meta is Resource.meta.
type Meta struct {
	// LastUpdated is the record's updatedAt (an instant with its offset).
	LastUpdated string `json:"lastUpdated"`
}

// Extension is an extension with a time value.
type Extension struct {
	URL       string `json:"url"`
	ValueTime string `json:"valueTime"`
}

// Identifier is the app's own id of the record.
type Identifier struct {
	System string `json:"system"`
	Value  string `json:"value"`
}

// CodeableConcept is a FHIR CodeableConcept.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Coding is a FHIR Coding.
type Coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

// Reference is a FHIR Reference.
type Reference struct {
	Reference string `json:"reference"`
}

// Quantity is a FHIR Quantity with a UCUM unit. Value is a JSON number (FHIR
// decimal); the export only writes finite values.
type Quantity struct {
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	System string  `json:"system"`
	Code   string  `json:"code"`
}

// Component is an Observation.component.
type Component struct {
	Code                 CodeableConcept  `json:"code"`
	ValueQuantity        *Quantity        `json:"valueQuantity,omitempty"`
	ValueString          string           `json:"valueString,omitempty"`
	ValueCodeableConcept *CodeableConcept `json:"valueCodeableConcept,omitempty"`
}

// Dosage is a MedicationStatement.dosage with free text only.
type Dosage struct {
	Text string `json:"text"`
}

// GoalTarget is a Goal.target.
type GoalTarget struct {
	Measure        CodeableConcept `json:"measure"`
	DetailQuantity *Quantity       `json:"detailQuantity,omitempty"`
}

// IdentifierSystem names the apps' record ids (type/id) in
// Resource.identifier.
const IdentifierSystem = "https://copdfuel.example/fhir/NamingSystem/record-id"

var (
	bodyWeight = CodeableConcept{Coding: []Coding{{System: LOINC, Code: "29463-7", Display: "Body weight"}}, Text: "Body weight"}
	spo2       = CodeableConcept{Coding: []Coding{
		{System: LOINC, Code: "2708-6", Display: "Oxygen saturation in Arterial blood"},
		{System: LOINC, Code: "59408-5", Display: "Oxygen saturation in Arterial blood by Pulse oximetry"},
	}, Text: "Oxygen saturation (SpO2)"}
	exerciseDuration = CodeableConcept{Coding: []Coding{{System: LOINC, Code: "55411-3", Display: "Exercise duration"}}, Text: "Exercise duration"}
	waterIntake      = CodeableConcept{Coding: []Coding{{System: CodeSystem, Code: "water-intake", Display: "Water intake"}}, Text: "Water intake"}
	foodEntry        = CodeableConcept{Coding: []Coding{{System: CodeSystem, Code: "food-entry", Display: "Food entry"}}, Text: "Food entry"}
	vitalSigns       = []CodeableConcept{{Coding: []Coding{{System: ObservationCategory, Code: "vital-signs", Display: "Vital Signs"}}}}
	activity         = []CodeableConcept{{Coding: []Coding{{System: ObservationCategory, Code: "activity", Display: "Activity"}}}}
	medCategory      = map[string]*CodeableConcept{
		"daily":        {Coding: []Coding{{System: CodeSystem, Code: "daily", Display: "Daily maintenance medication"}}, Text: "Daily"},
		"exacerbation": {Coding: []Coding{{System: CodeSystem, Code: "exacerbation", Display: "Exacerbation (rescue) medication"}}, Text: "Exacerbation"},
	}
	localConcept = func(code string) CodeableConcept {
		return CodeableConcept{Coding: []Coding{{System: CodeSystem, Code: code}}}
	}
)

// ucum maps the apps' units to UCUM codes and display units.
var ucum = map[string]struct{ code, unit string }{
	"kg":  {"kg", "kg"},
	"lb":  {"[lb_av]", "lb"},
	"ml":  {"mL", "mL"},
	"oz":  {"[foz_us]", "fl oz"},
	"cup": {"[cup_us]", "cup"},
}

func quantity(v float64, unit string) *Quantity {
	u := ucum[unit]
	return &Quantity{Value: v, Unit: u.unit, System: UCUM, Code: u.code}
}

// EncodeFHIR writes p as a FHIR R4 Bundle of type searchset: each weight,
// oxygen, exercise, water and food record becomes an Observation, each
// medication record a MedicationStatement, and each goal weight a Goal. See
// the package constants for codes and systems. Resource ids are ResourceID
// and each entry's fullUrl is urn:uuid:<id>.
func EncodeFHIR(w io.Writer, p Page) error {
	b, err := BuildBundle(p)
	if err != nil {
		return err
	}
	return json.NewEncoder(w).Encode(b)
}

// BuildBundle returns the Bundle that EncodeFHIR writes. Its only error is
// Internal, for a patient id that is not a FHIR id.
func BuildBundle(p Page) (Bundle, error) {
	if !fhirID.MatchString(p.PatientID) {
		return Bundle{}, errs.E(errs.Internal, "internal", "patient id is not a FHIR id")
	}
	b := Bundle{ResourceType: "Bundle", Type: "searchset"}
	if p.SelfURL != "" {
		b.Link = append(b.Link, BundleLink{Relation: "self", URL: p.SelfURL})
	}
	if p.NextURL != "" {
		b.Link = append(b.Link, BundleLink{Relation: "next", URL: p.NextURL})
	}
	subject := Reference{Reference: "Patient/" + p.PatientID}
	b.Entry = make([]Entry, 0, len(p.Records))
	for _, sr := range p.Records {
		if sr.Deleted {
			continue
		}
		res, ok := resource(sr.Record, subject)
		if !ok {
			continue // a stored record missing its type's fields: never valid input
		}
		res.ID = ResourceID(p.PatientID, sr.Type, sr.ID)
		res.Meta = &Meta{LastUpdated: sr.UpdatedAt}
		res.Identifier = []Identifier{{System: IdentifierSystem, Value: string(sr.Type) + "/" + sr.ID}}
		if sr.Time != "" {
			res.Extension = []Extension{{URL: LocalTimeExtension, ValueTime: sr.Time + ":00"}}
		}
		b.Entry = append(b.Entry, Entry{FullURL: "urn:uuid:" + res.ID, Resource: res, Search: EntrySearch{Mode: "match"}})
	}
	return b, nil
}

func resource(r copd.Record, subject Reference) (Resource, bool) {
	obs := Resource{ResourceType: "Observation", Status: "final", Subject: subject, EffectiveDateTime: r.Date, Performer: []Reference{subject}}
	switch r.Type {
	case copd.TypeWeight:
		if r.Weight == nil || r.Unit == nil {
			return Resource{}, false
		}
		if r.IsGoal != nil && *r.IsGoal {
			// A goal is not a measurement: it is a Goal targeting body weight.
			return Resource{
				ResourceType: "Goal", LifecycleStatus: "active", Subject: subject,
				Description: &CodeableConcept{Text: "Target body weight"},
				StartDate:   r.Date,
				Target:      []GoalTarget{{Measure: bodyWeight, DetailQuantity: quantity(*r.Weight, *r.Unit)}},
			}, true
		}
		obs.Categories, obs.Code, obs.ValueQuantity = vitalSigns, &bodyWeight, quantity(*r.Weight, *r.Unit)
	case copd.TypeOxygen:
		if r.Level == nil {
			return Resource{}, false
		}
		obs.Categories, obs.Code = vitalSigns, &spo2
		obs.ValueQuantity = &Quantity{Value: *r.Level, Unit: "%", System: UCUM, Code: "%"}
	case copd.TypeExercise:
		if r.Minutes == nil {
			return Resource{}, false
		}
		obs.Categories, obs.Code = activity, &exerciseDuration
		obs.ValueQuantity = &Quantity{Value: *r.Minutes, Unit: "min", System: UCUM, Code: "min"}
		if r.ExerciseType != nil && *r.ExerciseType != "" {
			obs.Component = []Component{{Code: localConcept("exercise-type"), ValueString: *r.ExerciseType}}
		}
	case copd.TypeWater:
		if r.Amount == nil || r.Unit == nil {
			return Resource{}, false
		}
		obs.Code, obs.ValueQuantity = &waterIntake, quantity(*r.Amount, *r.Unit)
	case copd.TypeFood:
		if r.Meal == nil {
			return Resource{}, false
		}
		obs.Code = &foodEntry
		if r.Description != nil && *r.Description != "" {
			obs.ValueString = *r.Description
		}
		meal := localConcept(*r.Meal)
		obs.Component = []Component{{Code: localConcept("meal"), ValueCodeableConcept: &meal}}
		if r.Category != nil && *r.Category != "" {
			obs.Component = append(obs.Component, Component{Code: localConcept("food-category"), ValueString: *r.Category})
		}
		if r.Calories != nil {
			obs.Component = append(obs.Component, Component{Code: localConcept("calories"), ValueQuantity: &Quantity{Value: *r.Calories, Unit: "kcal", System: UCUM, Code: "kcal"}})
		}
	case copd.TypeMedication:
		if r.Name == nil || r.MedicationType == nil || medCategory[*r.MedicationType] == nil {
			return Resource{}, false
		}
		ms := Resource{
			ResourceType: "MedicationStatement", Status: "completed", Subject: subject,
			Category:                  medCategory[*r.MedicationType],
			MedicationCodeableConcept: &CodeableConcept{Text: *r.Name},
			EffectiveDateTime:         r.Date,
			DateAsserted:              r.UpdatedAt,
			InformationSource:         &subject,
		}
		if r.Dosage != nil && *r.Dosage != "" {
			ms.Dosage = []Dosage{{Text: *r.Dosage}}
		}
		return ms, true
	default:
		return Resource{}, false
	}
	return obs, true
}
