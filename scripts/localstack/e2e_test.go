package localstack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/keys"
	"github.com/copdfuel/backend/pkg/route"
	"github.com/copdfuel/backend/scripts/apispec"
	"github.com/copdfuel/backend/scripts/localstack"
	"github.com/copdfuel/backend/scripts/seed"
)

// mustRealFunctions skips unless make build-local has built every function
// into .local/bin. Under make test (COPD_REQUIRE_E2E=1) a missing binary
// fails instead, so CI can never pass by skipping the end-to-end tests.
func mustRealFunctions(t testing.TB) {
	t.Helper()
	root, err := localstack.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range route.Functions() {
		if _, err := os.Stat(filepath.Join(root, ".local", "bin", fn, "bootstrap")); err != nil {
			if os.Getenv("COPD_REQUIRE_E2E") != "" {
				t.Fatalf("functions/%s is not built (COPD_REQUIRE_E2E is set): run make build-local", fn)
			}
			t.Skipf("functions/%s is not built: run make build-local (make test-integration does)", fn)
		}
	}
}

func TestEndToEnd_SeededStack(t *testing.T) {
	mustRealFunctions(t)
	s := localstack.New(t, localstack.Options{Seed: true, SeedDays: 14})
	if s.Seeded.Counts[copd.StatusCreated] == 0 || len(s.Seeded.Counts) != 1 {
		t.Fatalf("seeding answered %v, want only created", s.Seeded.Counts)
	}
	patientTok := s.MustSignIn(t, false, seed.PatientEmail, seed.PatientPassword, "")
	doctorTok := s.MustSignIn(t, true, seed.DoctorEmail, seed.DoctorPassword, s.Accounts.DoctorTOTPSecret)

	t.Run("GET /me as the demo patient and the demo doctor", func(t *testing.T) {
		tests := []struct {
			name, token string
			want        map[string]any
		}{
			{"patient", patientTok, map[string]any{"userId": s.Accounts.PatientSub, "role": "patient", "email": seed.PatientEmail}},
			{"doctor", doctorTok, map[string]any{"userId": s.Accounts.DoctorSub, "role": "doctor", "email": seed.DoctorEmail}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				a := mustDo(t, s.Info.APIURL, call{method: "GET", path: "/me", header: map[string]string{"Authorization": tc.token}})
				if a.status != http.StatusOK {
					t.Fatalf("status %d, body %s", a.status, a.body)
				}
				var got map[string]any
				if err := json.Unmarshal(a.body, &got); err != nil {
					t.Fatal(err)
				}
				some := map[string]any{}
				for k := range tc.want {
					some[k] = got[k]
				}
				if diff := cmp.Diff(tc.want, some); diff != "" {
					t.Errorf("GET /me (-want +got):\n%s", diff)
				}
				if a.header.Get("Access-Control-Allow-Origin") != "*" {
					t.Errorf("no CORS header from the adapter")
				}
			})
		}
	})

	t.Run("a doctor may not POST /sync", func(t *testing.T) {
		a := mustDo(t, s.Info.APIURL, call{method: "POST", path: "/sync", body: []byte(`{"records":[]}`),
			header: map[string]string{"Authorization": doctorTok, "Content-Type": "application/json",
				apispec.UncheckedRequestHeader: "an empty batch: the role check comes first"}})
		if a.status != http.StatusForbidden {
			t.Fatalf("status %d, want 403 (body %s)", a.status, a.body)
		}
	})

	t.Run("POST /sync all six types, replay, stored in DynamoDB", func(t *testing.T) {
		today := time.Now().In(seed.PatientZone).Format(time.DateOnly)
		upd := time.Now().In(seed.PatientZone).Add(-time.Minute).Format(time.RFC3339)
		body := `{"records":[
			{"id":"e2e-w","type":"weight","date":"` + today + `","updatedAt":"` + upd + `","weight":68.4,"unit":"kg","isGoal":false},
			{"id":"e2e-m","type":"medication","date":"` + today + `","time":"08:00","updatedAt":"` + upd + `","name":"Tiotropium","dosage":"2 puffs","medicationType":"daily"},
			{"id":"e2e-o","type":"oxygen","date":"` + today + `","time":"08:10","updatedAt":"` + upd + `","level":87},
			{"id":"e2e-e","type":"exercise","date":"` + today + `","updatedAt":"` + upd + `","exerciseType":"walking","minutes":20},
			{"id":"e2e-h","type":"water","date":"` + today + `","updatedAt":"` + upd + `","amount":2,"unit":"cup"},
			{"id":"e2e-f","type":"food","date":"` + today + `","updatedAt":"` + upd + `","meal":"lunch","category":"protein","description":"Soup","calories":420}
		]}`
		post := func(t *testing.T) []copd.SyncResult {
			t.Helper()
			a := mustDo(t, s.Info.APIURL, call{method: "POST", path: "/sync", body: []byte(body),
				header: map[string]string{"Authorization": "Bearer " + patientTok, "Content-Type": "application/json"}})
			if a.status != http.StatusOK {
				t.Fatalf("status %d, body %s", a.status, a.body)
			}
			var out copd.SyncResponse
			if err := json.Unmarshal(a.body, &out); err != nil {
				t.Fatal(err)
			}
			return out.Results
		}
		results := func(st copd.SyncStatus) []copd.SyncResult {
			var r []copd.SyncResult
			for _, x := range []struct {
				id string
				t  copd.RecordType
			}{{"e2e-w", copd.TypeWeight}, {"e2e-m", copd.TypeMedication}, {"e2e-o", copd.TypeOxygen},
				{"e2e-e", copd.TypeExercise}, {"e2e-h", copd.TypeWater}, {"e2e-f", copd.TypeFood}} {
				r = append(r, copd.SyncResult{ID: x.id, Type: x.t, Status: st})
			}
			return r
		}
		if diff := cmp.Diff(results(copd.StatusCreated), post(t)); diff != "" {
			t.Fatalf("first POST /sync (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(results(copd.StatusUnchanged), post(t)); diff != "" {
			t.Fatalf("replay (-want +got):\n%s", diff)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, r := range results("") {
			out, err := s.Dynamo.GetItem(ctx, &dynamodb.GetItemInput{
				TableName: aws.String(s.Table), ConsistentRead: aws.Bool(true),
				Key: map[string]types.AttributeValue{
					keys.PK: &types.AttributeValueMemberS{Value: keys.Patient(s.Accounts.PatientSub)},
					keys.SK: &types.AttributeValueMemberS{Value: keys.Record(string(r.Type), r.ID)},
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Item) == 0 {
				t.Errorf("%s %s is not in the table", r.Type, r.ID)
			}
		}
	})

	t.Run("seeding again changes nothing", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		res, err := seed.Push(ctx, http.DefaultClient, s.Info.APIURL, patientTok, seed.Records(time.Now(), 14), 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Counts) != 1 || res.Counts[copd.StatusUnchanged] != s.Seeded.Counts[copd.StatusCreated] {
			t.Errorf("second push answered %v, want all %d unchanged", res.Counts, s.Seeded.Counts[copd.StatusCreated])
		}
	})
}
