// Package apigwtest builds realistic API Gateway REST proxy events (from a
// captured event under testdata) and serves them through the real adapter,
// for the functions' handler tests.
package apigwtest

import (
	"context"
	_ "embed"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/copdfuel/backend/pkg/access"
	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/philog"
)

//go:embed testdata/event.json
var eventJSON []byte

// Issuers and app clients the test adapter trusts.
const (
	PatientIssuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Patients"
	DoctorIssuer  = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Doctors"
	PatientClient = "patientclient123"
	DoctorClient  = "doctorclient456"
	SourceIP      = "203.0.113.7"
	UserAgent     = "COPDFuel/2.3 (iPhone; iOS 18.1)"
)

// Adapter returns the adapter every function uses, with a fixed clock.
func Adapter(now time.Time, logw io.Writer) *apigw.Adapter {
	if logw == nil {
		logw = io.Discard
	}
	return &apigw.Adapter{
		Access: access.Config{Pools: []access.Pool{
			{Role: copd.RolePatient, Issuer: PatientIssuer, ClientIDs: []string{PatientClient}},
			{Role: copd.RoleDoctor, Issuer: DoctorIssuer, ClientIDs: []string{DoctorClient}},
		}},
		Log: philog.New(logw, nil), AllowOrigin: "*", Now: func() time.Time { return now },
	}
}

// Event returns a request from a user of role with sub to method and
// resource (a route template), with path parameters filled into the path.
func Event(t testing.TB, role copd.Role, sub, method, resource string, params map[string]string, body string) events.APIGatewayProxyRequest {
	t.Helper()
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(eventJSON, &ev); err != nil {
		t.Fatal(err)
	}
	path := resource
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	ev.Resource, ev.Path, ev.HTTPMethod, ev.PathParameters, ev.Body = resource, path, method, params, body
	ev.RequestContext.ResourcePath, ev.RequestContext.HTTPMethod, ev.RequestContext.Path = resource, method, "/prod"+path
	claims := ev.RequestContext.Authorizer["claims"].(map[string]any)
	claims["sub"], claims["cognito:username"] = sub, sub
	if role == copd.RoleDoctor {
		claims["iss"], claims["aud"] = DoctorIssuer, DoctorClient
	}
	return ev
}

// Serve runs h for ev through the adapter of fn and returns the response.
func Serve(t testing.TB, a *apigw.Adapter, fn string, h apigw.HandlerFunc, ev events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	t.Helper()
	resp, err := a.Wrap(fn, h)(context.Background(), ev)
	if err != nil {
		t.Fatalf("handler error: %v", err)
	}
	return resp
}

// ErrorCode returns the code of an error body ("" if there is none).
func ErrorCode(resp events.APIGatewayProxyResponse) string {
	var b apigw.ErrorBody
	_ = json.Unmarshal([]byte(resp.Body), &b)
	return b.Error.Code
}

// MustStatus fails unless resp has status and (if code is set) error code.
func MustStatus(t testing.TB, resp events.APIGatewayProxyResponse, status int, code string) {
	t.Helper()
	if resp.StatusCode != status || (code != "" && ErrorCode(resp) != code) {
		t.Fatalf("got %d %q, want %d %q: %s", resp.StatusCode, ErrorCode(resp), status, code, resp.Body)
	}
}
