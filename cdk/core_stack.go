package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbackup"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/copdfuel/backend/pkg/keys"
)

// CoreStackProps configures the core stack.
type CoreStackProps struct {
	awscdk.StackProps
	Settings Settings
}

// CoreStack holds what is stateful or shared: the customer-managed keys, the
// table and its backups, and the VPC the functions run in.
type CoreStack struct {
	awscdk.Stack
	// DataKey encrypts the table and its backups.
	DataKey awskms.Key
	// LogKey encrypts every log group of the environment.
	LogKey awskms.Key
	Table  awsdynamodb.Table
	Vpc    awsec2.Vpc
}

// NewCoreStack creates the core stack.
func NewCoreStack(scope constructs.Construct, id string, props *CoreStackProps) *CoreStack {
	s := props.Settings
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	c := &CoreStack{Stack: stack}

	c.DataKey = awskms.NewKey(stack, jsii.String("DataKey"), &awskms.KeyProps{
		Description:       jsii.String(fmt.Sprintf("COPD Fuel %s: table and backups (PHI)", s.Name)),
		Alias:             jsii.String(fmt.Sprintf("alias/copdfuel-%s-data", s.Name)),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removal(s),
	})
	c.LogKey = NewLogKey(stack, "LogKey", s)

	c.Table = newTable(stack, s, c.DataKey)
	newTableBackup(stack, s, c.DataKey, c.Table)
	c.Vpc = newVpc(stack, s, c.LogKey)
	return c
}

// removal is the removal policy of stateful resources in an environment.
func removal(s Settings) awscdk.RemovalPolicy {
	if s.Retain {
		return awscdk.RemovalPolicy_RETAIN
	}
	return awscdk.RemovalPolicy_DESTROY
}

// NewLogKey creates a key that CloudWatch Logs in this account and region may
// use for log groups of this account and region only.
func NewLogKey(scope constructs.Construct, id string, s Settings) awskms.Key {
	stack := awscdk.Stack_Of(scope)
	key := awskms.NewKey(scope, jsii.String(id), &awskms.KeyProps{
		Description:       jsii.String(fmt.Sprintf("COPD Fuel %s: CloudWatch log groups", s.Name)),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removal(s),
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogs"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(fmt.Sprintf("logs.%s.amazonaws.com", *stack.Region())), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{
			"ArnLike": map[string]any{
				"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:%s:logs:%s:%s:*", *stack.Partition(), *stack.Region(), *stack.Account()),
			},
		},
	}), nil)
	return key
}

// newLogGroup creates a log group encrypted with the log key, with the
// environment's retention.
func newLogGroup(scope constructs.Construct, id string, s Settings, key awskms.IKey, name string) awslogs.LogGroup {
	props := &awslogs.LogGroupProps{
		EncryptionKey: key,
		Retention:     retention(s.LogRetentionDays),
		RemovalPolicy: removal(s),
	}
	if name != "" {
		props.LogGroupName = jsii.String(name)
	}
	return awslogs.NewLogGroup(scope, jsii.String(id), props)
}

func retention(days int) awslogs.RetentionDays {
	m := map[int]awslogs.RetentionDays{
		1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS, 5: awslogs.RetentionDays_FIVE_DAYS,
		7: awslogs.RetentionDays_ONE_WEEK, 14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
		60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS, 120: awslogs.RetentionDays_FOUR_MONTHS,
		150: awslogs.RetentionDays_FIVE_MONTHS, 180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
		400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS, 731: awslogs.RetentionDays_TWO_YEARS,
		1096: awslogs.RetentionDays_THREE_YEARS, 1827: awslogs.RetentionDays_FIVE_YEARS, 2192: awslogs.RetentionDays_SIX_YEARS,
		2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS, 3288: awslogs.RetentionDays_NINE_YEARS,
		3653: awslogs.RetentionDays_TEN_YEARS,
	}
	r, ok := m[days]
	if !ok {
		panic(fmt.Sprintf("log retention %d days: not validated", days))
	}
	return r
}

