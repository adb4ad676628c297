package standin

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestCognitoLocal(t *testing.T) {
	if _, err := NodeModules(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := CognitoLocal(ctx, CognitoOptions{Dir: dir, LambdaEndpoint: "http://127.0.0.1:1", Triggers: map[string]string{"PostConfirmation": "postconfirm"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)

	b, err := os.ReadFile(filepath.Join(dir, ".cognito", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg cognitoConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.LambdaClient.Endpoint != "http://127.0.0.1:1" || !reflect.DeepEqual(cfg.TriggerFunctions, map[string]string{"PostConfirmation": "postconfirm"}) {
		t.Errorf("config = %+v", cfg)
	}
	for _, path := range []string{"/health", "/local_Any/.well-known/jwks.json"} {
		resp, err := http.Get(p.Endpoint + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
	}
	p.Stop()
	if _, err := http.Get(p.Endpoint + "/health"); err == nil {
		t.Error("cognito-local still answers after Stop")
	}
}
