package localstack_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/standin"
	"github.com/copdfuel/backend/scripts/gateway"
)

func TestGateway_Authorizer(t *testing.T) {
	s := testStack(t, 0)
	sub, tok := s.MustSignUpPatient(t, "Auth.Patient@example.test", "Correct-Horse-9")
	key := mustCognitoLocalKey(t)
	base := claimsOf(t, tok)
	with := func(changes map[string]any) string {
		c := map[string]any{}
		for k, v := range base {
			c[k] = v
		}
		for k, v := range changes {
			if v == nil {
				delete(c, k)
				continue
			}
			c[k] = v
		}
		return mustForge(t, key, c)
	}
	now := time.Now().Unix()
	nm, err := standin.NodeModules()
	if err != nil {
		t.Fatal(err)
	}
	pub := mustReadPublicPEM(t, nm)

	tests := []struct {
		name   string
		header string
		want   int
	}{
		{"valid token", tok, http.StatusOK},
		{"valid token with Bearer", "Bearer " + tok, http.StatusOK},
		{"forged but well-formed doctor token", with(map[string]any{"iss": s.Issuer(s.Pools.DoctorPoolID), "aud": s.Pools.DoctorClientID}), http.StatusOK},
		{"no token", "", http.StatusUnauthorized},
		{"not a JWT", "hello", http.StatusUnauthorized},
		{"expired", with(map[string]any{"exp": now - 60, "iat": now - 3660}), http.StatusUnauthorized},
		{"no exp", with(map[string]any{"exp": nil}), http.StatusUnauthorized},
		{"not yet valid (nbf in an hour)", with(map[string]any{"nbf": now + 3600}), http.StatusUnauthorized},
		{"issued in an hour (iat)", with(map[string]any{"iat": now + 3600, "exp": now + 7200}), http.StatusUnauthorized},
		{"aud of the other pool", with(map[string]any{"aud": s.Pools.DoctorClientID}), http.StatusUnauthorized},
		{"unknown aud", with(map[string]any{"aud": "someclient"}), http.StatusUnauthorized},
		{"unknown issuer", with(map[string]any{"iss": s.Issuer("local_Nope1234")}), http.StatusUnauthorized},
		{"access token", with(map[string]any{"token_use": "access"}), http.StatusUnauthorized},
		{"tampered payload", tamper(t, tok), http.StatusUnauthorized},
		{"alg none", algNone(t, tok), http.StatusUnauthorized},
		{"HS256 keyed with the public key", hs256(t, tok, pub), http.StatusUnauthorized},
		{"unknown kid", mustUnknownKid(t, base), http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{"Origin": "http://localhost:5173"}
			if tc.header != "" {
				h["Authorization"] = tc.header
			}
			a := mustDo(t, s.Info.APIURL, call{method: "GET", path: "/me", header: h})
			if a.status != tc.want {
				t.Fatalf("status = %d, want %d (body %s)", a.status, tc.want, a.body)
			}
			if tc.want == http.StatusUnauthorized {
				// The gateway's own answers carry CORS headers (a function's
				// answers carry the adapter's).
				if got := a.header.Get("Access-Control-Allow-Origin"); got != "*" {
					t.Errorf("Access-Control-Allow-Origin = %q, want *", got)
				}
				e := mustErrorBody(t, a)
				if e.Error.Code != gateway.CodeUnauthenticated {
					t.Errorf("code = %q, want %q", e.Error.Code, gateway.CodeUnauthenticated)
				}
				if e.Error.RequestID != a.header.Get("X-Amzn-Requestid") {
					t.Errorf("requestId %q differs from X-Amzn-Requestid %q", e.Error.RequestID, a.header.Get("X-Amzn-Requestid"))
				}
			}
		})
	}
	t.Run("claims reach the function as strings", func(t *testing.T) {
		e := mustEcho(t, mustDo(t, s.Info.APIURL, call{method: "GET", path: "/me", header: map[string]string{"Authorization": tok}}))
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(e.Event, &ev); err != nil {
			t.Fatal(err)
		}
		claims, ok := ev.RequestContext.Authorizer["claims"].(map[string]any)
		if !ok {
			t.Fatalf("authorizer = %v, want a claims map", ev.RequestContext.Authorizer)
		}
		for k, v := range claims {
			if _, ok := v.(string); !ok {
				t.Errorf("claim %s = %v (%T), want a string", k, v, v)
			}
		}
		date := regexp.MustCompile(`^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}$`)
		for _, k := range []string{"exp", "iat"} {
			if s, _ := claims[k].(string); !date.MatchString(s) {
				t.Errorf("claim %s = %q, want a date like Thu Dec 03 17:04:05 UTC 2026", k, s)
			}
		}
		want := map[string]any{
			"sub": sub, "aud": s.Pools.PatientClientID, "iss": s.Issuer(s.Pools.PatientPoolID),
			"token_use": "id", "email": "auth.patient@example.test",
		}
		got := map[string]any{}
		for k := range want {
			got[k] = claims[k]
		}
		// cognito-local keeps the email as typed; real Cognito lower-cases
		// the username but not the attribute, so compare case-insensitively.
		got["email"] = strings.ToLower(got["email"].(string))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("claims (-want +got):\n%s", diff)
		}
		if v := claims["auth_time"]; !regexp.MustCompile(`^\d+$`).MatchString(v.(string)) {
			t.Errorf("auth_time = %q, want Unix seconds as a string", v)
		}
	})
}

