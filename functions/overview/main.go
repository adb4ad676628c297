// Command overview is the GET /patients/{id}/overview Lambda: a doctor's
// COPD summary of one linked patient over a window of days (see handler.go).
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/copdfuel/backend/pkg/config"
	"github.com/copdfuel/backend/pkg/dynamo"
	"github.com/copdfuel/backend/pkg/fnenv"
)

func main() {
	env, err := fnenv.Setup(context.Background(), os.Getenv, os.Stdout)
	if err != nil {
		fail(err)
	}
	opts, err := config.Thresholds(os.Getenv)
	if err != nil {
		fail(err)
	}
	h := &Handler{Store: dynamo.New(env.Dynamo, env.Config.Table), Options: opts, Now: time.Now}
	lambda.Start(env.Adapter.Wrap("overview", h.Serve))
}

func fail(err error) {
	slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("init failed", "error_kind", "config", "detail", err.Error())
	os.Exit(1)
}
