package apispec_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/scripts/apispec"
)

// fakeAPI answers every request with a fixed status, body and headers, and
// records the headers it was called with.
type fakeAPI struct {
	status int
	body   string
	header map[string]string
	got    http.Header
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.got = r.Header.Clone()
	_, _ = io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	for k, v := range f.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(f.status)
	_, _ = io.WriteString(w, f.body)
}

func TestMiddleware(t *testing.T) {
	spec := mustSpec(t)
	const validSync = `{"records":[{"id":"o-1","type":"oxygen","date":"2026-11-30","updatedAt":"2026-11-30T08:05:00+01:00","level":91}]}`
	const errBody = `{"error":{"code":"%s","message":"m","requestId":"r"}}`
	tests := []struct {
		name         string
		method, path string
		header       map[string]string
		body         string
		api          fakeAPI
		standIns     map[string]bool
		wantPhases   []string
	}{
		{name: "valid exchange", method: "POST", path: "/sync", body: validSync,
			header: map[string]string{"Authorization": "tok", "Content-Type": "application/json"},
			api:    fakeAPI{status: 200, body: `{"results":[{"id":"o-1","type":"oxygen","status":"created"}]}`}},
		{name: "renamed field in the answer", method: "POST", path: "/sync", body: validSync,
			header:     map[string]string{"Authorization": "tok", "Content-Type": "application/json"},
			api:        fakeAPI{status: 200, body: `{"results":[{"id":"o-1","kind":"oxygen","status":"created"}]}`},
			wantPhases: []string{"response"}},
		{name: "undocumented status", method: "GET", path: "/me", header: map[string]string{"Authorization": "tok"},
			api: fakeAPI{status: 409, body: strings.Replace(errBody, "%s", "conflict", 1)}, wantPhases: []string{"response"}},
		{name: "undocumented code for the status", method: "GET", path: "/me", header: map[string]string{"Authorization": "tok"},
			api: fakeAPI{status: 400, body: strings.Replace(errBody, "%s", "no_records", 1)}, wantPhases: []string{"response"}},
		{name: "no token", method: "GET", path: "/me",
			api:        fakeAPI{status: 401, body: strings.Replace(errBody, "%s", "unauthenticated", 1)},
			wantPhases: []string{"request"}},
		{name: "no token, marked unchecked", method: "GET", path: "/me", header: map[string]string{apispec.UncheckedRequestHeader: "no token on purpose"},
			api: fakeAPI{status: 401, body: strings.Replace(errBody, "%s", "unauthenticated", 1)}},
		{name: "invalid record, marked unchecked, answer still checked", method: "POST", path: "/sync",
			header: map[string]string{"Authorization": "tok", "Content-Type": "application/json", apispec.UncheckedRequestHeader: "level out of range"},
			body:   `{"records":[{"id":"x","type":"oxygen","date":"2026-11-30","updatedAt":"2026-11-30T08:00:00Z","level":140}]}`,
			api:    fakeAPI{status: 200, body: `{"results":[{"id":"x","type":"oxygen","status":"invalid"}]}`}, wantPhases: []string{"response"}},
		{name: "unknown path answered 404 route_not_found", method: "GET", path: "/nope",
			api: fakeAPI{status: 404, body: strings.Replace(errBody, "%s", "route_not_found", 1)}},
		{name: "unknown path answered 200", method: "GET", path: "/nope",
			api: fakeAPI{status: 200, body: `{}`}, wantPhases: []string{"response"}},
		{name: "stand-in function's own answer", method: "GET", path: "/me", standIns: map[string]bool{"me": true},
			header: map[string]string{"X-Test-Action": "echo"}, api: fakeAPI{status: 200, body: `{"event":{}}`}},
		{name: "gateway error on a stand-in's route", method: "GET", path: "/me", standIns: map[string]bool{"me": true},
			api:        fakeAPI{status: 502, body: `{"error":{"code":"timeout","message":"m","requestId":"r"}}`, header: map[string]string{apispec.GatewayErrorHeader: "DEFAULT_5XX"}},
			wantPhases: []string{"response"}},
		{name: "preflight", method: "OPTIONS", path: "/sync", api: fakeAPI{status: 204}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var phases []string
			api := tc.api
			m := &apispec.Middleware{Spec: spec, Next: &api, StandIns: tc.standIns, Report: func(p apispec.Problem) {
				mu.Lock()
				defer mu.Unlock()
				phases = append(phases, p.Phase)
				t.Logf("reported: %s", p)
			}}
			srv := httptest.NewServer(m)
			defer srv.Close()
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != api.status || string(b) != api.body {
				t.Errorf("client got %d %q, want the handler's %d %q", resp.StatusCode, b, api.status, api.body)
			}
			if api.got.Get(apispec.UncheckedRequestHeader) != "" {
				t.Errorf("%s reached the handler", apispec.UncheckedRequestHeader)
			}
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff(tc.wantPhases, phases); diff != "" {
				t.Errorf("reported phases (-want +got):\n%s", diff)
			}
		})
	}
}
