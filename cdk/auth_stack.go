package main

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/copdfuel/backend/pkg/config"
	"github.com/copdfuel/backend/pkg/route"
)

// AuthStackProps configures the auth stack.
type AuthStackProps struct {
	awscdk.StackProps
	Settings Settings
	Core     *CoreStack
	BuildDir string
}

// AuthStack holds the two user pools (DESIGN.md section 1), their app
// clients and the Cognito trigger functions of route.Triggers.
type AuthStack struct {
	awscdk.Stack
	PatientPool   awscognito.UserPool
	DoctorPool    awscognito.UserPool
	PatientClient awscognito.UserPoolClient
	DoctorClient  awscognito.UserPoolClient
	Triggers      map[string]*Function
}

// NewAuthStack creates the auth stack.
func NewAuthStack(scope constructs.Construct, id string, props *AuthStackProps) (*AuthStack, error) {
	s := props.Settings
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	a := &AuthStack{Stack: stack, Triggers: map[string]*Function{}}

	password := &awscognito.PasswordPolicy{
		MinLength:            jsii.Number(12),
		RequireLowercase:     jsii.Bool(true),
		RequireUppercase:     jsii.Bool(true),
		RequireDigits:        jsii.Bool(true),
		RequireSymbols:       jsii.Bool(true),
		TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
	}
	common := func(p *awscognito.UserPoolProps) *awscognito.UserPoolProps {
		p.SignInAliases = &awscognito.SignInAliases{Email: jsii.Bool(true)}
		p.SignInCaseSensitive = jsii.Bool(false)
		p.AutoVerify = &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)}
		p.StandardAttributes = &awscognito.StandardAttributes{
			Email: &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
		}
		p.MfaSecondFactor = &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)}
		p.PasswordPolicy = password
		p.AccountRecovery = awscognito.AccountRecovery_EMAIL_ONLY
		p.FeaturePlan = awscognito.FeaturePlan_PLUS
		p.StandardThreatProtectionMode = awscognito.StandardThreatProtectionMode(s.ThreatProtection)
		p.DeletionProtection = jsii.Bool(s.Retain)
		p.RemovalPolicy = removal(s)
		return p
	}

	// Patients sign themselves up; TOTP is theirs to turn on.
	a.PatientPool = awscognito.NewUserPool(stack, jsii.String("PatientPool"), common(&awscognito.UserPoolProps{
		UserPoolName:      jsii.String(fmt.Sprintf("copdfuel-%s-patients", s.Name)),
		SelfSignUpEnabled: jsii.Bool(true),
		Mfa:               awscognito.Mfa_OPTIONAL,
	}))
	suppress(a.PatientPool, Suppression{
		Rule: "AwsSolutions-COG2",
		Reason: "Patients sign themselves up on a phone and MFA is optional for them by design (DESIGN.md section 1); " +
			"TOTP is offered, the Plus tier's threat protection covers risky sign-ins, and no patient can read another's data.",
	})

	// Doctors are created by the admin command only, and must use TOTP.
	a.DoctorPool = awscognito.NewUserPool(stack, jsii.String("DoctorPool"), common(&awscognito.UserPoolProps{
		UserPoolName:      jsii.String(fmt.Sprintf("copdfuel-%s-doctors", s.Name)),
		SelfSignUpEnabled: jsii.Bool(false),
		Mfa:               awscognito.Mfa_REQUIRED,
	}))

	flows := &awscognito.AuthFlow{UserSrp: jsii.Bool(true), UserPassword: jsii.Bool(s.PasswordAuth)}
	a.PatientClient = a.PatientPool.AddClient(jsii.String("MobileClient"), &awscognito.UserPoolClientOptions{
		UserPoolClientName:         jsii.String("mobile"),
		GenerateSecret:             jsii.Bool(false),
		AuthFlows:                  flows,
		DisableOAuth:               jsii.Bool(true),
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		IdTokenValidity:            awscdk.Duration_Minutes(jsii.Number(s.PatientTokenMinutes)),
		AccessTokenValidity:        awscdk.Duration_Minutes(jsii.Number(s.PatientTokenMinutes)),
		RefreshTokenValidity:       awscdk.Duration_Days(jsii.Number(s.PatientRefreshDays)),
	})
	a.DoctorClient = a.DoctorPool.AddClient(jsii.String("PortalClient"), &awscognito.UserPoolClientOptions{
		UserPoolClientName:         jsii.String("portal"),
		GenerateSecret:             jsii.Bool(false),
		AuthFlows:                  flows,
		DisableOAuth:               jsii.Bool(true),
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		IdTokenValidity:            awscdk.Duration_Minutes(jsii.Number(s.DoctorTokenMinutes)),
		AccessTokenValidity:        awscdk.Duration_Minutes(jsii.Number(s.DoctorTokenMinutes)),
		RefreshTokenValidity:       awscdk.Duration_Hours(jsii.Number(s.DoctorRefreshHours)),
	})

	if len(route.Triggers) > 0 {
		dlq := newDeadLetterQueue(stack, s)
		for _, t := range route.Triggers {
			op, err := triggerOperation(t.Event)
			if err != nil {
				return nil, err
			}
			acc, ok := TableAccess[t.Function]
			if !ok {
				return nil, fmt.Errorf("function %q has no entry in TableAccess (cdk/access.go)", t.Function)
			}
			// A trigger gets no issuer: the patient pool's id would make the
			// pool and its own trigger depend on each other. The event
			// carries the pool id (userPoolId) instead.
			fn := NewFunction(stack, "Trigger-"+t.Function, FunctionProps{
				Name: t.Function, BuildDir: props.BuildDir, Settings: s,
				Vpc: props.Core.Vpc, Table: props.Core.Table, DataKey: props.Core.DataKey, LogKey: props.Core.LogKey,
				DeadLetters: dlq, Access: acc,
				Env: map[string]*string{
					config.EnvTable:    props.Core.Table.TableName(),
					config.EnvLogLevel: jsii.String(s.LogLevel),
				},
			})
			a.PatientPool.AddTrigger(op, fn.Fn, awscognito.LambdaVersion_V1_0)
			a.Triggers[t.Function] = fn
		}
	}

	awscdk.NewCfnOutput(stack, jsii.String("PatientPoolId"), &awscdk.CfnOutputProps{Value: a.PatientPool.UserPoolId()})
	awscdk.NewCfnOutput(stack, jsii.String("PatientClientId"), &awscdk.CfnOutputProps{Value: a.PatientClient.UserPoolClientId()})
	awscdk.NewCfnOutput(stack, jsii.String("DoctorPoolId"), &awscdk.CfnOutputProps{Value: a.DoctorPool.UserPoolId()})
	awscdk.NewCfnOutput(stack, jsii.String("DoctorClientId"), &awscdk.CfnOutputProps{Value: a.DoctorClient.UserPoolClientId()})
	return a, nil
}

