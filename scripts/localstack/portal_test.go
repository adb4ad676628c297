package localstack_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/scripts/localstack"
)

func TestPortalHandler(t *testing.T) {
	cfg := localstack.PortalConfig{APIURL: "http://127.0.0.1:1", CognitoEndpoint: "http://127.0.0.1:2", Region: "us-east-1",
		ClientID: "client", AuthFlow: "USER_PASSWORD_AUTH", IdleMinutes: 15}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("static " + r.URL.Path)) })
	h := localstack.PortalHandler(cfg, next)

	t.Run("config", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/config.json", nil))
		if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("status %d, headers %v", rec.Code, rec.Header())
		}
		var got localstack.PortalConfig
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(cfg, got); d != "" {
			t.Errorf("config.json (-want +got):\n%s", d)
		}
	})
	t.Run("other paths go to the build", func(t *testing.T) {
		for _, p := range []string{"/", "/index.html", "/assets/app.js", "/config.json.bak"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
			if got := rec.Body.String(); got != "static "+p {
				t.Errorf("%s: got %q", p, got)
			}
		}
	})
	t.Run("read only", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/config.json", nil))
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST: status %d, want 405", rec.Code)
		}
	})
}

// TestPortalConfig_FromStack checks that a started stack serves its own
// addresses and the doctor pool's client to the portal.
func TestPortalConfig_FromStack(t *testing.T) {
	s := localstack.New(t, localstack.Options{Functions: map[string]string{"me": testfn, "sync": testfn}, PortalIdleMinutes: 7})
	resp, err := (&http.Client{}).Get(s.Info.PortalURL + "config.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got localstack.PortalConfig
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := localstack.PortalConfig{APIURL: s.Info.APIURL, CognitoEndpoint: s.Info.CognitoEndpoint, Region: "us-east-1",
		ClientID: s.Info.DoctorClientID, UserPoolID: s.Info.DoctorPoolID, AuthFlow: "USER_PASSWORD_AUTH", IdleMinutes: 7}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("config.json (-want +got):\n%s", d)
	}
}
