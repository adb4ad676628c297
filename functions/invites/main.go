// Command invites is the GET /invites Lambda: a doctor's open invites, for the portal (see handler.go).
package main

import (
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/fnenv"
)

func main() {
	fnenv.Start("invites", func(env *fnenv.Env) (apigw.HandlerFunc, error) {
		h := &Handler{Store: env.Store, Now: time.Now}
		return h.Serve, nil
	})
}
