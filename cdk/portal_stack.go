package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// PortalStackProps configures the portal stack.
type PortalStackProps struct {
	awscdk.StackProps
	Settings Settings
	// PortalDir is the built portal (portal/dist); when it does not exist
	// the hosting is created empty.
	PortalDir string
}

// PortalStack hosts the doctor portal: a KMS-encrypted private bucket served
// only through CloudFront (origin access control) with security headers.
type PortalStack struct {
	awscdk.Stack
	Distribution awscloudfront.Distribution
	// Origin is the portal's origin (https://host), for CORS.
	Origin *string
}

// NewPortalStack creates the portal stack.
func NewPortalStack(scope constructs.Construct, id string, props *PortalStackProps) *PortalStack {
	s := props.Settings
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	p := &PortalStack{Stack: stack}

	// Server access logs and CloudFront standard logs. S3 log delivery
	// writes only to SSE-S3 buckets, and CloudFront's needs ACLs.
	logBucket := awss3.NewBucket(stack, jsii.String("Logs"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED,
		Versioned:         jsii.Bool(true),
		RemovalPolicy:     removal(s),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Expiration:                  awscdk.Duration_Days(jsii.Number(s.LogRetentionDays)),
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(1)),
		}},
	})
	suppress(logBucket,
		Suppression{Rule: "HIPAA.Security-S3DefaultEncryptionKMS", Reason: "S3 server access log delivery supports only SSE-S3 on the target bucket; it holds request metadata of static portal files, no PHI."},
		Suppression{Rule: "HIPAA.Security-S3BucketReplicationEnabled", Reason: "Access logs of static portal files, kept for the log retention only; a cross-region copy adds nothing to recovery."},
	)

	key := awskms.NewKey(stack, jsii.String("PortalKey"), &awskms.KeyProps{
		Description:       jsii.String(fmt.Sprintf("COPD Fuel %s: portal bucket", s.Name)),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removal(s),
	})
	site := awss3.NewBucket(stack, jsii.String("Site"), &awss3.BucketProps{
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          key,
		BucketKeyEnabled:       jsii.Bool(true),
		EnforceSSL:             jsii.Bool(true),
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:              jsii.Bool(true),
		ServerAccessLogsBucket: logBucket,
		ServerAccessLogsPrefix: jsii.String("s3/"),
		RemovalPolicy:          removal(s),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(30)),
		}},
	})
	suppress(site, Suppression{Rule: "HIPAA.Security-S3BucketReplicationEnabled",
		Reason: "The bucket holds only the built portal (no PHI), which is rebuilt and redeployed from source; versioning covers mistakes."})

	headers := awscloudfront.NewResponseHeadersPolicy(stack, jsii.String("SecurityHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String("COPD Fuel portal security headers"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(365)), IncludeSubdomains: jsii.Bool(true), Override: jsii.Bool(true),
			},
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: jsii.String(strings.Join([]string{
					"default-src 'self'",
					fmt.Sprintf("connect-src 'self' https://*.execute-api.%[1]s.amazonaws.com https://cognito-idp.%[1]s.amazonaws.com", *stack.Region()),
					"img-src 'self' data:", "script-src 'self'", "style-src 'self'", "object-src 'none'",
					"base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
				}, "; ")),
				Override: jsii.Bool(true),
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions:       &awscloudfront.ResponseHeadersFrameOptions{FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true)},
			ReferrerPolicy:     &awscloudfront.ResponseHeadersReferrerPolicy{ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_NO_REFERRER, Override: jsii.Bool(true)},
			XssProtection:      &awscloudfront.ResponseHeadersXSSProtection{Protection: jsii.Bool(true), ModeBlock: jsii.Bool(true), Override: jsii.Bool(true)},
		},
	})

	dist := &awscloudfront.DistributionProps{
		Comment: jsii.String("COPD Fuel " + s.Name + " portal"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(site, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			ResponseHeadersPolicy: headers,
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
		},
		DefaultRootObject: jsii.String("index.html"),
		// The portal routes on the client: unknown paths get the app.
		ErrorResponses: &[]*awscloudfront.ErrorResponse{
			{HttpStatus: jsii.Number(403), ResponseHttpStatus: jsii.Number(200), ResponsePagePath: jsii.String("/index.html")},
			{HttpStatus: jsii.Number(404), ResponseHttpStatus: jsii.Number(200), ResponsePagePath: jsii.String("/index.html")},
		},
		GeoRestriction: awscloudfront.GeoRestriction_Allowlist(*jsii.Strings(s.PortalGeoAllow...)...),
		HttpVersion:    awscloudfront.HttpVersion_HTTP2_AND_3,
		PriceClass:     awscloudfront.PriceClass_PRICE_CLASS_100,
		EnableLogging:  jsii.Bool(true),
		LogBucket:      logBucket,
		LogFilePrefix:  jsii.String("cloudfront/"),
	}
	if s.PortalDomain != "" {
		dist.DomainNames = jsii.Strings(s.PortalDomain)
		dist.Certificate = awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Certificate"), jsii.String(s.PortalCertificateArn))
		dist.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021
	}
	if s.PortalWebAclArn != "" {
		dist.WebAclId = jsii.String(s.PortalWebAclArn)
	}
	p.Distribution = awscloudfront.NewDistribution(stack, jsii.String("Distribution"), dist)
	// OAC on a KMS bucket: CDK scopes the key policy to every distribution
	// of the account (distribution/*) to avoid a key-bucket-distribution
	// cycle on first deploy. Accepted: the bucket holds static files only.
	awscdk.Annotations_Of(stack).AcknowledgeWarning(jsii.String("@aws-cdk/aws-cloudfront-origins:wildcardKeyPolicyForOac"),
		jsii.String("portal bucket holds static files, no PHI"))
	if s.PortalDomain == "" {
		suppressBoth(p.Distribution, "CFR4", "CloudFrontDistributionHttpsViewerNoOutdatedSSL",
			"Without portalDomain/portalCertificateArn the portal is served on its *.cloudfront.net name, whose default certificate cannot pin TLS 1.2; set both in cdk.json for a production domain.")
		suppress(p.Distribution, Suppression{Rule: "AwsSolutions-CFR4",
			Reason: "Without portalDomain/portalCertificateArn the portal is served on its *.cloudfront.net name, whose default certificate cannot pin TLS 1.2; set both in cdk.json for a production domain."})
	}
	if s.PortalWebAclArn == "" {
		suppress(p.Distribution, Suppression{Rule: "AwsSolutions-CFR2",
			Reason: "The portal is static files with no PHI; the API it calls has its own WAF. A CloudFront web ACL must live in us-east-1: set portalWebAclArn in cdk.json to attach one."})
	}
	if s.PortalDomain != "" {
		p.Origin = jsii.String("https://" + s.PortalDomain)
	} else {
		p.Origin = jsii.String("https://" + *p.Distribution.DistributionDomainName())
	}

	if st, err := os.Stat(props.PortalDir); err == nil && st.IsDir() {
		deployLogs := newLogGroup(stack, "DeployLogs", s, NewLogKey(stack, "LogKey", s), "")
		dep := awss3deployment.NewBucketDeployment(stack, jsii.String("Deploy"), &awss3deployment.BucketDeploymentProps{
			Sources:           &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(props.PortalDir), nil)},
			DestinationBucket: site,
			Distribution:      p.Distribution,
			DistributionPaths: jsii.Strings("/*"),
			MemoryLimit:       jsii.Number(512),
			Prune:             jsii.Bool(true),
			// config.json (the portal's runtime settings: API URL, doctor
			// pool and client ids, authFlow) is written into the bucket
			// from the Auth and Api stacks' outputs after they deploy
			// (docs/deploy.md); those stacks come after this one, so it
			// cannot be part of this deployment. Excluded, it is neither
			// uploaded from portal/dist nor pruned.
			Exclude:  jsii.Strings("config.json"),
			LogGroup: deployLogs,
		})
		_ = dep
		suppressDeployment(stack)
	}

	awscdk.NewCfnOutput(stack, jsii.String("PortalUrl"), &awscdk.CfnOutputProps{Value: p.Origin})
	// Where config.json goes, and what to invalidate after (docs/deploy.md).
	awscdk.NewCfnOutput(stack, jsii.String("PortalBucket"), &awscdk.CfnOutputProps{Value: site.BucketName()})
	awscdk.NewCfnOutput(stack, jsii.String("PortalDistributionId"), &awscdk.CfnOutputProps{Value: p.Distribution.DistributionId()})
	return p
}

