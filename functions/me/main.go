// Command me is the GET /me Lambda: the caller's profile (see handler.go).
package main

import (
	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/fnenv"
)

func main() {
	fnenv.Start("me", func(env *fnenv.Env) (apigw.HandlerFunc, error) {
		h := &Handler{Users: env.Store}
		return h.Serve, nil
	})
}
