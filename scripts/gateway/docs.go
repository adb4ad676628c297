package gateway

import (
	"io"
	"net/http"
	"os"
)

// ErrorTypeHeader is set on the gateway's own errors to the API Gateway
// response type (route.GatewayResponses), as API Gateway sets
// x-amzn-ErrorType on its gateway responses.
const ErrorTypeHeader = "X-Amzn-Errortype"

// Paths of the API's documentation on the local gateway. They are not API
// routes (the deployed API does not serve them).
const (
	DocsPath = "/docs"
	SpecPath = "/openapi.yaml"
)

// IsDocsPath reports whether r asks for the documentation.
func IsDocsPath(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		(r.URL.Path == DocsPath || r.URL.Path == DocsPath+"/" || r.URL.Path == SpecPath)
}

// DocsHandler serves the OpenAPI document (specFile, docs/openapi.yaml) at
// /openapi.yaml and its rendered page (htmlFile, built by `make docs-html`
// with Redocly's bundled renderer, no CDN) at /docs. Both are read on every
// request, so an edited document shows without a restart; a page not built
// yet is replaced by a note saying how to build it.
func DocsHandler(specFile, htmlFile string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if r.URL.Path == SpecPath {
			b, err := os.ReadFile(specFile)
			if err != nil {
				http.Error(w, "the OpenAPI document is missing", http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/yaml")
			_, _ = w.Write(b)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		b, err := os.ReadFile(htmlFile)
		if err != nil {
			_, _ = io.WriteString(w, docsPlaceholder)
			return
		}
		_, _ = w.Write(b)
	})
}

const docsPlaceholder = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>COPD Fuel API (local)</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto">
<h1>COPD Fuel API</h1>
<p>The rendered documentation is not built yet: run <code>make docs-html</code> (<code>make dev</code> does).</p>
<p>The document itself is at <a href="/openapi.yaml">/openapi.yaml</a>.</p>
</body></html>
`
