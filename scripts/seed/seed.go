// Package seed fills the local stack with demo data: a practice, a doctor
// (admin-created, permanent password, TOTP enrolled) and their profiles, a
// patient (signed up and confirmed like the app does; the post-confirmation
// trigger writes the profile), 90 days of health records pushed through the
// API (POST /sync) as the demo patient, and the link between the two made
// through the API (invite, consent, link). Every step is idempotent: ids are
// deterministic and existing users and links are reused.
package seed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/scripts/provision"
	"github.com/copdfuel/backend/scripts/signin"
)

// Demo accounts. The passwords meet the deployed pools' policy.
const (
	PatientEmail    = "demo.patient@copdfuel.local"
	PatientPassword = "DemoPatient#2026"
	DoctorEmail     = "dr.demo@copdfuel.local"
	DoctorPassword  = "DemoDoctor#2026"
	PracticeID      = "demo-practice"
	// ConfirmationCode is the code cognito-local accepts (standin CODE).
	ConfirmationCode = "123456"
)

// Profiles is the part of the store seeding writes (pkg/dynamo.Store).
type Profiles interface {
	PutUser(ctx context.Context, u copd.User) (copd.User, error)
	PutPractice(ctx context.Context, p copd.Practice) (copd.Practice, error)
}

// Accounts are the demo users as seeded.
type Accounts struct {
	PatientSub, DoctorSub string
	// DoctorTOTPSecret is the doctor's TOTP secret (base32).
	DoctorTOTPSecret string
}

// Users creates the demo doctor and patient in the pools if they do not
// exist and writes the practice and both profiles. knownSecret is the
// doctor's TOTP secret from an earlier run (from dev.json); when the doctor
// is enrolled but the secret is unknown, TOTP is enrolled again.
func Users(ctx context.Context, api *cip.Client, pools provision.Pools, store Profiles, knownSecret string) (Accounts, error) {
	var a Accounts
	var err error
	if a.DoctorSub, a.DoctorTOTPSecret, err = doctor(ctx, api, pools, knownSecret); err != nil {
		return a, err
	}
	if a.PatientSub, err = patient(ctx, api, pools); err != nil {
		return a, err
	}
	created := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	if _, err := store.PutPractice(ctx, copd.Practice{PracticeID: PracticeID, Name: "Riverside Pulmonary Clinic",
		Address: "100 River Road, Springfield", BAASignedAt: &created, CreatedAt: created}); err != nil {
		return a, fmt.Errorf("seed: practice: %w", err)
	}
	if _, err := store.PutUser(ctx, copd.User{UserID: a.DoctorSub, Email: DoctorEmail, Role: copd.RoleDoctor,
		DisplayName: "Dr. Dana Reyes", PracticeID: PracticeID, CreatedAt: created}); err != nil {
		return a, fmt.Errorf("seed: doctor profile: %w", err)
	}
	// The patient's profile is written by the post-confirmation trigger
	// (functions/postconfirm) when the sign-up is confirmed, as deployed.
	return a, nil
}

// user looks a user up by email; nil if there is none.
func user(ctx context.Context, api *cip.Client, poolID, email string) (*cip.AdminGetUserOutput, error) {
	u, err := api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(poolID), Username: aws.String(email)})
	var nf *ciptypes.UserNotFoundException
	if errors.As(err, &nf) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("seed: get user: %w", err)
	}
	return u, nil
}

func sub(u *cip.AdminGetUserOutput) string {
	for _, a := range u.UserAttributes {
		if aws.ToString(a.Name) == "sub" {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

func doctor(ctx context.Context, api *cip.Client, pools provision.Pools, knownSecret string) (string, string, error) {
	poolID := pools.DoctorPoolID
	u, err := user(ctx, api, poolID, DoctorEmail)
	if err != nil {
		return "", "", err
	}
	if u == nil {
		// As the admin command does: no invitation email, then a permanent
		// password (the real flow makes the doctor change the temporary one).
		if _, err := api.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
			UserPoolId:        aws.String(poolID),
			Username:          aws.String(DoctorEmail),
			TemporaryPassword: aws.String("Temp#" + DoctorPassword),
			MessageAction:     ciptypes.MessageActionTypeSuppress,
			UserAttributes: []ciptypes.AttributeType{
				{Name: aws.String("email"), Value: aws.String(DoctorEmail)},
				{Name: aws.String("email_verified"), Value: aws.String("true")},
			},
		}); err != nil {
			return "", "", fmt.Errorf("seed: create doctor: %w", err)
		}
		if _, err := api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
			UserPoolId: aws.String(poolID), Username: aws.String(DoctorEmail),
			Password: aws.String(DoctorPassword), Permanent: true,
		}); err != nil {
			return "", "", fmt.Errorf("seed: doctor password: %w", err)
		}
		if u, err = user(ctx, api, poolID, DoctorEmail); err != nil || u == nil {
			return "", "", fmt.Errorf("seed: doctor not found after creation: %v", err)
		}
	}
	enrolled := false
	for _, m := range u.UserMFASettingList {
		if m == "SOFTWARE_TOKEN_MFA" {
			enrolled = true
		}
	}
	secret := knownSecret
	if !enrolled || secret == "" {
		if secret, err = signin.EnrollTOTP(ctx, api, poolID, pools.DoctorClientID, DoctorEmail, DoctorPassword); err != nil {
			return "", "", err
		}
	}
	return sub(u), secret, nil
}

