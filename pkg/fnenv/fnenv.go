// Package fnenv builds, once per Lambda cold start, what every API function's
// main needs: the typed configuration, the PHI-safe logger, the DynamoDB
// client and the API adapter. A function's main stays four lines: Setup, its
// store, its handler, lambda.Start.
package fnenv

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/config"
	"github.com/copdfuel/backend/pkg/dynamo"
	"github.com/copdfuel/backend/pkg/philog"
)

// Env is a function's environment.
type Env struct {
	Config  config.Config
	Dynamo  *dynamodb.Client
	Store   *dynamo.Store
	Adapter *apigw.Adapter
	// Getenv reads further variables a function needs (its own typed config).
	Getenv func(string) string
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
	awsCfg, err := loadAWS(getenv)
	if err != nil {
		return nil, err
	}
	return &TriggerEnv{Config: cfg, Dynamo: dynamodb.NewFromConfig(awsCfg), Log: philog.New(logw, cfg.LogLevel)}, nil
}

// loadAWS builds the SDK configuration from the environment Lambda gives
// every function: AWS_REGION and the execution role's credentials in
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. It does not
// use config.LoadDefaultConfig: its shared-file, SSO, STS and IMDS providers
// are never used in Lambda and add about 1.5 MiB to every binary and work to
// every cold start (docs/benchmarks.md). AWS_ENDPOINT_URL_DYNAMODB (or
// AWS_ENDPOINT_URL) points the client elsewhere, as the local stack does.
func loadAWS(getenv func(string) string) (aws.Config, error) {
	region := firstSet(getenv, "AWS_REGION", "AWS_DEFAULT_REGION")
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	switch {
	case region == "":
		return aws.Config{}, errors.New("aws config: AWS_REGION is not set")
	case id == "" || secret == "":
		return aws.Config{}, errors.New("aws config: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
	}
	c := aws.Config{
		Region:      region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN"))),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = MaxAttempts
				o.MaxBackoff = 2 * time.Second
			})
		},
	}
	if ep := firstSet(getenv, "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"); ep != "" {
		c.BaseEndpoint = aws.String(ep)
	}
	return c, nil
}

func firstSet(getenv func(string) string, keys ...string) string {
	for _, k := range keys {
		if v := getenv(k); v != "" {
			return v
		}
	}
	return ""
}

// Setup reads the configuration with getenv and builds the clients. Logs go
// to logw (os.Stdout in Lambda: CloudWatch collects it).
func Setup(ctx context.Context, getenv func(string) string, logw io.Writer) (*Env, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := loadAWS(getenv)
	if err != nil {
		return nil, err
	}
	client := dynamodb.NewFromConfig(awsCfg)
	return &Env{
		Config: cfg,
		Dynamo: client,
		Store:  dynamo.New(client, cfg.Table),
		Getenv: getenv,
		Adapter: &apigw.Adapter{
			Access:      cfg.Access,
			Log:         philog.New(logw, cfg.LogLevel),
			AllowOrigin: cfg.AllowOrigin,
			Now:         time.Now,
		},
	}, nil
}

// Start is every API function's main: it reads the configuration and builds
// the clients once (Setup, from the process environment), lets build make
// the handler from them (reading any further typed configuration with
// env.Getenv), and serves it through the adapter for the routes of fn. A
// configuration error is logged (no PHI: variable names only) and exits 1,
// which Lambda reports as an init failure.
func Start(fn string, build func(env *Env) (apigw.HandlerFunc, error)) {
	env, err := Setup(context.Background(), os.Getenv, os.Stdout)
	var h apigw.HandlerFunc
	if err == nil {
		h, err = build(env)
	}
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("init failed", "function", fn, "error_kind", "config", "detail", err.Error())
		os.Exit(1)
	}
	lambda.Start(env.Adapter.Wrap(fn, h))
}
