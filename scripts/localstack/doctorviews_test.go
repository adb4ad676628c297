package localstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/dynamo"
	"github.com/copdfuel/backend/scripts/admin"
	"github.com/copdfuel/backend/scripts/apispec"
	"github.com/copdfuel/backend/scripts/localstack"
	"github.com/copdfuel/backend/scripts/seed"
	"github.com/copdfuel/backend/scripts/signin"
)

// doctorViews is the state the doctor-view tests share: one seeded stack,
// the demo accounts, and doctors in every relation to the demo patient.
type doctorViews struct {
	s                                *localstack.Stack
	patientTok, doctorTok            string
	otherPatientSub, otherPatientTok string
	neverTok, pendingTok, revokedTok string
	neverSub, pendingSub, revokedSub string
	reads                            map[string]copd.AuditAction // request id -> action of each successful doctor read of the demo patient
	bigSub, bigTok                   string
	bigRecords                       []copd.Record
}

// mustDoctor creates a doctor with the admin command, sets a password,
// enrols TOTP and signs in.
func mustDoctor(t *testing.T, s *localstack.Stack, adm *admin.Admin, email string) (sub, token string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d, err := adm.CreateDoctor(ctx, email, "Dr "+email[:4], seed.PracticeID, "")
	if err != nil {
		t.Fatal(err)
	}
	const pw = "MatrixDoctor#2026"
	if _, err := s.Cognito.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(s.Pools.DoctorPoolID),
		Username: aws.String(email), Password: aws.String(pw), Permanent: true}); err != nil {
		t.Fatal(err)
	}
	secret, err := signin.EnrollTOTP(ctx, s.Cognito, s.Pools.DoctorPoolID, s.Pools.DoctorClientID, email, pw)
	if err != nil {
		t.Fatal(err)
	}
	return d.Sub, s.MustSignIn(t, true, email, pw, secret)
}

// api sends a request with a token and returns the answer.
func (v *doctorViews) api(t *testing.T, method, path, tok string, body []byte) answer {
	t.Helper()
	c := call{method: method, path: path, header: map[string]string{}, body: body}
	if tok != "" {
		c.header["Authorization"] = tok
	} else {
		c.header[apispec.UncheckedRequestHeader] = "no token on purpose: the access-control matrix"
	}
	if body != nil {
		c.header["Content-Type"] = "application/json"
	}
	return mustDo(t, v.s.Info.APIURL, c)
}

func mustJSON[T any](t *testing.T, a answer) T {
	t.Helper()
	var v T
	if a.status != http.StatusOK {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("%v: %s", err, a.body)
	}
	return v
}

// read is a doctor read of the demo patient that the access log must show.
func (v *doctorViews) read(t *testing.T, path string, action copd.AuditAction) answer {
	t.Helper()
	a := v.api(t, "GET", path, v.doctorTok, nil)
	if a.status == http.StatusOK {
		v.reads[a.header.Get("X-Amzn-Requestid")] = action
	}
	return a
}

