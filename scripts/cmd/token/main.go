// Command token signs a user in against the local stack and prints their ID
// token, for curl (README "Five minutes with the local stack"). It reads
// the stack's addresses and the demo credentials from .local/dev.json and
// answers the doctor pool's TOTP challenge from the demo doctor's secret.
//
//	go run ./cmd/token patient                 # the demo patient
//	go run ./cmd/token doctor                  # the demo doctor (TOTP)
//	go run ./cmd/token -email E -password P patient
//	go run ./cmd/token -email E -password P -totp SECRET doctor
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/copdfuel/backend/scripts/localstack"
	"github.com/copdfuel/backend/scripts/signin"
)

func main() {
	email := flag.String("email", "", "sign in as this user instead of the demo user")
	password := flag.String("password", "", "the user's password")
	secret := flag.String("totp", "", "a doctor's TOTP secret (default: the demo doctor's)")
	devJSON := flag.String("dev", "", "path of dev.json (default: <repository>/.local/dev.json, or $COPD_LOCAL_DIR/dev.json)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: token [-email E -password P [-totp SECRET]] patient|doctor")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || (flag.Arg(0) != "patient" && flag.Arg(0) != "doctor") {
		flag.Usage()
		os.Exit(2)
	}
	tok, err := run(flag.Arg(0) == "doctor", *email, *password, *secret, *devJSON)
	if err != nil {
		fmt.Fprintln(os.Stderr, "token:", err)
		os.Exit(1)
	}
	fmt.Println(tok)
}

func run(doctor bool, email, password, secret, path string) (string, error) {
	if path == "" {
		dir := os.Getenv("COPD_LOCAL_DIR")
		if dir == "" {
			root, err := localstack.RepoRoot()
			if err != nil {
				return "", err
			}
			dir = filepath.Join(root, ".local")
		}
		path = filepath.Join(dir, "dev.json")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%w (is make dev running?)", err)
	}
	var info localstack.Info
	if err := json.Unmarshal(b, &info); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	demo, client := info.DemoPatient, info.PatientClientID
	if doctor {
		demo, client = info.DemoDoctor, info.DoctorClientID
	}
	if email == "" {
		email, password = demo.Email, demo.Password
		if secret == "" {
			secret = demo.TOTPSecret
		}
	}
	if password == "" {
		return "", errors.New("-password is required with -email")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	t, err := signin.Password(ctx, signin.Client(info.CognitoEndpoint), client, email, password, secret)
	if err != nil {
		return "", err
	}
	return t.IDToken, nil
}
