package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGateway_Docs(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "openapi.yaml")
	if err := os.WriteFile(spec, []byte("openapi: 3.1.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	html := filepath.Join(dir, "index.html")
	g := &Gateway{AllowOrigin: "*", Stage: "local", Docs: DocsHandler(spec, html)}
	get := func(t *testing.T, method, path string) (*http.Response, string) {
		t.Helper()
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		b, _ := io.ReadAll(rec.Result().Body)
		return rec.Result(), string(b)
	}
	t.Run("the document", func(t *testing.T) {
		resp, body := get(t, "GET", "/openapi.yaml")
		if resp.StatusCode != 200 || body != "openapi: 3.1.0\n" || resp.Header.Get("Content-Type") != "application/yaml" {
			t.Errorf("got %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	})
	t.Run("page not built: a note", func(t *testing.T) {
		resp, body := get(t, "GET", "/docs")
		if resp.StatusCode != 200 || !strings.Contains(body, "make docs-html") {
			t.Errorf("got %d %q", resp.StatusCode, body)
		}
	})
	t.Run("built page", func(t *testing.T) {
		if err := os.WriteFile(html, []byte("<html>redoc</html>"), 0o644); err != nil {
			t.Fatal(err)
		}
		resp, body := get(t, "GET", "/docs/")
		if resp.StatusCode != 200 || body != "<html>redoc</html>" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("got %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	})
	t.Run("other methods and paths are the API's", func(t *testing.T) {
		for _, c := range []struct{ method, path string }{{"POST", "/docs"}, {"GET", "/docs/x"}, {"GET", "/openapi.json"}} {
			resp, body := get(t, c.method, c.path)
			if resp.StatusCode != 404 || !strings.Contains(body, "route_not_found") || resp.Header.Get(ErrorTypeHeader) != "MISSING_AUTHENTICATION_TOKEN" {
				t.Errorf("%s %s: got %d %q %q", c.method, c.path, resp.StatusCode, resp.Header.Get(ErrorTypeHeader), body)
			}
		}
	})
}
