package localstack_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLambda_CrashesAndTimeouts(t *testing.T) {
	s := testStack(t, 2*time.Second)
	_, tok := s.MustSignUpPatient(t, "crash.patient@example.test", "Correct-Horse-9")
	get := func(t *testing.T, action string) answer {
		t.Helper()
		h := map[string]string{"Authorization": tok}
		if action != "" {
			h["X-Test-Action"] = action
		}
		return mustDo(t, s.Info.APIURL, call{method: "GET", path: "/me", header: h})
	}
	tests := []struct {
		action  string
		maxTime time.Duration
	}{
		{"panic", 2 * time.Second},
		{"exit", 2 * time.Second},
		{"sleep", 4 * time.Second}, // the 2 s function timeout
	}
	for _, tc := range tests {
		t.Run(tc.action, func(t *testing.T) {
			before := mustEcho(t, get(t, ""))
			start := time.Now()
			a := get(t, tc.action)
			took := time.Since(start)
			if a.status != http.StatusBadGateway {
				t.Fatalf("status %d, want 502 (body %s)", a.status, a.body)
			}
			if e := mustErrorBody(t, a); e.Error.Code != "internal" {
				t.Errorf("code %q, want internal", e.Error.Code)
			}
			if took > tc.maxTime {
				t.Errorf("answered after %v, want at most %v", took, tc.maxTime)
			}
			// The process is replaced and the function works again. The
			// answer may come from another warm process, but never from
			// the one that failed.
			var after echo
			deadline := time.Now().Add(5 * time.Second)
			for {
				a := get(t, "")
				if a.status == http.StatusOK {
					after = mustEcho(t, a)
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("function did not recover: status %d", a.status)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if tc.action != "sleep" && after.PID == before.PID && processAlive(before.PID) {
				t.Errorf("pid %d still serving after %s", before.PID, tc.action)
			}
		})
	}
	t.Run("concurrent requests queue per process", func(t *testing.T) {
		var wg sync.WaitGroup
		statuses := make([]int, 8)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = get(t, "").status
			}()
		}
		wg.Wait()
		for i, st := range statuses {
			if st != http.StatusOK {
				t.Errorf("request %d: status %d", i, st)
			}
		}
	})
}

func processAlive(pid int) bool {
	_, err := os.Stat("/proc/" + itoa(pid))
	return err == nil
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestLambda_InvokeAPI(t *testing.T) {
	t.Setenv("COPD_MUST_NOT_LEAK", "secret")
	s := testStack(t, 0)
	invoke := func(t *testing.T, fn, payload string) answer {
		t.Helper()
		return mustDo(t, s.LambdaEndpoint, call{method: "POST", path: "/2015-03-31/functions/" + fn + "/invocations",
			body: []byte(payload), header: map[string]string{"Content-Type": "application/json"}})
	}
	t.Run("success", func(t *testing.T) {
		a := invoke(t, "me", `{"action":"echo"}`)
		if a.status != 200 || a.header.Get("X-Amz-Function-Error") != "" {
			t.Fatalf("status %d, function error %q", a.status, a.header.Get("X-Amz-Function-Error"))
		}
		var got echo
		if err := json.Unmarshal(a.body, &got); err != nil || got.RequestID == "" {
			t.Fatalf("answer %s: %v", a.body, err)
		}
		if got.RequestID != a.header.Get("X-Amzn-Requestid") {
			t.Errorf("request id %q, header %q", got.RequestID, a.header.Get("X-Amzn-Requestid"))
		}
	})
	t.Run("full ARN", func(t *testing.T) {
		if a := invoke(t, "arn:aws:lambda:us-east-1:000000000000:function:me", `{"action":"echo"}`); a.status != 200 {
			t.Fatalf("status %d", a.status)
		}
	})
	t.Run("handler error", func(t *testing.T) {
		a := invoke(t, "me", `{"action":"error"}`)
		var e struct{ ErrorMessage, ErrorType string }
		_ = json.Unmarshal(a.body, &e)
		if a.status != 200 || a.header.Get("X-Amz-Function-Error") != "Unhandled" || e.ErrorMessage != "testfn: asked to fail" {
			t.Fatalf("status %d, X-Amz-Function-Error %q, body %s", a.status, a.header.Get("X-Amz-Function-Error"), a.body)
		}
	})
	t.Run("unknown function", func(t *testing.T) {
		a := invoke(t, "nope", `{}`)
		if a.status != 404 || a.header.Get("X-Amzn-Errortype") != "ResourceNotFoundException" {
			t.Fatalf("status %d, error type %q", a.status, a.header.Get("X-Amzn-Errortype"))
		}
	})
	t.Run("environment is built, not inherited", func(t *testing.T) {
		a := invoke(t, "me", `{"action":"env"}`)
		var got struct{ Env map[string]string }
		if err := json.Unmarshal(a.body, &got); err != nil {
			t.Fatalf("answer %s: %v", a.body, err)
		}
		if _, leaked := got.Env["COPD_MUST_NOT_LEAK"]; leaked {
			t.Error("a variable of the parent process reached the function")
		}
		want := map[string]string{
			"TZ": "UTC", "AWS_REGION": "us-east-1", "AWS_LAMBDA_FUNCTION_NAME": "me", "TABLE_NAME": s.Table,
			"PATIENT_ISSUER": s.Issuer(s.Pools.PatientPoolID), "PATIENT_CLIENT_IDS": s.Pools.PatientClientID,
			"DOCTOR_ISSUER": s.Issuer(s.Pools.DoctorPoolID), "DOCTOR_CLIENT_IDS": s.Pools.DoctorClientID,
			"ALLOW_ORIGIN": "*", "AWS_ENDPOINT_URL_DYNAMODB": s.DynamoDBEndpoint,
		}
		gotSome := map[string]string{}
		for k := range want {
			gotSome[k] = got.Env[k]
		}
		if diff := cmp.Diff(want, gotSome); diff != "" {
			t.Errorf("environment (-want +got):\n%s", diff)
		}
		if !strings.HasPrefix(got.Env["AWS_LAMBDA_RUNTIME_API"], "127.0.0.1:") {
			t.Errorf("AWS_LAMBDA_RUNTIME_API = %q", got.Env["AWS_LAMBDA_RUNTIME_API"])
		}
	})
	t.Run("cognito-local calls the PostConfirmation trigger", func(t *testing.T) {
		s.MustSignUpPatient(t, "trigger.patient@example.test", "Correct-Horse-9")
		b, err := os.ReadFile(s.LogPath)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "[me] testfn: trigger PostConfirmation_ConfirmSignUp") {
			t.Errorf("the trigger did not reach the function; log:\n%s", b)
		}
	})
}