func TestGateway_RoutesAndCORS(t *testing.T) {
	s := testStack(t, 0)
	_, tok := s.MustSignUpPatient(t, "cors.patient@example.test", "Correct-Horse-9")
	t.Run("preflight is answered by the gateway", func(t *testing.T) {
		for _, path := range []string{"/sync", "/me"} {
			a := mustDo(t, s.Info.APIURL, call{method: "OPTIONS", path: path, header: map[string]string{
				"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type",
			}})
			if a.status != http.StatusNoContent {
				t.Fatalf("OPTIONS %s: status %d, want 204", path, a.status)
			}
			got := map[string]string{
				"origin":  a.header.Get("Access-Control-Allow-Origin"),
				"headers": a.header.Get("Access-Control-Allow-Headers"),
				"methods": a.header.Get("Access-Control-Allow-Methods"),
			}
			want := map[string]string{"origin": "*", "headers": "Authorization,Content-Type", "methods": "GET,POST,DELETE,OPTIONS"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("OPTIONS %s CORS headers (-want +got):\n%s", path, diff)
			}
		}
	})
	tests := []struct {
		name         string
		method, path string
	}{
		{"unknown path", "GET", "/nope"},
		{"root", "GET", "/"},
		{"known path, other method", "GET", "/sync"},
		{"known path, DELETE", "DELETE", "/me"},
		{"trailing segment", "GET", "/me/extra"},
		{"preflight of an unknown path", "OPTIONS", "/nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := mustDo(t, s.Info.APIURL, call{method: tc.method, path: tc.path, header: map[string]string{"Authorization": tok}})
			if a.status != http.StatusNotFound {
				t.Fatalf("status %d, want 404 (body %s)", a.status, a.body)
			}
			if e := mustErrorBody(t, a); e.Error.Code != "route_not_found" {
				t.Errorf("code = %q, want route_not_found", e.Error.Code)
			}
			if a.header.Get("Access-Control-Allow-Origin") != "*" || !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
				t.Errorf("headers %v lack CORS or JSON content type", a.header)
			}
		})
	}
}

