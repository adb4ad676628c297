package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Settings are one environment's settings, read from the "environments"
// object of cdk.json's context. Nothing environment-specific is hard-coded in
// the stacks: every difference between dev, staging and prod is a field here.
type Settings struct {
	// Name is the environment's key in cdk.json (dev, staging, prod).
	Name string `json:"-"`
	// Account and Region pin the stacks to an account; both empty means
	// environment-agnostic stacks (the CLI's credentials decide at deploy).
	Account string `json:"account"`
	Region  string `json:"region"`
	// AvailabilityZones are the VPC's zones. Required when Account and
	// Region are set, so that synth never looks them up.
	AvailabilityZones []string `json:"availabilityZones"`
	// Retain keeps the table, keys, user pools and log groups when the
	// stack is deleted, and turns on deletion and termination protection.
	Retain bool `json:"retain"`
	// LogRetentionDays is one of CloudWatch Logs' allowed values.
	LogRetentionDays int `json:"logRetentionDays"`
	// LogLevel is passed to every function as LOG_LEVEL.
	LogLevel string `json:"logLevel"`
	// ThrottleRateLimit and ThrottleBurstLimit are the API stage's limits.
	ThrottleRateLimit  float64 `json:"throttleRateLimit"`
	ThrottleBurstLimit int     `json:"throttleBurstLimit"`
	// WafRateLimit is the most requests one IP may make in 5 minutes.
	WafRateLimit int `json:"wafRateLimit"`
	// ReservedConcurrency caps each function, so that a burst cannot
	// starve the others or run the table's on-demand bill away.
	ReservedConcurrency int `json:"reservedConcurrency"`
	// FunctionMemoryMB and FunctionTimeoutSeconds apply to every function.
	FunctionMemoryMB       int `json:"functionMemoryMB"`
	FunctionTimeoutSeconds int `json:"functionTimeoutSeconds"`
	// PasswordAuth also allows USER_PASSWORD_AUTH on the app clients
	// (SRP and refresh are always allowed). Only for test environments.
	PasswordAuth bool `json:"passwordAuth"`
	// ThreatProtection is the Plus tier's mode: AUDIT_ONLY or FULL_FUNCTION.
	ThreatProtection string `json:"threatProtection"`
	// DoctorTokenMinutes is the doctors' ID and access token lifetime
	// (at most 60, DESIGN.md section 1); DoctorRefreshHours their session.
	DoctorTokenMinutes int `json:"doctorTokenMinutes"`
	DoctorRefreshHours int `json:"doctorRefreshHours"`
	// PatientTokenMinutes and PatientRefreshDays are the same for patients.
	PatientTokenMinutes int `json:"patientTokenMinutes"`
	PatientRefreshDays  int `json:"patientRefreshDays"`
	// BackupRetentionDays is how long AWS Backup keeps daily table backups.
	BackupRetentionDays int `json:"backupRetentionDays"`
	// ApiGatewayAccountRole creates the account-wide role API Gateway uses
	// to write execution logs. Set it in exactly one environment per account.
	ApiGatewayAccountRole bool `json:"apiGatewayAccountRole"`
	// PortalDomain and PortalCertificateArn (ACM, us-east-1) give the portal
	// its own name and TLS 1.2+; without them it is served on its
	// *.cloudfront.net name.
	PortalDomain         string `json:"portalDomain"`
	PortalCertificateArn string `json:"portalCertificateArn"`
	// PortalWebAclArn is an optional CLOUDFRONT-scope web ACL (us-east-1).
	PortalWebAclArn string `json:"portalWebAclArn"`
	// PortalGeoAllow lists the ISO country codes the portal is served to.
	PortalGeoAllow []string `json:"portalGeoAllow"`
	// ExtraAllowOrigin overrides ALLOW_ORIGIN (e.g. a local portal in dev);
	// empty means the portal's own origin.
	ExtraAllowOrigin string `json:"allowOrigin"`
}

// contextKey is the context entry in cdk.json that holds the environments.
const contextKey = "environments"

