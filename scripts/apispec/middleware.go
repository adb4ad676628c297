package apispec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/copdfuel/backend/pkg/route"
)

// UncheckedRequestHeader marks a request a test malformed on purpose (no
// token, a broken body, an oversized batch): Middleware removes the header,
// does not validate the request, and still validates the response. Its value
// says why, for the reader of the test.
const UncheckedRequestHeader = "X-Apispec-Unchecked-Request"

// GatewayErrorHeader is set on the errors the gateway raises itself (as API
// Gateway sets x-amzn-ErrorType on its gateway responses), as opposed to a
// function's answers.
const GatewayErrorHeader = "X-Amzn-Errortype"

// Problem is one mismatch between an exchange and the document.
type Problem struct {
	Method, Path string
	Status       int
	// Phase is "request" or "response".
	Phase string
	Err   error
}

func (p Problem) String() string {
	return fmt.Sprintf("openapi: %s %s -> %d: %s does not match docs/openapi.yaml: %v", p.Method, p.Path, p.Status, p.Phase, p.Err)
}

// Middleware validates every request and response passing through Next
// against Spec and reports each mismatch. It buffers the response and
// reports before the client sees it, so a test that made the call is still
// running when Report is called.
type Middleware struct {
	Spec *Spec
	Next http.Handler
	// Report receives every mismatch (a test's t.Errorf).
	Report func(Problem)
	// StandIns are functions whose real binary was replaced (Options.Functions
	// in the local stack's tests): their answers are not the handlers' and are
	// not checked, nor are requests to their routes; the errors the gateway
	// raises on their routes are.
	StandIns map[string]bool
	// Skip exempts requests outside the API (the gateway's /docs).
	Skip func(*http.Request) bool
}

func (m *Middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodOptions || (m.Skip != nil && m.Skip(r)) {
		// CORS preflights are the gateway's, not operations of the document.
		m.Next.ServeHTTP(w, r)
		return
	}
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "apispec: reading the request body: "+err.Error(), http.StatusBadRequest)
			return
		}
		body = b
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	unchecked := r.Header.Get(UncheckedRequestHeader) != ""
	r.Header.Del(UncheckedRequestHeader)
	standIn := false
	if rt, _, ok, _ := route.Match(r.Method, r.URL.Path); ok {
		standIn = m.StandIns[rt.Function]
	}
	ctx := context.WithoutCancel(r.Context())
	ex := Exchange{Request: r.Clone(ctx), RequestBody: body}

	var reqErr error
	if !unchecked && !standIn {
		// A path the document does not have is not a request error: its
		// answer must be the documented 404, which CheckResponse checks.
		if err := m.Spec.CheckRequest(ctx, ex); !errors.Is(err, ErrNoOperation) {
			reqErr = err
		}
	}

	rec := &recorder{header: http.Header{}}
	m.Next.ServeHTTP(rec, r)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	ex.Status, ex.Header, ex.Body = rec.status, rec.header, rec.body.Bytes()
	if reqErr != nil {
		m.report(ex, "request", reqErr)
	}
	if !standIn || rec.header.Get(GatewayErrorHeader) != "" {
		if err := m.Spec.CheckResponse(ctx, ex); err != nil {
			m.report(ex, "response", err)
		}
	}

	for k, vs := range rec.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}

func (m *Middleware) report(ex Exchange, phase string, err error) {
	if m.Report == nil {
		return
	}
	m.Report(Problem{Method: ex.Request.Method, Path: ex.Request.URL.Path, Status: ex.Status, Phase: phase, Err: err})
}

// recorder buffers a response.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
