package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// newServiceRole returns a role for an AWS service with no policies yet.
func newServiceRole(scope constructs.Construct, id, service, description string) awsiam.Role {
	return awsiam.NewRole(scope, jsii.String(id), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String(service), nil),
		Description: jsii.String(description),
	})
}

// managePolicies moves the statements that grants added to a role's inline
// default policy into one customer-managed policy attached to that role, and
// returns it (nil when there were none). HIPAA's IAMNoInlinePolicy rule
// rejects inline policies, while grants are the only way permissions are
// written here (STYLE.md), so this keeps both. Call it after the last grant
// to the role: a later grant would go to the detached default policy and be
// lost, which TestIAM_FunctionActions would show.
func managePolicies(scope constructs.Construct, id string, role awsiam.Role) awsiam.ManagedPolicy {
	child := role.Node().TryFindChild(jsii.String("DefaultPolicy"))
	if child == nil {
		return nil
	}
	pol, ok := child.(awsiam.Policy)
	if !ok {
		panic("DefaultPolicy of " + *role.Node().Path() + " is not an iam.Policy")
	}
	mp := awsiam.NewManagedPolicy(scope, jsii.String(id), &awsiam.ManagedPolicyProps{
		Document: pol.Document(),
		Roles:    &[]awsiam.IRole{role},
	})
	role.Node().TryRemoveChild(jsii.String("DefaultPolicy"))
	return mp
}
