package route

import (
	"encoding/json"
	"net/http"
)

// CORS headers every response carries: the functions' (pkg/apigw), API
// Gateway's own errors (the CDK app's gateway responses) and the local
// gateway's. The allowed origin is configuration (ALLOW_ORIGIN).
const (
	CORSAllowHeaders = "Authorization,Content-Type"
	CORSAllowMethods = "GET,POST,DELETE,OPTIONS"
	// CORSExposeHeaders are the response headers a browser may read: the
	// next-page cursor of a CSV export (its body has no room for one), the
	// request id for support, and Retry-After on 429 and 503.
	CORSExposeHeaders = "X-Next-Cursor,X-Amzn-Requestid,Retry-After"
)

// CORSHeaders returns the CORS headers for origin.
func CORSHeaders(origin string) map[string]string {
	return map[string]string{
		"Access-Control-Allow-Origin":   origin,
		"Access-Control-Allow-Headers":  CORSAllowHeaders,
		"Access-Control-Allow-Methods":  CORSAllowMethods,
		"Access-Control-Expose-Headers": CORSExposeHeaders,
		"Vary":                          "Origin",
	}
}

// GatewayResponse is an error API Gateway answers by itself, before or
// instead of a function: a bad token, an unknown route, a body over its
// limit, a throttled client, a function that failed or timed out. The CDK
// app turns each into an AWS::ApiGateway::GatewayResponse with this status
// and body; the local gateway answers with the same, so clients parse one
// error shape with one set of codes wherever the error comes from.
type GatewayResponse struct {
	// Type is API Gateway's response type, e.g. UNAUTHORIZED.
	Type string
	// Status overrides API Gateway's status; 0 keeps it (DEFAULT_4XX/5XX).
	Status int
	// Code and Message go into {"error":{"code","message","requestId"}}.
	Code    string
	Message string
}

// Response types the local gateway produces.
const (
	GatewayUnauthorized        = "UNAUTHORIZED"
	GatewayMissingRoute        = "MISSING_AUTHENTICATION_TOKEN"
	GatewayRequestTooLarge     = "REQUEST_TOO_LARGE"
	GatewayIntegrationTimeout  = "INTEGRATION_TIMEOUT"
	GatewayAuthorizerConfig    = "AUTHORIZER_CONFIGURATION_ERROR"
	GatewayDefault5XX          = "DEFAULT_5XX"
	GatewayDefault4XX          = "DEFAULT_4XX"
	gatewayThrottled           = "THROTTLED"
	gatewayQuotaExceeded       = "QUOTA_EXCEEDED"
	gatewayWAFFiltered         = "WAF_FILTERED"
	gatewayAccessDenied        = "ACCESS_DENIED"
	gatewayExpiredToken        = "EXPIRED_TOKEN"
	gatewayResourceNotFound    = "RESOURCE_NOT_FOUND"
	gatewayUnsupportedMedia    = "UNSUPPORTED_MEDIA_TYPE"
	gatewayBadRequestBody      = "BAD_REQUEST_BODY"
	gatewayBadRequestParams    = "BAD_REQUEST_PARAMETERS"
	gatewayIntegrationFailure  = "INTEGRATION_FAILURE"
	gatewayAuthorizerFailure   = "AUTHORIZER_FAILURE"
	gatewayAPIConfigurationErr = "API_CONFIGURATION_ERROR"
)

// GatewayResponses is the table of API Gateway's own errors. An unknown
// route is MISSING_AUTHENTICATION_TOKEN in API Gateway (403 by default):
// it answers 404 route_not_found here, as the local gateway does.
var GatewayResponses = []GatewayResponse{
	{Type: GatewayUnauthorized, Status: http.StatusUnauthorized, Code: "unauthenticated", Message: "Unauthorized"},
	{Type: gatewayExpiredToken, Status: http.StatusUnauthorized, Code: "unauthenticated", Message: "Unauthorized"},
	{Type: gatewayAccessDenied, Status: http.StatusForbidden, Code: "forbidden", Message: "Forbidden"},
	{Type: gatewayWAFFiltered, Status: http.StatusForbidden, Code: "forbidden", Message: "Forbidden"},
	{Type: GatewayMissingRoute, Status: http.StatusNotFound, Code: "route_not_found", Message: "no such route"},
	{Type: gatewayResourceNotFound, Status: http.StatusNotFound, Code: "route_not_found", Message: "no such route"},
	{Type: GatewayRequestTooLarge, Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Message: "Request Too Long"},
	{Type: gatewayUnsupportedMedia, Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "body must be application/json"},
	{Type: gatewayBadRequestBody, Status: http.StatusBadRequest, Code: "invalid_request", Message: "the request does not match the API's model"},
	{Type: gatewayBadRequestParams, Status: http.StatusBadRequest, Code: "invalid_request", Message: "the request does not match the API's model"},
	{Type: gatewayThrottled, Status: http.StatusTooManyRequests, Code: "rate_limited", Message: "Too Many Requests"},
	{Type: gatewayQuotaExceeded, Status: http.StatusTooManyRequests, Code: "rate_limited", Message: "Too Many Requests"},
	{Type: GatewayIntegrationTimeout, Status: http.StatusGatewayTimeout, Code: "timeout", Message: "Endpoint request timed out"},
	{Type: gatewayIntegrationFailure, Status: http.StatusBadGateway, Code: "internal", Message: "Internal server error"},
	{Type: GatewayAuthorizerConfig, Status: http.StatusInternalServerError, Code: "internal", Message: "Internal server error"},
	{Type: gatewayAuthorizerFailure, Status: http.StatusInternalServerError, Code: "internal", Message: "Internal server error"},
	{Type: gatewayAPIConfigurationErr, Status: http.StatusInternalServerError, Code: "internal", Message: "Internal server error"},
	{Type: GatewayDefault4XX, Code: "bad_request", Message: "the request was refused"},
	{Type: GatewayDefault5XX, Code: "internal", Message: "Internal server error"},
}

// Gateway returns the response of a type; unknown types get DEFAULT_5XX's.
func Gateway(responseType string) GatewayResponse {
	for _, g := range GatewayResponses {
		if g.Type == responseType {
			return g
		}
	}
	return Gateway(GatewayDefault5XX)
}

// Body returns the response body for a request id. The CDK app passes
// "$context.requestId" so API Gateway fills it in.
func (g GatewayResponse) Body(requestID string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": g.Code, "message": g.Message, "requestId": requestID}})
	return string(b)
}
