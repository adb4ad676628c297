package localstack

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/copdfuel/backend/scripts/apispec"
	"github.com/copdfuel/backend/scripts/gateway"
	"github.com/copdfuel/backend/scripts/seed"
)

// New starts a stack for a test on free ports with its state in a temporary
// folder (o.Dir if set), and stops it when the test and its subtests end.
// The stack's log goes to <Dir>/stack.log and is printed if the test failed.
func New(tb testing.TB, o Options) *Stack {
	tb.Helper()
	if o.Dir == "" {
		o.Dir = tb.TempDir()
	}
	if o.APIMiddleware == nil {
		o.APIMiddleware = mustContractCheck(tb, o)
	}
	logPath := filepath.Join(o.Dir, "stack.log")
	f, err := os.Create(logPath)
	if err != nil {
		tb.Fatal(err)
	}
	o.Log, o.StandinLog = f, f
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Start(ctx, o)
	if err != nil {
		f.Close()
		b, _ := os.ReadFile(logPath)
		tb.Fatalf("localstack: %v\nlog:\n%s", err, tail(b))
	}
	s.LogPath = logPath
	tb.Cleanup(func() {
		s.Close()
		f.Close()
		if tb.Failed() {
			b, _ := os.ReadFile(logPath)
			tb.Logf("localstack log (%s):\n%s", logPath, tail(b))
		}
	})
	return s
}

func tail(b []byte) []byte {
	const max = 8 << 10
	if len(b) > max {
		b = b[len(b)-max:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return b
}

// MustSignIn signs in like SignIn and fails the test on error.
func (s *Stack) MustSignIn(tb testing.TB, doctor bool, email, password, totpSecret string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := s.SignIn(ctx, doctor, email, password, totpSecret)
	if err != nil {
		tb.Fatalf("sign in %s: %v", email, err)
	}
	return tok
}

// MustSignUpPatient signs a new patient up through the patient app client,
// confirms them with the stand-in's fixed code (which runs the
// post-confirmation trigger, if one is configured) and returns their sub
// and ID token.
func (s *Stack) MustSignUpPatient(tb testing.TB, email, password string) (sub, idToken string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := s.Cognito.SignUp(ctx, &cip.SignUpInput{
		ClientId: aws.String(s.Pools.PatientClientID), Username: aws.String(email), Password: aws.String(password),
		UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}},
	})
	if err != nil {
		tb.Fatalf("sign up %s: %v", email, err)
	}
	if _, err := s.Cognito.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{
		ClientId: aws.String(s.Pools.PatientClientID), Username: aws.String(email), ConfirmationCode: aws.String(seed.ConfirmationCode),
	}); err != nil {
		tb.Fatalf("confirm %s: %v", email, err)
	}
	return aws.ToString(out.UserSub), s.MustSignIn(tb, false, email, password, "")
}

// mustContractCheck returns the OpenAPI validator every test stack runs
// behind: each request and response through the gateway is checked against
// docs/openapi.yaml and each mismatch fails the test (with the method, path,
// status and schema error). Requests a test malforms on purpose carry
// apispec.UncheckedRequestHeader; their responses are still checked. Routes
// whose function o.Functions replaced are checked only for the gateway's own
// errors.
func mustContractCheck(tb testing.TB, o Options) func(http.Handler) http.Handler {
	tb.Helper()
	spec, err := apispec.LoadRepo()
	if err != nil {
		tb.Fatal(err)
	}
	standIns := map[string]bool{}
	for fn := range o.Functions {
		standIns[fn] = true
	}
	return func(next http.Handler) http.Handler {
		return &apispec.Middleware{Spec: spec, Next: next, StandIns: standIns, Skip: gateway.IsDocsPath,
			Report: func(p apispec.Problem) { tb.Errorf("%s", p) }}
	}
}
