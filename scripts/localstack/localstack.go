// Package localstack starts the whole local system on 127.0.0.1: dynalite,
// cognito-local, the Lambda emulator running each function's bootstrap, and
// the gateway playing API Gateway (plus a static portal). It provisions the
// table and the pools, optionally seeds demo data through the API, and
// stops everything on Close. `make dev` (cmd/devstack) and the integration
// tests both use it; tests pass Dir = t.TempDir() and zero ports (free ones).
package localstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/copdfuel/backend/pkg/config"
	"github.com/copdfuel/backend/pkg/dynamo"
	"github.com/copdfuel/backend/pkg/route"
	"github.com/copdfuel/backend/pkg/standin"
	"github.com/copdfuel/backend/scripts/gateway"
	"github.com/copdfuel/backend/scripts/lambdalocal"
	"github.com/copdfuel/backend/scripts/provision"
	"github.com/copdfuel/backend/scripts/seed"
	"github.com/copdfuel/backend/scripts/signin"
)

// Options configure Start. Zero values give a stack on free ports whose
// state lives under Dir.
type Options struct {
	// Dir keeps the state: Dir/dynamodb (dynalite) and Dir/cognito
	// (cognito-local). Required.
	Dir string
	// Ports; 0 picks a free one.
	APIPort, PortalPort, LambdaPort, DynamoDBPort, CognitoPort int
	// BinDir holds <fn>/bootstrap for every function; default
	// <repository>/.local/bin (make build-local).
	BinDir string
	// Functions overrides the binary of a function by name (tests run a
	// test-only binary behind the real routes).
	Functions map[string]string
	// Triggers overrides route.Triggers: Cognito trigger -> function name.
	Triggers map[string]string
	// FunctionTimeout is every function's timeout; 0 means lambdalocal's default.
	FunctionTimeout time.Duration
	// PortalDir is served at the portal URL if it holds index.html; default
	// <repository>/portal/dist.
	PortalDir string
	// Seed creates the demo practice, users and SeedDays of records.
	Seed     bool
	SeedDays int
	// TOTPSecret is the demo doctor's TOTP secret from an earlier run.
	TOTPSecret string
	// Log receives progress lines, function output and the gateway's access
	// log; StandinLog the stand-ins' own output. nil discards.
	Log, StandinLog io.Writer
	// LogLevel is the functions' LOG_LEVEL; default info.
	LogLevel string
	// APIMiddleware wraps the gateway's handler (New puts the OpenAPI
	// validator of scripts/apispec there).
	APIMiddleware func(http.Handler) http.Handler
	// PortalIdleMinutes is the portal's idle sign-out in its config.json;
	// 0 means DefaultPortalIdleMinutes.
	PortalIdleMinutes int
	// DynamoDBProxy, if set, is put between the functions and dynalite:
	// it receives dynalite's endpoint and returns a handler that New serves
	// on a free port of 127.0.0.1, and the functions' AWS_ENDPOINT_URL_DYNAMODB
	// points there (scripts/ddbmeter counts calls and capacity this way).
	// The stack's own client (Stack.Dynamo) still talks to dynalite.
	DynamoDBProxy func(endpoint string) http.Handler
	// DocsHTML is the rendered API documentation the gateway serves at
	// /docs; default <repository>/.local/docs/index.html (make docs-html).
	// The document itself, <repository>/docs/openapi.yaml, is at /openapi.yaml.
	DocsHTML string
}

// Info is what clients need to talk to the stack; it is written to
// .local/dev.json by make dev.
type Info struct {
	APIURL          string      `json:"apiUrl"`
	CognitoEndpoint string      `json:"cognitoEndpoint"`
	PatientPoolID   string      `json:"patientPoolId"`
	PatientClientID string      `json:"patientClientId"`
	DoctorPoolID    string      `json:"doctorPoolId"`
	DoctorClientID  string      `json:"doctorClientId"`
	DemoPatient     Credentials `json:"demoPatient"`
	DemoDoctor      Credentials `json:"demoDoctor"`
	PortalURL       string      `json:"portalUrl"`
}

// Credentials of a demo user.
type Credentials struct {
	Email      string `json:"email"`
	Password   string `json:"password"`
	TOTPSecret string `json:"totpSecret,omitempty"`
}

