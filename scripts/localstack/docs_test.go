package localstack_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestGateway_ServesAPIDocs: the local gateway serves the OpenAPI document
// and its rendered page (or the note saying how to build it).
func TestGateway_ServesAPIDocs(t *testing.T) {
	s := testStack(t, 0)
	spec := mustDo(t, s.Info.APIURL, call{method: "GET", path: "/openapi.yaml"})
	if spec.status != http.StatusOK || !strings.HasPrefix(string(spec.body), "openapi: 3.1") {
		t.Errorf("GET /openapi.yaml: %d %.40q", spec.status, spec.body)
	}
	page := mustDo(t, s.Info.APIURL, call{method: "GET", path: "/docs"})
	if page.status != http.StatusOK || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(page.body), "COPD Fuel API") {
		t.Errorf("GET /docs: %d %q %.80q", page.status, page.header.Get("Content-Type"), page.body)
	}
}
