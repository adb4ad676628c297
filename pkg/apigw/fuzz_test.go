package apigw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/errs"
)

// fuzzBody is what the fuzzed handler decodes strictly, so the adapter's
// whole path (claims, headers, base64, size, media type, strict JSON) runs.
type fuzzBody struct {
	Name  string         `json:"name"`
	N     float64        `json:"n"`
	Tags  []string       `json:"tags"`
	Inner map[string]any `json:"inner"`
	Flag  *bool          `json:"flag"`
}

// FuzzWrap feeds arbitrary headers, bodies (plain and base64), claims and
// query parameters through the adapter. Properties: no panic reaches the
// caller (a recovered one would be a 500), no client input gives a 5xx,
// every error answer is the error shape with a code and the request id,
// and the security headers are always there.
func FuzzWrap(f *testing.F) {
	f.Add("Content-Type", "application/json", `{"name":"a","n":1}`, false, "id", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Patients", "patientclient123", "8f2a6c1e", "Thu Dec 03 18:30:00 UTC 2026", "k", "v")
	f.Add("content-type", "text/plain", `eyJuYW1lIjoiYSJ9`, true, "id", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Patients", "patientclient123", "sub", "", "", "")
	f.Add("Content-Type", "application/json; charset=utf-8", `{"name":"a","name":"b"}`, false, "access", "x", "y", "", "1764786600", "", "")
	f.Add("Content-Type", "application/merge-patch+json", "not base64!", true, "id", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Doctors", "doctorclient456", "a b", "garbage", "cursor", "%%%")
	f.Add("X", "\x00", "{\"n\":1e309}", false, "id", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Patients", "patientclient123", "s", "", "", "")
	f.Add("Content-Type", "application/json", `{"inner":{"a":{"a":1,"a":2}},"tags":["\ud800"]}`, false, "id", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Patients", "patientclient123", "s", "", "", "")
	f.Fuzz(func(t *testing.T, hk, hv, body string, b64 bool, tokenUse, iss, aud, sub, exp, qk, qv string) {
		var logs bytes.Buffer
		a := newAdapter(&logs)
		fn := a.Wrap("sync", func(_ context.Context, req *apigw.Request) (apigw.Response, error) {
			var b fuzzBody
			if err := apigw.DecodeJSON(req.Body, &b); err != nil {
				return apigw.Response{}, err
			}
			_ = req.Header(hk)
			_ = req.URL()
			return apigw.OK(b), nil
		})
		ev := mustEvent(t, func(ev *events.APIGatewayProxyRequest) {
			ev.Headers = map[string]string{hk: hv, "Host": hv}
			ev.MultiValueHeaders = map[string][]string{hk: {hv, hv}}
			ev.Body = body
			ev.IsBase64Encoded = b64
			ev.QueryStringParameters = map[string]string{qk: qv}
			ev.MultiValueQueryStringParameters = map[string][]string{qk: {qv}}
			c := claims(ev)
			c["token_use"], c["iss"], c["aud"], c["sub"], c["exp"] = tokenUse, iss, aud, sub, exp
		})
		resp, err := fn(context.Background(), ev)
		if err != nil {
			t.Fatalf("handler error: %v", err)
		}
		mustClientAnswer(t, resp, ev.RequestContext.RequestID)
	})
}

// FuzzWrap_Claims feeds claim values of any JSON type (the authorizer's map
// is map[string]any): a malformed claim is a 401, never a panic.
func FuzzWrap_Claims(f *testing.F) {
	f.Add(`{"token_use":"id","sub":"x","iss":"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Patients","aud":"patientclient123"}`)
	f.Add(`{"token_use":1,"sub":null,"exp":[1]}`)
	f.Add(`{"token_use":"id","sub":{"a":1},"iss":true}`)
	f.Add(`null`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, claimsJSON string) {
		var c any
		if json.Unmarshal([]byte(claimsJSON), &c) != nil {
			return
		}
		var logs bytes.Buffer
		fn := newAdapter(&logs).Wrap("sync", func(context.Context, *apigw.Request) (apigw.Response, error) {
			return apigw.OK(map[string]string{}), nil
		})
		ev := mustEvent(t, func(ev *events.APIGatewayProxyRequest) {
			ev.RequestContext.Authorizer = map[string]any{"claims": c}
		})
		resp, err := fn(context.Background(), ev)
		if err != nil {
			t.Fatalf("handler error: %v", err)
		}
		mustClientAnswer(t, resp, ev.RequestContext.RequestID)
	})
}

func mustClientAnswer(t *testing.T, resp events.APIGatewayProxyResponse, reqID string) {
	t.Helper()
	if resp.StatusCode >= 500 || resp.StatusCode < 200 {
		t.Fatalf("status %d for client input: %s", resp.StatusCode, resp.Body)
	}
	if resp.Headers["X-Content-Type-Options"] != "nosniff" || resp.Headers["Cache-Control"] != "no-store" {
		t.Errorf("security headers missing: %v", resp.Headers)
	}
	if resp.StatusCode >= 400 {
		b := mustErrBody(t, resp)
		if b.Error.RequestID != reqID {
			t.Errorf("requestId %q, want %q", b.Error.RequestID, reqID)
		}
		return
	}
	if !json.Valid([]byte(resp.Body)) {
		t.Errorf("200 body is not JSON: %q", resp.Body)
	}
}

// FuzzDecodeJSON checks the strict decoder: it never panics, every error is
// an Invalid error with a stable code (a 400), and whatever it accepts has
// no duplicate keys and re-encodes into JSON that it accepts again with the
// same value (idempotence).
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"a","n":1,"tags":["x"],"inner":{"k":[1,{"z":null}]},"flag":true}`,
		`{"name":"a","name":"b"}`, `{"inner":{"a":1,"a":2}}`, `{"n":1e309}`, `{"n":NaN}`,
		`{"name":"\ud800"}`, `{"name":"\u0000"}`, `{} {}`, ``, `   `, `[`, `{"extra":1}`,
		`{"tags":"x"}`, `{"n":"1"}`, "\xef\xbb\xbf{}", `{"name":"\u202e"}`, `{"inner":{"\u00e9":1,"e\u0301":2}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v fuzzBody
		err := apigw.DecodeJSON(data, &v)
		if err != nil {
			mustInvalid(t, err)
			return
		}
		if err := apigw.CheckDuplicateKeys(data); err != nil {
			t.Fatalf("DecodeJSON accepted a body CheckDuplicateKeys refuses: %v", err)
		}
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("accepted value does not re-encode: %v", err)
		}
		var w fuzzBody
		if err := apigw.DecodeJSON(again, &w); err != nil {
			t.Fatalf("re-encoded body %s refused: %v", again, err)
		}
		if again2, _ := json.Marshal(w); !bytes.Equal(again, again2) {
			t.Fatalf("not idempotent:\n%s\n%s", again, again2)
		}
	})
}

// FuzzCheckDuplicateKeys checks the duplicate-key scanner against a
// reference built on a full parse: for valid JSON, it reports a duplicate
// exactly when some object has a key twice. The top-level-only variant
// (DecodeJSONTop) must never report more than the full one.
func FuzzCheckDuplicateKeys(f *testing.F) {
	for _, s := range []string{`{"a":1,"a":2}`, `{"a":{"b":1,"b":2}}`, `[{"a":1},{"a":1}]`, `{"a":[{"a":1}],"b":{"a":2}}`,
		`{"a":"a","b":"a"}`, `{"":1,"":2}`, `{"a\u0000":1,"a":2}`, `{"\u0061":1,"a":2}`, `[[[{"x":[],"x":{}}]]]`, `"a"`, `{`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := apigw.CheckDuplicateKeys(data)
		if got != nil {
			mustInvalid(t, got)
		}
		if !json.Valid(data) {
			return
		}
		want := hasDuplicate(t, data)
		if (got != nil) != want {
			t.Fatalf("CheckDuplicateKeys(%q) = %v, reference says duplicate=%v", data, got, want)
		}
	})
}

