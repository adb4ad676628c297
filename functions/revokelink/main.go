// Command revokelink is the DELETE /links/{doctorId} Lambda: a patient revokes a doctor's link and consent (see handler.go).
package main

import (
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/fnenv"
)

func main() {
	fnenv.Start("revokelink", func(env *fnenv.Env) (apigw.HandlerFunc, error) {
		h := &Handler{Store: env.Store, Now: time.Now}
		return h.Serve, nil
	})
}
