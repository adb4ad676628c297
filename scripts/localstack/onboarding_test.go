package localstack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/copdfuel/backend/pkg/access"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/dynamo"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/scripts/admin"
	"github.com/copdfuel/backend/scripts/localstack"
	"github.com/copdfuel/backend/scripts/signin"
)

// TestEndToEnd_Onboarding is the README's walkthrough with real tokens:
// the admin command creates a practice and a doctor; the doctor signs in
// with TOTP and invites; a new patient signs up (the trigger writes the
// profile), previews, consents, links; GET /me shows the link; revocation
// removes the doctor's access on the next request.
func TestEndToEnd_Onboarding(t *testing.T) {
	mustRealFunctions(t)
	s := localstack.New(t, localstack.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	store := dynamo.New(s.Dynamo, s.Table)
	adm := &admin.Admin{Store: store, Cognito: s.Cognito, DoctorPoolID: s.Pools.DoctorPoolID, Now: time.Now}

	// Admin: practice and doctor, twice (idempotent).
	var doc admin.Doctor
	for i := range 2 {
		if _, _, err := adm.CreatePractice(ctx, "harbour", "Harbour Lung Clinic", "1 Quay St"); err != nil {
			t.Fatal(err)
		}
		d, err := adm.CreateDoctor(ctx, "Dr.Lee@Harbour.example", "Dr Lee", "harbour", "")
		if err != nil {
			t.Fatalf("CreateDoctor (run %d): %v", i+1, err)
		}
		if i == 0 {
			doc = d
			if d.TemporaryPassword == "" {
				t.Fatal("first run: no temporary password")
			}
		} else if d.Sub != doc.Sub || d.TemporaryPassword != "" {
			t.Errorf("second run created again: %+v", d)
		}
	}
	// First sign-in: the doctor sets a password and enrols TOTP (cognito-local
	// has no NEW_PASSWORD_REQUIRED/MFA_SETUP flow worth driving here).
	const docEmail, docPassword = "dr.lee@harbour.example", "HarbourLee#2026"
	if _, err := s.Cognito.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(s.Pools.DoctorPoolID),
		Username: aws.String(docEmail), Password: aws.String(docPassword), Permanent: true}); err != nil {
		t.Fatal(err)
	}
	secret, err := signin.EnrollTOTP(ctx, s.Cognito, s.Pools.DoctorPoolID, s.Pools.DoctorClientID, docEmail, docPassword)
	if err != nil {
		t.Fatal(err)
	}
	docTok := s.MustSignIn(t, true, docEmail, docPassword, secret)
	api := func(t *testing.T, method, path, tok, body string) (int, map[string]any) {
		t.Helper()
		c := call{method: method, path: path, header: map[string]string{"Authorization": tok}}
		if body != "" {
			c.body, c.header["Content-Type"] = []byte(body), "application/json"
		}
		a := mustDo(t, s.Info.APIURL, c)
		var m map[string]any
		_ = json.Unmarshal(a.body, &m)
		return a.status, m
	}
	errCode := func(m map[string]any) string {
		e, _ := m["error"].(map[string]any)
		c, _ := e["code"].(string)
		return c
	}

	status, inv := api(t, "POST", "/invite", docTok, "")
	if status != http.StatusCreated || inv["practiceName"] != "Harbour Lung Clinic" {
		t.Fatalf("POST /invite: %d %v", status, inv)
	}
	code := inv["code"].(string)

	// A new patient signs up and confirms: the trigger writes the profile.
	patSub, patTok := s.MustSignUpPatient(t, "New.Patient@example.com", "NewPatient#2026")
	if u, err := store.GetUser(ctx, patSub); err != nil || u.Email != "new.patient@example.com" || u.Role != copd.RolePatient {
		t.Fatalf("profile written by the trigger: %+v, %v", u, err)
	}

	t.Run("wrong pool on every new route", func(t *testing.T) {
		for _, c := range []struct{ method, path, tok, body string }{
			{"POST", "/invite", patTok, ""},
			{"GET", "/invites", patTok, ""},
			{"GET", "/invites/" + code, docTok, ""},
			{"POST", "/consent", docTok, `{"inviteCode":"` + code + `","consentType":"share_with_doctor"}`},
			{"POST", "/link-doctor", docTok, `{"inviteCode":"` + code + `"}`},
			{"DELETE", "/links/" + doc.Sub, docTok, ""},
		} {
			if status, m := api(t, c.method, c.path, c.tok, c.body); status != http.StatusForbidden || errCode(m) != access.CodeWrongRole {
				t.Errorf("%s %s with the other pool's token: %d %v", c.method, c.path, status, m)
			}
		}
	})

	status, p := api(t, "GET", "/invites/"+code, patTok, "")
	if status != 200 || p["practiceName"] != "Harbour Lung Clinic" || p["doctorDisplayName"] != "Dr Lee" {
		t.Fatalf("preview: %d %v", status, p)
	}
	if status, m := api(t, "POST", "/link-doctor", patTok, `{"inviteCode":"`+code+`"}`); status != 409 || errCode(m) != copd.CodeConsentRequired {
		t.Fatalf("link before consent: %d %v", status, m)
	}
	if status, m := api(t, "POST", "/consent", patTok, `{"inviteCode":"`+code+`","consentType":"share_with_doctor"}`); status != 201 {
		t.Fatalf("consent: %d %v", status, m)
	}
	cs, err := store.Consents(ctx, patSub, doc.Sub)
	if err != nil || len(cs) != 1 || cs[0].SourceIP != "127.0.0.1" || cs[0].UserAgent == "" {
		t.Errorf("consent record: %+v, %v; want the source IP and User-Agent from the request context", cs, err)
	}
	for i := range 2 {
		if status, m := api(t, "POST", "/link-doctor", patTok, `{"inviteCode":"`+code+`"}`); status != 200 || m["status"] != "active" {
			t.Fatalf("link (call %d): %d %v", i+1, status, m)
		}
	}
	mustMeDoctor := func(t *testing.T, want string) {
		t.Helper()
		status, me := api(t, "GET", "/me", patTok, "")
		ds, _ := me["doctors"].([]any)
		if status != 200 || len(ds) != 1 {
			t.Fatalf("GET /me: %d %v", status, me)
		}
		d := ds[0].(map[string]any)
		if d["doctorId"] != doc.Sub || d["displayName"] != "Dr Lee" || d["practiceName"] != "Harbour Lung Clinic" || d["status"] != want {
			t.Errorf("GET /me doctors[0] = %v, want status %s", d, want)
		}
	}
	mustMeDoctor(t, "active")
	doctor := access.Caller{Sub: doc.Sub, Role: copd.RoleDoctor}
	if err := access.CheckDoctor(ctx, store, doctor, patSub); err != nil {
		t.Fatalf("the doctor's access check: %v", err)
	}
	if status, m := api(t, "GET", "/invites", docTok, ""); status != 200 || len(m["invites"].([]any)) != 0 {
		t.Errorf("GET /invites after the code was used: %d %v", status, m)
	}

	// Revocation: access is cut on the very next check; repeating is harmless.
	for i := range 2 {
		if status, m := api(t, "DELETE", "/links/"+doc.Sub, patTok, ""); status != 200 || m["status"] != "revoked" {
			t.Fatalf("revoke (call %d): %d %v", i+1, status, m)
		}
	}
	if err := access.CheckDoctor(ctx, store, doctor, patSub); errs.KindOf(err) != errs.NotFound {
		t.Errorf("the doctor's access after revocation: %v, want NotFound", err)
	}
	mustMeDoctor(t, "revoked")
	if status, m := api(t, "DELETE", "/links/some-other-doctor", patTok, ""); status != 404 || errCode(m) != copd.CodeLinkNotFound {
		t.Errorf("revoke an unknown link: %d %v", status, m)
	}

	t.Run("two patients link with the same code at once", func(t *testing.T) {
		_, inv := api(t, "POST", "/invite", docTok, "")
		code := inv["code"].(string)
		toks := make([]string, 2)
		for i := range toks {
			_, toks[i] = s.MustSignUpPatient(t, fmt.Sprintf("racer%d@example.com", i), "Racer#2026x")
			if status, m := api(t, "POST", "/consent", toks[i], `{"inviteCode":"`+code+`","consentType":"share_with_doctor"}`); status != 201 {
				t.Fatalf("consent %d: %d %v", i, status, m)
			}
		}
		statuses := make([]int, 2)
		var wg sync.WaitGroup
		for i := range toks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i], _ = api(t, "POST", "/link-doctor", toks[i], `{"inviteCode":"`+code+`"}`)
			}()
		}
		wg.Wait()
		if !(statuses[0] == 200 && statuses[1] == 409 || statuses[0] == 409 && statuses[1] == 200) {
			t.Errorf("statuses %v, want one 200 and one 409", statuses)
		}
	})
}