// hasDuplicate is the reference: a token walk that tracks each object's
// keys on a stack, written independently of the scanner.
func hasDuplicate(t *testing.T, data []byte) bool {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	type obj struct {
		keys  map[string]bool
		isKey bool
	}
	var stack []*obj
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		top := (*obj)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.keys != nil && top.isKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				continue
			}
			k := tok.(string)
			if top.keys[k] {
				return true
			}
			top.keys[k] = true
			top.isKey = false
			continue
		}
		if top != nil && top.keys != nil {
			top.isKey = true // this token is the value; the next is a key
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				stack = append(stack, &obj{keys: map[string]bool{}, isKey: true})
			case '[':
				stack = append(stack, &obj{})
			default:
				stack = stack[:len(stack)-1]
			}
		}
	}
}

// mustInvalid fails unless err is a client error (4xx) with a code.
func mustInvalid(t *testing.T, err error) {
	t.Helper()
	pub := errs.Public(err)
	if st := pub.Kind.Status(); st < 400 || st >= 500 || pub.Code == "" {
		t.Fatalf("error %v maps to status %d code %q, want a 4xx with a code", err, st, pub.Code)
	}
	if strings.Contains(pub.Message, "\x00") {
		t.Errorf("message carries a NUL: %q", pub.Message)
	}
}
