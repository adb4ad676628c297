// Command accesslog is the GET /me/access-log Lambda: who read or exported
// the calling patient's data, and when (see handler.go).
package main

import (
	"context"
	"log/slog"
	"os"

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
	h := &Handler{Store: dynamo.New(env.Dynamo, env.Config.Table)}
	lambda.Start(env.Adapter.Wrap("accesslog", h.Serve))
}