// suppressDeployment accepts the findings on the CDK-provided function that
// copies the portal into its bucket at deploy time.
func suppressDeployment(stack awscdk.Stack) {
	const why = "CDK's BucketDeployment provider function runs only during CloudFormation deploys to copy the built portal (static files, no PHI) into its bucket; its code, runtime and role are CDK's."
	for _, c := range *stack.Node().Children() {
		if !strings.HasPrefix(*c.Node().Id(), "Custom::CDKBucketDeployment") {
			continue
		}
		suppressTree(c,
			Suppression{Rule: "AwsSolutions-IAM4", Reason: why + " It uses AWSLambdaBasicExecutionRole.", AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}},
			Suppression{Rule: "AwsSolutions-IAM5", Reason: why + " CDK grants it read on the asset bucket's objects, write on the portal bucket's objects (bucket/*), the portal key and CloudFront invalidations."},
			Suppression{Rule: "AwsSolutions-L1", Reason: why + " CDK pins its Python runtime."},
			Suppression{Rule: "HIPAA.Security-IAMNoInlinePolicy", Reason: why + " CDK writes its grants as the role's default policy."},
			Suppression{Rule: "HIPAA.Security-LambdaConcurrency", Reason: why + " It runs once per deploy."},
			Suppression{Rule: "HIPAA.Security-LambdaDLQ", Reason: why + " CloudFormation invokes it synchronously and reports failures itself."},
			Suppression{Rule: "HIPAA.Security-LambdaInsideVPC", Reason: why + " It must reach S3 and the CloudFront API, which has no VPC endpoint."},
		)
	}
}
