package dynamo

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/copdfuel/backend/pkg/errs"
)

// Codes and client-safe messages of the errors the store returns.
const (
	codeConflict    = "conflict"
	codeUnavailable = "store_unavailable"
	msgUnavailable  = "the data store is busy; retry later"
	codeInternal    = "internal"
	msgInternal     = "internal error"
)

// throttleCodes are the API error codes DynamoDB uses for "slow down". The
// SDK has already retried them by the time an error reaches the store.
var throttleCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"RequestLimitExceeded":                   true,
	"ThrottlingException":                    true,
	"Throttling":                             true,
	"LimitExceededException":                 true,
	"TransactionConflictException":           true,
}

// mapErr turns an SDK error into the store's error kinds (model: go-cloud's
// DynamoDB driver, which also classifies with errors.As):
//   - a failed condition is Conflict;
//   - a missing table or index is Internal, never NotFound: it is a
//     deployment fault, not an absent item, and must not become a 404;
//   - throttling, 5xx answers, network failures and deadlines (after the SDK's
//     own retries) are Unavailable, so the client retries later (503);
//   - anything else (validation errors, item collection over 10 GB, ...) is
//     Internal.
//
// op names the operation and ids only; the cause is kept for logs.
func mapErr(op string, err error) error {
	cause := fmt.Errorf("dynamo: %s: %w", op, err)
	var (
		ccf      *types.ConditionalCheckFailedException
		rnf      *types.ResourceNotFoundException
		ise      *types.InternalServerError
		api      smithy.APIError
		resp     *smithyhttp.ResponseError
		netErr   net.Error
		attempts *retry.MaxAttemptsError
	)
	switch {
	case errors.As(err, &ccf):
		return errs.Wrap(errs.Conflict, codeConflict, "the stored version is the same or newer", cause)
	case errors.As(err, &rnf):
		return errs.Wrap(errs.Internal, codeInternal, msgInternal, cause)
	case errors.As(err, &ise):
		return errs.Wrap(errs.Unavailable, codeUnavailable, msgUnavailable, cause)
	case errors.As(err, &api) && (throttleCodes[api.ErrorCode()] || api.ErrorFault() == smithy.FaultServer):
		return errs.Wrap(errs.Unavailable, codeUnavailable, msgUnavailable, cause)
	case errors.As(err, &resp) && resp.HTTPStatusCode() >= 500:
		return errs.Wrap(errs.Unavailable, codeUnavailable, msgUnavailable, cause)
	case errors.As(err, &netErr), errors.As(err, &attempts),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return errs.Wrap(errs.Unavailable, codeUnavailable, msgUnavailable, cause)
	}
	return errs.Wrap(errs.Internal, codeInternal, msgInternal, cause)
}

// internalErr wraps a cause that is a bug or a deployment fault.
func internalErr(cause error) error {
	return errs.Wrap(errs.Internal, codeInternal, msgInternal, cause)
}
