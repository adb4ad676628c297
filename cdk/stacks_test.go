package main

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/config"
	"github.com/copdfuel/backend/pkg/keys"
	"github.com/copdfuel/backend/pkg/route"
)

func TestNag_NoUnsuppressedFindings(t *testing.T) {
	s := mustSynth(t)
	for _, f := range Blocking(s.findings) {
		t.Errorf("%s", f)
	}
}

// TestNag_Suppressions lists every cdk-nag suppression of the dev
// environment. A new suppression fails this test until it is added here,
// so it is seen in review. Each must carry a reason.
func TestNag_Suppressions(t *testing.T) {
	want := []string{
		"Api/Api/CloudWatchRole AwsSolutions-IAM4",
		"Api/Api/DeploymentStage.v1 HIPAA.Security-APIGWCacheEnabledAndEncrypted",
		"Auth/PatientPool AwsSolutions-COG2",
		"Auth/Trigger-" + triggerName() + "/Policy AwsSolutions-IAM5",
		"Core/BackupPlan/Table/Role AwsSolutions-IAM4",
		"Portal/Distribution AwsSolutions-CFR2",
		"Portal/Distribution AwsSolutions-CFR4",
		"Portal/Distribution HIPAA.Security-CloudFrontDistributionHttpsViewerNoOutdatedSSL",
		"Portal/Logs HIPAA.Security-S3BucketReplicationEnabled",
		"Portal/Logs HIPAA.Security-S3DefaultEncryptionKMS",
		"Portal/Site HIPAA.Security-S3BucketReplicationEnabled",
	}
	for _, r := range []string{"AwsSolutions-IAM4", "AwsSolutions-IAM5", "AwsSolutions-L1", "HIPAA.Security-IAMNoInlinePolicy",
		"HIPAA.Security-LambdaConcurrency", "HIPAA.Security-LambdaDLQ", "HIPAA.Security-LambdaInsideVPC"} {
		want = append(want, "Portal/Custom::CDKBucketDeployment "+r)
	}
	// Every API function's policy has the same reviewed IAM5 suppression.
	seen := map[string]bool{}
	for _, r := range route.Routes {
		if !seen[r.Function] {
			seen[r.Function] = true
			want = append(want, "Api/Fn-"+r.Function+"/Policy AwsSolutions-IAM5")
		}
	}
	sort.Strings(want)

	var got []string
	for _, stack := range []string{"Core", "Auth", "Api", "Portal"} {
		name := StackName("dev", stack)
		seen := map[string]bool{}
		for _, r := range stackTemplate(t, name)["Resources"].(map[string]any) {
			path, _ := get(r, "Metadata", "aws:cdk:path").(string)
			path = strings.TrimPrefix(path, name+"/")
			path = strings.TrimSuffix(path, "/Resource")
			// One construct's suppressions land on each of its resources;
			// list them once, at the construct.
			if i := strings.Index(path, "Custom::CDKBucketDeployment"); i >= 0 {
				path = "Custom::CDKBucketDeployment"
			}
			list, _ := get(r, "Metadata", "cdk_nag", "rules_to_suppress").([]any)
			for _, x := range list {
				id, _ := get(x, "id").(string)
				reason, _ := get(x, "reason").(string)
				if len(strings.TrimSpace(reason)) < 20 {
					t.Errorf("%s %s: reason %q is not a reason", path, id, reason)
				}
				key := stack + "/" + path + " " + id
				if !seen[key] {
					seen[key] = true
					got = append(got, key)
				}
			}
		}
	}
	sort.Strings(got)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("suppressions (-want +got):\n%s", d)
	}
}

func triggerName() string {
	if len(route.Triggers) > 0 {
		return route.Triggers[0].Function
	}
	return testTrigger
}

