package localstack_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/route"
	"github.com/copdfuel/backend/scripts/apispec"
	"github.com/copdfuel/backend/scripts/localstack"
	"github.com/copdfuel/backend/scripts/seed"
)

// phi is the sentinel every PHI value below carries; numbers that carry no
// text get their own unusual values.
const phi = "zq9phi"

// TestNoPHIInStackLogs runs every route, on success and on its error paths,
// with PHI sentinels in the patient's email, every free-text record field,
// unusual numbers, the invite code, the User-Agent, query values, cursors,
// path parameters, unknown field names and duplicate keys, at log level
// debug, then greps what the system logs (every function's output and the
// gateway's access log; the stand-ins' own output is not ours): no
// sentinel may appear. It also checks that each route was logged with a
// 2xx and a 4xx, so the test cannot pass by logging nothing.
func TestNoPHIInStackLogs(t *testing.T) {
	mustRealFunctions(t)
	s := localstack.New(t, localstack.Options{Seed: true, SeedDays: 1, LogLevel: "debug"})
	doctorTok := s.MustSignIn(t, true, seed.DoctorEmail, seed.DoctorPassword, s.Accounts.DoctorTOTPSecret)
	email := phi + ".patient@example.test"
	patientSub, patientTok := s.MustSignUpPatient(t, email, "Sentinel#2026x")
	ua := "CopdFuel/1.0 " + phi + "-agent"

	do := func(t *testing.T, method, path, tok, body string, want int, unchecked bool) []byte {
		t.Helper()
		h := map[string]string{"User-Agent": ua}
		if tok != "" {
			h["Authorization"] = tok
		}
		if unchecked {
			h[apispec.UncheckedRequestHeader] = "PHI sentinel on an error path"
		}
		c := call{method: method, path: path, header: h}
		if body != "" {
			c.body, h["Content-Type"] = []byte(body), "application/json"
		}
		a := mustDo(t, s.Info.APIURL, c)
		if a.status != want {
			t.Fatalf("%s %s: status %d, want %d: %.300s", method, path, a.status, want, a.body)
		}
		return a.body
	}
	// Linking, with the invite code as a sentinel of its own.
	var inv struct{ Code string }
	if err := json.Unmarshal(do(t, "POST", "/invite", doctorTok, `{}`, 201, false), &inv); err != nil {
		t.Fatal(err)
	}
	code := inv.Code
	do(t, "GET", "/invites/"+code, patientTok, "", 200, false)
	do(t, "POST", "/consent", patientTok, `{"inviteCode":"`+code+`","consentType":"share_with_doctor"}`, 201, false)
	do(t, "POST", "/link-doctor", patientTok, `{"inviteCode":"`+code+`"}`, 200, false)
	// Records with PHI in every free-text field and unusual numbers.
	records := `{"records":[` +
		rec(copd.RecordType("medication"), "phi-m", field{"name", `"` + phi + `-med"`}, field{"dosage", `"` + phi + `-dose"`}) + `,` +
		rec(copd.RecordType("food"), "phi-f", field{"category", `"` + phi + `-cat"`}, field{"description", `"` + phi + `-food"`}, field{"calories", `987.654`}) + `,` +
		rec(copd.RecordType("exercise"), "phi-e", field{"exerciseType", `"` + phi + `-walk"`}, field{"minutes", `43.21`}) + `,` +
		rec(copd.RecordType("weight"), "phi-w", field{"weight", `123.4567`}) + `,` +
		rec(copd.RecordType("water"), "phi-h", field{"amount", `7.777`}, field{"unit", `"cup"`}) + `,` +
		// And invalid ones whose error messages name sentinel fields.
		rec(copd.RecordType("medication"), "phi-bad1", field{"name", `"` + strings.Repeat(phi, 40) + `"`}) + `,` +
		rec(copd.RecordType("oxygen"), "phi-bad2", field{phi + "field", `1`}) + `,` +
		rec(copd.RecordType("food"), "phi-bad3", field{"description", `"` + phi + `\u0000"`}) +
		`]}`
	do(t, "POST", "/sync", patientTok, records, 200, true)
	do(t, "GET", "/me", patientTok, "", 200, false)
	do(t, "GET", "/me", doctorTok, "", 200, false)
	do(t, "GET", "/invites", doctorTok, "", 200, false)
	views := route.Functions()
	for _, fn := range []string{"patients", "overview", "export", "accesslog"} {
		if !contains(views, fn) {
			t.Fatalf("route table lacks %s", fn)
		}
	}
	do(t, "GET", "/patients", doctorTok, "", 200, false)
	do(t, "GET", "/patients/"+patientSub+"/overview?days=7", doctorTok, "", 200, false)
	for _, f := range []string{"json", "csv", "fhir"} {
		do(t, "GET", "/patients/"+patientSub+"/export?format="+f, doctorTok, "", 200, false)
	}
	do(t, "GET", "/me/access-log", patientTok, "", 200, false)

	// Error paths of every route, each carrying sentinels.
	errorPaths := []struct {
		method, path, tok, body string
		want                    int
	}{
		{"POST", "/sync", patientTok, `{"records":[],"` + phi + `":1}`, 400},
		{"POST", "/sync", patientTok, `{"records":[{"` + phi + `dup":1,"` + phi + `dup":2}]}`, 200},
		{"POST", "/sync", patientTok, `{"records":[{"` + phi + `dup":1,"` + phi + `dup":2}],"records":[]}`, 400},
		{"POST", "/sync", doctorTok, records, 403},
		{"GET", "/me", "", "", 401},
		{"GET", "/me", patientTok, `{"` + phi + `":1}`, 400},
		{"POST", "/invite", doctorTok, `{"` + phi + `":1}`, 400},
		{"POST", "/invite", patientTok, `{}`, 403},
		{"GET", "/invites", patientTok, "", 403},
		{"GET", "/invites/" + phi + "-bad-code", patientTok, "", 400},
		{"GET", "/invites/" + code, doctorTok, "", 403},
		{"POST", "/consent", patientTok, `{"inviteCode":"` + phi + `","consentType":"share_with_doctor"}`, 400},
		{"POST", "/consent", patientTok, `{"inviteCode":"` + code + `","consentType":"` + phi + `"}`, 400},
		{"POST", "/consent", patientTok, `{"inviteCode":"2222-2222-22","consentType":"share_with_doctor"}`, 404},
		{"POST", "/link-doctor", patientTok, `{"inviteCode":"` + code + `","` + phi + `":"x"}`, 400},
		{"POST", "/link-doctor", patientTok, `{"inviteCode":"` + phi + `"}`, 400},
		{"DELETE", "/links/" + phi + "-doctor", patientTok, "", 404},
		{"DELETE", "/links/" + s.Accounts.DoctorSub, doctorTok, "", 403},
		{"GET", "/patients?" + phi + "=" + phi, doctorTok, "", 400},
		{"GET", "/patients?cursor=" + phi + "cursor", doctorTok, "", 400},
		{"GET", "/patients?limit=" + phi, doctorTok, "", 400},
		{"GET", "/patients/" + phi + "-patient/overview", doctorTok, "", 404},
		{"GET", "/patients/" + patientSub + "/overview?days=" + phi, doctorTok, "", 400},
		{"GET", "/patients/" + patientSub + "/export?format=" + phi, doctorTok, "", 400},
		{"GET", "/patients/" + patientSub + "/export?format=json&from=" + phi, doctorTok, "", 400},
		{"GET", "/patients/" + patientSub + "/export?format=json&cursor=" + phi, doctorTok, "", 400},
		{"GET", "/me/access-log?cursor=" + phi, patientTok, "", 400},
		{"GET", "/me/access-log", doctorTok, "", 403},
		{"GET", "/" + phi, patientTok, "", 404},
	}
	for _, e := range errorPaths {
		do(t, e.method, e.path, e.tok, e.body, e.want, true)
	}
	// Revoking, then the doctor's reads fail as not found.
	do(t, "DELETE", "/links/"+s.Accounts.DoctorSub, patientTok, "", 200, false)
	do(t, "GET", "/patients/"+patientSub+"/overview", doctorTok, "", 404, false)
	do(t, "GET", "/patients/"+patientSub+"/export?format=csv", doctorTok, "", 404, false)

	b, err := os.ReadFile(s.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	var ours []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "gateway ") || strings.HasPrefix(line, "[") {
			ours = append(ours, line)
		}
	}
	sentinels := []string{phi, "123.4567", "987.654", "43.21", "7.777", code, strings.ReplaceAll(code, "-", ""), "CopdFuel/1.0"}
	for _, line := range ours {
		for _, sv := range sentinels {
			if strings.Contains(strings.ToLower(line), strings.ToLower(sv)) {
				t.Errorf("PHI sentinel %q in the log: %s", sv, line)
			}
		}
	}
	// Every route logged both a success and a client error.
	seen := map[string]map[byte]bool{}
	re := regexp.MustCompile(`^gateway (\S+) (\S+) (\d)\d\d `)
	for _, line := range ours {
		if m := re.FindStringSubmatch(line); m != nil {
			k := m[1] + " " + m[2]
			if seen[k] == nil {
				seen[k] = map[byte]bool{}
			}
			seen[k][m[3][0]] = true
		}
	}
	for _, rt := range route.Routes {
		k := rt.Method + " " + rt.Path
		if !seen[k]['2'] || !seen[k]['4'] {
			t.Errorf("%s: logged statuses %v, want a 2xx and a 4xx (the test must cover it)", k, seen[k])
		}
	}
	t.Logf("%d log lines of ours checked for %d sentinels", len(ours), len(sentinels))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
