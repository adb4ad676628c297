package localstack

import (
	"encoding/json"
	"net/http"
)

// PortalConfig is the doctor portal's runtime configuration, served as
// /config.json next to its index.html (portal/src/config.ts reads it). The
// local stack answers it from its own addresses, so the one portal build
// works on any ports; a deployment writes the file beside the build.
type PortalConfig struct {
	APIURL          string `json:"apiUrl"`
	CognitoEndpoint string `json:"cognitoEndpoint"`
	Region          string `json:"region"`
	ClientID        string `json:"clientId"`
	// UserPoolID is the doctor pool (SRP signs with the pool name; kept
	// here too so the local file has the deployed shape).
	UserPoolID string `json:"userPoolId"`
	// AuthFlow is USER_PASSWORD_AUTH: cognito-local has no SRP.
	AuthFlow string `json:"authFlow"`
	// IdleMinutes is the automatic sign-out after inactivity.
	IdleMinutes int `json:"idleMinutes"`
}

// DefaultPortalIdleMinutes is the portal's idle sign-out unless
// Options.PortalIdleMinutes says otherwise.
const DefaultPortalIdleMinutes = 15

// PortalConfig is the config.json the stack's portal URL serves.
func (s *Stack) PortalConfig() PortalConfig {
	return PortalConfig{
		APIURL:          s.Info.APIURL,
		CognitoEndpoint: s.Info.CognitoEndpoint,
		Region:          "us-east-1",
		ClientID:        s.Info.DoctorClientID,
		UserPoolID:      s.Info.DoctorPoolID,
		AuthFlow:        "USER_PASSWORD_AUTH",
		IdleMinutes:     s.portalIdleMinutes,
	}
}

// PortalHandler serves cfg at /config.json (never cached) and everything
// else from next (the built portal). A config.json inside the build is
// shadowed.
func PortalHandler(cfg PortalConfig, next http.Handler) http.Handler {
	body, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		panic(err) // a struct of strings and ints always marshals
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/config.json" {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if r.Method == http.MethodGet {
			_, _ = w.Write(append(body, '\n'))
		}
	})
}
