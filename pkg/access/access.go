// Package access decides who a caller is and what they may do. Identity comes
// from the claims API Gateway's Cognito authorizer passes on (all strings);
// the role comes from which pool issued the token, compared with configured
// issuers, never from anything the client can set. The rules are pure
// functions with their own table tests.
package access

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
)

// Pool is one Cognito user pool the API trusts.
type Pool struct {
	Role copd.Role
	// Issuer is the pool's exact `iss`, e.g.
	// https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC, or the local
	// stand-in's http://127.0.0.1:9229/local_AbC.
	Issuer string
	// ClientIDs are the app clients whose ID tokens are accepted (`aud`).
	ClientIDs []string
}

// Config is the set of trusted pools.
type Config struct {
	Pools []Pool
}

// Caller is an authenticated caller.
type Caller struct {
	// Sub is the Cognito sub: the user id everywhere in the backend.
	Sub  string
	Role copd.Role
	// Email is lower-cased. It is PHI-adjacent: never log it.
	Email string
}

// LogValue lets only the caller's id and role reach a log.
func (c Caller) LogValue() slog.Value {
	return slog.GroupValue(slog.String("caller_id", c.Sub), slog.String("role", string(c.Role)))
}

// Error codes for identity failures.
const (
	CodeUnauthenticated = "unauthenticated"
	CodeWrongRole       = "forbidden_role"
)

func unauth(msg string) error { return errs.E(errs.Unauthenticated, CodeUnauthenticated, msg) }

// FromClaims builds the caller from authorizer claims. It checks what API
// Gateway's authorizer does not: that the token is an ID token (token_use),
// from a trusted pool (iss) and app client (aud), and not expired at now
// (a defence in depth; API Gateway checks expiry too). Any missing or odd
// claim is Unauthenticated.
func (c Config) FromClaims(claims map[string]any, now time.Time) (Caller, error) {
	if claims == nil {
		return Caller{}, unauth("missing or invalid token")
	}
	str := func(k string) string {
		s, _ := claims[k].(string)
		return s
	}
	if str("token_use") != "id" {
		return Caller{}, unauth("an ID token is required")
	}
	iss := str("iss")
	var pool *Pool
	for i := range c.Pools {
		if c.Pools[i].Issuer != "" && c.Pools[i].Issuer == iss {
			pool = &c.Pools[i]
			break
		}
	}
	if pool == nil {
		return Caller{}, unauth("token issuer is not trusted")
	}
	if !audienceOK(str("aud"), pool.ClientIDs) {
		return Caller{}, unauth("token audience is not trusted")
	}
	sub := str("sub")
	if sub == "" || len(sub) > 128 || strings.ContainsAny(sub, "# \t\r\n") {
		return Caller{}, unauth("token subject is missing or malformed")
	}
	if exp := str("exp"); exp != "" {
		t, ok := parseExp(exp)
		if !ok {
			return Caller{}, unauth("token expiry is malformed")
		}
		if !now.Before(t) {
			return Caller{}, unauth("token has expired")
		}
	}
	return Caller{Sub: sub, Role: pool.Role, Email: strings.ToLower(str("email"))}, nil
}

func audienceOK(aud string, ids []string) bool {
	if aud == "" {
		return false
	}
	for _, id := range ids {
		if id == aud {
			return true
		}
	}
	return false
}

// parseExp reads the exp claim as API Gateway passes it: a string holding
// either Unix seconds or a date like "Thu Dec 03 17:04:05 UTC 2026".
func parseExp(s string) (time.Time, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	if t, err := time.Parse(time.UnixDate, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// Authorize checks that the caller's role is one of roles.
func Authorize(c Caller, roles []copd.Role) error {
	for _, r := range roles {
		if c.Role == r {
			return nil
		}
	}
	return errs.E(errs.Forbidden, CodeWrongRole, "this route is not available to "+string(c.Role)+" accounts")
}

// CodePatientNotFound is the code a doctor gets for any patient they may not
// read: unknown, never linked, revoked, or linked to another doctor.
const CodePatientNotFound = "patient_not_found"

// DoctorMayRead is the rule in front of every doctor read of a patient's
// data: l (looked up by patient and doctor, strongly consistent, lookupErr
// its error) must be an active link of this doctor to this patient. Every
// other case is NotFound, never Forbidden, so a doctor learns nothing about
// a patient they are not linked to, not even that the id exists. A store
// failure other than NotFound is returned as it is (503/500, not a 404 the
// portal would cache as "gone").
func DoctorMayRead(doctorSub, patientID string, l copd.Link, lookupErr error) error {
	if lookupErr != nil && !errs.Is(lookupErr, errs.NotFound) {
		return lookupErr
	}
	if lookupErr == nil && doctorSub != "" && l.DoctorID == doctorSub && l.PatientID == patientID && l.Status == copd.LinkActive {
		return nil
	}
	return errs.E(errs.NotFound, CodePatientNotFound, "no such patient")
}

// LinkReader is the store method DoctorMayRead's caller needs.
type LinkReader interface {
	GetLink(ctx context.Context, patientID, doctorID string) (copd.Link, error)
}

// CheckDoctor reads the link of patientID to the calling doctor (one
// strongly consistent GetItem, so a revocation cuts access on the very next
// request) and applies DoctorMayRead. A malformed patient id is NotFound
// without a read.
func CheckDoctor(ctx context.Context, links LinkReader, c Caller, patientID string) error {
	if c.Role != copd.RoleDoctor || patientID == "" || len(patientID) > 128 || strings.ContainsAny(patientID, "# \t\r\n/") {
		return DoctorMayRead("", "", copd.Link{}, nil)
	}
	l, err := links.GetLink(ctx, patientID, c.Sub)
	return DoctorMayRead(c.Sub, patientID, l, err)
}