// Step is one timed start-up step.
type Step struct {
	Name     string
	Duration time.Duration
}

// Stack is a running local stack.
type Stack struct {
	Info             Info
	DynamoDBEndpoint string
	LambdaEndpoint   string
	Table            string
	Dynamo           *dynamodb.Client
	Cognito          *cip.Client
	Lambda           *lambdalocal.Service
	Pools            provision.Pools
	Accounts         seed.Accounts
	// Seeded is the outcome of pushing the demo records (zero if not seeded).
	Seeded seed.PushResult
	// Linked says whether seeding made the demo link (false: it existed).
	Linked seed.LinkResult
	Steps  []Step
	// Missing lists functions without a binary (their routes answer 502,
	// their triggers are not configured).
	Missing []string
	// LogPath is the log file New writes (tests only).
	LogPath string

	log               io.Writer
	portalIdleMinutes int
	closers           []func()
	closeOnce         sync.Once
}

// RepoRoot finds the repository root: the nearest folder above the working
// folder holding go.work.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("localstack: go.work not found above the working folder")
		}
		dir = parent
	}
}

func listen(port int) (net.Listener, error) {
	return net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
}

func (s *Stack) logf(format string, args ...any) {
	fmt.Fprintf(s.log, "localstack: "+format+"\n", args...)
}

func (s *Stack) step(name string, start time.Time) {
	s.Steps = append(s.Steps, Step{Name: name, Duration: time.Since(start)})
}

