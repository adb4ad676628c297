package gateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// Pool is a Cognito user pool whose ID tokens the authorizer accepts.
type Pool struct {
	// Issuer is the exact iss of the pool's tokens.
	Issuer string
	// JWKSURL is where the pool's signing keys are published; empty means
	// Issuer + "/.well-known/jwks.json", as for Cognito and cognito-local.
	JWKSURL string
	// ClientIDs are the app clients whose tokens are accepted (aud).
	ClientIDs []string
}

// Authorizer plays API Gateway's Cognito user pool authorizer: it verifies
// an ID token's RS256 signature against the issuing pool's JWKS, its expiry,
// its issuer (one of the pools) and audience (one of that pool's app
// clients), and returns its claims the way API Gateway passes them to a
// REST proxy integration: every value a string.
type Authorizer struct {
	Pools []Pool
	// Client fetches the JWKS; nil uses a client with a 5 s timeout.
	Client *http.Client
	// Now is the clock for expiry checks; nil uses time.Now.
	Now func() time.Time

	mu   sync.Mutex
	sets map[string]*keySet // by issuer
}

type keySet struct {
	set     jwk.Set
	fetched time.Time
}

// authError is every authorizer failure: API Gateway answers them all
// with the same 401 and does not say why.
type authError struct{ reason string }

func (e *authError) Error() string { return "unauthorized: " + e.reason }

func deny(format string, args ...any) error { return &authError{reason: fmt.Sprintf(format, args...)} }

// IsUnauthorized reports whether err is an authorizer rejection (as opposed
// to a failure to fetch keys).
func IsUnauthorized(err error) bool {
	var e *authError
	return errors.As(err, &e)
}

// claimTimeLayout is how API Gateway writes exp and iat in claims.
const claimTimeLayout = "Mon Jan 02 15:04:05 UTC 2006"

// Authorize checks the Authorization header value (the raw token, or
// "Bearer <token>") and returns the token's claims as strings.
func (a *Authorizer) Authorize(ctx context.Context, header string) (map[string]any, error) {
	token := strings.TrimSpace(header)
	if len(token) > 7 && strings.EqualFold(token[:7], "bearer ") {
		token = strings.TrimSpace(token[7:])
	}
	if token == "" {
		return nil, deny("no token")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, deny("not a JWS compact token")
	}
	var hdr struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return nil, deny("unreadable header")
	}
	// Cognito signs with RS256 only; refusing anything else up front closes
	// alg=none and HS256-with-the-public-key confusion before any key lookup.
	if hdr.Alg != "RS256" {
		return nil, deny("alg %q is not accepted", hdr.Alg)
	}
	if hdr.Kid == "" {
		return nil, deny("no kid")
	}
	var unverified map[string]any
	if err := decodeSegment(parts[1], &unverified); err != nil {
		return nil, deny("unreadable payload")
	}
	iss, _ := unverified["iss"].(string)
	pool := a.pool(iss)
	if pool == nil {
		return nil, deny("issuer is not one of the pools")
	}
	set, err := a.keys(ctx, *pool, hdr.Kid)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	_, err = jwt.Parse([]byte(token),
		jwt.WithKeySet(set, jws.WithRequireKid(true)),
		jwt.WithValidate(true),
		jwt.WithIssuer(pool.Issuer),
		jwt.WithRequiredClaim("exp"),
		jwt.WithClock(jwt.ClockFunc(now)),
	)
	if err != nil {
		return nil, deny("%v", err)
	}
	// Claims are read from the verified payload (the same bytes) to keep
	// their JSON types for the string conversion.
	claims, err := verifiedClaims(parts[1])
	if err != nil {
		return nil, deny("unreadable payload")
	}
	if !audienceOK(claims["aud"], pool.ClientIDs) {
		return nil, deny("audience is not an app client of the pool")
	}
	if use, _ := claims["token_use"].(string); use != "id" {
		return nil, deny("not an ID token")
	}
	return StringClaims(claims), nil
}

func (a *Authorizer) pool(iss string) *Pool {
	if iss == "" {
		return nil
	}
	for i := range a.Pools {
		if a.Pools[i].Issuer == iss {
			return &a.Pools[i]
		}
	}
	return nil
}

// keys returns the pool's key set, fetching it on first use and again (at
// most every 10 s) when a token names a kid it does not hold, as a rotated
// key would.
func (a *Authorizer) keys(ctx context.Context, p Pool, kid string) (jwk.Set, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sets == nil {
		a.sets = map[string]*keySet{}
	}
	ks := a.sets[p.Issuer]
	if ks != nil {
		if _, ok := ks.set.LookupKeyID(kid); ok || time.Since(ks.fetched) < 10*time.Second {
			return ks.set, nil
		}
	}
	url := p.JWKSURL
	if url == "" {
		url = p.Issuer + "/.well-known/jwks.json"
	}
	client := a.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	set, err := jwk.Fetch(ctx, url, jwk.WithHTTPClient(client))
	if err != nil {
		if ks != nil {
			return ks.set, nil
		}
		return nil, fmt.Errorf("gateway: fetch JWKS %s: %w", url, err)
	}
	a.sets[p.Issuer] = &keySet{set: set, fetched: time.Now()}
	return set, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

func verifiedClaims(seg string) (map[string]any, error) {
	var m map[string]any
	if err := decodeSegment(seg, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// StringClaims converts JWT claims to what API Gateway's Cognito authorizer
// puts in requestContext.authorizer.claims for a REST API: every value a
// string; exp and iat as dates like "Thu Dec 03 17:04:05 UTC 2026"; other
// numbers (auth_time) as their decimal text; booleans as "true"/"false"; an
// array (cognito:groups) as its items joined by commas; an object as JSON.
func StringClaims(claims map[string]any) map[string]any {
	out := make(map[string]any, len(claims))
	for k, v := range claims {
		out[k] = claimString(k, v)
	}
	return out
}

func claimString(k string, v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		if k == "exp" || k == "iat" {
			if n, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
				return time.Unix(n, 0).UTC().Format(claimTimeLayout)
			}
		}
		return x.String()
	case float64:
		if k == "exp" || k == "iat" {
			return time.Unix(int64(x), 0).UTC().Format(claimTimeLayout)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		items := make([]string, 0, len(x))
		for _, it := range x {
			items = append(items, claimString("", it))
		}
		return strings.Join(items, ",")
	case nil:
		return ""
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// audienceOK accepts aud as Cognito writes it (a string) or as a JSON array
// (RFC 7519 allows both), if one value is a trusted app client.
func audienceOK(aud any, clientIDs []string) bool {
	switch a := aud.(type) {
	case string:
		return a != "" && slices.Contains(clientIDs, a)
	case []any:
		for _, v := range a {
			if s, ok := v.(string); ok && s != "" && slices.Contains(clientIDs, s) {
				return true
			}
		}
	}
	return false
}
