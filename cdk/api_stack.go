package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/copdfuel/backend/pkg/config"
	"github.com/copdfuel/backend/pkg/route"
)

// ApiStackProps configures the API stack.
type ApiStackProps struct {
	awscdk.StackProps
	Settings Settings
	Core     *CoreStack
	Auth     *AuthStack
	// AllowOrigin is the portal's origin, for CORS and ALLOW_ORIGIN.
	AllowOrigin *string
	BuildDir    string
}

// ApiStack is the REST API: one function per function directory of the
// route table, the Cognito authorizer over both pools, logging, tracing,
// throttling and the WAF web ACL.
type ApiStack struct {
	awscdk.Stack
	Api       awsapigateway.RestApi
	Functions map[string]*Function
}

// StageName is the API's only stage; environments are separate stacks.
const StageName = "v1"

// accessLogFormat is the stage's access log line: ids, route template,
// status and latencies only. No path (it carries patient ids in the
// clear-text of a URL), no query string, no body, no IP or user agent.
const accessLogFormat = `{"requestId":"$context.requestId","time":"$context.requestTimeEpoch",` +
	`"method":"$context.httpMethod","resource":"$context.resourcePath","status":"$context.status",` +
	`"responseLength":"$context.responseLength","latencyMs":"$context.responseLatency",` +
	`"integrationLatencyMs":"$context.integration.latency","integrationStatus":"$context.integration.status",` +
	`"sub":"$context.authorizer.claims.sub","errorType":"$context.error.responseType",` +
	`"wafStatus":"$context.waf.status","traceId":"$context.xrayTraceId"}`

