package apispec_test

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/route"
	"github.com/copdfuel/backend/scripts/apispec"
)

func mustSpec(t *testing.T) *apispec.Spec {
	t.Helper()
	s, err := apispec.LoadRepo()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustSchema(t *testing.T, s *apispec.Spec, name string) *openapi3.Schema {
	t.Helper()
	sch, err := s.Schema(name)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func roleSchemes(roles []copd.Role) []string {
	var out []string
	for _, r := range roles {
		out = append(out, string(r)+"IdToken")
	}
	sort.Strings(out)
	return out
}

// TestDocument_MatchesRouteTable: every route of pkg/route is an operation
// with the same method and path, the same roles (x-roles and security
// schemes) and body limit, and the document has no other operation.
func TestDocument_MatchesRouteTable(t *testing.T) {
	s := mustSpec(t)
	type op struct {
		Roles    []string
		Schemes  []string
		MaxBody  int
		HasBody  bool
		Has401   bool
		Has403   bool
		HasError bool
	}
	want := map[string]op{}
	for _, r := range route.Routes {
		var roles []string
		for _, x := range r.Roles {
			roles = append(roles, string(x))
		}
		want[r.Method+" "+r.Path] = op{Roles: roles, Schemes: roleSchemes(r.Roles), MaxBody: r.MaxBody, HasBody: r.MaxBody > 0, Has401: true, Has403: true}
	}
	got := map[string]op{}
	for path, item := range s.Doc.Paths.Map() {
		for method, o := range item.Operations() {
			var g op
			if roles, ok := o.Extensions["x-roles"].([]any); ok {
				for _, x := range roles {
					g.Roles = append(g.Roles, x.(string))
				}
			}
			if o.Security != nil {
				for _, req := range *o.Security {
					for name := range req {
						g.Schemes = append(g.Schemes, name)
					}
				}
			}
			sort.Strings(g.Schemes)
			if n, ok := o.Extensions["x-max-body-bytes"].(float64); ok {
				g.MaxBody = int(n)
			} else {
				t.Errorf("%s %s: no x-max-body-bytes", method, path)
			}
			g.HasBody = o.RequestBody != nil
			g.Has401 = o.Responses.Status(401) != nil
			g.Has403 = o.Responses.Status(403) != nil
			got[method+" "+path] = g
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("operations of docs/openapi.yaml against pkg/route.Routes (-route table +document):\n%s", diff)
	}
}

// TestDocument_Limits: the numbers in the document are pkg/copd's constants.
func TestDocument_Limits(t *testing.T) {
	s := mustSpec(t)
	f := func(v *float64) float64 {
		if v == nil {
			return math.NaN()
		}
		return *v
	}
	u := func(v *uint64) int {
		if v == nil {
			return -1
		}
		return int(*v)
	}
	prop := func(schema, p string) *openapi3.Schema {
		sch := mustSchema(t, s, schema).Properties[p]
		if sch == nil || sch.Value == nil {
			t.Fatalf("%s has no property %s", schema, p)
		}
		return sch.Value
	}
	sync := s.Doc.Paths.Value("/sync").Post
	type limit struct {
		name      string
		got, want float64
	}
	limits := []limit{
		{"records maxItems", float64(u(prop("SyncRequest", "records").MaxItems)), copd.MaxSyncRecords},
		{"results maxItems", float64(u(prop("SyncResponse", "results").MaxItems)), copd.MaxSyncRecords},
		{"x-max-records", sync.Extensions["x-max-records"].(float64), copd.MaxSyncRecords},
		{"x-max-body-bytes", sync.Extensions["x-max-body-bytes"].(float64), copd.MaxSyncBodyBytes},
		{"x-max-record-bytes", sync.Extensions["x-max-record-bytes"].(float64), copd.MaxRecordBytes},
		{"Record x-max-record-bytes", mustSchema(t, s, "Record").Extensions["x-max-record-bytes"].(float64), copd.MaxRecordBytes},
		{"id maxLength", float64(u(mustSchema(t, s, "RecordId").MaxLength)), copd.MaxIDLength},
		{"ShortText maxLength", float64(u(mustSchema(t, s, "ShortText").MaxLength)), copd.MaxNameLength},
		{"description maxLength", float64(u(prop("FoodRecord", "description").MaxLength)), copd.MaxDescriptionLength},
		{"weight maximum (lb)", f(prop("WeightRecord", "weight").Max), copd.MaxWeightLb},
		{"level minimum", f(prop("OxygenRecord", "level").Min), copd.MinOxygenLevel},
		{"level maximum", f(prop("OxygenRecord", "level").Max), copd.MaxOxygenLevel},
		{"minutes maximum", f(prop("ExerciseRecord", "minutes").Max), copd.MaxMinutes},
		{"amount maximum (ml)", f(prop("WaterRecord", "amount").Max), copd.MaxWaterMl},
		{"calories maximum", f(prop("FoodRecord", "calories").Max), copd.MaxCalories},
	}
	for _, l := range limits {
		if l.got != l.want {
			t.Errorf("%s = %v in docs/openapi.yaml, %v in pkg/copd", l.name, l.got, l.want)
		}
	}
	// The limits that depend on a unit live in if/then schemas; the edge
	// cases of TestDocument_RecordsAgreeWithValidate check them.
}

// codePatterns find the stable error codes in Go source: constants named
// Code... or code..., codes in struct literals (the gateway responses of
// pkg/route), and literal codes passed to errs.E or errs.Wrap.
var codePatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?m)^\s*(?:const\s+)?[Cc]ode\w*\s*=\s*"([a-z][a-z0-9_]*)"`),
	regexp.MustCompile(`\bCode:\s*"([a-z][a-z0-9_]*)"`),
	regexp.MustCompile(`errs\.(?:E|Wrap)\([^,]+,\s*"([a-z][a-z0-9_]*)"`),
}

// storeOnly are codes in the functions' packages that no route answers with
// yet: the stores' codes each handler maps, and the codes of routes being
// added. A route that answers with one must document it, and then it leaves
// this list (the test says so).
var storeOnly = map[string]string{
	"conflict":  "a lost conditional write: POST /sync classifies it as stale or unchanged",
	"not_found": "GET /me treats a missing profile or practice as not yet written",
}

// TestDocument_ErrorCodes: every error code the API can answer with is in
// the document, in the enum of an error response or of a record error, and
// the document lists no code the code does not have. "Can answer with" is
// the code in the packages the functions build from (go list -deps of each
// functions/<fn>), pkg/route (the gateway responses) and the local gateway.
func TestDocument_ErrorCodes(t *testing.T) {
	s := mustSpec(t)
	root := filepath.Dir(filepath.Dir(mustDocPath(t)))
	gatewayDirs := map[string]bool{filepath.Join(root, "pkg", "route"): true, filepath.Join(root, "scripts", "gateway"): true}
	dirs := map[string]bool{}
	for d := range gatewayDirs {
		dirs[d] = true
	}
	for _, fn := range route.Functions() {
		cmd := exec.Command("go", "list", "-deps", "-f", "{{.Dir}}", ".")
		cmd.Dir = filepath.Join(root, "functions", fn)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps in functions/%s: %v", fn, err)
		}
		for _, d := range strings.Fields(string(out)) {
			if strings.HasPrefix(d, root+string(filepath.Separator)) {
				dirs[d] = true
			}
		}
	}
	inCode := map[string]string{}
	for dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range files {
			if strings.HasSuffix(p, "_test.go") {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			for i, re := range codePatterns {
				// Struct literals with Code: are the gateway responses; in
				// other packages they are something else (FHIR codings).
				if i == 1 && !gatewayDirs[dir] {
					continue
				}
				for _, m := range re.FindAllSubmatch(b, -1) {
					rel, _ := filepath.Rel(root, p)
					inCode[string(m[1])] = rel
				}
			}
		}
	}
	inDoc := map[string]bool{}
	for name, ref := range s.Doc.Components.Schemas {
		collectCodes(name, ref.Value, inDoc, map[*openapi3.Schema]bool{})
	}
	for code, file := range inCode {
		if _, ok := storeOnly[code]; !inDoc[code] && !ok {
			t.Errorf("error code %q (%s) is not in docs/openapi.yaml", code, file)
		}
	}
	for code := range inDoc {
		if _, ok := inCode[code]; !ok {
			t.Errorf("docs/openapi.yaml lists error code %q, which the functions and gateways never answer with", code)
		}
		if _, ok := storeOnly[code]; ok {
			t.Errorf("error code %q is documented: take it off storeOnly", code)
		}
	}
	if len(inCode) < 20 {
		t.Errorf("found only %d codes in the Go code; the patterns need updating", len(inCode))
	}
}

// collectCodes gathers the enum values of every property named code in
// error and record-error schemas.
func collectCodes(name string, sch *openapi3.Schema, out map[string]bool, seen map[*openapi3.Schema]bool) {
	if sch == nil || seen[sch] {
		return
	}
	seen[sch] = true
	if strings.HasSuffix(name, "Error") {
		if c := sch.Properties["code"]; c != nil && c.Value != nil {
			for _, v := range c.Value.Enum {
				out[v.(string)] = true
			}
		}
	}
	for p, ref := range sch.Properties {
		if p == "error" {
			collectCodes(name, ref.Value, out, seen)
		}
	}
}

func mustDocPath(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return filepath.Join(dir, apispec.DocPath)
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("go.work not found")
		}
		dir = filepath.Dir(dir)
	}
}

// TestDocument_RecordsAgreeWithValidate feeds records at the edges of every
// limit to both the document's Record schema and pkg/copd's strict decoding
// and Validate, and wants the same verdict. (What a schema cannot say, dates
// in the future, is left to Validate.)
func TestDocument_RecordsAgreeWithValidate(t *testing.T) {
	s := mustSpec(t)
	record := mustSchema(t, s, "Record")
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	env := func(typ, fields string) string {
		return `{"id":"r-1","type":"` + typ + `","date":"2026-11-30","updatedAt":"2026-11-30T08:00:00+01:00"` + fields + `}`
	}
	long := func(c string, n int) string { return strings.Repeat(c, n) }
	tests := []struct {
		name, json string
		valid      bool
	}{
		{"weight kg", env("weight", `,"weight":71.4,"unit":"kg","isGoal":false`), true},
		{"weight 500 kg", env("weight", `,"weight":500,"unit":"kg","isGoal":true`), true},
		{"weight 500.1 kg", env("weight", `,"weight":500.1,"unit":"kg","isGoal":true`), false},
		{"weight 1100 lb", env("weight", `,"weight":1100,"unit":"lb","isGoal":false`), true},
		{"weight 1100.5 lb", env("weight", `,"weight":1100.5,"unit":"lb","isGoal":false`), false},
		{"weight 0", env("weight", `,"weight":0,"unit":"kg","isGoal":false`), false},
		{"weight unit st", env("weight", `,"weight":10,"unit":"st","isGoal":false`), false},
		{"weight without isGoal", env("weight", `,"weight":70,"unit":"kg"`), false},
		{"weight with a level", env("weight", `,"weight":70,"unit":"kg","isGoal":false,"level":90`), false},
		{"weight with an unknown field", env("weight", `,"weight":70,"unit":"kg","isGoal":false,"bmi":22`), false},
		{"weight tombstone", env("weight", `,"deleted":true`), true},
		{"weight tombstone over 500 kg", env("weight", `,"deleted":true,"weight":501,"unit":"kg"`), false},
		{"weight deleted false needs fields", env("weight", `,"deleted":false`), false},
		{"medication", env("medication", `,"name":"Tiotropium","dosage":"2 puffs","medicationType":"daily"`), true},
		{"medication exacerbation", env("medication", `,"name":"Salbutamol","dosage":"4 puffs","medicationType":"exacerbation"`), true},
		{"medication type other", env("medication", `,"name":"X","dosage":"1","medicationType":"weekly"`), false},
		{"medication name 200 runes", env("medication", `,"name":"`+long("é", 200)+`","dosage":"1","medicationType":"daily"`), true},
		{"medication name 201 runes", env("medication", `,"name":"`+long("é", 201)+`","dosage":"1","medicationType":"daily"`), false},
		{"medication empty dosage", env("medication", `,"name":"X","dosage":"","medicationType":"daily"`), false},
		{"medication control character", env("medication", `,"name":"X\u0007","dosage":"1","medicationType":"daily"`), false},
		{"medication tab and newline", env("medication", `,"name":"X\tY\nZ","dosage":"1","medicationType":"daily"`), true},
		{"oxygen 50", env("oxygen", `,"level":50`), true},
		{"oxygen 100", env("oxygen", `,"level":100`), true},
		{"oxygen 49", env("oxygen", `,"level":49`), false},
		{"oxygen 101", env("oxygen", `,"level":101`), false},
		{"oxygen 91.5", env("oxygen", `,"level":91.5`), false},
		{"oxygen 91.0", env("oxygen", `,"level":91.0`), true},
		{"oxygen as a string", env("oxygen", `,"level":"91"`), false},
		{"exercise", env("exercise", `,"exerciseType":"walking","minutes":25`), true},
		{"exercise 1440 minutes", env("exercise", `,"exerciseType":"walking","minutes":1440`), true},
		{"exercise 1441 minutes", env("exercise", `,"exerciseType":"walking","minutes":1441`), false},
		{"exercise 0 minutes", env("exercise", `,"exerciseType":"walking","minutes":0`), false},
		{"water 10000 ml", env("water", `,"amount":10000,"unit":"ml"`), true},
		{"water 10001 ml", env("water", `,"amount":10001,"unit":"ml"`), false},
		{"water 338 oz", env("water", `,"amount":338,"unit":"oz"`), true},
		{"water 339 oz", env("water", `,"amount":339,"unit":"oz"`), false},
		{"water 42 cups", env("water", `,"amount":42,"unit":"cup"`), true},
		{"water 43 cups", env("water", `,"amount":43,"unit":"cup"`), false},
		{"water unit l", env("water", `,"amount":1,"unit":"l"`), false},
		{"water unit kg", env("water", `,"amount":1,"unit":"kg"`), false},
		{"food", env("food", `,"meal":"lunch","category":"soup","description":"Lentil soup","calories":320`), true},
		{"food without calories or description", env("food", `,"meal":"snack","category":"fruit"`), true},
		{"food empty description", env("food", `,"meal":"snack","category":"fruit","description":""`), true},
		{"food description 2000", env("food", `,"meal":"snack","category":"fruit","description":"`+long("a", 2000)+`"`), true},
		{"food description 2001", env("food", `,"meal":"snack","category":"fruit","description":"`+long("a", 2001)+`"`), false},
		{"food 0 calories", env("food", `,"meal":"dinner","category":"x","calories":0`), true},
		{"food 10000 calories", env("food", `,"meal":"dinner","category":"x","calories":10000`), true},
		{"food 10001 calories", env("food", `,"meal":"dinner","category":"x","calories":10001`), false},
		{"food -1 calories", env("food", `,"meal":"dinner","category":"x","calories":-1`), false},
		{"food meal brunch", env("food", `,"meal":"brunch","category":"x"`), false},
		{"unknown type", env("sleep", `,"hours":8`), false},
		{"id 64 characters", strings.Replace(env("oxygen", `,"level":90`), "r-1", long("a", 64), 1), true},
		{"id 65 characters", strings.Replace(env("oxygen", `,"level":90`), "r-1", long("a", 65), 1), false},
		{"id with a slash", strings.Replace(env("oxygen", `,"level":90`), "r-1", "a/b", 1), false},
		{"id with ._-", strings.Replace(env("oxygen", `,"level":90`), "r-1", "A.b_c-9", 1), true},
		{"time 23:59", env("oxygen", `,"level":90,"time":"23:59"`), true},
		{"time 24:00", env("oxygen", `,"level":90,"time":"24:00"`), false},
		{"time 7:05", env("oxygen", `,"level":90,"time":"7:05"`), false},
		{"date 2026-1-5", strings.Replace(env("oxygen", `,"level":90`), "2026-11-30", "2026-1-5", 1), false},
		{"date 2026-02-30", strings.Replace(env("oxygen", `,"level":90`), "2026-11-30", "2026-02-30", 1), false},
		{"updatedAt with Z and fraction", strings.Replace(env("oxygen", `,"level":90`), "2026-11-30T08:00:00+01:00", "2026-11-30T08:00:00.123Z", 1), true},
		{"updatedAt without offset", strings.Replace(env("oxygen", `,"level":90`), "2026-11-30T08:00:00+01:00", "2026-11-30T08:00:00", 1), false},
		{"updatedAt with a space", strings.Replace(env("oxygen", `,"level":90`), "2026-11-30T08:00:00+01:00", "2026-11-30 08:00:00Z", 1), false},
		{"no updatedAt", `{"id":"r-1","type":"oxygen","date":"2026-11-30","level":90}`, false},
		{"no id", `{"type":"oxygen","date":"2026-11-30","updatedAt":"2026-11-30T08:00:00Z","level":90}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			docErr := apispec.ValidateJSON(record, []byte(tc.json))
			var rec copd.Record
			goErr := apigw.DecodeJSON([]byte(tc.json), &rec)
			if goErr == nil {
				goErr = rec.Validate(now)
			}
			if (docErr == nil) != tc.valid {
				t.Errorf("document: valid = %v, want %v (%v)", docErr == nil, tc.valid, docErr)
			}
			if (goErr == nil) != tc.valid {
				t.Errorf("pkg/copd: valid = %v, want %v (%v)", goErr == nil, tc.valid, goErr)
			}
		})
	}
}

