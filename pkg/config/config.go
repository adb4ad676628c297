// Package config reads a function's typed configuration from its
// environment, once, in main. Every variable is documented here and set by the
// CDK app (deployed) or the local gateway (make dev).
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/copdfuel/backend/pkg/access"
	"github.com/copdfuel/backend/pkg/copd"
)

// Environment variable names.
const (
	EnvTable            = "TABLE_NAME"         // the DynamoDB table
	EnvPatientIssuer    = "PATIENT_ISSUER"     // exact iss of the patient pool's tokens
	EnvPatientClientIDs = "PATIENT_CLIENT_IDS" // comma-separated app client ids
	EnvDoctorIssuer     = "DOCTOR_ISSUER"
	EnvDoctorClientIDs  = "DOCTOR_CLIENT_IDS"
	EnvAllowOrigin      = "ALLOW_ORIGIN" // CORS origin of the portal
	EnvLogLevel         = "LOG_LEVEL"    // debug | info | warn | error
	// EnvInviteTTL is how long a new invite stays usable (POST /invite), a
	// Go duration such as 168h; optional, default copd.DefaultInviteTTL,
	// at most copd.MaxInviteTTL.
	EnvInviteTTL = "INVITE_TTL"
)

// InviteTTL reads EnvInviteTTL.
func InviteTTL(getenv func(string) string) (time.Duration, error) {
	v := strings.TrimSpace(getenv(EnvInviteTTL))
	if v == "" {
		return copd.DefaultInviteTTL, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Minute || d > copd.MaxInviteTTL {
		return 0, fmt.Errorf("config: %s must be a duration from 1m to %v", EnvInviteTTL, copd.MaxInviteTTL)
	}
	return d, nil
}

// Trigger is what a Cognito trigger function needs: it has no API caller,
// so no issuers or CORS origin.
type Trigger struct {
	Table    string
	LogLevel slog.Level
}

// LoadTrigger reads a trigger's configuration with getenv.
func LoadTrigger(getenv func(string) string) (Trigger, error) {
	t := Trigger{Table: strings.TrimSpace(getenv(EnvTable))}
	var problems []error
	if t.Table == "" {
		problems = append(problems, fmt.Errorf("%s is not set", EnvTable))
	}
	if lvl := getenv(EnvLogLevel); lvl != "" {
		if err := t.LogLevel.UnmarshalText([]byte(lvl)); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", EnvLogLevel, err))
		}
	}
	if len(problems) > 0 {
		return Trigger{}, fmt.Errorf("config: %w", errors.Join(problems...))
	}
	return t, nil
}

// Config is what every API function needs.
type Config struct {
	Table       string
	Access      access.Config
	AllowOrigin string
	LogLevel    slog.Level
}

// Load reads the configuration with getenv (os.Getenv in main) and reports
// every missing or malformed variable at once.
func Load(getenv func(string) string) (Config, error) {
	var problems []error
	need := func(k string) string {
		v := strings.TrimSpace(getenv(k))
		if v == "" {
			problems = append(problems, fmt.Errorf("%s is not set", k))
		}
		return v
	}
	c := Config{
		Table: need(EnvTable),
		Access: access.Config{Pools: []access.Pool{
			{Role: copd.RolePatient, Issuer: need(EnvPatientIssuer), ClientIDs: list(need(EnvPatientClientIDs))},
			{Role: copd.RoleDoctor, Issuer: need(EnvDoctorIssuer), ClientIDs: list(need(EnvDoctorClientIDs))},
		}},
		AllowOrigin: need(EnvAllowOrigin),
	}
	if lvl := getenv(EnvLogLevel); lvl != "" {
		if err := c.LogLevel.UnmarshalText([]byte(lvl)); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", EnvLogLevel, err))
		}
	}
	if len(problems) > 0 {
		return Config{}, fmt.Errorf("config: %w", errors.Join(problems...))
	}
	return c, nil
}

func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
