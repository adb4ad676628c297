// Command admin creates practices and doctors (see scripts/admin). By
// default it works on the local stack (make dev), reading .local/dev.json;
// with --table, --doctor-pool-id and --region it works on a deployed
// environment with the usual AWS credentials (AWS_PROFILE, ...).
//
//	make admin ARGS="practice --id harbour --name 'Harbour Lung Clinic'"
//	make admin ARGS="doctor --email dr.lee@harbour.example --name 'Dr Lee' --practice harbour"
//	go run ./scripts/cmd/admin --table copd-fuel-prod --doctor-pool-id eu-west-1_AbC --region eu-west-1 doctor ...
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

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/copdfuel/backend/pkg/dynamo"
	"github.com/copdfuel/backend/scripts/admin"
	"github.com/copdfuel/backend/scripts/localstack"
	"github.com/copdfuel/backend/scripts/provision"
	"github.com/copdfuel/backend/scripts/signin"
)

func usage() {
	fmt.Fprint(os.Stderr, `usage: admin [global flags] practice --id ID --name NAME [--address ADDRESS]
       admin [global flags] doctor --email EMAIL --name "DISPLAY NAME" --practice ID [--temp-password P]

Global flags (all three for a deployed environment; none for the local stack):
  --table NAME            the DynamoDB table
  --doctor-pool-id ID     the doctor user pool
  --region REGION         the AWS region
  --send-email            let Cognito email the temporary password (deployed only)
Running a command twice creates nothing twice.
`)
}

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	g := flag.NewFlagSet("admin", flag.ContinueOnError)
	g.Usage = usage
	table := g.String("table", "", "")
	poolID := g.String("doctor-pool-id", "", "")
	region := g.String("region", "", "")
	sendEmail := g.Bool("send-email", false, "")
	if err := g.Parse(args); err != nil {
		return err
	}
	if g.NArg() == 0 {
		usage()
		return errors.New("no command")
	}
	a := &admin.Admin{Now: time.Now, SendEmail: *sendEmail}
	if *table == "" && *poolID == "" && *region == "" {
		info, err := localInfo()
		if err != nil {
			return err
		}
		a.DoctorPoolID = info.DoctorPoolID
		a.Cognito = signin.Client(info.CognitoEndpoint)
		port := os.Getenv("COPD_DYNAMODB_PORT")
		if port == "" {
			port = "4567"
		}
		a.Store = dynamo.New(dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:" + port),
			Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}), provision.TableName)
		a.SendEmail = false
	} else {
		if *table == "" || *poolID == "" || *region == "" {
			return errors.New("--table, --doctor-pool-id and --region go together")
		}
		cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(*region))
		if err != nil {
			return err
		}
		a.DoctorPoolID, a.Cognito, a.Store = *poolID, cip.NewFromConfig(cfg), dynamo.New(dynamodb.NewFromConfig(cfg), *table)
	}
	cmd, rest := g.Arg(0), g.Args()[1:]
	f := flag.NewFlagSet(cmd, flag.ContinueOnError)
	f.Usage = usage
	switch cmd {
	case "practice":
		id, name, address := f.String("id", "", ""), f.String("name", "", ""), f.String("address", "", "")
		if err := f.Parse(rest); err != nil {
			return err
		}
		p, created, err := a.CreatePractice(ctx, *id, *name, *address)
		if err != nil {
			return err
		}
		fmt.Printf("practice %s %q (%s)\n", p.PracticeID, p.Name, map[bool]string{true: "created", false: "exists"}[created])
	case "doctor":
		email, name, practice, temp := f.String("email", "", ""), f.String("name", "", ""), f.String("practice", "", ""), f.String("temp-password", "", "")
		if err := f.Parse(rest); err != nil {
			return err
		}
		d, err := a.CreateDoctor(ctx, *email, *name, *practice, *temp)
		if err != nil {
			return err
		}
		fmt.Printf("doctor %s (sub %s) in practice %s\n", *email, d.Sub, d.Profile.PracticeID)
		if d.TemporaryPassword != "" {
			fmt.Printf("temporary password: %s\n(the doctor sets a new password and enrols TOTP at the first sign-in)\n", d.TemporaryPassword)
		} else {
			fmt.Println("the doctor already existed in the pool: nothing created there")
		}
	default:
		usage()
		return fmt.Errorf("unknown command %q", cmd)
	}
	return nil
}

// localInfo reads .local/dev.json (COPD_LOCAL_DIR moves .local).
func localInfo() (localstack.Info, error) {
	dir := os.Getenv("COPD_LOCAL_DIR")
	if dir == "" {
		root, err := localstack.RepoRoot()
		if err != nil {
			return localstack.Info{}, err
		}
		dir = filepath.Join(root, ".local")
	}
	b, err := os.ReadFile(filepath.Join(dir, "dev.json"))
	if err != nil {
		return localstack.Info{}, fmt.Errorf("no local stack (%v): start it with make dev, or pass --table, --doctor-pool-id and --region", err)
	}
	var info localstack.Info
	if err := json.Unmarshal(b, &info); err != nil {
		return localstack.Info{}, err
	}
	return info, nil
}
