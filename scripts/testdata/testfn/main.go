// Command testfn is a test-only Lambda function for the local stack's tests.
// It answers API Gateway proxy events (and plain Invoke payloads) according
// to an action named in the X-Test-Action header or the payload's "action"
// field: echo (default) returns the event it received as the body, and the
// others misbehave on purpose (panic, error, sleep, exit, env, pid, binary,
// malformed).
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func main() { lambda.Start(handle) }

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var probe struct {
		Action        string            `json:"action"`
		Headers       map[string]string `json:"headers"`
		TriggerSource string            `json:"triggerSource"`
		Response      json.RawMessage   `json:"response"`
	}
	_ = json.Unmarshal(raw, &probe)
	if probe.TriggerSource != "" {
		// A Cognito trigger: say so (ids only) and hand the event back, as
		// a trigger must.
		fmt.Println("testfn: trigger " + probe.TriggerSource)
		return raw, nil
	}
	action := probe.Action
	for k, v := range probe.Headers {
		if strings.EqualFold(k, "X-Test-Action") {
			action = v
		}
	}
	lc, _ := lambdacontext.FromContext(ctx)
	deadline, _ := ctx.Deadline()
	info := map[string]any{
		"pid":        os.Getpid(),
		"requestId":  lc.AwsRequestID,
		"deadlineMs": deadline.UnixMilli(),
		"event":      raw,
	}
	switch action {
	case "panic":
		panic("testfn: asked to panic")
	case "error":
		return nil, errors.New("testfn: asked to fail")
	case "sleep":
		time.Sleep(time.Minute)
	case "exit":
		os.Exit(3)
	case "malformed":
		return "not a proxy response", nil
	case "env":
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		info["env"] = env
	case "binary":
		return events.APIGatewayProxyResponse{StatusCode: 200, IsBase64Encoded: true,
			Headers: map[string]string{"Content-Type": "application/octet-stream"},
			Body:    base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 0xff})}, nil
	case "status":
		return events.APIGatewayProxyResponse{StatusCode: 418,
			MultiValueHeaders: map[string][]string{"X-Multi": {"a", "b"}}, Body: "teapot"}, nil
	}
	if probe.Action != "" { // a plain Invoke payload: answer the info itself
		return info, nil
	}
	b, _ := json.Marshal(info)
	return events.APIGatewayProxyResponse{StatusCode: 200,
		Headers: map[string]string{"Content-Type": "application/json", "X-Pid": strconv.Itoa(os.Getpid())},
		Body:    string(b)}, nil
}
