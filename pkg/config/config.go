// Package config reads a function's typed configuration from its
// environment, once, in main. Every variable is documented here and set by the
// CDK app (deployed) or the local gateway (make dev).
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

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
)

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
