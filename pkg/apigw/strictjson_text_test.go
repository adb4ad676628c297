package apigw_test

import (
	"testing"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/errs"
)

// TestDecodeJSON_TextJSONWouldRewrite: encoding/json silently replaces a
// lone UTF-16 surrogate escape (\ud800) and invalid UTF-8 with U+FFFD, so a
// phone's corrupted text would be stored altered without anyone knowing.
// The strict decoder refuses both (found by the bad-input table, issue 8).
func TestDecodeJSON_TextJSONWouldRewrite(t *testing.T) {
	tests := []struct {
		name, body string
		code       string
	}{
		{"lone high surrogate", `{"name":"a\ud800"}`, apigw.CodeInvalidJSON},
		{"lone low surrogate", `{"name":"\udc00a"}`, apigw.CodeInvalidJSON},
		{"high surrogate then a plain escape", `{"name":"\ud800\n"}`, apigw.CodeInvalidJSON},
		{"two high surrogates", `{"name":"\ud800\ud800"}`, apigw.CodeInvalidJSON},
		{"reversed pair", `{"name":"\udc00\ud800"}`, apigw.CodeInvalidJSON},
		{"lone surrogate in a key", `{"\ud800":1}`, apigw.CodeInvalidJSON},
		{"invalid UTF-8 byte", "{\"name\":\"a\xff\"}", apigw.CodeInvalidJSON},
		{"overlong encoding", "{\"name\":\"\xc0\xaf\"}", apigw.CodeInvalidJSON},
		{"surrogate pair (emoji) is fine", `{"name":"\ud83d\ude00"}`, ""},
		{"raw emoji is fine", `{"name":"😀 \u202e"}`, ""},
		{"escaped backslash before u is not an escape", `{"name":"\\ud800"}`, ""},
		{"U+FFFD itself is fine", `{"name":"\ufffd"}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v fuzzBody
			err := apigw.DecodeJSON([]byte(tc.body), &v)
			got := ""
			if err != nil {
				got = errs.Public(err).Code
			}
			if got != tc.code {
				t.Errorf("DecodeJSON(%q) code %q, want %q (err %v)", tc.body, got, tc.code, err)
			}
		})
	}
}
