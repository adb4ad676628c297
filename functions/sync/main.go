// Command sync is the POST /sync Lambda: a patient's phone upserts a batch of
// health records (see handler.go and docs/openapi.yaml).
package main

import (
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/fnenv"
)

func main() {
	fnenv.Start("sync", func(env *fnenv.Env) (apigw.HandlerFunc, error) {
		h := &Handler{Records: env.Store, Now: time.Now, Parallel: 16}
		return h.Serve, nil
	})
}
