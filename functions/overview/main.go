// Command overview is the GET /patients/{id}/overview Lambda: a doctor's
// COPD summary of one linked patient over a window of days (see handler.go).
package main

import (
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/config"
	"github.com/copdfuel/backend/pkg/fnenv"
)

func main() {
	fnenv.Start("overview", func(env *fnenv.Env) (apigw.HandlerFunc, error) {
		opts, err := config.Thresholds(env.Getenv)
		if err != nil {
			return nil, err
		}
		h := &Handler{Store: env.Store, Options: opts, Now: time.Now}
		return h.Serve, nil
	})
}