func mustDoctorViews(t *testing.T) *doctorViews {
	t.Helper()
	mustRealFunctions(t)
	s := localstack.New(t, localstack.Options{Seed: true, SeedDays: 30})
	v := &doctorViews{s: s, reads: map[string]copd.AuditAction{}}
	v.patientTok = s.MustSignIn(t, false, seed.PatientEmail, seed.PatientPassword, "")
	v.doctorTok = s.MustSignIn(t, true, seed.DoctorEmail, seed.DoctorPassword, s.Accounts.DoctorTOTPSecret)
	v.otherPatientSub, v.otherPatientTok = s.MustSignUpPatient(t, "other.patient@example.test", "OtherPatient#2026")
	adm := &admin.Admin{Store: dynamo.New(s.Dynamo, s.Table), Cognito: s.Cognito, DoctorPoolID: s.Pools.DoctorPoolID, Now: time.Now}
	v.neverSub, v.neverTok = mustDoctor(t, s, adm, "never@clinic.example")
	v.pendingSub, v.pendingTok = mustDoctor(t, s, adm, "pending@clinic.example")
	v.revokedSub, v.revokedTok = mustDoctor(t, s, adm, "revoked@clinic.example")

	// Pending: an invite the demo patient consented to but never linked.
	a := v.api(t, "POST", "/invite", v.pendingTok, nil)
	var inv struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(a.body, &inv); a.status != http.StatusCreated || err != nil {
		t.Fatalf("invite: %d %s", a.status, a.body)
	}
	if a := v.api(t, "POST", "/consent", v.patientTok, []byte(`{"inviteCode":"`+inv.Code+`","consentType":"share_with_doctor"}`)); a.status != http.StatusCreated {
		t.Fatalf("consent: %d %s", a.status, a.body)
	}
	// Revoked: linked through the API, then revoked by the patient.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := seed.Link(ctx, http.DefaultClient, s.Info.APIURL, v.revokedTok, v.patientTok, v.revokedSub); err != nil {
		t.Fatal(err)
	}
	if a := v.api(t, "DELETE", "/links/"+v.revokedSub, v.patientTok, nil); a.status != http.StatusOK {
		t.Fatalf("revoke: %d %s", a.status, a.body)
	}
	return v
}

func TestDoctorViews_LocalStack(t *testing.T) {
	v := mustDoctorViews(t)
	s := v.s
	pid := s.Accounts.PatientSub

	t.Run("access-control matrix", func(t *testing.T) { v.matrix(t) })
	t.Run("the demo doctor lists the demo patient with correct flags", func(t *testing.T) { v.listFlags(t) })
	t.Run("the overview matches a computation over the seeded records", func(t *testing.T) { v.overviewNumbers(t) })
	t.Run("the FHIR export validates as R4", func(t *testing.T) { v.fhirValidates(t) })
	t.Run("over 1 MB of records export completely across pages", func(t *testing.T) { v.bigExport(t) })
	t.Run("the patient's access log shows each read", func(t *testing.T) {
		var got = map[string]copd.AuditAction{}
		path := "/me/access-log?limit=7"
		for range 100 {
			l := mustJSON[struct {
				Entries []struct {
					RequestID    string           `json:"requestId"`
					Action       copd.AuditAction `json:"action"`
					DoctorID     string           `json:"doctorId"`
					DoctorName   string           `json:"doctorName"`
					PracticeName string           `json:"practiceName"`
				} `json:"entries"`
				NextCursor string `json:"nextCursor"`
			}](t, v.api(t, "GET", path, v.patientTok, nil))
			for _, e := range l.Entries {
				if e.DoctorID == s.Accounts.DoctorSub && (e.DoctorName != "Dr. Dana Reyes" || e.PracticeName != "Riverside Pulmonary Clinic") {
					t.Errorf("entry names: %+v", e)
				}
				got[e.RequestID] = e.Action
			}
			if l.NextCursor == "" {
				break
			}
			path = "/me/access-log?limit=7&cursor=" + url.QueryEscape(l.NextCursor)
		}
		if len(v.reads) < 5 {
			t.Fatalf("only %d reads recorded by the test", len(v.reads))
		}
		for id, action := range v.reads {
			if got[id] != action {
				t.Errorf("read %s (%s) is not in the access log (%q)", id, action, got[id])
			}
		}
		if len(got) != len(v.reads) {
			t.Errorf("access log has %d entries, the test made %d successful reads", len(got), len(v.reads))
		}
		// The other patient sees none of them.
		other := mustJSON[struct {
			Entries []json.RawMessage `json:"entries"`
		}](t, v.api(t, "GET", "/me/access-log", v.otherPatientTok, nil))
		if len(other.Entries) != 0 {
			t.Errorf("another patient sees %d entries", len(other.Entries))
		}
	})
	_ = pid
}

