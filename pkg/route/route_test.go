package route_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/route"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		name          string
		method, path  string
		wantFn        string
		wantParams    map[string]string
		ok, methodHas bool
	}{
		{"sync", "POST", "/sync", "sync", map[string]string{}, true, true},
		{"trailing slash", "POST", "/sync/", "sync", map[string]string{}, true, true},
		{"wrong method", "GET", "/sync", "", nil, false, true},
		{"unknown", "GET", "/nope", "", nil, false, false},
		{"prefix is not a match", "GET", "/me/x", "", nil, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, params, ok, allowed := route.Match(tc.method, tc.path)
			if ok != tc.ok || allowed != tc.methodHas || r.Function != tc.wantFn {
				t.Fatalf("Match = %q ok=%v allowed=%v, want %q ok=%v allowed=%v", r.Function, ok, allowed, tc.wantFn, tc.ok, tc.methodHas)
			}
			if diff := cmp.Diff(tc.wantParams, params); diff != "" {
				t.Errorf("params (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRoutes_WellFormed guards the table every other part builds from.
func TestRoutes_WellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range route.Routes {
		key := r.Method + " " + r.Path
		if seen[key] {
			t.Errorf("%s declared twice", key)
		}
		seen[key] = true
		if len(r.Roles) == 0 {
			t.Errorf("%s: no role may call it", key)
		}
		if r.Function == "" || r.Path[0] != '/' {
			t.Errorf("%s: malformed", key)
		}
		if (r.Method == "GET" || r.Method == "DELETE") && r.MaxBody != 0 {
			t.Errorf("%s: a %s route takes no body", key, r.Method)
		}
	}
}
