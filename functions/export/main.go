// Command export is the GET /patients/{id}/export Lambda: a linked
// patient's records for a doctor, page by page, as CSV, JSON or a FHIR R4
// Bundle (see handler.go).
package main

import (
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/fnenv"
)

func main() {
	fnenv.Start("export", func(env *fnenv.Env) (apigw.HandlerFunc, error) {
		h := &Handler{Store: env.Store, PageSize: copd.ExportPageRecords, Now: time.Now}
		return h.Serve, nil
	})
}
