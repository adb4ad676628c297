// Command invitepreview is the GET /invites/{code} Lambda: who is inviting, for the patient's consent screen (see handler.go).
package main

import (
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/fnenv"
)

func main() {
	fnenv.Start("invitepreview", func(env *fnenv.Env) (apigw.HandlerFunc, error) {
		h := &Handler{Store: env.Store, Now: time.Now}
		return h.Serve, nil
	})
}
