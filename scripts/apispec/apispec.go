// Package apispec holds the API to its contract, docs/openapi.yaml: it loads
// the document and checks HTTP requests and responses against it with
// kin-openapi. The local stack's tests put Middleware in front of the
// gateway, so every exchange of every integration test is checked and `make
// test` fails when a handler's answer stops matching the document.
package apispec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// DocPath is the document's path from the repository root.
const DocPath = "docs/openapi.yaml"

// Spec is a loaded, valid document with a router over its operations.
type Spec struct {
	Doc    *openapi3.T
	router routers.Router
}

// Load reads and validates the document at path (its examples included).
func Load(path string) (*Spec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("apispec: load %s: %w", path, err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("apispec: %s is not a valid OpenAPI document: %w", path, err)
	}
	// Route on paths alone: the local stack listens on any port, and the
	// deployed servers carry a stage prefix the local gateway does not have.
	routed := *doc
	routed.Servers = nil
	router, err := gorillamux.NewRouter(&routed)
	if err != nil {
		return nil, fmt.Errorf("apispec: route %s: %w", path, err)
	}
	return &Spec{Doc: doc, router: router}, nil
}

// LoadRepo loads DocPath from the repository that holds the working folder
// (the nearest folder above it with go.work).
func LoadRepo() (*Spec, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return Load(filepath.Join(dir, DocPath))
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, errors.New("apispec: go.work not found above the working folder")
		}
		dir = parent
	}
}

// ErrNoOperation is returned for a method and path the document does not
// describe.
var ErrNoOperation = errors.New("no operation in the document")

// Exchange is one request and the response it got.
type Exchange struct {
	Request     *http.Request
	RequestBody []byte
	Status      int
	Header      http.Header
	Body        []byte
}

// CheckRequest validates a request against its operation: security (the
// Authorization header is present), parameters and body.
func (s *Spec) CheckRequest(ctx context.Context, ex Exchange) error {
	in, err := s.input(ex)
	if err != nil {
		return err
	}
	return openapi3filter.ValidateRequest(ctx, in)
}

// CheckResponse validates a response against its operation: the status must
// be documented, and the body and headers must match. A request the document
// does not route must have been answered with components/responses/
// RouteNotFound.
func (s *Spec) CheckResponse(ctx context.Context, ex Exchange) error {
	in, err := s.input(ex)
	if errors.Is(err, ErrNoOperation) {
		return s.checkRouteNotFound(ex)
	}
	if err != nil {
		return err
	}
	in.Options.ExcludeRequestBody = true
	return openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 ex.Status,
		Header:                 ex.Header,
		Body:                   io.NopCloser(bytes.NewReader(ex.Body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
}

func (s *Spec) input(ex Exchange) (*openapi3filter.RequestValidationInput, error) {
	route, params, err := s.router.FindRoute(ex.Request)
	if err != nil {
		var re *routers.RouteError
		if errors.As(err, &re) || errors.Is(err, routers.ErrPathNotFound) || errors.Is(err, routers.ErrMethodNotAllowed) {
			return nil, fmt.Errorf("%w: %s %s", ErrNoOperation, ex.Request.Method, ex.Request.URL.Path)
		}
		return nil, err
	}
	req := ex.Request.Clone(ex.Request.Context())
	req.Body = io.NopCloser(bytes.NewReader(ex.RequestBody))
	return &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			MultiError:                        true,
			RejectWhenRequestBodyNotSpecified: true,
			AuthenticationFunc:                presentToken,
		},
	}, nil
}

// presentToken is the security check at the contract's level: the
// Authorization header the scheme names is present. Whether the token is
// valid, and of which pool, is the gateway's and the functions' job (and
// their tests').
func presentToken(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	scheme := in.SecurityScheme
	if scheme.Type != "apiKey" || scheme.In != "header" {
		return fmt.Errorf("security scheme %s: only apiKey in a header is supported", in.SecuritySchemeName)
	}
	if strings.TrimSpace(in.RequestValidationInput.Request.Header.Get(scheme.Name)) == "" {
		return fmt.Errorf("security scheme %s: no %s header", in.SecuritySchemeName, scheme.Name)
	}
	return nil
}

func (s *Spec) checkRouteNotFound(ex Exchange) error {
	if ex.Status != http.StatusNotFound {
		return fmt.Errorf("%s %s is not in the document, so the answer must be 404 (components/responses/RouteNotFound), not %d", ex.Request.Method, ex.Request.URL.Path, ex.Status)
	}
	resp := s.Doc.Components.Responses["RouteNotFound"]
	if resp == nil || resp.Value == nil {
		return errors.New("components/responses/RouteNotFound is missing")
	}
	mt := resp.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return errors.New("components/responses/RouteNotFound has no application/json schema")
	}
	if ct := ex.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("Content-Type %q, want application/json", ct)
	}
	return ValidateJSON(mt.Schema.Value, ex.Body)
}

// ValidateJSON checks a JSON value against a schema of the document.
func ValidateJSON(schema *openapi3.Schema, body []byte) error {
	v, err := decodeJSON(body)
	if err != nil {
		return err
	}
	return schema.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.MultiErrors())
}

func decodeJSON(body []byte) (any, error) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("body is not JSON: %w", err)
	}
	return v, nil
}

// Schema returns a named schema of components/schemas.
func (s *Spec) Schema(name string) (*openapi3.Schema, error) {
	ref := s.Doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return nil, fmt.Errorf("apispec: no schema %q in components/schemas", name)
	}
	return ref.Value, nil
}