// ParseSettings decodes the environments object of the context and returns
// the settings of the named environments, checked. Unknown fields are
// errors, so a typo in cdk.json cannot silently fall back to a default.
func ParseSettings(raw any, names []string) ([]Settings, error) {
	if raw == nil {
		return nil, fmt.Errorf("cdk.json context has no %q object", contextKey)
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, fmt.Errorf("context %q: %w", contextKey, err)
	}
	if len(names) == 1 && names[0] == "all" {
		names = names[:0]
		for n := range all {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	var out []Settings
	for _, n := range names {
		r, ok := all[n]
		if !ok {
			return nil, fmt.Errorf("environment %q is not in cdk.json (have %s)", n, strings.Join(keysOf(all), ", "))
		}
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.DisallowUnknownFields()
		var s Settings
		if err := dec.Decode(&s); err != nil {
			return nil, fmt.Errorf("environment %q: %w", n, err)
		}
		s.Name = n
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("environment %q: %w", n, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func keysOf(m map[string]json.RawMessage) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	sort.Strings(k)
	return k
}

// logRetentions are the values CloudWatch Logs accepts.
var logRetentions = map[int]bool{1: true, 3: true, 5: true, 7: true, 14: true, 30: true, 60: true, 90: true,
	120: true, 150: true, 180: true, 365: true, 400: true, 545: true, 731: true, 1096: true, 1827: true,
	2192: true, 2557: true, 2922: true, 3288: true, 3653: true}

// Validate reports every setting that would fail at synth or deploy time.
func (s Settings) Validate() error {
	var p []string
	if (s.Account == "") != (s.Region == "") {
		p = append(p, "set both account and region, or neither")
	}
	if s.Account != "" && len(s.AvailabilityZones) < 2 {
		p = append(p, "availabilityZones needs two zones when account and region are set (synth makes no lookups)")
	}
	if !logRetentions[s.LogRetentionDays] {
		p = append(p, fmt.Sprintf("logRetentionDays %d is not a CloudWatch Logs retention", s.LogRetentionDays))
	}
	switch s.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		p = append(p, fmt.Sprintf("logLevel %q is not debug|info|warn|error", s.LogLevel))
	}
	if s.ThrottleRateLimit <= 0 || s.ThrottleBurstLimit <= 0 {
		p = append(p, "throttleRateLimit and throttleBurstLimit must be positive")
	}
	if s.WafRateLimit < 10 {
		p = append(p, "wafRateLimit must be at least 10 (WAF's minimum)")
	}
	if s.ReservedConcurrency < 1 {
		p = append(p, "reservedConcurrency must be at least 1")
	}
	if s.FunctionMemoryMB < 128 || s.FunctionTimeoutSeconds < 1 || s.FunctionTimeoutSeconds > 29 {
		p = append(p, "functionMemoryMB must be >= 128 and functionTimeoutSeconds 1..29 (API Gateway's limit)")
	}
	switch s.ThreatProtection {
	case "AUDIT_ONLY", "FULL_FUNCTION":
	default:
		p = append(p, "threatProtection must be AUDIT_ONLY or FULL_FUNCTION")
	}
	if s.DoctorTokenMinutes < 5 || s.DoctorTokenMinutes > 60 {
		p = append(p, "doctorTokenMinutes must be 5..60 (DESIGN.md: an hour at most)")
	}
	if s.PatientTokenMinutes < 5 || s.PatientTokenMinutes > 1440 {
		p = append(p, "patientTokenMinutes must be 5..1440")
	}
	if s.DoctorRefreshHours < 1 || s.PatientRefreshDays < 1 || s.PatientRefreshDays > 3650 {
		p = append(p, "doctorRefreshHours and patientRefreshDays must be positive")
	}
	if s.BackupRetentionDays < 1 {
		p = append(p, "backupRetentionDays must be positive")
	}
	if (s.PortalDomain == "") != (s.PortalCertificateArn == "") {
		p = append(p, "set both portalDomain and portalCertificateArn, or neither")
	}
	if len(s.PortalGeoAllow) == 0 {
		p = append(p, "portalGeoAllow needs at least one country code")
	}
	if len(p) > 0 {
		return fmt.Errorf("%s", strings.Join(p, "; "))
	}
	return nil
}
