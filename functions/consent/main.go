// Command consent is the POST /consent Lambda: a patient's consent to share with the invite's doctor (see handler.go).
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
	h := &Handler{Store: dynamo.New(env.Dynamo, env.Config.Table), Now: time.Now}
	lambda.Start(env.Adapter.Wrap("consent", h.Serve))
}
