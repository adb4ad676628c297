// Command consent is the POST /consent Lambda: a patient's consent to share with the invite's doctor (see handler.go).
package main

import (
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/fnenv"
)

func main() {
	fnenv.Start("consent", func(env *fnenv.Env) (apigw.HandlerFunc, error) {
		h := &Handler{Store: env.Store, Now: time.Now}
		return h.Serve, nil
	})
}