// matrix: every doctor route (and the patient's access log) against every
// kind of caller, with real tokens from the local pools.
func (v *doctorViews) matrix(t *testing.T) {
	s := v.s
	pid := s.Accounts.PatientSub
	key := mustCognitoLocalKey(t)
	base := claimsOf(t, v.doctorTok)
	forge := func(changes map[string]any) string {
		c := map[string]any{}
		for k, x := range base {
			c[k] = x
		}
		for k, x := range changes {
			c[k] = x
		}
		return mustForge(t, key, c)
	}
	now := time.Now().Unix()
	callers := []struct {
		name string
		tok  string
		// kind selects the expected status per route.
		kind string
	}{
		{"no token", "", "401"},
		{"bad signature", tamper(t, v.doctorTok), "401"},
		{"expired", forge(map[string]any{"exp": now - 60, "iat": now - 3660}), "401"},
		{"wrong pool", forge(map[string]any{"iss": s.Issuer("local_Nope1234")}), "401"},
		{"wrong audience", forge(map[string]any{"aud": s.Pools.PatientClientID}), "401"},
		{"patient on own data", v.patientTok, "patient"},
		{"patient on another's", v.otherPatientTok, "patient"},
		{"doctor linked", v.doctorTok, "linked"},
		{"doctor never linked", v.neverTok, "unlinked"},
		{"doctor pending", v.pendingTok, "unlinked"},
		{"doctor revoked", v.revokedTok, "unlinked"},
	}
	routes := []struct {
		path string
		want map[string]int
	}{
		{"/patients", map[string]int{"401": 401, "patient": 403, "linked": 200, "unlinked": 200}},
		{"/patients/" + pid + "/overview?days=7", map[string]int{"401": 401, "patient": 403, "linked": 200, "unlinked": 404}},
		{"/patients/" + pid + "/export?format=csv", map[string]int{"401": 401, "patient": 403, "linked": 200, "unlinked": 404}},
		{"/patients/" + pid + "/export?format=fhir&from=2020-01-01", map[string]int{"401": 401, "patient": 403, "linked": 200, "unlinked": 404}},
		{"/me/access-log", map[string]int{"401": 401, "patient": 200, "linked": 403, "unlinked": 403}},
	}
	var notFound []byte
	for _, r := range routes {
		for _, c := range callers {
			t.Run(r.path+" "+c.name, func(t *testing.T) {
				a := v.api(t, "GET", r.path, c.tok, nil)
				want := r.want[c.kind]
				if a.status != want {
					t.Fatalf("status %d, want %d: %s", a.status, want, a.body)
				}
				switch {
				case want == 200 && c.kind == "linked" && r.path != "/me/access-log":
					action := copd.AuditOverview
					switch {
					case r.path == "/patients":
						action = copd.AuditList
					case bytes.Contains([]byte(r.path), []byte("/export")):
						action = copd.AuditExport
					}
					v.reads[a.header.Get("X-Amzn-Requestid")] = action
				case want == 200 && r.path == "/patients":
					// A doctor without an active link lists nobody, least of all the demo patient.
					if bytes.Contains(a.body, []byte(pid)) {
						t.Errorf("an unlinked doctor's list shows the demo patient: %s", a.body)
					}
				case want == 404:
					e := mustErrorBody(t, a)
					body := []byte(e.Error.Code + "|" + e.Error.Message)
					if notFound == nil {
						notFound = body
					}
					if !bytes.Equal(body, notFound) || e.Error.Code != "patient_not_found" {
						t.Errorf("404 body %s differs from %s", body, notFound)
					}
				}
			})
		}
	}
	// An id that does not exist answers exactly like a patient one may not read.
	a := v.api(t, "GET", "/patients/00000000-0000-4000-8000-000000000000/overview", v.doctorTok, nil)
	if e := mustErrorBody(t, a); a.status != 404 || e.Error.Code+"|"+e.Error.Message != string(notFound) {
		t.Errorf("unknown id: %d %s", a.status, a.body)
	}
}

// localBounds are the earliest and latest local dates on Earth now.
func localBounds(now time.Time) (lo, hi string) {
	return now.Add(-12 * time.Hour).UTC().Format(time.DateOnly), now.Add(14 * time.Hour).UTC().Format(time.DateOnly)
}

