// Package apigw adapts API Gateway REST proxy events to typed requests and
// typed results back to proxy responses, for every function. It resolves and
// authorizes the caller against the route table, decodes bodies (base64,
// size limits, strict JSON), writes error bodies with stable codes, adds CORS
// headers to every response, recovers panics, and logs exactly one PHI-safe
// line per request.
package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/copdfuel/backend/pkg/access"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/route"
)

// Request is what a handler sees of an API call.
type Request struct {
	Caller    access.Caller
	Route     route.Route
	RequestID string
	// SourceIP and UserAgent come from the request context API Gateway fills
	// in, never from the body. Both are audit data: never log them.
	SourceIP  string
	UserAgent string
	// PathParams holds the route's {name} parameters.
	PathParams map[string]string
	// Query holds every value of every query parameter.
	Query url.Values
	// Body is the decoded (base64 undone) body, within Route.MaxBody.
	Body []byte
	// RequestTime is when API Gateway received the request (its
	// requestTimeEpoch, milliseconds): the same in a retried invocation of
	// the same request, so it can key idempotent writes. The adapter's
	// clock if the event lacks it.
	RequestTime time.Time
	header      http.Header
	// path is the resource path as called (no stage), stagePath with the
	// stage prefix API Gateway's own host names need.
	path, stagePath string
}

// Header returns a request header, matched case-insensitively.
func (r *Request) Header(name string) string { return r.header.Get(name) }

// URL returns the absolute URL the client called, without the query: the
// scheme from X-Forwarded-Proto (https if absent), the Host header, and
// the path, with the stage prefix when the host is API Gateway's own
// (*.amazonaws.com; a custom domain or the local gateway maps the stage
// away). "" if the request has no Host header.
func (r *Request) URL() string {
	host := r.header.Get("Host")
	if host == "" {
		return ""
	}
	proto := r.header.Get("X-Forwarded-Proto")
	if proto != "http" {
		proto = "https"
	}
	p := r.path
	if strings.HasSuffix(strings.ToLower(host), ".amazonaws.com") && r.stagePath != "" {
		p = r.stagePath
	}
	return proto + "://" + host + p
}

// Response is a handler's successful answer.
type Response struct {
	Status int // 200 if zero
	Body   any // encoded as JSON; nil gives an empty body
	// RawBody, if not nil, is sent as it is instead of Body (e.g. a CSV
	// export); set its Content-Type in Headers. CORS and the other
	// headers of every response are added as for JSON.
	RawBody []byte
	Headers map[string]string
	// LogAttrs are added to the request's one log line; only allow-listed
	// keys (philog.Allowed) survive.
	LogAttrs []any
}

// OK answers 200 with body as JSON.
func OK(body any) Response { return Response{Status: http.StatusOK, Body: body} }

// HandlerFunc serves one route.
type HandlerFunc func(ctx context.Context, req *Request) (Response, error)

// Adapter holds what every function's adapter shares.
type Adapter struct {
	Access access.Config
	Log    *slog.Logger
	// AllowOrigin is the CORS origin of the portal ("*" locally).
	AllowOrigin string
	Now         func() time.Time
}

// Error codes of the adapter.
const (
	CodeInvalidJSON      = "invalid_json"
	CodeUnknownField     = "unknown_field"
	CodeTrailingData     = "trailing_data"
	CodeBodyRequired     = "body_required"
	CodeBodyNotAllowed   = "body_not_allowed"
	CodeBodyTooLarge     = "body_too_large"
	CodeBadBase64        = "invalid_base64"
	CodeUnsupportedMedia = "unsupported_media_type"
	CodeRouteNotFound    = "route_not_found"
)

