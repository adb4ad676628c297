package lambdalocal

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// maxInvokePayload is Lambda's synchronous request payload limit.
const maxInvokePayload = 6 << 20

// ServeHTTP serves the Lambda Invoke API for RequestResponse invocations:
// POST /2015-03-31/functions/{name}/invocations. The request is not
// signature-checked (cognito-local signs with dummy credentials). Errors
// follow the service: 404 ResourceNotFoundException, 413
// RequestTooLargeException, and a function failure is 200 with
// X-Amz-Function-Error: Unhandled and the error object as the payload.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.invokeMux.Do(func() {
		mux := http.NewServeMux()
		mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", s.serveInvoke)
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			awsError(w, http.StatusNotFound, "UnknownOperationException", "unknown operation")
		})
		s.mux = mux
	})
	s.mux.ServeHTTP(w, r)
}

func (s *Service) serveInvoke(w http.ResponseWriter, r *http.Request) {
	name := functionName(r.PathValue("name"))
	if t := r.Header.Get("X-Amz-Invocation-Type"); t != "" && t != "RequestResponse" {
		awsError(w, http.StatusBadRequest, "InvalidParameterValueException", "only RequestResponse invocations are supported locally")
		return
	}
	if _, ok := s.funcs[name]; !ok {
		awsError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:"+name)
		return
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, maxInvokePayload+1))
	if err != nil {
		awsError(w, http.StatusBadRequest, "InvalidRequestContentException", "could not read the request body")
		return
	}
	if len(payload) > maxInvokePayload {
		awsError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
		return
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if !json.Valid(payload) {
		awsError(w, http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json")
		return
	}
	res, err := s.Invoke(r.Context(), name, payload)
	if errors.Is(err, ErrNotFound) {
		awsError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found")
		return
	}
	if err != nil {
		awsError(w, http.StatusServiceUnavailable, "ServiceException", "the local Lambda service is stopping")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amz-Executed-Version", "$LATEST")
	h.Set("X-Amzn-Requestid", res.RequestID)
	if res.FunctionError != "" {
		h.Set("X-Amz-Function-Error", res.FunctionError)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(res.Payload)
}

// functionName accepts a name, a partial ARN or a full ARN, as Lambda does.
func functionName(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ':' {
			if s[i+1:] == "$LATEST" {
				return functionName(s[:i])
			}
			return s[i+1:]
		}
	}
	return s
}

func awsError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Type": "User", "Message": msg})
}
