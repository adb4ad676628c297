// Package route is the route table of the API: every route's method, path,
// the function (module under functions/) that serves it, which role may call
// it and its body limit. The CDK app builds API Gateway from it, the local
// gateway routes by it, and each function's adapter checks roles against it.
package route

import (
	"strings"

	"github.com/copdfuel/backend/pkg/copd"
)

// Route is one API route.
type Route struct {
	Method string
	// Path is in API Gateway form, with {name} parameters.
	Path string
	// Function is the directory under functions/ and the Lambda's name suffix.
	Function string
	// Roles may call the route; any other role gets 403.
	Roles []copd.Role
	// MaxBody is the largest accepted body in bytes (0: no body accepted).
	MaxBody int
}

// Allows reports whether role may call the route.
func (r Route) Allows(role copd.Role) bool {
	for _, x := range r.Roles {
		if x == role {
			return true
		}
	}
	return false
}

// Trigger is a function that Cognito invokes rather than API Gateway.
type Trigger struct {
	Function string
	// Event is the Cognito trigger, e.g. PostConfirmation.
	Event string
}

// Default body limit for routes with small JSON bodies.
const smallBody = 16 << 10

var (
	patient = []copd.Role{copd.RolePatient}
	doctor  = []copd.Role{copd.RoleDoctor}
	anyRole = []copd.Role{copd.RolePatient, copd.RoleDoctor}
)

// Routes is the route table.
var Routes = []Route{
	{Method: "POST", Path: "/sync", Function: "sync", Roles: patient, MaxBody: copd.MaxSyncBodyBytes},
	{Method: "GET", Path: "/me", Function: "me", Roles: anyRole},
	// Consent and linking (DESIGN.md section 2, pkg/linking).
	{Method: "POST", Path: "/invite", Function: "invite", Roles: doctor, MaxBody: smallBody},
	{Method: "GET", Path: "/invites", Function: "invites", Roles: doctor},
	{Method: "GET", Path: "/invites/{code}", Function: "invitepreview", Roles: patient},
	{Method: "POST", Path: "/consent", Function: "consent", Roles: patient, MaxBody: smallBody},
	{Method: "POST", Path: "/link-doctor", Function: "linkdoctor", Roles: patient, MaxBody: smallBody},
	{Method: "DELETE", Path: "/links/{doctorId}", Function: "revokelink", Roles: patient},
	// Doctor views (DESIGN.md section 5; each read is audited, section 6)
	// and the patient's own access trail.
	{Method: "GET", Path: "/patients", Function: "patients", Roles: doctor},
	{Method: "GET", Path: "/patients/{id}/overview", Function: "overview", Roles: doctor},
	{Method: "GET", Path: "/patients/{id}/export", Function: "export", Roles: doctor},
	{Method: "GET", Path: "/me/access-log", Function: "accesslog", Roles: patient},
}

// Triggers are the Cognito triggers (all on the patient pool).
var Triggers = []Trigger{
	// Writes the patient's User record when they confirm their sign-up.
	{Function: "postconfirm", Event: "PostConfirmation"},
}

// Functions lists every function directory, routes first, in table order.
func Functions() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range Routes {
		if !seen[r.Function] {
			seen[r.Function] = true
			out = append(out, r.Function)
		}
	}
	for _, t := range Triggers {
		if !seen[t.Function] {
			seen[t.Function] = true
			out = append(out, t.Function)
		}
	}
	return out
}

// ByFunction returns the routes a function serves.
func ByFunction(fn string) []Route {
	var out []Route
	for _, r := range Routes {
		if r.Function == fn {
			out = append(out, r)
		}
	}
	return out
}

// Match finds the route for a method and a concrete path and returns its
// path parameters. A path that matches with another method reports
// methodAllowed so the caller can answer 405 rather than 404.
func Match(method, path string) (r Route, params map[string]string, ok, methodAllowed bool) {
	segs := split(path)
	for _, rt := range Routes {
		p, match := matchPath(split(rt.Path), segs)
		if !match {
			continue
		}
		if rt.Method == method {
			return rt, p, true, true
		}
		methodAllowed = true
	}
	return Route{}, nil, false, methodAllowed
}

func split(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }

func matchPath(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, s := range pattern {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			if segs[i] == "" {
				return nil, false
			}
			params[s[1:len(s)-1]] = segs[i]
			continue
		}
		if s != segs[i] {
			return nil, false
		}
	}
	return params, true
}