// NewApiStack creates the API stack.
func NewApiStack(scope constructs.Construct, id string, props *ApiStackProps) (*ApiStack, error) {
	s := props.Settings
	core, auth := props.Core, props.Auth
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	a := &ApiStack{Stack: stack, Functions: map[string]*Function{}}

	accessLogs := newLogGroup(stack, "AccessLogs", s, core.LogKey, "")
	cert := awsapigateway.NewCfnClientCertificate(stack, jsii.String("ClientCertificate"), &awsapigateway.CfnClientCertificateProps{
		Description: jsii.String("Lets integrations verify that calls come from this API"),
	})

	api := awsapigateway.NewRestApi(stack, jsii.String("Api"), &awsapigateway.RestApiProps{
		RestApiName:                 jsii.String("copdfuel-" + s.Name),
		Description:                 jsii.String("COPD Fuel " + s.Name + " API"),
		EndpointTypes:               &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		CloudWatchRole:              jsii.Bool(s.ApiGatewayAccountRole),
		CloudWatchRoleRemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String(StageName),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(accessLogs),
			AccessLogFormat:      awsapigateway.AccessLogFormat_Custom(jsii.String(accessLogFormat)),
			LoggingLevel:         awsapigateway.MethodLoggingLevel_ERROR,
			DataTraceEnabled:     jsii.Bool(false),
			MetricsEnabled:       jsii.Bool(true),
			TracingEnabled:       jsii.Bool(true),
			ThrottlingRateLimit:  jsii.Number(s.ThrottleRateLimit),
			ThrottlingBurstLimit: jsii.Number(s.ThrottleBurstLimit),
			ClientCertificateId:  cert.AttrClientCertificateId(),
		},
		DefaultCorsPreflightOptions: &awsapigateway.CorsOptions{
			AllowOrigins: &[]*string{props.AllowOrigin},
			AllowMethods: jsii.Strings("GET", "POST", "PUT", "DELETE", "OPTIONS"),
			AllowHeaders: jsii.Strings("Authorization", "Content-Type"),
			MaxAge:       awscdk.Duration_Hours(jsii.Number(1)),
		},
	})
	a.Api = api
	if s.ApiGatewayAccountRole {
		suppress(api.Node().FindChild(jsii.String("CloudWatchRole")), Suppression{
			Rule:      "AwsSolutions-IAM4",
			Reason:    "API Gateway's account-level CloudWatch role uses the AWS-managed AmazonAPIGatewayPushToCloudWatchLogs policy, the documented way to let API Gateway write execution logs; it grants logs only.",
			AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"},
		})
	}
	suppress(api.DeploymentStage(), Suppression{
		Rule:   "HIPAA.Security-APIGWCacheEnabledAndEncrypted",
		Reason: "Caching is off on purpose: every response is per-user PHI, and a stage cache keyed on anything but the caller would serve one patient's data to another.",
	})

	// API Gateway creates the execution log group itself, unencrypted and
	// kept forever; creating it first gives it the key and retention.
	execLogs := newLogGroup(stack, "ExecutionLogs", s, core.LogKey,
		fmt.Sprintf("API-Gateway-Execution-Logs_%s/%s", *api.RestApiId(), StageName))
	api.DeploymentStage().Node().AddDependency(execLogs)

	authorizer := awsapigateway.NewCognitoUserPoolsAuthorizer(stack, jsii.String("Authorizer"), &awsapigateway.CognitoUserPoolsAuthorizerProps{
		CognitoUserPools: &[]awscognito.IUserPool{auth.PatientPool, auth.DoctorPool},
		IdentitySource:   jsii.String("method.request.header.Authorization"),
	})
	validator := api.AddRequestValidator(jsii.String("Validator"), &awsapigateway.RequestValidatorOptions{
		ValidateRequestBody:       jsii.Bool(true),
		ValidateRequestParameters: jsii.Bool(true),
	})

	env := map[string]*string{
		config.EnvTable:            core.Table.TableName(),
		config.EnvPatientIssuer:    Issuer(auth.PatientPool),
		config.EnvPatientClientIDs: auth.PatientClient.UserPoolClientId(),
		config.EnvDoctorIssuer:     Issuer(auth.DoctorPool),
		config.EnvDoctorClientIDs:  auth.DoctorClient.UserPoolClientId(),
		config.EnvAllowOrigin:      props.AllowOrigin,
		config.EnvLogLevel:         jsii.String(s.LogLevel),
	}
	dlq := newDeadLetterQueue(stack, s)
	for _, r := range route.Routes {
		fn, ok := a.Functions[r.Function]
		if !ok {
			acc, ok := TableAccess[r.Function]
			if !ok {
				return nil, fmt.Errorf("function %q has no entry in TableAccess (cdk/access.go)", r.Function)
			}
			fn = NewFunction(stack, "Fn-"+r.Function, FunctionProps{
				Name: r.Function, BuildDir: props.BuildDir, Settings: s,
				Vpc: core.Vpc, Table: core.Table, DataKey: core.DataKey, LogKey: core.LogKey,
				DeadLetters: dlq, Access: acc, Env: env,
			})
			a.Functions[r.Function] = fn
		}
		params := map[string]*bool{}
		for _, seg := range strings.Split(strings.Trim(r.Path, "/"), "/") {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				params["method.request.path."+seg[1:len(seg)-1]] = jsii.Bool(true)
			}
		}
		api.Root().ResourceForPath(jsii.String(r.Path)).AddMethod(jsii.String(r.Method),
			awsapigateway.NewLambdaIntegration(fn.Fn, &awsapigateway.LambdaIntegrationOptions{
				Proxy:           jsii.Bool(true),
				AllowTestInvoke: jsii.Bool(false),
			}),
			&awsapigateway.MethodOptions{
				AuthorizationType: awsapigateway.AuthorizationType_COGNITO,
				Authorizer:        authorizer,
				RequestValidator:  validator,
				RequestParameters: &params,
			})
	}

	// API Gateway's own errors answer in the API's error shape with the
	// stable codes of route.GatewayResponses (the local gateway uses the
	// same table), with CORS headers so a browser can read them.
	cors := map[string]*string{}
	for k, v := range route.CORSHeaders(*props.AllowOrigin) {
		cors[k] = jsii.String("'" + v + "'")
	}
	for _, gr := range route.GatewayResponses {
		opts := &awsapigateway.GatewayResponseOptions{
			Type:            awsapigateway.ResponseType_Of(jsii.String(gr.Type)),
			ResponseHeaders: &cors,
			Templates:       &map[string]*string{"application/json": jsii.String(gr.Body("$context.requestId"))},
		}
		if gr.Status != 0 {
			opts.StatusCode = jsii.String(strconv.Itoa(gr.Status))
		}
		api.AddGatewayResponse(jsii.String("Gw"+gr.Type), opts)
	}

	newWebAcl(stack, s, core, api)
	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{Value: api.Url()})
	return a, nil
}