// Errorbody is the JSON body of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the error object clients switch on by Code.
type ErrorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"requestId"`
}

// Wrap turns h into a Lambda handler for the routes of one function. The
// route is found by the event's resource (the API Gateway path template) and
// method; the role check uses the route table.
func (a *Adapter) Wrap(fn string, h HandlerFunc) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	routes := route.ByFunction(fn)
	return func(ctx context.Context, ev events.APIGatewayProxyRequest) (resp events.APIGatewayProxyResponse, _ error) {
		start := a.Now()
		reqID := ev.RequestContext.RequestID
		log := a.Log.With("request_id", reqID, "function", fn, "method", ev.HTTPMethod, "route", ev.Resource)
		var caller access.Caller
		var err error
		defer func() {
			if p := recover(); p != nil {
				err = errs.E(errs.Internal, "internal", "internal error")
				log.Error("panic", "error_kind", "panic")
				resp = a.errorResponse(err, reqID)
			}
			level := slog.LevelInfo
			attrs := []any{"status", resp.StatusCode, "latency_ms", a.Now().Sub(start).Milliseconds()}
			if caller.Sub != "" {
				attrs = append(attrs, "caller_id", caller.Sub, "role", string(caller.Role))
			}
			if err != nil {
				kind := errs.KindOf(err)
				attrs = append(attrs, "error_kind", kind.String(), "error_code", errs.Public(err).Code)
				if kind == errs.Internal || kind == errs.Unavailable {
					level = slog.LevelError
				}
			}
			log.Log(ctx, level, "request", attrs...)
		}()

		var out Response
		defer func() { log = log.With(out.LogAttrs...) }()
		caller, out, err = a.serve(ctx, routes, ev, h)
		if err == nil {
			resp, err = a.response(out)
		}
		if err != nil {
			return a.errorResponse(err, reqID), nil
		}
		return resp, nil
	}
}

func (a *Adapter) serve(ctx context.Context, routes []route.Route, ev events.APIGatewayProxyRequest, h HandlerFunc) (access.Caller, Response, error) {
	var rt *route.Route
	for i := range routes {
		if routes[i].Method == ev.HTTPMethod && routes[i].Path == ev.Resource {
			rt = &routes[i]
		}
	}
	if rt == nil {
		return access.Caller{}, Response{}, errs.E(errs.NotFound, CodeRouteNotFound, "no such route")
	}
	claims, _ := ev.RequestContext.Authorizer["claims"].(map[string]any)
	caller, err := a.Access.FromClaims(claims, a.Now())
	if err != nil {
		// The authorizer passes claims as a map; a malformed one is unauthenticated.
		return caller, Response{}, err
	}
	if err := access.Authorize(caller, rt.Roles); err != nil {
		return caller, Response{}, err
	}
	header := http.Header{}
	for k, v := range ev.Headers {
		header.Set(k, v)
	}
	for k, vs := range ev.MultiValueHeaders {
		header.Del(k)
		for _, v := range vs {
			header.Add(k, v)
		}
	}
	body, err := decodeBody(ev, *rt, header)
	if err != nil {
		return caller, Response{}, err
	}
	query := url.Values{}
	for k, v := range ev.QueryStringParameters {
		query.Set(k, v)
	}
	for k, vs := range ev.MultiValueQueryStringParameters {
		query[k] = vs
	}
	reqTime := a.Now()
	if ms := ev.RequestContext.RequestTimeEpoch; ms > 0 {
		reqTime = time.UnixMilli(ms).UTC()
	}
	req := &Request{
		Caller:      caller,
		Route:       *rt,
		RequestID:   ev.RequestContext.RequestID,
		SourceIP:    ev.RequestContext.Identity.SourceIP,
		UserAgent:   ev.RequestContext.Identity.UserAgent,
		PathParams:  ev.PathParameters,
		Query:       query,
		Body:        body,
		RequestTime: reqTime,
		header:      header,
		path:        ev.Path,
		stagePath:   ev.RequestContext.Path,
	}
	out, err := h(ctx, req)
	return caller, out, err
}

func decodeBody(ev events.APIGatewayProxyRequest, rt route.Route, header http.Header) ([]byte, error) {
	if ev.Body == "" {
		return nil, nil
	}
	if rt.MaxBody == 0 {
		return nil, errs.E(errs.Invalid, CodeBodyNotAllowed, "this route takes no body")
	}
	raw := []byte(ev.Body)
	if ev.IsBase64Encoded {
		// Check the encoded size first: the decoded size is at most 3/4 of it.
		if base64.StdEncoding.DecodedLen(len(ev.Body)) > rt.MaxBody+2 {
			return nil, tooLarge(rt.MaxBody)
		}
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, errs.E(errs.Invalid, CodeBadBase64, "body is not valid base64")
		}
		raw = b
	}
	if len(raw) > rt.MaxBody {
		return nil, tooLarge(rt.MaxBody)
	}
	if ct := header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, errs.E(errs.UnsupportedMedia, CodeUnsupportedMedia, "body must be application/json")
		}
	}
	return raw, nil
}

func tooLarge(max int) error {
	return errs.E(errs.TooLarge, CodeBodyTooLarge, fmt.Sprintf("body is larger than %d bytes", max))
}

// DecodeJSON decodes body strictly into v: unknown fields, duplicate keys,
// trailing data, an empty body, invalid UTF-8 and lone UTF-16 surrogate
// escapes are errors with stable codes.
func DecodeJSON(body []byte, v any) error { return decodeJSON(body, v, 0) }

// DecodeJSONTop is DecodeJSON checking duplicate keys only in the top-level
// object: for bodies whose nested values are json.RawMessage that the
// handler decodes (and checks) one by one, so that one bad item is reported
// on its own.
func DecodeJSONTop(body []byte, v any) error { return decodeJSON(body, v, 1) }

func decodeJSON(body []byte, v any, dupDepth int) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errs.E(errs.Invalid, CodeBodyRequired, "a JSON body is required")
	}
	// Text checks only for a full decode: DecodeJSONTop's nested values are
	// decoded (and so checked) one by one, so one bad item stays its own.
	if dupDepth == 0 {
		if err := checkText(body); err != nil {
			return err
		}
	}
	if err := checkDuplicateKeys(body, dupDepth); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.E(errs.Invalid, CodeTrailingData, "body has data after the JSON value")
	}
	return nil
}

// jsonError turns a decoding error into a client error that names the
// offending field or position but never echoes a value.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return errs.Wrap(errs.Invalid, CodeInvalidJSON, "body is not valid JSON (at byte "+strconv.FormatInt(syn.Offset, 10)+")", err)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return errs.Wrap(errs.Invalid, CodeInvalidJSON, field+": must be "+jsonKind(typ.Type.Kind().String()), err)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return errs.Wrap(errs.Invalid, CodeUnknownField, "unknown field "+name, err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errs.Wrap(errs.Invalid, CodeInvalidJSON, "body is truncated JSON", err)
	default:
		return errs.Wrap(errs.Invalid, CodeInvalidJSON, "body is not valid JSON", err)
	}
}

func jsonKind(k string) string {
	switch k {
	case "float64", "float32", "int", "int64", "int32":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	case "ptr":
		return "a value of the right type"
	}
	return "a value of the right type"
}

func (a *Adapter) corsHeaders() map[string]string {
	h := route.CORSHeaders(a.AllowOrigin)
	h["Content-Type"] = "application/json"
	h["Cache-Control"] = "no-store"
	h["X-Content-Type-Options"] = "nosniff"
	return h
}

func (a *Adapter) response(out Response) (events.APIGatewayProxyResponse, error) {
	h := a.corsHeaders()
	for k, v := range out.Headers {
		h[k] = v
	}
	status := out.Status
	if status == 0 {
		status = http.StatusOK
	}
	body := ""
	if out.RawBody != nil {
		return events.APIGatewayProxyResponse{StatusCode: status, Headers: h, Body: string(out.RawBody)}, nil
	}
	if out.Body != nil {
		b, err := json.Marshal(out.Body)
		if err != nil {
			return events.APIGatewayProxyResponse{}, errs.Wrap(errs.Internal, "internal", "internal error", err)
		}
		body = string(b)
	}
	return events.APIGatewayProxyResponse{StatusCode: status, Headers: h, Body: body}, nil
}

func (a *Adapter) errorResponse(err error, reqID string) events.APIGatewayProxyResponse {
	pub := errs.Public(err)
	h := a.corsHeaders()
	if pub.Kind == errs.Unavailable || pub.Kind == errs.RateLimited {
		h["Retry-After"] = "1"
		var e *errs.Error
		if errors.As(err, &e) && e.Kind == errs.RateLimited {
			h["Retry-After"] = "60"
		}
		if pub.RetryAfter > 0 {
			h["Retry-After"] = strconv.FormatInt(int64((pub.RetryAfter+time.Second-1)/time.Second), 10)
		}
	}
	b, _ := json.Marshal(ErrorBody{Error: ErrorDetail{Code: pub.Code, Message: pub.Message, RequestID: reqID}})
	return events.APIGatewayProxyResponse{StatusCode: pub.Kind.Status(), Headers: h, Body: string(b)}
}
