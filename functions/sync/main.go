// Command sync is the POST /sync Lambda: a patient's phone upserts a batch of
// health records (see handler.go and docs/openapi.yaml).
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/copdfuel/backend/pkg/dynamo"
	"github.com/copdfuel/backend/pkg/fnenv"
)

func main() {
	env, err := fnenv.Setup(context.Background(), os.Getenv, os.Stdout)
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("init failed", "error_kind", "config", "detail", err.Error())
		os.Exit(1)
	}
	h := &Handler{Records: dynamo.New(env.Dynamo, env.Config.Table), Now: time.Now, Parallel: 16}
	lambda.Start(env.Adapter.Wrap("sync", h.Serve))
}
