// Package errs is the error model shared by every function: one error type
// with a kind (which decides the HTTP status), a stable code the apps can
// switch on, a message that is safe to show the client, and an inner error
// that is only ever logged (by kind and code) and never sent.
package errs

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Kind classifies an error. Handlers and stores choose the kind; the API
// adapter turns it into a status with the single table in Status.
type Kind int

const (
	Internal         Kind = iota // a bug or an unexpected failure: 500
	Invalid                      // the request is malformed or breaks a rule: 400
	Unauthenticated              // no or unusable identity: 401
	Forbidden                    // identity is fine, the role may not do this: 403
	NotFound                     // no such thing, or the caller may not know it exists: 404
	Conflict                     // a conditional write lost, or a state does not allow it: 409
	TooLarge                     // body or batch over a documented limit: 413
	UnsupportedMedia             // the body is not JSON: 415
	RateLimited                  // too many attempts: 429
	Unavailable                  // a dependency is throttling or down; retry later: 503
	Gone                         // it existed and can no longer be used (an expired invite): 410
)

var kindNames = [...]string{"internal", "invalid", "unauthenticated", "forbidden", "not_found", "conflict", "too_large", "unsupported_media", "rate_limited", "unavailable", "gone"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Status is the one kind-to-HTTP-status table.
func (k Kind) Status() int {
	switch k {
	case Invalid:
		return http.StatusBadRequest
	case Unauthenticated:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	case NotFound:
		return http.StatusNotFound
	case Conflict:
		return http.StatusConflict
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case UnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case RateLimited:
		return http.StatusTooManyRequests
	case Unavailable:
		return http.StatusServiceUnavailable
	case Gone:
		return http.StatusGone
	default:
		return http.StatusInternalServerError
	}
}

// Error is the error type of the whole backend.
type Error struct {
	Kind Kind
	// Code is stable and documented in docs/openapi.yaml, e.g. "invalid_json".
	Code string
	// Message is safe to show the client: it never holds PHI or internals.
	Message string
	// Err is the cause; it is logged by kind only and never sent.
	Err error
	// RetryAfter, if positive, is sent as Retry-After (in whole seconds,
	// rounded up) with a RateLimited or Unavailable error.
	RetryAfter time.Duration
}

// E builds an Error.
func E(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// Wrap builds an Error around a cause.
func Wrap(kind Kind, code, message string, err error) *Error {
	return &Error{Kind: kind, Code: code, Message: message, Err: err}
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Kind, e.Code, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Code)
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf reports the kind of err: Internal for any error that is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Public returns what may be shown to a client for err. An unknown error
// becomes a generic internal error: its text never reaches the client.
func Public(err error) *Error {
	var e *Error
	if errors.As(err, &e) && e.Kind != Internal {
		return &Error{Kind: e.Kind, Code: e.Code, Message: e.Message, RetryAfter: e.RetryAfter}
	}
	return &Error{Kind: Internal, Code: "internal", Message: "internal error"}
}

// Is reports whether err is an *Error of the given kind.
func Is(err error, kind Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == kind
}
