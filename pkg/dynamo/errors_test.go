package dynamo

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/copdfuel/backend/pkg/errs"
)

// sdkErr wraps err the way the SDK delivers an API error.
func sdkErr(err error, status int) error {
	return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "PutItem", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err},
	}}
}

func TestMapErr(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want errs.Kind
	}{
		{"conditional check failed", sdkErr(&types.ConditionalCheckFailedException{}, 400), errs.Conflict},
		{"missing table", sdkErr(&types.ResourceNotFoundException{}, 400), errs.Internal},
		{"provisioned throughput", sdkErr(&types.ProvisionedThroughputExceededException{}, 400), errs.Unavailable},
		{"request limit", sdkErr(&types.RequestLimitExceeded{}, 400), errs.Unavailable},
		{"throttling", sdkErr(&types.ThrottlingException{}, 400), errs.Unavailable},
		{"throttling, retries spent", &retry.MaxAttemptsError{Attempt: 3, Err: sdkErr(&types.ThrottlingException{}, 400)}, errs.Unavailable},
		{"generic throttling code", sdkErr(&smithy.GenericAPIError{Code: "Throttling", Fault: smithy.FaultClient}, 400), errs.Unavailable},
		{"internal server error", sdkErr(&types.InternalServerError{}, 500), errs.Unavailable},
		{"503 without a modeled error", sdkErr(errors.New("service unavailable"), 503), errs.Unavailable},
		{"server fault", sdkErr(&smithy.GenericAPIError{Code: "ServiceUnavailable", Fault: smithy.FaultServer}, 503), errs.Unavailable},
		{"network", &smithy.OperationError{Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}, errs.Unavailable},
		{"deadline", &smithy.OperationError{Err: context.DeadlineExceeded}, errs.Unavailable},
		{"validation", sdkErr(&smithy.GenericAPIError{Code: "ValidationException", Fault: smithy.FaultClient}, 400), errs.Internal},
		{"item collection full", sdkErr(&types.ItemCollectionSizeLimitExceededException{}, 400), errs.Internal},
		{"unknown", errors.New("boom"), errs.Internal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := mapErr("op", tc.err)
			if got := errs.KindOf(err); got != tc.want {
				t.Errorf("kind %v, want %v (err %v)", got, tc.want, err)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("the cause is not kept: %v", err)
			}
		})
	}
}