// TestDocument_SyncResult: error is there exactly when status is invalid,
// with a documented code.
func TestDocument_SyncResult(t *testing.T) {
	s := mustSpec(t)
	sch := mustSchema(t, s, "SyncResponse")
	tests := []struct {
		name, json string
		valid      bool
	}{
		{"created", `{"results":[{"id":"a","type":"oxygen","status":"created"}]}`, true},
		{"invalid with error", `{"results":[{"id":"","type":"","status":"invalid","error":{"code":"missing_field","message":"id: is required"}}]}`, true},
		{"invalid without error", `{"results":[{"id":"a","type":"oxygen","status":"invalid"}]}`, false},
		{"created with error", `{"results":[{"id":"a","type":"oxygen","status":"created","error":{"code":"missing_field","message":"x"}}]}`, false},
		{"undocumented code", `{"results":[{"id":"a","type":"oxygen","status":"invalid","error":{"code":"bad","message":"x"}}]}`, false},
		{"unknown status", `{"results":[{"id":"a","type":"oxygen","status":"merged"}]}`, false},
		{"extra field", `{"results":[{"id":"a","type":"oxygen","status":"created","version":2}]}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := apispec.ValidateJSON(sch, []byte(tc.json))
			if (err == nil) != tc.valid {
				t.Errorf("valid = %v, want %v (%v)", err == nil, tc.valid, err)
			}
		})
	}
	statuses := mustSchema(t, s, "SyncStatus").Enum
	var want []any
	for _, st := range []copd.SyncStatus{copd.StatusCreated, copd.StatusUpdated, copd.StatusUnchanged, copd.StatusStale, copd.StatusDeleted, copd.StatusInvalid} {
		want = append(want, string(st))
	}
	if diff := cmp.Diff(want, statuses); diff != "" {
		t.Errorf("SyncStatus enum (-pkg/copd +document):\n%s", diff)
	}
	var types []string
	for _, rt := range copd.RecordTypes {
		types = append(types, string(rt))
	}
	var docTypes []string
	for k := range mustSchema(t, s, "Record").Discriminator.Mapping {
		docTypes = append(docTypes, k)
	}
	slices.Sort(types)
	slices.Sort(docTypes)
	if diff := cmp.Diff(types, docTypes); diff != "" {
		t.Errorf("record types (-pkg/copd +document):\n%s", diff)
	}
}
