package apigw

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/copdfuel/backend/pkg/errs"
)

// CodeDuplicateKey is the error code for a JSON object with a key twice.
const CodeDuplicateKey = "duplicate_key"

// CheckDuplicateKeys rejects JSON in which one object has the same key twice.
// encoding/json silently keeps the last value, so {"level":97,"level":80}
// would store a reading the phone may not have meant: ambiguity is an error.
// Malformed JSON passes here and is reported by the decoder.
func CheckDuplicateKeys(data []byte) error { return checkDuplicateKeys(data, 0) }

// checkDuplicateKeys looks at objects nested at most depth deep (1: only the
// top-level object; 0: all).
func checkDuplicateKeys(data []byte, depth int) error {
	if key, ok := duplicateKey(data, depth); ok {
		return errs.E(errs.Invalid, CodeDuplicateKey, "duplicate key "+quote(key)+" in a JSON object")
	}
	return nil
}

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	b, _ := json.Marshal(s)
	return string(b)
}

type frame struct {
	object    bool
	expectKey bool
	keys      map[string]struct{}
}

func duplicateKey(data []byte, depth int) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []*frame
	consumed := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].expectKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				consumed()
				stack = append(stack, &frame{object: true, expectKey: true, keys: map[string]struct{}{}})
			case '[':
				consumed()
				stack = append(stack, &frame{})
			default:
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
			}
		case string:
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expectKey {
				top := stack[n-1]
				if _, dup := top.keys[t]; dup && (depth == 0 || n <= depth) {
					return t, true
				}
				top.keys[t] = struct{}{}
				top.expectKey = false
				continue
			}
			consumed()
		default:
			consumed()
		}
	}
}

// checkText rejects text that encoding/json would silently rewrite to
// U+FFFD: invalid UTF-8, and a \uD800-\uDFFF escape that is not half of a
// high-low surrogate pair. Storing the replacement would alter a patient's
// text without anyone knowing; the phone has a bug to fix instead.
func checkText(data []byte) error {
	if !utf8.Valid(data) {
		return errs.E(errs.Invalid, CodeInvalidJSON, "body is not valid UTF-8")
	}
	bad := errs.E(errs.Invalid, CodeInvalidJSON, `body has a lone UTF-16 surrogate escape (\uD800-\uDFFF not in a pair)`)
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' || i+1 >= len(data) {
			continue
		}
		if data[i+1] != 'u' {
			i++ // skip the escaped character (it may be a backslash)
			continue
		}
		r, ok := hex4(data, i+2)
		switch {
		case !ok:
			// Malformed escape: the decoder reports it.
		case r >= 0xDC00 && r <= 0xDFFF:
			return bad
		case r >= 0xD800 && r <= 0xDBFF:
			lo, ok := hex4(data, i+8)
			if i+7 >= len(data) || data[i+6] != '\\' || data[i+7] != 'u' || !ok || lo < 0xDC00 || lo > 0xDFFF {
				return bad
			}
			i += 6
		}
		i += 5
	}
	return nil
}

// hex4 reads four hex digits at data[i:].
func hex4(data []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(data) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(data[i:i+4]), 16, 32)
	return rune(n), err == nil
}
