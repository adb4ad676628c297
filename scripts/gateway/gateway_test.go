package gateway

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/copdfuel/backend/scripts/lambdalocal"
)

func TestStringClaims(t *testing.T) {
	var claims map[string]any
	if err := decodeSegment(b64(`{"sub":"u1","aud":"c1","email_verified":true,"auth_time":1796313600,
		"exp":1796317200,"iat":1796313600,"cognito:groups":["a","b"],"custom:x":{"k":1}}`), &claims); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"sub": "u1", "aud": "c1", "email_verified": "true", "auth_time": "1796313600",
		"exp": "Thu Dec 03 17:00:00 UTC 2026", "iat": "Thu Dec 03 16:00:00 UTC 2026",
		"cognito:groups": "a,b", "custom:x": `{"k":1}`,
	}
	if diff := cmp.Diff(want, StringClaims(claims)); diff != "" {
		t.Errorf("StringClaims (-want +got):\n%s", diff)
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// fakeLambda answers every invocation with res, or waits for ctx if block.
type fakeLambda struct {
	res   lambdalocal.Result
	block bool
	got   []byte
}

func (f *fakeLambda) Invoke(ctx context.Context, fn string, payload []byte) (lambdalocal.Result, error) {
	f.got = payload
	if f.block {
		<-ctx.Done()
		return lambdalocal.Result{}, ctx.Err()
	}
	return f.res, nil
}

// mustPool serves a JWKS for a fresh key and returns a signer for its tokens.
func mustPool(t *testing.T) (Pool, func(claims map[string]any) string) {
	t.Helper()
	raw, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	key, err := jwk.Import(raw)
	if err != nil {
		t.Fatal(err)
	}
	_ = key.Set(jwk.KeyIDKey, "k1")
	_ = key.Set(jwk.AlgorithmKey, jwa.RS256())
	pub, err := key.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(srv.Close)
	pool := Pool{Issuer: srv.URL + "/pool1", JWKSURL: srv.URL + "/jwks.json", ClientIDs: []string{"client1"}}
	sign := func(claims map[string]any) string {
		b, _ := json.Marshal(claims)
		hdr := jws.NewHeaders()
		_ = hdr.Set(jws.KeyIDKey, "k1")
		tok, err := jws.Sign(b, jws.WithKey(jwa.RS256(), key, jws.WithProtectedHeaders(hdr)))
		if err != nil {
			t.Fatal(err)
		}
		return string(tok)
	}
	return pool, sign
}

func TestGateway_ProxyResponses(t *testing.T) {
	pool, sign := mustPool(t)
	token := sign(map[string]any{"iss": pool.Issuer, "aud": "client1", "sub": "u1", "token_use": "id", "exp": time.Now().Add(time.Hour).Unix()})
	tests := []struct {
		name       string
		lambda     *fakeLambda
		wantStatus int
		wantBody   string
		wantHeader map[string][]string
	}{
		{"headers and multiValueHeaders merge", &fakeLambda{res: lambdalocal.Result{Payload: []byte(
			`{"statusCode":201,"headers":{"X-A":"1","X-B":"h"},"multiValueHeaders":{"X-B":["m1","m2"]},"body":"ok"}`)}},
			201, "ok", map[string][]string{"X-A": {"1"}, "X-B": {"m1", "m2"}}},
		{"base64 body", &fakeLambda{res: lambdalocal.Result{Payload: []byte(`{"statusCode":200,"body":"aGk=","isBase64Encoded":true}`)}},
			200, "hi", nil},
		{"no statusCode is 200", &fakeLambda{res: lambdalocal.Result{Payload: []byte(`{"body":"x"}`)}}, 200, "x", nil},
		{"unknown field is malformed", &fakeLambda{res: lambdalocal.Result{Payload: []byte(`{"statusCode":200,"extra":1}`)}}, 502, "", nil},
		{"not an object is malformed", &fakeLambda{res: lambdalocal.Result{Payload: []byte(`"hello"`)}}, 502, "", nil},
		{"function error", &fakeLambda{res: lambdalocal.Result{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"boom"}`)}}, 502, "", nil},
		{"integration timeout", &fakeLambda{block: true}, 504, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := &Gateway{Authorizer: &Authorizer{Pools: []Pool{pool}}, Lambda: tc.lambda, AllowOrigin: "*", Stage: "test", Timeout: 100 * time.Millisecond}
			req := httptest.NewRequest("GET", "/me", nil)
			req.Header.Set("Authorization", token)
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, req)
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d (body %s)", rec.Code, tc.wantStatus, body)
			}
			if tc.wantStatus >= 500 {
				var e struct{ Error struct{ Code string } }
				if err := json.Unmarshal(body, &e); err != nil || (e.Error.Code != CodeInternal && e.Error.Code != CodeTimeout) {
					t.Errorf("body %s is not the error shape", body)
				}
				if strings.Contains(string(body), "boom") {
					t.Errorf("function error text reached the client: %s", body)
				}
				return
			}
			if string(body) != tc.wantBody {
				t.Errorf("body %q, want %q", body, tc.wantBody)
			}
			for k, v := range tc.wantHeader {
				if diff := cmp.Diff(v, rec.Header().Values(k)); diff != "" {
					t.Errorf("header %s (-want +got):\n%s", k, diff)
				}
			}
		})
	}
}
