// Package gateway plays API Gateway (REST API, Lambda proxy integration) on
// 127.0.0.1 for the local stack. It routes strictly by pkg/route's table,
// answers CORS preflights itself, runs the Cognito user pool authorizer
// (Authorizer), builds the events.APIGatewayProxyRequest a REST API sends,
// invokes the route's function through an Invoker (the local Lambda
// service) and maps its proxy response back to HTTP. Errors the gateway
// raises itself use the API's error shape {"error":{"code","message",
// "requestId"}} with CORS headers, as the deployed API's gateway responses
// are configured to.
package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/copdfuel/backend/pkg/route"
	"github.com/copdfuel/backend/scripts/lambdalocal"
)

// Invoker runs a function synchronously (lambdalocal.Service).
type Invoker interface {
	Invoke(ctx context.Context, fn string, payload []byte) (lambdalocal.Result, error)
}

// Limits of API Gateway REST APIs.
const (
	// MaxBody is the largest request body API Gateway accepts.
	MaxBody = 10 << 20
	// IntegrationTimeout is the longest API Gateway waits for a Lambda.
	IntegrationTimeout = 29 * time.Second
)

// Error codes the gateway itself answers with (from route.GatewayResponses).
var (
	CodeUnauthenticated = route.Gateway(route.GatewayUnauthorized).Code
	CodeInternal        = route.Gateway(route.GatewayDefault5XX).Code
	CodeTimeout         = route.Gateway(route.GatewayIntegrationTimeout).Code
)

// Gateway is an http.Handler for the API.
type Gateway struct {
	Authorizer *Authorizer
	Lambda     Invoker
	// AllowOrigin is the CORS origin ("*" locally).
	AllowOrigin string
	// Stage is the stage name put in the request context.
	Stage string
	// Log receives one access line per request (method, path template,
	// status, latency, request id); never bodies, tokens or headers.
	Log io.Writer
	// Timeout is the integration timeout; 0 means IntegrationTimeout.
	Timeout time.Duration
	// Docs serves the API's documentation at /docs and /openapi.yaml
	// (DocsHandler); nil answers them like any unknown path.
	Docs http.Handler
}

func (g *Gateway) corsHeaders(h http.Header) {
	for k, v := range route.CORSHeaders(g.AllowOrigin) {
		h.Set(k, v)
	}
}

