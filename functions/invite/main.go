// Command invite is the POST /invite Lambda: a doctor creates a single-use invite code (see handler.go).
package main

import (
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/config"
	"github.com/copdfuel/backend/pkg/fnenv"
)

func main() {
	fnenv.Start("invite", func(env *fnenv.Env) (apigw.HandlerFunc, error) {
		ttl, err := config.InviteTTL(env.Getenv)
		if err != nil {
			return nil, err
		}
		h := &Handler{Store: env.Store, Now: time.Now, TTL: ttl}
		return h.Serve, nil
	})
}