func patient(ctx context.Context, api *cip.Client, pools provision.Pools) (string, error) {
	u, err := user(ctx, api, pools.PatientPoolID, PatientEmail)
	if err != nil {
		return "", err
	}
	if u == nil {
		if _, err := api.SignUp(ctx, &cip.SignUpInput{
			ClientId: aws.String(pools.PatientClientID),
			Username: aws.String(PatientEmail),
			Password: aws.String(PatientPassword),
			UserAttributes: []ciptypes.AttributeType{
				{Name: aws.String("email"), Value: aws.String(PatientEmail)},
			},
		}); err != nil {
			return "", fmt.Errorf("seed: sign up patient: %w", err)
		}
		if u, err = user(ctx, api, pools.PatientPoolID, PatientEmail); err != nil || u == nil {
			return "", fmt.Errorf("seed: patient not found after sign-up: %v", err)
		}
	}
	if u.UserStatus == ciptypes.UserStatusTypeUnconfirmed {
		// The app's flow: the code from the email (cognito-local's fixed CODE).
		if _, err := api.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{
			ClientId: aws.String(pools.PatientClientID), Username: aws.String(PatientEmail),
			ConfirmationCode: aws.String(ConfirmationCode),
		}); err != nil {
			return "", fmt.Errorf("seed: confirm patient: %w", err)
		}
	}
	return sub(u), nil
}

// PushResult counts the per-record statuses POST /sync answered.
type PushResult struct {
	Counts   map[copd.SyncStatus]int
	Requests int
	// Latencies are the round trips of each request, in order.
	Latencies []time.Duration
}

// Push sends records to POST {apiURL}/sync in batches of batch records,
// as the app does, with the patient's ID token. Any record answered
// invalid is an error (the seed data must be valid).
func Push(ctx context.Context, client *http.Client, apiURL, idToken string, records []copd.Record, batch int) (PushResult, error) {
	res := PushResult{Counts: map[copd.SyncStatus]int{}}
	for start := 0; start < len(records); start += batch {
		end := min(start+batch, len(records))
		body, err := json.Marshal(map[string]any{"records": records[start:end]})
		if err != nil {
			return res, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(apiURL, "/")+"/sync", bytes.NewReader(body))
		if err != nil {
			return res, err
		}
		req.Header.Set("Authorization", idToken)
		req.Header.Set("Content-Type", "application/json")
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return res, fmt.Errorf("seed: POST /sync: %w", err)
		}
		var out copd.SyncResponse
		var apiErr apigw.ErrorBody
		dec := json.NewDecoder(resp.Body)
		if resp.StatusCode == http.StatusOK {
			err = dec.Decode(&out)
		} else {
			_ = dec.Decode(&apiErr)
		}
		resp.Body.Close()
		res.Latencies = append(res.Latencies, time.Since(t0))
		res.Requests++
		if resp.StatusCode != http.StatusOK {
			return res, fmt.Errorf("seed: POST /sync: HTTP %d %s", resp.StatusCode, apiErr.Error.Code)
		}
		if err != nil {
			return res, fmt.Errorf("seed: POST /sync: decode answer: %w", err)
		}
		if len(out.Results) != end-start {
			return res, fmt.Errorf("seed: POST /sync: %d results for %d records", len(out.Results), end-start)
		}
		for _, r := range out.Results {
			res.Counts[r.Status]++
			if r.Status == copd.StatusInvalid {
				code := ""
				if r.Error != nil {
					code = r.Error.Code
				}
				return res, fmt.Errorf("seed: record %s (%s) answered invalid: %s", r.ID, r.Type, code)
			}
		}
	}
	return res, nil
}