func TestGateway_EventShape(t *testing.T) {
	s := testStack(t, 0)
	sub, tok := s.MustSignUpPatient(t, "shape.patient@example.test", "Correct-Horse-9")
	event := func(t *testing.T, a answer) (echo, events.APIGatewayProxyRequest) {
		t.Helper()
		e := mustEcho(t, a)
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(e.Event, &ev); err != nil {
			t.Fatal(err)
		}
		return e, ev
	}
	t.Run("GET with query and repeated headers", func(t *testing.T) {
		req, err := http.NewRequest("GET", s.Info.APIURL+"/me?days=7&days=30&q=a+b", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", tok)
		req.Header.Set("User-Agent", "COPDFuel/1.4 (Android 14)")
		req.Header.Add("X-Custom", "one")
		req.Header.Add("X-Custom", "two")
		before := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		resp.Body.Close()
		a := answer{status: resp.StatusCode, header: resp.Header, body: buf.Bytes()}
		e, ev := event(t, a)
		got := map[string]any{
			"resource": ev.Resource, "path": ev.Path, "method": ev.HTTPMethod,
			"query": ev.QueryStringParameters, "multiQuery": ev.MultiValueQueryStringParameters,
			"pathParameters": ev.PathParameters, "body": ev.Body, "base64": ev.IsBase64Encoded,
			"customHeader": ev.Headers["X-Custom"], "customMulti": ev.MultiValueHeaders["X-Custom"],
			"sourceIP": ev.RequestContext.Identity.SourceIP, "userAgent": ev.RequestContext.Identity.UserAgent,
			"stage": ev.RequestContext.Stage, "resourcePath": ev.RequestContext.ResourcePath,
			"requestId": ev.RequestContext.RequestID, "sub": ev.RequestContext.Authorizer["claims"].(map[string]any)["sub"],
		}
		want := map[string]any{
			"resource": "/me", "path": "/me", "method": "GET",
			"query": map[string]string{"days": "30", "q": "a b"}, "multiQuery": map[string][]string{"days": {"7", "30"}, "q": {"a b"}},
			"pathParameters": map[string]string(nil), "body": "", "base64": false,
			"customHeader": "two", "customMulti": []string{"one", "two"},
			"sourceIP": "127.0.0.1", "userAgent": "COPDFuel/1.4 (Android 14)",
			"stage": "local", "resourcePath": "/me",
			"requestId": a.header.Get("X-Amzn-Requestid"), "sub": sub,
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("event (-want +got):\n%s", diff)
		}
		deadline := time.UnixMilli(e.DeadlineMs)
		if deadline.Before(before) || deadline.After(time.Now().Add(11*time.Second)) {
			t.Errorf("deadline %v not within the function timeout of the call", deadline)
		}
	})
	bodies := []struct {
		name       string
		body       []byte
		wantBase64 bool
	}{
		{"JSON body as text", []byte(`{"records":[{"id":"a"}]}`), false},
		{"binary body base64-encoded", []byte{0xff, 0xfe, 0x00, 0x01}, true},
	}
	for _, tc := range bodies {
		t.Run(tc.name, func(t *testing.T) {
			_, ev := event(t, mustDo(t, s.Info.APIURL, call{method: "POST", path: "/sync", body: tc.body,
				header: map[string]string{"Authorization": tok, "Content-Type": "application/json"}}))
			got := []byte(ev.Body)
			if ev.IsBase64Encoded {
				var err error
				if got, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
					t.Fatal(err)
				}
			}
			if ev.IsBase64Encoded != tc.wantBase64 || !bytes.Equal(got, tc.body) {
				t.Errorf("body %q (base64 %v), want %q (base64 %v)", got, ev.IsBase64Encoded, tc.body, tc.wantBase64)
			}
			if ev.Resource != "/sync" || ev.HTTPMethod != "POST" {
				t.Errorf("resource %s %s, want POST /sync", ev.HTTPMethod, ev.Resource)
			}
		})
	}
	t.Run("body over 10 MB", func(t *testing.T) {
		a := mustDo(t, s.Info.APIURL, call{method: "POST", path: "/sync", body: bytes.Repeat([]byte("x"), gateway.MaxBody+1),
			header: map[string]string{"Authorization": tok, "Content-Type": "application/json"}})
		if a.status != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d, want 413", a.status)
		}
		if e := mustErrorBody(t, a); e.Error.Code != "body_too_large" {
			t.Errorf("code %q, want body_too_large", e.Error.Code)
		}
	})
	responses := []struct {
		action     string
		wantStatus int
		check      func(t *testing.T, a answer)
	}{
		{"status", 418, func(t *testing.T, a answer) {
			if string(a.body) != "teapot" || !cmp.Equal(a.header.Values("X-Multi"), []string{"a", "b"}) {
				t.Errorf("body %q, X-Multi %v", a.body, a.header.Values("X-Multi"))
			}
		}},
		{"binary", 200, func(t *testing.T, a answer) {
			if !bytes.Equal(a.body, []byte{0, 1, 2, 0xff}) {
				t.Errorf("body %v, want the decoded bytes", a.body)
			}
		}},
		{"malformed", 502, nil},
		{"error", 502, nil},
	}
	for _, tc := range responses {
		t.Run("function answers "+tc.action, func(t *testing.T) {
			a := mustDo(t, s.Info.APIURL, call{method: "GET", path: "/me", header: map[string]string{"Authorization": tok, "X-Test-Action": tc.action}})
			if a.status != tc.wantStatus {
				t.Fatalf("status %d, want %d (body %s)", a.status, tc.wantStatus, a.body)
			}
			if tc.wantStatus == 502 {
				e := mustErrorBody(t, a)
				if e.Error.Code != "internal" || strings.Contains(string(a.body), "testfn") {
					t.Errorf("body %s: want code internal and no function error text", a.body)
				}
			}
			if tc.check != nil {
				tc.check(t, a)
			}
		})
	}
}