func addDays(d string, n int) string {
	t, _ := time.Parse(time.DateOnly, d)
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

// listFlags computes the flags from seed.Records independently of
// pkg/overview and compares them with GET /patients.
func (v *doctorViews) listFlags(t *testing.T) {
	now := time.Now()
	today, _ := localBounds(now)
	var lowOx, rescue bool
	var weights []float64
	for _, r := range seed.Records(now, 30) {
		switch {
		case r.Type == copd.TypeOxygen && r.Date >= addDays(today, -6) && *r.Level < 88:
			lowOx = true
		case r.Type == copd.TypeMedication && r.Date >= addDays(today, -6) && *r.MedicationType == "exacerbation":
			rescue = true
		case r.Type == copd.TypeWeight && !*r.IsGoal && r.Date >= addDays(today, -7):
			w := *r.Weight
			if *r.Unit == "lb" {
				w *= 0.45359237
			}
			weights = append(weights, w)
		}
	}
	weightChange := len(weights) > 1 && slices.Max(weights)-slices.Min(weights) > 2
	l := mustJSON[struct {
		Patients []struct {
			PatientID   string `json:"patientId"`
			DisplayName string `json:"displayName"`
			Email       string `json:"email"`
			Flags       struct {
				LastSyncAt       *time.Time `json:"lastSyncAt"`
				LowOxygen        bool       `json:"lowOxygen"`
				RescueMedication bool       `json:"rescueMedication"`
				WeightChange     bool       `json:"weightChange"`
			} `json:"flags"`
		} `json:"patients"`
	}](t, v.read(t, "/patients", copd.AuditList))
	var found bool
	for _, p := range l.Patients {
		if p.PatientID != v.s.Accounts.PatientSub {
			continue
		}
		found = true
		got := []any{p.DisplayName, p.Email, p.Flags.LowOxygen, p.Flags.RescueMedication, p.Flags.WeightChange, p.Flags.LastSyncAt != nil}
		u, err := dynamo.New(v.s.Dynamo, v.s.Table).GetUser(context.Background(), p.PatientID)
		if err != nil {
			t.Fatal(err)
		}
		want := []any{u.DisplayName, seed.PatientEmail, lowOx, rescue, weightChange, true}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("row %v, want %v", got, want)
		}
		t.Logf("demo patient flags: lowOxygen %v rescue %v weightChange %v", lowOx, rescue, weightChange)
	}
	if !found {
		t.Fatalf("the demo doctor's list lacks the demo patient: %+v", l)
	}
}

