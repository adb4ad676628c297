package export

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"

	"github.com/copdfuel/backend/pkg/copd"
)

// CSVHeader is the header row of every CSV page, in the fixed column order:
// the envelope, then each record type's fields in the order of
// copd.RecordTypes, each named as on the wire. A column a record's type does
// not have is empty. weightKg and waterMl are derived (kilograms; US fluid
// ounces and cups in millilitres) so that a spreadsheet need not convert.
var CSVHeader = []string{
	"id", "type", "date", "time", "updatedAt",
	"weight", "unit", "isGoal", "weightKg",
	"name", "dosage", "medicationType",
	"level",
	"exerciseType", "minutes",
	"amount", "waterMl",
	"meal", "category", "description", "calories",
}

// EncodeCSV writes p as RFC 4180 CSV (CRLF line ends) with a header row, so
// that every page is a CSV file of its own. Every cell is spreadsheet-safe
// (see SafeCell).
func EncodeCSV(w io.Writer, p Page) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	row := make([]string, len(CSVHeader))
	for _, r := range p.Records {
		if r.Deleted {
			continue
		}
		csvRow(row, r.Record)
		for i := range row {
			row[i] = SafeCell(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvRow(row []string, r copd.Record) {
	clear(row)
	row[0], row[1], row[2], row[3], row[4] = r.ID, string(r.Type), r.Date, r.Time, r.UpdatedAt
	switch r.Type {
	case copd.TypeWeight:
		row[5], row[6], row[7] = num(r.Weight), str(r.Unit), boolean(r.IsGoal)
		if r.Weight != nil && r.Unit != nil {
			kg := *r.Weight
			if *r.Unit == "lb" {
				kg *= 0.45359237
			}
			row[8] = strconv.FormatFloat(kg, 'f', 2, 64)
		}
	case copd.TypeMedication:
		row[9], row[10], row[11] = str(r.Name), str(r.Dosage), str(r.MedicationType)
	case copd.TypeOxygen:
		row[12] = num(r.Level)
	case copd.TypeExercise:
		row[13], row[14] = str(r.ExerciseType), num(r.Minutes)
	case copd.TypeWater:
		row[6], row[15] = str(r.Unit), num(r.Amount)
		if ml := r.WaterMl(); ml > 0 {
			row[16] = strconv.FormatFloat(ml, 'f', 1, 64)
		}
	case copd.TypeFood:
		row[17], row[18], row[19], row[20] = str(r.Meal), str(r.Category), str(r.Description), num(r.Calories)
	}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func num(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func boolean(p *bool) string {
	if p == nil {
		return ""
	}
	return strconv.FormatBool(*p)
}

// SafeCell defuses a cell that a spreadsheet would read as a formula (CSV or
// formula injection): one starting with = + - @, a tab or a carriage return
// gets a leading apostrophe, which spreadsheets show as text. No field of
// ours is a negative number, so a leading '-' is always escaped too (an id
// may start with '-'); the apostrophe then shows in the cell, which is the
// price of a rule simple enough to audit.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// jsonPage is the body of a JSON export page.
type jsonPage struct {
	// Records are the records as on the wire of POST /sync.
	Records []copd.Record `json:"records"`
	// NextCursor is the cursor of the next page; absent on the last page.
	NextCursor string `json:"nextCursor,omitempty"`
}

// EncodeJSON writes p as {"records": [...], "nextCursor": "..."}, each record
// exactly as the apps sync it (the same wire names and units).
func EncodeJSON(w io.Writer, p Page) error {
	out := jsonPage{Records: make([]copd.Record, 0, len(p.Records)), NextCursor: p.NextCursor}
	for _, r := range live(p.Records) {
		out.Records = append(out.Records, r.Record)
	}
	return json.NewEncoder(w).Encode(out)
}
