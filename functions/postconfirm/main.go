// Command postconfirm is the patient pool's post-confirmation trigger: it
// writes the patient's User record (see handler.go).
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
	env, err := fnenv.SetupTrigger(context.Background(), os.Getenv, os.Stdout)
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("init failed", "error_kind", "config", "detail", err.Error())
		os.Exit(1)
	}
	h := &Handler{Users: dynamo.New(env.Dynamo, env.Config.Table), Now: time.Now, Log: env.Log}
	lambda.Start(h.Serve)
}
