// Command devstack runs the whole backend locally (make dev): dynalite,
// cognito-local, every function's bootstrap behind the Lambda emulator, and
// the gateway playing API Gateway, on 127.0.0.1. It provisions the table and
// the pools, seeds the demo practice, users and 90 days of records through
// the API, writes .local/dev.json and runs until Ctrl-C.
//
// Ports default to fixed values and can be overridden: COPD_API_PORT (3000),
// COPD_LAMBDA_PORT (3001), COPD_PORTAL_PORT (3002), COPD_DYNAMODB_PORT
// (4567), COPD_COGNITO_PORT (9229). State lives in COPD_LOCAL_DIR (.local).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/scripts/localstack"
)

func main() {
	start := time.Now()
	once := flag.Bool("once", false, "start, seed, print, then stop (a smoke test)")
	noSeed := flag.Bool("no-seed", false, "do not create demo users and records")
	days := flag.Int("days", 90, "days of demo records")
	flag.Parse()
	if err := run(start, *once, !*noSeed, *days); err != nil {
		fmt.Fprintln(os.Stderr, "devstack:", err)
		os.Exit(1)
	}
}

func port(env string, def int) (int, error) {
	v := os.Getenv(env)
	if v == "" {
		return def, nil
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 0 || p > 65535 {
		return 0, fmt.Errorf("%s=%q is not a port", env, v)
	}
	return p, nil
}

func run(start time.Time, once, seed bool, days int) error {
	root, err := localstack.RepoRoot()
	if err != nil {
		return err
	}
	dir := os.Getenv("COPD_LOCAL_DIR")
	if dir == "" {
		dir = filepath.Join(root, ".local")
	}
	o := localstack.Options{Dir: dir, Seed: seed, SeedDays: days, Log: os.Stdout}
	for _, p := range []struct {
		env string
		def int
		dst *int
	}{
		{"COPD_API_PORT", 3000, &o.APIPort}, {"COPD_LAMBDA_PORT", 3001, &o.LambdaPort},
		{"COPD_PORTAL_PORT", 3002, &o.PortalPort}, {"COPD_DYNAMODB_PORT", 4567, &o.DynamoDBPort},
		{"COPD_COGNITO_PORT", 9229, &o.CognitoPort},
	} {
		if *p.dst, err = port(p.env, p.def); err != nil {
			return err
		}
	}
	devJSON := filepath.Join(dir, "dev.json")
	var prev localstack.Info
	if b, err := os.ReadFile(devJSON); err == nil {
		_ = json.Unmarshal(b, &prev)
		o.TOTPSecret = prev.DemoDoctor.TOTPSecret
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o700); err != nil {
		return err
	}
	standinLog, err := os.OpenFile(filepath.Join(dir, "logs", "standins.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer standinLog.Close()
	o.StandinLog = standinLog

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := localstack.Start(ctx, o)
	if err != nil {
		return err
	}
	defer s.Close()
	b, _ := json.MarshalIndent(s.Info, "", "  ")
	if err := os.WriteFile(devJSON, append(b, '\n'), 0o600); err != nil {
		return err
	}
	ready := time.Since(start)

	fmt.Printf("\nCOPD Fuel local stack (state in %s; stand-in logs in %s)\n", dir, standinLog.Name())
	fmt.Printf("  API          %s\n", s.Info.APIURL)
	fmt.Printf("  portal       %s\n", s.Info.PortalURL)
	fmt.Printf("  Cognito      %s  patients %s (client %s), doctors %s (client %s)\n", s.Info.CognitoEndpoint,
		s.Info.PatientPoolID, s.Info.PatientClientID, s.Info.DoctorPoolID, s.Info.DoctorClientID)
	fmt.Printf("  DynamoDB     %s  table %s\n", s.DynamoDBEndpoint, s.Table)
	fmt.Printf("  Lambda       %s  functions %v\n", s.LambdaEndpoint, s.Lambda.Names())
	if len(s.Missing) > 0 {
		fmt.Printf("  not built    %v (their routes answer 502; run make build-local)\n", s.Missing)
	}
	if seed {
		fmt.Printf("  demo patient %s / %s\n", s.Info.DemoPatient.Email, s.Info.DemoPatient.Password)
		fmt.Printf("  demo doctor  %s / %s  TOTP secret %s\n", s.Info.DemoDoctor.Email, s.Info.DemoDoctor.Password, s.Info.DemoDoctor.TOTPSecret)
		if s.Seeded.Requests > 0 {
			fmt.Printf("  seeded       %s in %d requests (%s)\n", counts(s.Seeded.Counts), s.Seeded.Requests, latency(s.Seeded.Latencies))
		}
	}
	fmt.Printf("  written      %s\n", devJSON)
	fmt.Printf("\nstart-up:\n")
	for _, st := range s.Steps {
		fmt.Printf("  %-45s %6d ms\n", st.Name, st.Duration.Milliseconds())
	}
	fmt.Printf("  %-45s %6d ms\n", "ready (since devstack started)", ready.Milliseconds())
	if once {
		return nil
	}
	fmt.Printf("\nready; Ctrl-C stops everything\n\n")
	<-ctx.Done()
	fmt.Println("\nstopping...")
	return nil
}

func counts(m map[copd.SyncStatus]int) string {
	var keys []string
	total := 0
	for k, v := range m {
		keys = append(keys, fmt.Sprintf("%d %s", v, k))
		total += v
	}
	sort.Strings(keys)
	return fmt.Sprintf("%d records: %v", total, keys)
}

func latency(ls []time.Duration) string {
	if len(ls) == 0 {
		return ""
	}
	s := append([]time.Duration(nil), ls...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return fmt.Sprintf("per 100-record request: median %d ms, max %d ms", s[len(s)/2].Milliseconds(), s[len(s)-1].Milliseconds())
}