// overviewNumbers recomputes the 14-day overview's headline numbers from
// seed.Records by hand.
func (v *doctorViews) overviewNumbers(t *testing.T) {
	now := time.Now()
	recs := seed.Records(now, 30)
	lo, hi := localBounds(now)
	to := lo
	for _, r := range recs {
		if r.Date > to && r.Date <= hi {
			to = r.Date
		}
	}
	from := addDays(to, -13)
	var (
		oxN, oxBelow   int
		oxSum, oxMin   = 0.0, math.Inf(1)
		oxDays         = map[string]bool{}
		rescueDoses    int
		rescueDates    = map[string]bool{}
		food           int
		exerciseMin    float64
		latestWeight   copd.Record
		latestWeightOK bool
	)
	for _, r := range recs {
		if r.Date < from || r.Date > to {
			continue
		}
		switch r.Type {
		case copd.TypeOxygen:
			oxN++
			oxSum += *r.Level
			oxMin = math.Min(oxMin, *r.Level)
			oxDays[r.Date] = true
			if *r.Level < 88 {
				oxBelow++
			}
		case copd.TypeMedication:
			if *r.MedicationType == "exacerbation" {
				rescueDoses++
				rescueDates[r.Date] = true
			}
		case copd.TypeFood:
			food++
		case copd.TypeExercise:
			exerciseMin += *r.Minutes
		case copd.TypeWeight:
			if !*r.IsGoal && (!latestWeightOK || r.Date+r.Time > latestWeight.Date+latestWeight.Time) {
				latestWeight, latestWeightOK = r, true
			}
		}
	}
	var dates []string
	for d := range rescueDates {
		dates = append(dates, d)
	}
	sort.Strings(dates)
	ov := mustJSON[struct {
		Window struct{ From, To string } `json:"window"`
		Oxygen struct {
			MeanPercent         *float64 `json:"meanPercent"`
			MinPercent          *float64 `json:"minPercent"`
			BelowThresholdCount int      `json:"belowThresholdCount"`
			ReadingCount        int      `json:"readingCount"`
			DaysWithReading     int      `json:"daysWithReading"`
		} `json:"oxygen"`
		Medications struct {
			Exacerbation struct {
				Doses int      `json:"doses"`
				Dates []string `json:"dates"`
			} `json:"exacerbation"`
		} `json:"medications"`
		Exercise struct {
			TotalMinutes float64 `json:"totalMinutes"`
		} `json:"exercise"`
		Food struct {
			Entries int `json:"entries"`
		} `json:"food"`
		Weight struct {
			Latest *struct {
				Date  string  `json:"date"`
				Value float64 `json:"value"`
			} `json:"latest"`
		} `json:"weight"`
	}](t, v.read(t, "/patients/"+v.s.Accounts.PatientSub+"/overview?days=14", copd.AuditOverview))
	if dates == nil {
		dates = []string{}
	}
	want := fmt.Sprint(from, to, math.Round(oxSum/float64(oxN)*10)/10, oxMin, oxBelow, oxN, len(oxDays), rescueDoses, dates, exerciseMin, food, latestWeight.Date, *latestWeight.Weight)
	got := fmt.Sprint(ov.Window.From, ov.Window.To, *ov.Oxygen.MeanPercent, *ov.Oxygen.MinPercent, ov.Oxygen.BelowThresholdCount, ov.Oxygen.ReadingCount, ov.Oxygen.DaysWithReading,
		ov.Medications.Exacerbation.Doses, ov.Medications.Exacerbation.Dates, ov.Exercise.TotalMinutes, ov.Food.Entries, ov.Weight.Latest.Date, ov.Weight.Latest.Value)
	if got != want {
		t.Errorf("overview\n got %s\nwant %s", got, want)
	}
}

func (v *doctorViews) fhirValidates(t *testing.T) {
	root, err := localstack.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "pkg", "export", "testdata", "fhirschema")
	node, err := exec.LookPath("node")
	if _, serr := os.Stat(filepath.Join(dir, "node_modules", "@asymmetrik")); err != nil || serr != nil {
		if os.Getenv("COPD_REQUIRE_E2E") != "" {
			t.Fatalf("node or the R4 schema is missing (make deps)")
		}
		t.Skip("node or the R4 schema is missing: make deps")
	}
	a := v.read(t, "/patients/"+v.s.Accounts.PatientSub+"/export?format=fhir", copd.AuditExport)
	if a.status != 200 || a.header.Get("Content-Type") != "application/fhir+json; fhirVersion=4.0" || a.header.Get("X-Next-Cursor") != "" {
		t.Fatalf("status %d, type %q, next %q", a.status, a.header.Get("Content-Type"), a.header.Get("X-Next-Cursor"))
	}
	var b struct {
		Entry []json.RawMessage `json:"entry"`
	}
	if err := json.Unmarshal(a.body, &b); err != nil || len(b.Entry) < 100 {
		t.Fatalf("bundle of %d entries: %v", len(b.Entry), err)
	}
	f := filepath.Join(t.TempDir(), "demo-bundle.json")
	if err := os.WriteFile(f, a.body, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, filepath.Join(dir, "validate.js"), f).CombinedOutput()
	if err != nil {
		t.Fatalf("R4 schema: %v\n%s", err, tail(out))
	}
	t.Logf("FHIR bundle of %d entries (%d bytes) validates as R4", len(b.Entry), len(a.body))
}

func tail(b []byte) []byte {
	if len(b) > 4000 {
		return b[len(b)-4000:]
	}
	return b
}

