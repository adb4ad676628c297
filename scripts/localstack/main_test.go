package localstack_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/copdfuel/backend/pkg/standin"
	"github.com/copdfuel/backend/scripts/localstack"
)

// testfn is the test-only Lambda binary (testdata/testfn), built once.
var testfn string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "testfn")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testfn = filepath.Join(dir, "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", testfn, "../testdata/testfn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build testfn:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testStack starts a stack whose routes and PostConfirmation trigger all run testfn.
func testStack(t *testing.T, timeout time.Duration) *localstack.Stack {
	t.Helper()
	return localstack.New(t, localstack.Options{
		Functions:       map[string]string{"me": testfn, "sync": testfn},
		Triggers:        map[string]string{"PostConfirmation": "me"},
		FunctionTimeout: timeout,
	})
}

// call is one HTTP request to the stack.
type call struct {
	method, path string
	header       map[string]string
	body         []byte
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func mustDo(t *testing.T, base string, c call) answer {
	t.Helper()
	req, err := http.NewRequest(c.method, strings.TrimSuffix(base, "/")+c.path, bytes.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	if c.body == nil {
		req.Body = nil
	}
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// errorBody is the API's error shape.
type errorBody struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"requestId"`
	} `json:"error"`
}

func mustErrorBody(t *testing.T, a answer) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(a.body, &e); err != nil || e.Error.Code == "" || e.Error.RequestID == "" {
		t.Fatalf("body %q is not the error shape: %v", a.body, err)
	}
	return e
}

// echo is what testfn answers for an API event.
type echo struct {
	PID        int             `json:"pid"`
	RequestID  string          `json:"requestId"`
	DeadlineMs int64           `json:"deadlineMs"`
	Event      json.RawMessage `json:"event"`
}

func mustEcho(t *testing.T, a answer) echo {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("status %d, body %s", a.status, a.body)
	}
	var e echo
	if err := json.Unmarshal(a.body, &e); err != nil {
		t.Fatalf("echo body: %v", err)
	}
	return e
}

// cognitoLocalKey is cognito-local's signing key. It ships in the npm
// package, so anyone can sign tokens the stand-in's JWKS accepts: that is
// how these tests forge expired or wrongly addressed tokens.
func mustCognitoLocalKey(t *testing.T) jwk.Key {
	t.Helper()
	nm, err := standin.NodeModules()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(nm, "cognito-local", "lib", "keys", "cognitoLocal.private.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		PEM string `json:"pem"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	k, err := jwk.ParseKey([]byte(f.PEM), jwk.WithPEM(true))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Set(jwk.KeyIDKey, "CognitoLocal"); err != nil {
		t.Fatal(err)
	}
	return k
}

// mustForge signs claims with key (RS256, kid from the key), keeping each
// claim's JSON type as Cognito writes it (aud a string, exp a number).
func mustForge(t *testing.T, key jwk.Key, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	hdr := jws.NewHeaders()
	kid, _ := key.KeyID()
	if err := hdr.Set(jws.KeyIDKey, kid); err != nil {
		t.Fatal(err)
	}
	b, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), key, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// claimsOf decodes a token's payload without verifying it.
func claimsOf(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func b64json(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// algNone is token's payload under an unsigned alg=none header.
func algNone(t *testing.T, token string) string {
	t.Helper()
	return b64json(t, map[string]string{"alg": "none", "kid": "CognitoLocal", "typ": "JWT"}) + "." + strings.Split(token, ".")[1] + "."
}

// hs256 re-signs token's payload with HMAC-SHA256 keyed by the pool's
// public key (the classic algorithm confusion attack).
func hs256(t *testing.T, token string, publicPEM []byte) string {
	t.Helper()
	head := b64json(t, map[string]string{"alg": "HS256", "kid": "CognitoLocal", "typ": "JWT"})
	signing := head + "." + strings.Split(token, ".")[1]
	mac := hmac.New(sha256.New, publicPEM)
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// tamper changes the token's payload (sub) and keeps its signature.
func tamper(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	c := claimsOf(t, token)
	c["sub"] = "someone-else"
	return parts[0] + "." + b64json(t, c) + "." + parts[2]
}

// unknownKid signs claims with a fresh key under a kid the JWKS lacks.
func mustUnknownKid(t *testing.T, claims map[string]any) string {
	t.Helper()
	raw, err := jwk.Import(mustRSAKey(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Set(jwk.KeyIDKey, "not-a-cognito-key"); err != nil {
		t.Fatal(err)
	}
	return mustForge(t, raw, claims)
}

func mustRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// mustReadPublicPEM returns cognito-local's public key as PEM text.
func mustReadPublicPEM(t *testing.T, nodeModules string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(nodeModules, "cognito-local", "lib", "keys", "cognitoLocal.public.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		PEM string `json:"pem"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return []byte(f.PEM)
}
