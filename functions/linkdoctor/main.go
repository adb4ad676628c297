// Command linkdoctor is the POST /link-doctor Lambda: a patient links to the invite's doctor after consenting (see handler.go).
package main

import (
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/fnenv"
)

func main() {
	fnenv.Start("linkdoctor", func(env *fnenv.Env) (apigw.HandlerFunc, error) {
		h := &Handler{Store: env.Store, Now: time.Now}
		return h.Serve, nil
	})
}