// bigExport: a patient with five years of history (over 1 MB of records)
// linked to the demo doctor; every record comes back exactly once across
// JSON pages. It also measures export throughput and overview latency for
// docs/benchmarks.md.
func (v *doctorViews) bigExport(t *testing.T) {
	s := v.s
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	v.bigSub, v.bigTok = s.MustSignUpPatient(t, "big.history@example.test", "BigHistory#2026")
	v.bigRecords = seed.History(time.Now().Add(-12*time.Hour), 5*365,
		"Lentil soup with carrots, celery and onion, a slice of wholegrain bread with butter and a glass of milk, logged at lunch on")
	res, err := seed.Push(ctx, &http.Client{Timeout: time.Minute}, s.Info.APIURL, v.bigTok, v.bigRecords, copd.MaxSyncRecords)
	if err != nil || res.Counts[copd.StatusCreated] != len(v.bigRecords) {
		t.Fatalf("push: %v %v", res.Counts, err)
	}
	if _, err := seed.Link(ctx, http.DefaultClient, s.Info.APIURL, v.doctorTok, v.bigTok, s.Accounts.DoctorSub); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"json", "fhir", "csv"} {
		start := time.Now()
		seen := map[string]int{}
		pages, bytesOut := 0, 0
		path := "/patients/" + v.bigSub + "/export?format=" + format
		for {
			a := v.api(t, "GET", path, v.doctorTok, nil)
			if a.status != 200 {
				t.Fatalf("%s page %d: %d %s", format, pages, a.status, a.body)
			}
			pages++
			bytesOut += len(a.body)
			if format == "json" {
				var p struct {
					Records []copd.Record `json:"records"`
				}
				if err := json.Unmarshal(a.body, &p); err != nil {
					t.Fatal(err)
				}
				if len(p.Records) > copd.ExportPageRecords {
					t.Fatalf("page of %d records", len(p.Records))
				}
				for _, r := range p.Records {
					seen[string(r.Type)+"/"+r.ID]++
				}
			}
			next := a.header.Get("X-Next-Cursor")
			if next == "" {
				break
			}
			path = "/patients/" + v.bigSub + "/export?format=" + format + "&cursor=" + url.QueryEscape(next)
			if pages > 50 {
				t.Fatal("export does not end")
			}
		}
		el := time.Since(start)
		t.Logf("export %s: %d records in %d pages, %d bytes, %v: %.0f records/s", format, len(v.bigRecords), pages, bytesOut, el.Round(time.Millisecond), float64(len(v.bigRecords))/el.Seconds())
		if format == "json" {
			if len(seen) != len(v.bigRecords) || bytesOut < 1<<20 {
				t.Errorf("JSON export: %d distinct records of %d, %d bytes", len(seen), len(v.bigRecords), bytesOut)
			}
			for k, n := range seen {
				if n != 1 {
					t.Errorf("%s exported %d times", k, n)
				}
			}
		}
	}
	// Overview latency for a 30-day window: a patient with the same kind of
	// records for only the last 30 days against this one's five years.
	shortSub, shortTok := s.MustSignUpPatient(t, "short.history@example.test", "ShortHistory#2026")
	if _, err := seed.Push(ctx, &http.Client{Timeout: time.Minute}, s.Info.APIURL, shortTok, v.bigRecords[:30*4], copd.MaxSyncRecords); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Link(ctx, http.DefaultClient, s.Info.APIURL, v.doctorTok, shortTok, s.Accounts.DoctorSub); err != nil {
		t.Fatal(err)
	}
	lat := func(sub string) time.Duration {
		var ds []time.Duration
		for i := range 22 {
			t0 := time.Now()
			a := v.api(t, "GET", "/patients/"+sub+"/overview?days=30", v.doctorTok, nil)
			el := time.Since(t0)
			if a.status != 200 {
				t.Fatalf("overview: %d", a.status)
			}
			if i == 0 {
				continue // warm-up
			}
			ds = append(ds, el)
		}
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	short, long := lat(shortSub), lat(v.bigSub)
	t.Logf("overview?days=30 median of 21: 30-day history %v, 5-year history %v, ratio %.2f", short.Round(10*time.Microsecond), long.Round(10*time.Microsecond), float64(long)/float64(short))
}