// fail writes one of API Gateway's own error responses, as the CDK app
// configures them from route.GatewayResponses. status is used only where
// the table keeps API Gateway's status (DEFAULT_4XX, DEFAULT_5XX).
func (g *Gateway) fail(w http.ResponseWriter, reqID, responseType string, status int) {
	gr := route.Gateway(responseType)
	if gr.Status != 0 {
		status = gr.Status
	}
	h := w.Header()
	g.corsHeaders(h)
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	// API Gateway marks its own errors with x-amzn-ErrorType; here it names
	// the response type, so tests can tell them from a function's answers.
	h.Set(ErrorTypeHeader, gr.Type)
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", "Bearer")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, gr.Body(reqID))
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.Docs != nil && IsDocsPath(r) {
		g.Docs.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	reqID := uuid.NewString()
	w.Header().Set("X-Amzn-Requestid", reqID)
	sw := &statusWriter{ResponseWriter: w}
	rt, matched := g.serve(sw, r, reqID)
	if g.Log != nil {
		tmpl := "-"
		if matched {
			tmpl = rt.Path
		}
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		fmt.Fprintf(g.Log, "gateway %s %s %d %dms request_id=%s\n", r.Method, tmpl, status, time.Since(start).Milliseconds(), reqID)
	}
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, reqID string) (route.Route, bool) {
	path := r.URL.Path
	if r.Method == http.MethodOptions {
		if _, _, _, anyMethod := route.Match(http.MethodGet, path); anyMethod {
			// A CORS preflight: answered by the gateway (a mock integration
			// when deployed), never by a function.
			g.corsHeaders(w.Header())
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return route.Route{}, false
		}
		g.fail(w, reqID, route.GatewayMissingRoute, 0)
		return route.Route{}, false
	}
	rt, params, ok, _ := route.Match(r.Method, path)
	if !ok {
		// Deployed, an unknown resource or method is API Gateway's
		// MISSING_AUTHENTICATION_TOKEN response, configured as this 404.
		g.fail(w, reqID, route.GatewayMissingRoute, 0)
		return route.Route{}, false
	}
	var claims map[string]any
	if len(rt.Roles) > 0 {
		var err error
		claims, err = g.Authorizer.Authorize(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			if !IsUnauthorized(err) {
				// Keys could not be fetched: API Gateway answers 500 (AUTHORIZER_CONFIGURATION_ERROR).
				g.fail(w, reqID, route.GatewayAuthorizerConfig, 0)
				return rt, true
			}
			g.fail(w, reqID, route.GatewayUnauthorized, 0)
			return rt, true
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			g.fail(w, reqID, route.GatewayRequestTooLarge, 0)
			return rt, true
		}
		g.fail(w, reqID, route.GatewayDefault4XX, http.StatusBadRequest)
		return rt, true
	}
	ev := g.event(r, rt, params, claims, body, reqID)
	payload, err := json.Marshal(ev)
	if err != nil {
		g.fail(w, reqID, route.GatewayDefault5XX, http.StatusInternalServerError)
		return rt, true
	}
	timeout := g.Timeout
	if timeout == 0 {
		timeout = IntegrationTimeout
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	res, err := g.Lambda.Invoke(ctx, rt.Function, payload)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		g.fail(w, reqID, route.GatewayIntegrationTimeout, 0)
		return rt, true
	case err != nil, res.FunctionError != "":
		// A failed, crashed or timed-out function: API Gateway's 502.
		g.fail(w, reqID, route.GatewayDefault5XX, http.StatusBadGateway)
		return rt, true
	}
	if err := g.writeProxyResponse(w, res.Payload); err != nil {
		g.fail(w, reqID, route.GatewayDefault5XX, http.StatusBadGateway)
	}
	return rt, true
}

// event builds the REST API proxy event.
func (g *Gateway) event(r *http.Request, rt route.Route, params map[string]string, claims map[string]any, body []byte, reqID string) events.APIGatewayProxyRequest {
	host, port, _ := net.SplitHostPort(r.Host)
	if host == "" {
		host = r.Host
	}
	clientIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	headers := map[string]string{}
	multi := map[string][]string{}
	for k, vs := range r.Header {
		headers[k] = vs[len(vs)-1]
		multi[k] = append([]string(nil), vs...)
	}
	headers["Host"] = r.Host
	multi["Host"] = []string{r.Host}
	xff := clientIP
	if prior := r.Header.Get("X-Forwarded-For"); prior != "" {
		xff = prior + ", " + clientIP
	}
	headers["X-Forwarded-For"], multi["X-Forwarded-For"] = xff, []string{xff}
	headers["X-Forwarded-Proto"], multi["X-Forwarded-Proto"] = "http", []string{"http"}
	if port != "" {
		headers["X-Forwarded-Port"], multi["X-Forwarded-Port"] = port, []string{port}
	}
	var qs map[string]string
	var mqs map[string][]string
	if q := r.URL.Query(); len(q) > 0 {
		qs, mqs = map[string]string{}, map[string][]string{}
		for k, vs := range q {
			qs[k] = vs[len(vs)-1]
			mqs[k] = vs
		}
	}
	if len(params) == 0 {
		params = nil
	}
	now := time.Now().UTC()
	ev := events.APIGatewayProxyRequest{
		Resource:                        rt.Path,
		Path:                            r.URL.Path,
		HTTPMethod:                      r.Method,
		Headers:                         headers,
		MultiValueHeaders:               multi,
		QueryStringParameters:           qs,
		MultiValueQueryStringParameters: mqs,
		PathParameters:                  params,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:         "000000000000",
			ResourceID:        resourceID(rt),
			Stage:             g.Stage,
			RequestID:         reqID,
			ExtendedRequestID: reqID,
			Identity: events.APIGatewayRequestIdentity{
				SourceIP:  clientIP,
				UserAgent: r.UserAgent(),
			},
			ResourcePath:     rt.Path,
			Path:             "/" + g.Stage + r.URL.Path,
			HTTPMethod:       r.Method,
			APIID:            "local",
			Protocol:         r.Proto,
			RequestTime:      now.Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch: now.UnixMilli(),
			DomainName:       host,
		},
	}
	if claims != nil {
		ev.RequestContext.Authorizer = map[string]any{"claims": claims}
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

func resourceID(rt route.Route) string {
	sum := sha256.Sum256([]byte(rt.Path))
	return hex.EncodeToString(sum[:])[:6]
}

// proxyResponse is the Lambda proxy response; any other field makes it
// malformed, as API Gateway treats it.
type proxyResponse struct {
	StatusCode        *int                `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              *string             `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

var errMalformed = errors.New("malformed Lambda proxy response")

func (g *Gateway) writeProxyResponse(w http.ResponseWriter, payload []byte) error {
	var pr proxyResponse
	dec := json.NewDecoder(strings.NewReader(string(payload)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pr); err != nil {
		return errMalformed
	}
	status := http.StatusOK
	if pr.StatusCode != nil {
		status = *pr.StatusCode
	}
	if status < 100 || status > 599 {
		return errMalformed
	}
	var body []byte
	if pr.Body != nil {
		body = []byte(*pr.Body)
		if pr.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(*pr.Body)
			if err != nil {
				return errMalformed
			}
			body = b
		}
	}
	if len(body) > MaxBody {
		return errMalformed
	}
	h := w.Header()
	// Values from multiValueHeaders win over headers for the same name.
	for k, v := range pr.Headers {
		if _, dup := pr.MultiValueHeaders[k]; !dup {
			h.Set(k, v)
		}
	}
	for k, vs := range pr.MultiValueHeaders {
		h.Del(k)
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return nil
}

// Static serves a folder (the portal's build) with index.html for unknown
// paths (a single-page app), or a placeholder page when dir does not exist.
func Static(dir string) http.Handler {
	if st, err := os.Stat(filepath.Join(dir, "index.html")); err == nil && !st.IsDir() {
		files := http.FileServer(http.Dir(dir))
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := filepath.Join(dir, filepath.FromSlash(filepath.Clean("/"+r.URL.Path)))
			if _, err := os.Stat(p); err != nil {
				http.ServeFile(w, r, filepath.Join(dir, "index.html"))
				return
			}
			files.ServeHTTP(w, r)
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, placeholder)
	})
}

const placeholder = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>COPD Fuel portal (local)</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto">
<h1>COPD Fuel doctor portal</h1>
<p>The portal is not built yet. When <code>portal/dist/index.html</code> exists, <code>make dev</code> serves it here.</p>
<p>The API, the Cognito stand-in and the demo credentials are listed in <code>.local/dev.json</code>.</p>
</body></html>
`