func TestCognito_Pools(t *testing.T) {
	pools := resources(t, "AWS::Cognito::UserPool")
	if len(pools) != 2*3 {
		t.Fatalf("%d user pools, want 2 per environment", len(pools))
	}
	for _, id := range sortedIDs(pools) {
		p := props(pools[id])
		name, _ := p["UserPoolName"].(string)
		t.Run(name, func(t *testing.T) {
			got := map[string]any{
				"mfa":            p["MfaConfiguration"],
				"factors":        strs(p["EnabledMfas"]),
				"adminOnly":      get(p, "AdminCreateUserConfig", "AllowAdminCreateUserOnly"),
				"caseSensitive":  get(p, "UsernameConfiguration", "CaseSensitive"),
				"tier":           p["UserPoolTier"],
				"minLength":      get(p, "Policies", "PasswordPolicy", "MinimumLength"),
				"aliases":        strs(p["UsernameAttributes"]),
				"autoVerified":   strs(p["AutoVerifiedAttributes"]),
				"threatProtects": get(p, "UserPoolAddOns", "AdvancedSecurityMode") != nil || p["UserPoolAddOns"] != nil,
			}
			want := map[string]any{
				"mfa": "ON", "factors": []string{"SOFTWARE_TOKEN_MFA"}, "adminOnly": true,
				"caseSensitive": false, "tier": "PLUS", "minLength": float64(12),
				"aliases": []string{"email"}, "autoVerified": []string{"email"}, "threatProtects": true,
			}
			if strings.HasSuffix(name, "-patients") {
				want["mfa"], want["adminOnly"] = "OPTIONAL", false
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestCognito_DoctorTokensAtMostAnHour(t *testing.T) {
	for _, id := range sortedIDs(resources(t, "AWS::Cognito::UserPoolClient")) {
		c := props(resources(t, "AWS::Cognito::UserPoolClient")[id])
		if c["ClientName"] != "portal" {
			continue
		}
		units, _ := c["TokenValidityUnits"].(map[string]any)
		for _, k := range []string{"IdToken", "AccessToken"} {
			v, _ := c[k+"Validity"].(float64)
			if units[k] != "minutes" || v > 60 || v <= 0 {
				t.Errorf("%s: %sValidity %v %v, want at most 60 minutes", id, k, v, units)
			}
		}
		if c["GenerateSecret"] == true {
			t.Errorf("%s: the portal client must have no secret", id)
		}
	}
}

func TestCognito_PostConfirmationTrigger(t *testing.T) {
	for _, id := range sortedIDs(resources(t, "AWS::Cognito::UserPool")) {
		p := props(resources(t, "AWS::Cognito::UserPool")[id])
		_, has := get(p, "LambdaConfig", "PostConfirmation").(map[string]any)
		if patients := strings.HasSuffix(p["UserPoolName"].(string), "-patients"); has != patients {
			t.Errorf("%s: post-confirmation trigger %v, want %v", id, has, patients)
		}
	}
}

func TestTable_FromKeysEncryptedWithCMKAndPITR(t *testing.T) {
	tables := resources(t, "AWS::DynamoDB::Table")
	if len(tables) != 3 {
		t.Fatalf("%d tables, want one per environment", len(tables))
	}
	for _, id := range sortedIDs(tables) {
		r := tables[id]
		p := props(r)
		retain := !strings.Contains(id, "-dev-")
		got := map[string]any{
			"sse":      get(p, "SSESpecification", "SSEType"),
			"cmk":      get(p, "SSESpecification", "KMSMasterKeyId", "Fn::GetAtt") != nil,
			"pitr":     get(p, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"),
			"billing":  p["BillingMode"],
			"keys":     keySchema(p["KeySchema"]),
			"indexes":  indexNames(p),
			"deletion": p["DeletionProtectionEnabled"] == true,
			"retain":   r["DeletionPolicy"] == "Retain",
		}
		want := map[string]any{
			"sse": "KMS", "cmk": true, "pitr": true, "billing": "PAY_PER_REQUEST",
			"keys":     keys.Table.PartitionKey + " " + keys.Table.SortKey,
			"indexes":  []string{keys.Inverted, keys.ByDate},
			"deletion": retain, "retain": retain,
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", id, d)
		}
	}
}

func keySchema(v any) string {
	var out []string
	for _, k := range v.([]any) {
		out = append(out, get(k, "AttributeName").(string))
	}
	return strings.Join(out, " ")
}

func indexNames(p map[string]any) []string {
	var out []string
	for _, k := range []string{"GlobalSecondaryIndexes", "LocalSecondaryIndexes"} {
		l, _ := p[k].([]any)
		for _, ix := range l {
			out = append(out, get(ix, "IndexName").(string))
		}
	}
	sort.Strings(out)
	return out
}

func TestBackup_TableSelected(t *testing.T) {
	if n := len(resources(t, "AWS::Backup::BackupSelection")); n != 3 {
		t.Errorf("%d backup selections, want one per environment", n)
	}
	for id, v := range resources(t, "AWS::Backup::BackupVault") {
		if props(v)["EncryptionKeyArn"] == nil {
			t.Errorf("%s: vault without the customer-managed key", id)
		}
	}
}

func TestLogs_EveryLogGroupHasRetentionAndKey(t *testing.T) {
	groups := resources(t, "AWS::Logs::LogGroup")
	if len(groups) == 0 {
		t.Fatal("no log groups")
	}
	for _, id := range sortedIDs(groups) {
		p := props(groups[id])
		if d, _ := p["RetentionInDays"].(float64); d <= 0 {
			t.Errorf("%s: no retention", id)
		}
		if p["KmsKeyId"] == nil {
			t.Errorf("%s: no KMS key", id)
		}
	}
}

func TestKMS_EveryKeyRotates(t *testing.T) {
	for id, k := range resources(t, "AWS::KMS::Key") {
		if props(k)["EnableKeyRotation"] != true {
			t.Errorf("%s: rotation off", id)
		}
	}
}

// lambdaBase is what every function's policy holds besides table access.
var lambdaBase = []string{
	"ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
	"ec2:DescribeNetworkInterfaces", "ec2:UnassignPrivateIpAddresses",
	"logs:CreateLogStream", "logs:PutLogEvents", "sqs:SendMessage",
	"xray:PutTelemetryRecords", "xray:PutTraceSegments",
}

func TestIAM_FunctionActions(t *testing.T) {
	intended := map[string][]string{
		"sync": {"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem",
			"dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
			"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"},
		"me": {"dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query", "kms:Decrypt", "kms:DescribeKey"},
		// The doctor views read PHI and only append audit entries.
		"overview": {"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
			"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"},
		"accesslog": {"dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query", "kms:Decrypt", "kms:DescribeKey"},
	}
	policies := resources(t, "AWS::IAM::ManagedPolicy")
	byFn := map[string][]string{} // "<env> <fn>" -> actions
	for _, id := range sortedIDs(policies) {
		path, _ := get(policies[id], "Metadata", "aws:cdk:path").(string)
		parts := strings.Split(path, "/") // CopdFuel-dev-Api/Fn-sync/Policy/Resource
		if len(parts) != 4 || parts[2] != "Policy" {
			continue
		}
		fn, ok := strings.CutPrefix(parts[1], "Fn-")
		if !ok {
			fn, ok = strings.CutPrefix(parts[1], "Trigger-")
		}
		if !ok {
			continue
		}
		env := strings.Split(parts[0], "-")[1]
		var actions []string
		for _, st := range get(props(policies[id]), "PolicyDocument", "Statement").([]any) {
			actions = append(actions, strs(get(st, "Action"))...)
		}
		sort.Strings(actions)
		byFn[env+" "+fn] = actions
	}
	for _, env := range []string{"dev", "prod", "staging"} {
		for _, fn := range route.Functions() {
			t.Run(env+"/"+fn, func(t *testing.T) {
				got, ok := byFn[env+" "+fn]
				if !ok {
					t.Fatalf("no managed policy for %s in %s", fn, env)
				}
				table, ok := intended[fn]
				if !ok { // a function added since this test was written
					a := TableAccess[fn]
					table = append(a.TableActions(), a.KeyActions()...)
				}
				want := append(append([]string(nil), lambdaBase...), table...)
				sort.Strings(want)
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("actions (-want +got):\n%s", d)
				}
			})
		}
	}
}

// TestIAM_NoWildcardActionsNoInlinePolicies checks every IAM policy of the
// app, except the CDK-provided portal deployment function's (suppressed
// with reasons, see TestNag_Suppressions).
func TestIAM_NoWildcardActionsNoInlinePolicies(t *testing.T) {
	check := func(id string, doc any) {
		for _, st := range get(doc, "Statement").([]any) {
			for _, a := range strs(get(st, "Action")) {
				if strings.Contains(a, "*") {
					t.Errorf("%s: wildcard action %s", id, a)
				}
			}
		}
	}
	for id, r := range resources(t, "AWS::IAM::ManagedPolicy") {
		if !isCDKProvided(id) {
			check(id, get(props(r), "PolicyDocument"))
		}
	}
	for id := range resources(t, "AWS::IAM::Policy") {
		if !isCDKProvided(id) {
			t.Errorf("%s: inline policy (HIPAA IAMNoInlinePolicy); grant through managePolicies", id)
		}
	}
	for id, r := range resources(t, "AWS::IAM::Role") {
		if p := props(r)["Policies"]; p != nil && !isCDKProvided(id) {
			t.Errorf("%s: inline policies in the role", id)
		}
	}
}

func TestLambda_HouseDefaults(t *testing.T) {
	apiEnv := []string{config.EnvAllowOrigin, config.EnvDoctorClientIDs, config.EnvDoctorIssuer, config.EnvLogLevel,
		config.EnvPatientClientIDs, config.EnvPatientIssuer, config.EnvTable}
	sort.Strings(apiEnv)
	for id, r := range resources(t, "AWS::Lambda::Function") {
		if isCDKProvided(id) {
			continue
		}
		p := props(r)
		got := map[string]any{
			"runtime": p["Runtime"], "arch": strs(p["Architectures"]), "handler": p["Handler"],
			"tracing":  get(p, "TracingConfig", "Mode"),
			"reserved": p["ReservedConcurrentExecutions"] != nil,
			"vpc":      get(p, "VpcConfig", "SubnetIds") != nil,
			"dlq":      get(p, "DeadLetterConfig", "TargetArn") != nil,
			"logGroup": get(p, "LoggingConfig", "LogGroup") != nil,
		}
		want := map[string]any{"runtime": "provided.al2023", "arch": []string{"arm64"}, "handler": "bootstrap",
			"tracing": "Active", "reserved": true, "vpc": true, "dlq": true, "logGroup": true}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", id, d)
		}
		vars, _ := get(p, "Environment", "Variables").(map[string]any)
		var names []string
		for k := range vars {
			names = append(names, k)
		}
		sort.Strings(names)
		want2 := apiEnv
		if strings.Contains(id, "-Auth/") {
			want2 = []string{config.EnvLogLevel, config.EnvTable}
		}
		if d := cmp.Diff(want2, names); d != "" {
			t.Errorf("%s env (-want +got):\n%s", id, d)
		}
	}
}

func TestLambda_IssuerIsPoolURL(t *testing.T) {
	for id, r := range resources(t, "AWS::Lambda::Function") {
		v := get(props(r), "Environment", "Variables", config.EnvPatientIssuer)
		if v == nil {
			continue
		}
		b, _ := json.Marshal(v)
		if !strings.Contains(string(b), `"https://cognito-idp."`) || !strings.Contains(string(b), `".amazonaws.com/"`) {
			t.Errorf("%s: %s=%s, want https://cognito-idp.<region>.amazonaws.com/<poolId>", id, config.EnvPatientIssuer, b)
		}
	}
}

// apiPaths rebuilds each API Gateway resource's full path from the template.
func apiPaths(t *testing.T) map[string]string {
	res := resources(t, "AWS::ApiGateway::Resource")
	paths := map[string]string{}
	var walk func(id string) string
	walk = func(id string) string {
		r, ok := res[id]
		if !ok {
			return ""
		}
		stack := strings.SplitN(id, "/", 2)[0]
		parent, _ := get(props(r), "ParentId", "Ref").(string)
		return walk(stack+"/"+parent) + "/" + props(r)["PathPart"].(string)
	}
	for id := range res {
		paths[id] = walk(id)
	}
	return paths
}

func TestApi_EveryRouteHasTheAuthorizer(t *testing.T) {
	paths := apiPaths(t)
	authorizers := resources(t, "AWS::ApiGateway::Authorizer")
	for id, a := range authorizers {
		p := props(a)
		if p["Type"] != "COGNITO_USER_POOLS" || len(p["ProviderARNs"].([]any)) != 2 {
			t.Errorf("%s: want a Cognito authorizer over both pools, got %v", id, p)
		}
	}
	got := map[string][]string{}
	for id, m := range resources(t, "AWS::ApiGateway::Method") {
		p := props(m)
		stack := strings.SplitN(id, "/", 2)[0]
		method := p["HttpMethod"].(string)
		if method == "OPTIONS" {
			continue // CORS preflight carries no token, by the CORS spec
		}
		ref, _ := get(p, "ResourceId", "Ref").(string)
		path := paths[stack+"/"+ref]
		auth, _ := get(p, "AuthorizerId", "Ref").(string)
		if p["AuthorizationType"] != "COGNITO_USER_POOLS" || authorizers[stack+"/"+auth] == nil {
			t.Errorf("%s %s %s: no Cognito authorizer", stack, method, path)
		}
		if p["RequestValidatorId"] == nil {
			t.Errorf("%s %s %s: no request validator", stack, method, path)
		}
		got[stack] = append(got[stack], method+" "+path)
	}
	var want []string
	for _, r := range route.Routes {
		want = append(want, r.Method+" "+r.Path)
	}
	sort.Strings(want)
	for stack, g := range got {
		sort.Strings(g)
		if d := cmp.Diff(want, g); d != "" {
			t.Errorf("%s routes (-route table +deployed):\n%s", stack, d)
		}
	}
	if len(got) != 3 {
		t.Errorf("routes in %d stacks, want 3", len(got))
	}
}

// TestApi_GatewayResponses: every API Gateway error of route.GatewayResponses
// is configured in every environment with its status, the API's error body
// (the same the local gateway sends) and CORS headers.
func TestApi_GatewayResponses(t *testing.T) {
	type got struct{ Status, Body string }
	seen := map[string]int{}
	for id, r := range resources(t, "AWS::ApiGateway::GatewayResponse") {
		p := props(r)
		typ := p["ResponseType"].(string)
		seen[typ]++
		for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Headers", "Access-Control-Allow-Methods", "Access-Control-Expose-Headers"} {
			if get(p, "ResponseParameters", "gatewayresponse.header."+h) == nil {
				t.Errorf("%s: no %s", id, h)
			}
		}
		gr := route.Gateway(typ)
		want := got{Body: gr.Body("$context.requestId")}
		if gr.Status != 0 {
			want.Status = strconv.Itoa(gr.Status)
		}
		status, _ := p["StatusCode"].(string)
		body, _ := get(p, "ResponseTemplates", "application/json").(string)
		if d := cmp.Diff(want, got{status, body}); d != "" {
			t.Errorf("%s %s (-want +got):\n%s", id, typ, d)
		}
	}
	want := map[string]int{}
	for _, gr := range route.GatewayResponses {
		want[gr.Type] = 3
	}
	if d := cmp.Diff(want, seen); d != "" {
		t.Errorf("gateway responses per type (-want +got):\n%s", d)
	}
}

func TestApi_Stage(t *testing.T) {
	for id, r := range resources(t, "AWS::ApiGateway::Stage") {
		p := props(r)
		ms := p["MethodSettings"].([]any)[0]
		got := map[string]any{
			"tracing": p["TracingEnabled"], "level": get(ms, "LoggingLevel"), "dataTrace": get(ms, "DataTraceEnabled"),
			"throttled": get(ms, "ThrottlingRateLimit") != nil && get(ms, "ThrottlingBurstLimit") != nil,
			"cert":      p["ClientCertificateId"] != nil,
		}
		want := map[string]any{"tracing": true, "level": "ERROR", "dataTrace": false, "throttled": true, "cert": true}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", id, d)
		}
		format, _ := get(p, "AccessLogSetting", "Format").(string)
		for _, bad := range []string{"$context.path", "sourceIp", "userAgent", "querystring", "$input"} {
			if strings.Contains(format, bad) {
				t.Errorf("%s: access log format has %s, which can carry PHI", id, bad)
			}
		}
	}
}

func TestWAF_ManagedRulesRateRuleAndLogging(t *testing.T) {
	for id, r := range resources(t, "AWS::WAFv2::WebACL") {
		var names []string
		for _, rule := range props(r)["Rules"].([]any) {
			names = append(names, get(rule, "Name").(string))
			if get(rule, "Statement", "RateBasedStatement", "Limit") != nil && get(rule, "Action", "Block") == nil {
				t.Errorf("%s: rate rule does not block", id)
			}
		}
		want := []string{"AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "RatePerIp"}
		sort.Strings(names)
		if d := cmp.Diff(want, names); d != "" {
			t.Errorf("%s rules (-want +got):\n%s", id, d)
		}
	}
	if n := len(resources(t, "AWS::WAFv2::WebACLAssociation")); n != 3 {
		t.Errorf("%d web ACL associations, want 3", n)
	}
	if n := len(resources(t, "AWS::WAFv2::LoggingConfiguration")); n != 3 {
		t.Errorf("%d WAF logging configurations, want 3", n)
	}
}

func TestPortal_BucketsTLSOnlyEncryptedPrivate(t *testing.T) {
	for id, r := range resources(t, "AWS::S3::Bucket") {
		p := props(r)
		if get(p, "PublicAccessBlockConfiguration", "RestrictPublicBuckets") != true {
			t.Errorf("%s: public access not blocked", id)
		}
		alg := get(p, "BucketEncryption", "ServerSideEncryptionConfiguration").([]any)[0]
		if strings.Contains(id, "/Site") && get(alg, "ServerSideEncryptionByDefault", "SSEAlgorithm") != "aws:kms" {
			t.Errorf("%s: site bucket not KMS-encrypted", id)
		}
	}
	policies := resources(t, "AWS::S3::BucketPolicy")
	for id, r := range policies {
		b, _ := json.Marshal(props(r))
		if !strings.Contains(string(b), `"aws:SecureTransport":"false"`) {
			t.Errorf("%s: no TLS-only deny", id)
		}
	}
	for id, r := range resources(t, "AWS::CloudFront::Distribution") {
		dc := get(props(r), "DistributionConfig")
		if get(dc, "DefaultCacheBehavior", "ViewerProtocolPolicy") != "redirect-to-https" ||
			get(dc, "DefaultCacheBehavior", "ResponseHeadersPolicyId") == nil {
			t.Errorf("%s: want HTTPS redirect and the security headers policy", id)
		}
		if o := get(dc, "Origins").([]any)[0]; get(o, "OriginAccessControlId") == nil {
			t.Errorf("%s: origin without OAC", id)
		}
	}
}
