// Command export is the GET /patients/{id}/export Lambda: a linked
// patient's records for a doctor, page by page, as CSV, JSON or a FHIR R4
// Bundle (see handler.go).
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/dynamo"
	"github.com/copdfuel/backend/pkg/fnenv"
)

func main() {
	env, err := fnenv.Setup(context.Background(), os.Getenv, os.Stdout)
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("init failed", "error_kind", "config", "detail", err.Error())
		os.Exit(1)
	}
	h := &Handler{Store: dynamo.New(env.Dynamo, env.Config.Table), PageSize: copd.ExportPageRecords, Now: time.Now}
	lambda.Start(env.Adapter.Wrap("export", h.Serve))
}
