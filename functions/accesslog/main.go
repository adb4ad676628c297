// Command accesslog is the GET /me/access-log Lambda: who read or exported
// the calling patient's data, and when (see handler.go).
package main

import (
	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/fnenv"
)

func main() {
	fnenv.Start("accesslog", func(env *fnenv.Env) (apigw.HandlerFunc, error) {
		h := &Handler{Store: env.Store}
		return h.Serve, nil
	})
}
