// Package fnenv builds, once per Lambda cold start, what every API function's
// main needs: the typed configuration, the PHI-safe logger, the DynamoDB
// client and the API adapter. A function's main stays four lines: Setup, its
// store, its handler, lambda.Start.
package fnenv

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/config"
	"github.com/copdfuel/backend/pkg/philog"
)

// Env is a function's environment.
type Env struct {
	Config  config.Config
	Dynamo  *dynamodb.Client
	Adapter *apigw.Adapter
}

// MaxAttempts bounds the SDK's retries of throttled or failed DynamoDB calls
// (with its exponential backoff and jitter); the Lambda deadline bounds them
// in time. Past them a request fails with 503 and Retry-After.
const MaxAttempts = 5

// TriggerEnv is a Cognito trigger function's environment.
type TriggerEnv struct {
	Config config.Trigger
	Dynamo *dynamodb.Client
	Log    *slog.Logger
}

// SetupTrigger is Setup for a Cognito trigger: table and log level only.
func SetupTrigger(ctx context.Context, getenv func(string) string, logw io.Writer) (*TriggerEnv, error) {
	cfg, err := config.LoadTrigger(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := loadAWS(ctx)
	if err != nil {
		return nil, err
	}
	return &TriggerEnv{Config: cfg, Dynamo: dynamodb.NewFromConfig(awsCfg), Log: philog.New(logw, cfg.LogLevel)}, nil
}

func loadAWS(ctx context.Context) (aws.Config, error) {
	c, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRetryer(func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = MaxAttempts
			o.MaxBackoff = 2 * time.Second
		})
	}))
	if err != nil {
		return aws.Config{}, fmt.Errorf("aws config: %w", err)
	}
	return c, nil
}

// Setup reads the configuration with getenv and builds the clients. Logs go
// to logw (os.Stdout in Lambda: CloudWatch collects it).
func Setup(ctx context.Context, getenv func(string) string, logw io.Writer) (*Env, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := loadAWS(ctx)
	if err != nil {
		return nil, err
	}
	return &Env{
		Config: cfg,
		Dynamo: dynamodb.NewFromConfig(awsCfg),
		Adapter: &apigw.Adapter{
			Access:      cfg.Access,
			Log:         philog.New(logw, cfg.LogLevel),
			AllowOrigin: cfg.AllowOrigin,
			Now:         time.Now,
		},
	}, nil
}
