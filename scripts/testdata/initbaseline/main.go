// Command initbaseline is the floor scripts/cmd/initbench measures the
// functions' init time against: it only does what any Go Lambda that talks
// to DynamoDB must do before its first event, the way the SDK's guide does
// it: config.LoadDefaultConfig, a DynamoDB client, lambda.Start. It lives
// under testdata so `go build ./...` and `go vet ./...` skip it; initbench
// builds it explicitly.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "initbaseline:", err)
		os.Exit(1)
	}
	db := dynamodb.NewFromConfig(cfg)
	lambda.Start(func(ctx context.Context) (string, error) { return fmt.Sprintf("%T", db), nil })
}
