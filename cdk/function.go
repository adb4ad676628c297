package main

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/copdfuel/backend/pkg/keys"
)

// FunctionProps configures a Go Lambda function with the house defaults.
type FunctionProps struct {
	// Name is the function's directory under functions/ and build/.
	Name string
	// BuildDir holds <Name>/bootstrap, built by `make build`.
	BuildDir string
	Settings Settings
	Vpc      awsec2.IVpc
	Table    awsdynamodb.ITable
	DataKey  awskms.IKey
	LogKey   awskms.IKey
	// DeadLetters receives failed asynchronous invocations.
	DeadLetters awssqs.IQueue
	Access      Access
	Env         map[string]*string
}

// Function is a Go Lambda function (provided.al2023, arm64, the
// Makefile-built bootstrap) with its own role, whose only permissions are
// its declared table access, its own log group, X-Ray and the VPC's network
// interfaces, all in one customer-managed policy.
type Function struct {
	constructs.Construct
	Fn     awslambda.Function
	Role   awsiam.Role
	Policy awsiam.ManagedPolicy
}

// CheckAssets reports every function whose bootstrap is missing or is not a
// linux/arm64 executable, so synth fails with one clear message instead of
// a CDK stack trace or a function that cannot start.
func CheckAssets(buildDir string, functions []string) error {
	var missing, wrong []string
	for _, f := range functions {
		p := filepath.Join(buildDir, f, "bootstrap")
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
			missing = append(missing, p)
			continue
		}
		if err := checkArm64(p); err != nil {
			wrong = append(wrong, fmt.Sprintf("%s (%v)", p, err))
		}
	}
	var problems []string
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("missing Lambda bootstrap binaries %v", missing))
	}
	if len(wrong) > 0 {
		problems = append(problems, fmt.Sprintf("not linux/arm64 executables: %v", wrong))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: run `make build` first", strings.Join(problems, "; "))
	}
	return nil
}

// checkArm64 reports whether a file is an ELF executable for arm64 Linux.
func checkArm64(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return errors.New("not an ELF file")
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.Class != elf.ELFCLASS64 {
		return fmt.Errorf("machine %v", f.Machine)
	}
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Errorf("type %v", f.Type)
	}
	return nil
}

// NewFunction creates a function. Every grant to its role happens here, and
// the role's policy is sealed at the end (see managePolicies).
func NewFunction(scope constructs.Construct, id string, p FunctionProps) *Function {
	c := constructs.NewConstruct(scope, jsii.String(id))
	f := &Function{Construct: c}
	s := p.Settings

	f.Role = newServiceRole(c, "Role", "lambda.amazonaws.com", "Execution role of the "+p.Name+" function")
	logs := newLogGroup(c, "Logs", s, p.LogKey, "")

	env := map[string]*string{}
	for k, v := range p.Env {
		env[k] = v
	}
	f.Fn = awslambda.NewFunction(c, jsii.String("Function"), &awslambda.FunctionProps{
		Description:                  jsii.String(fmt.Sprintf("COPD Fuel %s: %s", s.Name, p.Name)),
		Runtime:                      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:                 awslambda.Architecture_ARM_64(),
		Handler:                      jsii.String("bootstrap"),
		Code:                         awslambda.Code_FromAsset(jsii.String(filepath.Join(p.BuildDir, p.Name)), nil),
		Role:                         f.Role,
		MemorySize:                   jsii.Number(s.FunctionMemoryMB),
		Timeout:                      awscdk.Duration_Seconds(jsii.Number(s.FunctionTimeoutSeconds)),
		ReservedConcurrentExecutions: jsii.Number(s.ReservedConcurrency),
		Tracing:                      awslambda.Tracing_ACTIVE,
		LogGroup:                     logs,
		Vpc:                          p.Vpc,
		VpcSubnets:                   &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED},
		DeadLetterQueue:              p.DeadLetters,
		Environment:                  &env,
	})
	logs.GrantWrite(f.Role)

	// Lambda creates the function's network interfaces with the execution
	// role; these actions take no resource ARNs.
	f.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("VpcNetworkInterfaces"),
		Actions: jsii.Strings("ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
			"ec2:DescribeNetworkInterfaces", "ec2:UnassignPrivateIpAddresses"),
		Resources: jsii.Strings("*"),
	}))

	if a := p.Access.TableActions(); len(a) > 0 {
		// table.Grant would add table/index/*; naming the table and each
		// index of keys.Table instead leaves no wildcard to justify.
		awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
			Grantee:      f.Role,
			Actions:      jsii.Strings(a...),
			ResourceArns: tableArns(p.Table),
		})
		p.DataKey.Grant(f.Role, *jsii.Strings(p.Access.KeyActions()...)...)
	}

	f.Policy = managePolicies(c, "Policy", f.Role)
	// Lambda checks the role's network permissions when it creates the
	// function, so the policy must exist first.
	f.Fn.Node().AddDependency(f.Policy)
	suppress(f.Policy, Suppression{
		Rule: "AwsSolutions-IAM5",
		Reason: "Resource * only where the API has no resource-level permissions: " +
			"X-Ray PutTraceSegments/PutTelemetryRecords and the EC2 network-interface actions Lambda needs to attach to the VPC.",
		AppliesTo: []string{"Resource::*"},
	})
	return f
}

// tableArns returns the ARNs of the table and of each of its indexes.
func tableArns(t awsdynamodb.ITable) *[]*string {
	arns := []*string{t.TableArn()}
	for _, ix := range keys.Table.Indexes {
		arns = append(arns, jsii.String(*t.TableArn()+"/index/"+ix.Name))
	}
	return &arns
}

// sortedKeys returns a map's keys in order, for stable output.
func sortedKeys[V any](m map[string]V) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	sort.Strings(k)
	return k
}