// newWebAcl protects the stage with AWS managed rules and a per-IP rate
// rule, and logs to a KMS-encrypted log group with the Authorization header
// and query strings redacted.
func newWebAcl(stack awscdk.Stack, s Settings, core *CoreStack, api awsapigateway.RestApi) {
	visibility := func(name string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true),
			MetricName:               jsii.String(name),
			// Sampled requests keep headers (tokens) in the console.
			SampledRequestsEnabled: jsii.Bool(false),
		}
	}
	managed := func(prio int, name string, overrides ...string) *awswafv2.CfnWebACL_RuleProperty {
		var ov []any
		for _, o := range overrides {
			ov = append(ov, &awswafv2.CfnWebACL_RuleActionOverrideProperty{
				Name:        jsii.String(o),
				ActionToUse: &awswafv2.CfnWebACL_RuleActionProperty{Count: map[string]any{}},
			})
		}
		st := &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{VendorName: jsii.String("AWS"), Name: jsii.String(name)}
		if len(ov) > 0 {
			st.RuleActionOverrides = &ov
		}
		return &awswafv2.CfnWebACL_RuleProperty{
			Name:             jsii.String(name),
			Priority:         jsii.Number(prio),
			OverrideAction:   &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
			Statement:        &awswafv2.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: st},
			VisibilityConfig: visibility(name),
		}
	}
	acl := awswafv2.NewCfnWebACL(stack, jsii.String("WebAcl"), &awswafv2.CfnWebACLProps{
		Scope:            jsii.String("REGIONAL"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: map[string]any{}},
		VisibilityConfig: visibility("copdfuel-" + s.Name),
		Rules: &[]any{
			&awswafv2.CfnWebACL_RuleProperty{
				Name:     jsii.String("RatePerIp"),
				Priority: jsii.Number(0),
				Action:   &awswafv2.CfnWebACL_RuleActionProperty{Block: map[string]any{}},
				Statement: &awswafv2.CfnWebACL_StatementProperty{RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
					AggregateKeyType: jsii.String("IP"),
					Limit:            jsii.Number(s.WafRateLimit),
				}},
				VisibilityConfig: visibility("RatePerIp"),
			},
			managed(1, "AWSManagedRulesAmazonIpReputationList"),
			// POST /sync bodies exceed the rule set's 8 KB body limit by
			// design; the function enforces its own limit.
			managed(2, "AWSManagedRulesCommonRuleSet", "SizeRestrictions_BODY"),
			managed(3, "AWSManagedRulesKnownBadInputsRuleSet"),
		},
	})
	awswafv2.NewCfnWebACLAssociation(stack, jsii.String("WebAclAssociation"), &awswafv2.CfnWebACLAssociationProps{
		ResourceArn: api.DeploymentStage().StageArn(),
		WebAclArn:   acl.AttrArn(),
	})

	// WAF requires the aws-waf-logs- prefix and an ARN without ":*".
	name := "aws-waf-logs-copdfuel-" + s.Name
	logs := newLogGroup(stack, "WafLogs", s, core.LogKey, name)
	cfg := awswafv2.NewCfnLoggingConfiguration(stack, jsii.String("WafLogging"), &awswafv2.CfnLoggingConfigurationProps{
		ResourceArn: acl.AttrArn(),
		LogDestinationConfigs: &[]any{stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: jsii.String(name),
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})},
		RedactedFields: &[]any{
			&awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]any{"Name": "authorization"}},
			&awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{QueryString: map[string]any{}},
		},
	})
	cfg.Node().AddDependency(logs)
}