// Issuer is the iss claim of a pool's tokens, which the functions compare
// with (config.EnvPatientIssuer, config.EnvDoctorIssuer).
func Issuer(pool awscognito.UserPool) *string {
	st := awscdk.Stack_Of(pool)
	return jsii.String(fmt.Sprintf("https://cognito-idp.%s.amazonaws.com/%s", *st.Region(), *pool.UserPoolId()))
}

// triggerOperation maps a route.Trigger event (e.g. PostConfirmation) to the
// Cognito operation.
func triggerOperation(event string) (awscognito.UserPoolOperation, error) {
	known := map[string]bool{"PreSignUp": true, "PostConfirmation": true, "PreAuthentication": true,
		"PostAuthentication": true, "PreTokenGeneration": true, "CustomMessage": true}
	if !known[event] {
		return nil, fmt.Errorf("route.Triggers: unknown Cognito trigger event %q", event)
	}
	r := []rune(event)
	r[0] = unicode.ToLower(r[0])
	return awscognito.UserPoolOperation_Of(jsii.String(strings.TrimSpace(string(r)))), nil
}

// newDeadLetterQueue is where a stack's functions send failed asynchronous
// invocations (HIPAA LambdaDLQ). API Gateway and Cognito invoke them
// synchronously, so it should stay empty.
func newDeadLetterQueue(scope constructs.Construct, s Settings) awssqs.Queue {
	return awssqs.NewQueue(scope, jsii.String("DeadLetters"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		RemovalPolicy:   removal(s),
	})
}
