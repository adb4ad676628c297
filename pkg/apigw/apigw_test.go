package apigw_test

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/access"
	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/philog"
)

//go:embed testdata/sync-event.json
var syncEvent []byte

var testNow = time.Date(2026, 12, 3, 17, 30, 0, 0, time.UTC)

var accessConfig = access.Config{Pools: []access.Pool{
	{Role: copd.RolePatient, Issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Patients", ClientIDs: []string{"patientclient123"}},
	{Role: copd.RoleDoctor, Issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Doctors", ClientIDs: []string{"doctorclient456"}},
}}

// mustEvent loads the realistic POST /sync event, then lets a case edit it.
func mustEvent(t *testing.T, edit func(*events.APIGatewayProxyRequest)) events.APIGatewayProxyRequest {
	t.Helper()
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(syncEvent, &ev); err != nil {
		t.Fatalf("testdata: %v", err)
	}
	if edit != nil {
		edit(&ev)
	}
	return ev
}

func claims(ev *events.APIGatewayProxyRequest) map[string]any {
	return ev.RequestContext.Authorizer["claims"].(map[string]any)
}

func newAdapter(logw *bytes.Buffer) *apigw.Adapter {
	return &apigw.Adapter{Access: accessConfig, Log: philog.New(logw, nil), AllowOrigin: "https://portal.example", Now: func() time.Time { return testNow }}
}

type errBody struct {
	Error struct{ Code, Message, RequestID string }
}

func mustErrBody(t *testing.T, resp events.APIGatewayProxyResponse) errBody {
	t.Helper()
	var b errBody
	if err := json.Unmarshal([]byte(resp.Body), &b); err != nil || b.Error.Code == "" {
		t.Fatalf("error body %q: %v", resp.Body, err)
	}
	return b
}

func TestWrap_PassesTypedRequest(t *testing.T) {
	var got *apigw.Request
	h := func(_ context.Context, req *apigw.Request) (apigw.Response, error) {
		got = req
		return apigw.OK(map[string]string{"ok": "yes"}), nil
	}
	var logs bytes.Buffer
	resp, err := newAdapter(&logs).Wrap("sync", h)(context.Background(), mustEvent(t, nil))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d err %v body %s", resp.StatusCode, err, resp.Body)
	}
	want := access.Caller{Sub: "8f2a6c1e-1b7d-4c55-9a0e-3c1d2e4f5a6b", Role: copd.RolePatient, Email: "pat.example@example.com"}
	if diff := cmp.Diff(want, got.Caller); diff != "" {
		t.Errorf("caller (-want +got):\n%s", diff)
	}
	if got.SourceIP != "203.0.113.7" || got.UserAgent != "COPDFuel/2.3 (iPhone; iOS 18.1)" || got.RequestID != "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" {
		t.Errorf("context: ip %q ua %q id %q", got.SourceIP, got.UserAgent, got.RequestID)
	}
	if got.Header("content-type") != "application/json; charset=utf-8" {
		t.Errorf("header lookup is not case-insensitive: %q", got.Header("content-type"))
	}
	if string(got.Body) != `{"records":[]}` {
		t.Errorf("body %q", got.Body)
	}
	if resp.Headers["Access-Control-Allow-Origin"] != "https://portal.example" {
		t.Errorf("no CORS header: %v", resp.Headers)
	}
	if n := strings.Count(logs.String(), "\n"); n != 1 {
		t.Errorf("want exactly one log line, got %d: %s", n, logs.String())
	}
	if strings.Contains(strings.ToLower(logs.String()), "pat.example") || strings.Contains(logs.String(), "203.0.113.7") {
		t.Errorf("log carries email or IP: %s", logs.String())
	}
}

func TestWrap_Errors(t *testing.T) {
	ok := func(context.Context, *apigw.Request) (apigw.Response, error) { return apigw.OK(struct{}{}), nil }
	tests := []struct {
		name    string
		edit    func(*events.APIGatewayProxyRequest)
		handler apigw.HandlerFunc
		status  int
		code    string
	}{
		{"no authorizer", func(ev *events.APIGatewayProxyRequest) { ev.RequestContext.Authorizer = nil }, ok, 401, access.CodeUnauthenticated},
		{"claims not a map", func(ev *events.APIGatewayProxyRequest) { ev.RequestContext.Authorizer["claims"] = "sub=x" }, ok, 401, access.CodeUnauthenticated},
		{"access token", func(ev *events.APIGatewayProxyRequest) { claims(ev)["token_use"] = "access" }, ok, 401, access.CodeUnauthenticated},
		{"token_use missing", func(ev *events.APIGatewayProxyRequest) { delete(claims(ev), "token_use") }, ok, 401, access.CodeUnauthenticated},
		{"wrong audience", func(ev *events.APIGatewayProxyRequest) { claims(ev)["aud"] = "doctorclient456" }, ok, 401, access.CodeUnauthenticated},
		{"unknown issuer", func(ev *events.APIGatewayProxyRequest) {
			claims(ev)["iss"] = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"
		}, ok, 401, access.CodeUnauthenticated},
		{"issuer as number", func(ev *events.APIGatewayProxyRequest) { claims(ev)["iss"] = 42.0 }, ok, 401, access.CodeUnauthenticated},
		{"missing sub", func(ev *events.APIGatewayProxyRequest) { delete(claims(ev), "sub") }, ok, 401, access.CodeUnauthenticated},
		{"sub with key separator", func(ev *events.APIGatewayProxyRequest) { claims(ev)["sub"] = "a#b" }, ok, 401, access.CodeUnauthenticated},
		{"expired", func(ev *events.APIGatewayProxyRequest) { claims(ev)["exp"] = "Thu Dec 03 17:29:59 UTC 2026" }, ok, 401, access.CodeUnauthenticated},
		{"expired unix", func(ev *events.APIGatewayProxyRequest) { claims(ev)["exp"] = "1764782999" }, ok, 401, access.CodeUnauthenticated},
		{"exp garbage", func(ev *events.APIGatewayProxyRequest) { claims(ev)["exp"] = "tomorrow" }, ok, 401, access.CodeUnauthenticated},
		{"doctor on a patient route", func(ev *events.APIGatewayProxyRequest) {
			claims(ev)["iss"] = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Doctors"
			claims(ev)["aud"] = "doctorclient456"
		}, ok, 403, access.CodeWrongRole},
		{"route not served by this function", func(ev *events.APIGatewayProxyRequest) { ev.Resource = "/me"; ev.HTTPMethod = "GET" }, ok, 404, apigw.CodeRouteNotFound},
		{"base64 body", func(ev *events.APIGatewayProxyRequest) {
			ev.Body = base64.StdEncoding.EncodeToString([]byte(`{"records":[]}`))
			ev.IsBase64Encoded = true
		}, ok, 200, ""},
		{"bad base64", func(ev *events.APIGatewayProxyRequest) { ev.Body = "%%%"; ev.IsBase64Encoded = true }, ok, 400, apigw.CodeBadBase64},
		{"body over limit", func(ev *events.APIGatewayProxyRequest) { ev.Body = strings.Repeat(" ", copd.MaxSyncBodyBytes+1) }, ok, 413, apigw.CodeBodyTooLarge},
		{"base64 body over limit", func(ev *events.APIGatewayProxyRequest) {
			ev.Body = base64.StdEncoding.EncodeToString(make([]byte, copd.MaxSyncBodyBytes+10))
			ev.IsBase64Encoded = true
		}, ok, 413, apigw.CodeBodyTooLarge},
		{"body at limit", func(ev *events.APIGatewayProxyRequest) { ev.Body = strings.Repeat(" ", copd.MaxSyncBodyBytes) }, ok, 200, ""},
		{"form content type", func(ev *events.APIGatewayProxyRequest) {
			ev.Headers = map[string]string{"content-type": "application/x-www-form-urlencoded"}
			ev.MultiValueHeaders = nil
		}, ok, 415, apigw.CodeUnsupportedMedia},
		{"garbage content type", func(ev *events.APIGatewayProxyRequest) {
			ev.Headers = map[string]string{"Content-Type": ";;;"}
			ev.MultiValueHeaders = nil
		}, ok, 415, apigw.CodeUnsupportedMedia},
		{"internal error hides its text", nil, func(context.Context, *apigw.Request) (apigw.Response, error) {
			return apigw.Response{}, errors.New("dynamodb: secret table arn:aws:dynamodb:eu-west-1:1:table/x")
		}, 500, "internal"},
		{"unavailable", nil, func(context.Context, *apigw.Request) (apigw.Response, error) {
			return apigw.Response{}, errs.Wrap(errs.Unavailable, "unavailable", "try again shortly", errors.New("throttled"))
		}, 503, "unavailable"},
		{"panic", nil, func(context.Context, *apigw.Request) (apigw.Response, error) { panic("boom secret") }, 500, "internal"},
		{"unencodable body", nil, func(context.Context, *apigw.Request) (apigw.Response, error) {
			return apigw.OK(map[string]any{"x": func() {}}), nil
		}, 500, "internal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			resp, err := newAdapter(&logs).Wrap("sync", tc.handler)(context.Background(), mustEvent(t, tc.edit))
			if err != nil {
				t.Fatalf("Wrap returned an error (Lambda would report a failure): %v", err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d, want %d (body %s)", resp.StatusCode, tc.status, resp.Body)
			}
			if resp.Headers["Access-Control-Allow-Origin"] == "" {
				t.Errorf("no CORS header on %d", resp.StatusCode)
			}
			if tc.code == "" {
				return
			}
			b := mustErrBody(t, resp)
			if b.Error.Code != tc.code || b.Error.RequestID != "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" {
				t.Errorf("error = %+v, want code %q with the request id", b.Error, tc.code)
			}
			for _, secret := range []string{"secret", "arn:aws", "boom"} {
				if strings.Contains(resp.Body, secret) || strings.Contains(logs.String(), secret) {
					t.Errorf("%q leaked: body %s log %s", secret, resp.Body, logs.String())
				}
			}
			if tc.status == 503 && resp.Headers["Retry-After"] == "" {
				t.Errorf("503 without Retry-After")
			}
		})
	}
}

func TestDecodeJSON(t *testing.T) {
	type target struct {
		A int      `json:"a"`
		B []string `json:"b"`
	}
	tests := []struct {
		name string
		body string
		code string
	}{
		{"ok", `{"a":1,"b":["x"]}`, ""},
		{"ok with whitespace", " \n{\"a\":1}\n ", ""},
		{"empty", ``, apigw.CodeBodyRequired},
		{"only spaces", `   `, apigw.CodeBodyRequired},
		{"unknown field", `{"a":1,"c":2}`, apigw.CodeUnknownField},
		{"trailing object", `{"a":1}{"a":2}`, apigw.CodeTrailingData},
		{"trailing garbage", `{"a":1} x`, apigw.CodeTrailingData},
		{"duplicate key", `{"a":1,"a":2}`, apigw.CodeDuplicateKey},
		{"nested duplicate key", `{"b":[],"a":1,"x":{"k":1,"k":2}}`, apigw.CodeDuplicateKey},
		{"same key in sibling objects is fine", `{"a":1,"b":["a","a"]}`, ""},
		{"wrong type", `{"a":"1"}`, apigw.CodeInvalidJSON},
		{"number too big", `{"a":1e309}`, apigw.CodeInvalidJSON},
		{"syntax", `{"a":}`, apigw.CodeInvalidJSON},
		{"truncated", `{"a":1`, apigw.CodeInvalidJSON},
		{"array at top", `[1,2]`, apigw.CodeInvalidJSON},
		{"null at top", `null`, ""},
		// Refused since issue 8: encoding/json would store U+FFFD instead.
		{"invalid utf8 in string", "{\"b\":[\"\xff\"]}", apigw.CodeInvalidJSON},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v target
			err := apigw.DecodeJSON([]byte(tc.body), &v)
			got := ""
			if err != nil {
				var e *errs.Error
				if !errors.As(err, &e) || e.Kind != errs.Invalid {
					t.Fatalf("err %v is not Invalid", err)
				}
				got = e.Code
			}
			if got != tc.code {
				t.Errorf("code = %q, want %q (%v)", got, tc.code, err)
			}
		})
	}
}

func TestDecodeJSONTop_NestedDuplicatesLeftToTheHandler(t *testing.T) {
	var v struct {
		Records []json.RawMessage `json:"records"`
	}
	if err := apigw.DecodeJSONTop([]byte(`{"records":[{"a":1,"a":2}]}`), &v); err != nil {
		t.Errorf("nested duplicate rejected at the top: %v", err)
	}
	err := apigw.DecodeJSONTop([]byte(`{"records":[],"records":[]}`), &v)
	if e := errs.Public(err); e.Code != apigw.CodeDuplicateKey {
		t.Errorf("top-level duplicate: %v", err)
	}
}