// newTable builds the one table from the key schema in pkg/keys.
func newTable(stack awscdk.Stack, s Settings, key awskms.IKey) awsdynamodb.Table {
	str := awsdynamodb.AttributeType_STRING
	attr := func(name string) *awsdynamodb.Attribute {
		return &awsdynamodb.Attribute{Name: jsii.String(name), Type: str}
	}
	t := awsdynamodb.NewTable(stack, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey:  attr(keys.Table.PartitionKey),
		SortKey:       attr(keys.Table.SortKey),
		BillingMode:   awsdynamodb.BillingMode_PAY_PER_REQUEST,
		Encryption:    awsdynamodb.TableEncryption_CUSTOMER_MANAGED,
		EncryptionKey: key,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		DeletionProtection: jsii.Bool(s.Retain),
		RemovalPolicy:      removal(s),
	})
	for _, ix := range keys.Table.Indexes {
		if ix.Local {
			t.AddLocalSecondaryIndex(&awsdynamodb.LocalSecondaryIndexProps{
				IndexName:      jsii.String(ix.Name),
				SortKey:        attr(ix.SortKey),
				ProjectionType: awsdynamodb.ProjectionType_ALL,
			})
			continue
		}
		t.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(ix.Name),
			PartitionKey:   attr(ix.PartitionKey),
			SortKey:        attr(ix.SortKey),
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		})
	}
	return t
}

// newTableBackup adds the daily AWS Backup plan HIPAA asks for, on top of
// point-in-time recovery, into a vault encrypted with the data key.
func newTableBackup(stack awscdk.Stack, s Settings, key awskms.IKey, table awsdynamodb.ITable) {
	vault := awsbackup.NewBackupVault(stack, jsii.String("BackupVault"), &awsbackup.BackupVaultProps{
		EncryptionKey: key,
		RemovalPolicy: removal(s),
	})
	plan := awsbackup.NewBackupPlan(stack, jsii.String("BackupPlan"), &awsbackup.BackupPlanProps{
		BackupVault: vault,
		BackupPlanRules: &[]awsbackup.BackupPlanRule{
			awsbackup.NewBackupPlanRule(&awsbackup.BackupPlanRuleProps{
				RuleName:           jsii.String("Daily"),
				ScheduleExpression: awsevents.Schedule_Cron(&awsevents.CronOptions{Hour: jsii.String("5"), Minute: jsii.String("0")}),
				DeleteAfter:        awscdk.Duration_Days(jsii.Number(s.BackupRetentionDays)),
			}),
		},
	})
	sel := plan.AddSelection(jsii.String("Table"), &awsbackup.BackupSelectionOptions{
		Resources: &[]awsbackup.BackupResource{awsbackup.BackupResource_FromDynamoDbTable(table)},
	})
	suppress(sel.Node().FindChild(jsii.String("Role")), Suppression{
		Rule:      "AwsSolutions-IAM4",
		Reason:    "AWS Backup's service role uses the AWS-managed AWSBackupServiceRolePolicyForBackup, which AWS keeps current with the service's needs; it grants backup, not data access.",
		AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"},
	})
}

// newVpc creates the network the functions run in: isolated subnets only (no
// internet route, no NAT), a gateway endpoint to DynamoDB (the functions'
// only dependency), the default security group closed, and flow logs.
func newVpc(stack awscdk.Stack, s Settings, logKey awskms.IKey) awsec2.Vpc {
	props := &awsec2.VpcProps{
		NatGateways: jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{
			Name:       jsii.String("isolated"),
			SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED,
			CidrMask:   jsii.Number(24),
		}},
		GatewayEndpoints: &map[string]*awsec2.GatewayVpcEndpointOptions{
			"DynamoDb": {Service: awsec2.GatewayVpcEndpointAwsService_DYNAMODB()},
		},
		RestrictDefaultSecurityGroup: jsii.Bool(true),
	}
	if len(s.AvailabilityZones) > 0 {
		props.AvailabilityZones = jsii.Strings(s.AvailabilityZones...)
	} else {
		props.MaxAzs = jsii.Number(2)
	}
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), props)

	group := newLogGroup(stack, "FlowLogs", s, logKey, "")
	role := newServiceRole(stack, "FlowLogRole", "vpc-flow-logs.amazonaws.com", "VPC flow logs to CloudWatch Logs")
	awsec2.NewFlowLog(stack, jsii.String("FlowLog"), &awsec2.FlowLogProps{
		ResourceType: awsec2.FlowLogResourceType_FromVpc(vpc),
		Destination:  awsec2.FlowLogDestination_ToCloudWatchLogs(group, role),
		TrafficType:  awsec2.FlowLogTrafficType_ALL,
	})
	managePolicies(stack, "FlowLogPolicy", role)
	return vpc
}