// Start starts the stack. On error everything started is stopped again.
func Start(ctx context.Context, o Options) (_ *Stack, err error) {
	if o.Dir == "" {
		return nil, errors.New("localstack: Options.Dir is required")
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.LogLevel == "" {
		o.LogLevel = "info"
	}
	if o.SeedDays == 0 {
		o.SeedDays = 90
	}
	if o.PortalIdleMinutes == 0 {
		o.PortalIdleMinutes = DefaultPortalIdleMinutes
	}
	s := &Stack{log: &syncWriter{w: o.Log}, Table: provision.TableName, portalIdleMinutes: o.PortalIdleMinutes}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	root, rootErr := RepoRoot()
	if o.BinDir == "" {
		if rootErr != nil {
			return nil, rootErr
		}
		o.BinDir = filepath.Join(root, ".local", "bin")
	}
	if o.PortalDir == "" && rootErr == nil {
		o.PortalDir = filepath.Join(root, "portal", "dist")
	}
	if o.DocsHTML == "" && rootErr == nil {
		o.DocsHTML = filepath.Join(root, ".local", "docs", "index.html")
	}

	// Listeners first: cognito-local's config needs the Invoke API's
	// address, and the URLs are known before anything serves.
	apiLn, err := listen(o.APIPort)
	if err != nil {
		return nil, fmt.Errorf("localstack: API port: %w", err)
	}
	s.closers = append(s.closers, func() { apiLn.Close() })
	portalLn, err := listen(o.PortalPort)
	if err != nil {
		return nil, fmt.Errorf("localstack: portal port: %w", err)
	}
	s.closers = append(s.closers, func() { portalLn.Close() })
	lambdaLn, err := listen(o.LambdaPort)
	if err != nil {
		return nil, fmt.Errorf("localstack: Lambda port: %w", err)
	}
	s.closers = append(s.closers, func() { lambdaLn.Close() })
	s.LambdaEndpoint = "http://" + lambdaLn.Addr().String()
	s.Info.APIURL = "http://" + apiLn.Addr().String()
	s.Info.PortalURL = "http://" + portalLn.Addr().String() + "/"

	// Functions and triggers that have a binary.
	binary := func(fn string) string {
		if b, ok := o.Functions[fn]; ok {
			return b
		}
		return filepath.Join(o.BinDir, fn, "bootstrap")
	}
	var fns []string
	for _, fn := range route.Functions() {
		if _, err := os.Stat(binary(fn)); err != nil {
			s.Missing = append(s.Missing, fn)
			continue
		}
		fns = append(fns, fn)
	}
	triggers := map[string]string{}
	for _, t := range route.Triggers {
		triggers[t.Event] = t.Function
	}
	if o.Triggers != nil {
		triggers = o.Triggers
	}
	for ev, fn := range triggers {
		if _, err := os.Stat(binary(fn)); err != nil {
			delete(triggers, ev)
			s.Missing = append(s.Missing, fn)
		}
	}

	// The stand-ins, in parallel.
	t0 := time.Now()
	var ddb, cog *standin.Process
	var ddbErr, cogErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		ddb, ddbErr = standin.Dynalite(ctx, standin.DynaliteOptions{Port: o.DynamoDBPort, Dir: filepath.Join(o.Dir, "dynamodb"), Log: o.StandinLog})
	}()
	go func() {
		defer wg.Done()
		cog, cogErr = standin.CognitoLocal(ctx, standin.CognitoOptions{Port: o.CognitoPort, Dir: filepath.Join(o.Dir, "cognito"),
			LambdaEndpoint: s.LambdaEndpoint, Triggers: triggers, Code: seed.ConfirmationCode, Log: o.StandinLog})
	}()
	wg.Wait()
	if ddb != nil {
		s.closers = append(s.closers, ddb.Stop)
	}
	if cog != nil {
		s.closers = append(s.closers, cog.Stop)
	}
	if err := errors.Join(ddbErr, cogErr); err != nil {
		return nil, err
	}
	s.step("stand-ins (dynalite, cognito-local)", t0)
	s.DynamoDBEndpoint = ddb.Endpoint
	s.Info.CognitoEndpoint = cog.Endpoint
	s.Dynamo = dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(ddb.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	s.Cognito = signin.Client(cog.Endpoint)

	t0 = time.Now()
	wg.Add(1)
	var tableErr error
	go func() { defer wg.Done(); tableErr = provision.Table(ctx, s.Dynamo, s.Table) }()
	s.Pools, err = provision.UserPools(ctx, s.Cognito)
	wg.Wait()
	if err = errors.Join(err, tableErr); err != nil {
		return nil, err
	}
	s.Info.PatientPoolID, s.Info.PatientClientID = s.Pools.PatientPoolID, s.Pools.PatientClientID
	s.Info.DoctorPoolID, s.Info.DoctorClientID = s.Pools.DoctorPoolID, s.Pools.DoctorClientID
	s.step("table and pools", t0)

	// The functions, configured as the CDK app configures them.
	t0 = time.Now()
	fnDynamo := ddb.Endpoint
	if o.DynamoDBProxy != nil {
		ln, err := listen(0)
		if err != nil {
			return nil, fmt.Errorf("localstack: DynamoDB proxy port: %w", err)
		}
		srv := &http.Server{Handler: o.DynamoDBProxy(ddb.Endpoint), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		s.closers = append(s.closers, func() { srv.Close() })
		fnDynamo = "http://" + ln.Addr().String()
	}
	env := map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB":                  fnDynamo,
		config.EnvTable:                              s.Table,
		config.EnvPatientIssuer:                      s.Issuer(s.Pools.PatientPoolID),
		config.EnvPatientClientIDs:                   s.Pools.PatientClientID,
		config.EnvDoctorIssuer:                       s.Issuer(s.Pools.DoctorPoolID),
		config.EnvDoctorClientIDs:                    s.Pools.DoctorClientID,
		config.EnvAllowOrigin:                        "*",
		config.EnvLogLevel:                           o.LogLevel,
		"COPD_LOCAL_STACK":                           "1",
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": cog.Endpoint,
	}
	var specs []lambdalocal.Function
	for _, fn := range fns {
		specs = append(specs, lambdalocal.Function{Name: fn, Binary: binary(fn), Timeout: o.FunctionTimeout})
	}
	for _, fn := range triggers {
		if !containsString(fns, fn) {
			specs = append(specs, lambdalocal.Function{Name: fn, Binary: binary(fn), Timeout: o.FunctionTimeout})
			fns = append(fns, fn)
		}
	}
	s.Lambda, err = lambdalocal.Start(ctx, lambdalocal.Options{Functions: specs, Env: env, Log: s.log})
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.Lambda.Stop)
	s.step(fmt.Sprintf("functions (%d warm)", len(specs)), t0)

	serve := func(ln net.Listener, h http.Handler) {
		// ReadTimeout: a client that announces a body and stalls is cut off
		// (API Gateway would too) instead of holding a connection forever.
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		s.closers = append(s.closers, func() {
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		})
	}
	serve(lambdaLn, s.Lambda)
	var api http.Handler = &gateway.Gateway{
		Authorizer: &gateway.Authorizer{Pools: []gateway.Pool{
			{Issuer: s.Issuer(s.Pools.PatientPoolID), ClientIDs: []string{s.Pools.PatientClientID}},
			{Issuer: s.Issuer(s.Pools.DoctorPoolID), ClientIDs: []string{s.Pools.DoctorClientID}},
		}},
		Lambda:      s.Lambda,
		AllowOrigin: "*",
		Stage:       "local",
		Log:         s.log,
		Docs:        gateway.DocsHandler(filepath.Join(root, "docs", "openapi.yaml"), o.DocsHTML),
	}
	if o.APIMiddleware != nil {
		api = o.APIMiddleware(api)
	}
	serve(apiLn, api)
	serve(portalLn, PortalHandler(s.PortalConfig(), gateway.Static(o.PortalDir)))

	s.Info.DemoPatient = Credentials{Email: seed.PatientEmail, Password: seed.PatientPassword}
	s.Info.DemoDoctor = Credentials{Email: seed.DoctorEmail, Password: seed.DoctorPassword, TOTPSecret: o.TOTPSecret}
	if o.Seed {
		if err := s.seed(ctx, o); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Stack) seed(ctx context.Context, o Options) error {
	t0 := time.Now()
	store := dynamo.New(s.Dynamo, s.Table)
	acc, err := seed.Users(ctx, s.Cognito, s.Pools, store, o.TOTPSecret)
	if err != nil {
		return err
	}
	s.Accounts = acc
	s.Info.DemoDoctor.TOTPSecret = acc.DoctorTOTPSecret
	s.step("demo users and profiles", t0)
	if containsString(s.Missing, "sync") {
		s.logf("functions/sync has no binary: demo records not pushed")
		return nil
	}
	t0 = time.Now()
	tok, err := s.SignIn(ctx, false, seed.PatientEmail, seed.PatientPassword, "")
	if err != nil {
		return err
	}
	recs := seed.Records(time.Now(), o.SeedDays)
	s.Seeded, err = seed.Push(ctx, &http.Client{Timeout: 60 * time.Second}, s.Info.APIURL, tok, recs, 100)
	if err != nil {
		return err
	}
	s.step(fmt.Sprintf("demo records (%d through POST /sync)", len(recs)), t0)
	for _, fn := range []string{"invite", "consent", "linkdoctor", "me"} {
		if containsString(s.Missing, fn) {
			s.logf("functions/%s has no binary: demo link not made", fn)
			return nil
		}
	}
	t0 = time.Now()
	docTok, err := s.SignIn(ctx, true, seed.DoctorEmail, seed.DoctorPassword, acc.DoctorTOTPSecret)
	if err != nil {
		return err
	}
	if s.Linked, err = seed.Link(ctx, &http.Client{Timeout: 30 * time.Second}, s.Info.APIURL, docTok, tok, acc.DoctorSub); err != nil {
		return err
	}
	s.step("demo link (invite, consent, link through the API)", t0)
	return nil
}

// Issuer is the iss of a local pool's tokens.
func (s *Stack) Issuer(poolID string) string {
	return strings.TrimSuffix(s.Info.CognitoEndpoint, "/") + "/" + poolID
}

// SignIn signs a user in to the patient pool (doctor false) or the doctor
// pool and returns the ID token. A doctor needs the TOTP secret.
func (s *Stack) SignIn(ctx context.Context, doctor bool, email, password, totpSecret string) (string, error) {
	client := s.Pools.PatientClientID
	if doctor {
		client = s.Pools.DoctorClientID
	}
	t, err := signin.Password(ctx, s.Cognito, client, email, password, totpSecret)
	return t.IDToken, err
}

// Close stops everything, in reverse order of start. It is safe to call
// more than once.
func (s *Stack) Close() {
	s.closeOnce.Do(func() {
		for i := len(s.closers) - 1; i >= 0; i-- {
			s.closers[i]()
		}
	})
}

func containsString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// syncWriter serialises writes from the gateway, the emulator and progress.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}
