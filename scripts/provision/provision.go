// Package provision creates what the local stack needs before anything can
// run: the DynamoDB table (from pkg/keys, through pkg/dynamo) and the two
// Cognito user pools with one app client each. Every step is idempotent: a
// second run finds what the first created (by name) and reuses it, so state
// kept under .local/ survives restarts.
package provision

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/copdfuel/backend/pkg/dynamo"
)

// Names of what is provisioned. The CDK app names its resources per
// environment; locally there is one of each.
const (
	TableName         = "copd-fuel-local"
	PatientPoolName   = "copd-fuel-patients"
	DoctorPoolName    = "copd-fuel-doctors"
	PatientClientName = "copd-fuel-app"
	DoctorClientName  = "copd-fuel-portal"
)

// Table creates the table if it does not exist.
func Table(ctx context.Context, api dynamo.TableAPI, name string) error {
	return dynamo.CreateTable(ctx, api, name)
}

// Pools are the ids of the provisioned pools and app clients.
type Pools struct {
	PatientPoolID, PatientClientID string
	DoctorPoolID, DoctorClientID   string
}

// CognitoAPI is the part of the Cognito client provisioning uses.
type CognitoAPI interface {
	ListUserPools(context.Context, *cip.ListUserPoolsInput, ...func(*cip.Options)) (*cip.ListUserPoolsOutput, error)
	CreateUserPool(context.Context, *cip.CreateUserPoolInput, ...func(*cip.Options)) (*cip.CreateUserPoolOutput, error)
	SetUserPoolMfaConfig(context.Context, *cip.SetUserPoolMfaConfigInput, ...func(*cip.Options)) (*cip.SetUserPoolMfaConfigOutput, error)
	ListUserPoolClients(context.Context, *cip.ListUserPoolClientsInput, ...func(*cip.Options)) (*cip.ListUserPoolClientsOutput, error)
	CreateUserPoolClient(context.Context, *cip.CreateUserPoolClientInput, ...func(*cip.Options)) (*cip.CreateUserPoolClientOutput, error)
}

// passwordPolicy mirrors the deployed pools' policy (cognito-local stores it
// but does not enforce it).
var passwordPolicy = &ciptypes.UserPoolPolicyType{PasswordPolicy: &ciptypes.PasswordPolicyType{
	MinimumLength: aws.Int32(12), RequireLowercase: true, RequireUppercase: true,
	RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 7,
}}

// PatientPoolInput is the patients' pool: self sign-up, email as the
// username (case-insensitive), email verified by code, TOTP optional.
func PatientPoolInput() *cip.CreateUserPoolInput {
	return &cip.CreateUserPoolInput{
		PoolName:               aws.String(PatientPoolName),
		UsernameAttributes:     []ciptypes.UsernameAttributeType{ciptypes.UsernameAttributeTypeEmail},
		UsernameConfiguration:  &ciptypes.UsernameConfigurationType{CaseSensitive: aws.Bool(false)},
		AutoVerifiedAttributes: []ciptypes.VerifiedAttributeType{ciptypes.VerifiedAttributeTypeEmail},
		MfaConfiguration:       ciptypes.UserPoolMfaTypeOptional,
		AdminCreateUserConfig:  &ciptypes.AdminCreateUserConfigType{AllowAdminCreateUserOnly: false},
		Policies:               passwordPolicy,
	}
}

// DoctorPoolInput is the doctors' pool: admin-created users only, email as
// the username, TOTP MFA required.
func DoctorPoolInput() *cip.CreateUserPoolInput {
	return &cip.CreateUserPoolInput{
		PoolName:              aws.String(DoctorPoolName),
		UsernameAttributes:    []ciptypes.UsernameAttributeType{ciptypes.UsernameAttributeTypeEmail},
		UsernameConfiguration: &ciptypes.UsernameConfigurationType{CaseSensitive: aws.Bool(false)},
		MfaConfiguration:      ciptypes.UserPoolMfaTypeOn,
		AdminCreateUserConfig: &ciptypes.AdminCreateUserConfigType{AllowAdminCreateUserOnly: true},
		Policies:              passwordPolicy,
	}
}

// clientInput is an app client without a secret (a phone or browser cannot
// keep one) for USER_PASSWORD_AUTH (cognito-local has no SRP; deployed
// clients use SRP) and refresh, with ID tokens valid for an hour.
func clientInput(poolID, name string) *cip.CreateUserPoolClientInput {
	return &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(poolID),
		ClientName: aws.String(name),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{
			ciptypes.ExplicitAuthFlowsTypeAllowUserPasswordAuth,
			ciptypes.ExplicitAuthFlowsTypeAllowUserSrpAuth,
			ciptypes.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
		},
		IdTokenValidity:            aws.Int32(60),
		AccessTokenValidity:        aws.Int32(60),
		RefreshTokenValidity:       30,
		TokenValidityUnits:         &ciptypes.TokenValidityUnitsType{IdToken: ciptypes.TimeUnitsTypeMinutes, AccessToken: ciptypes.TimeUnitsTypeMinutes, RefreshToken: ciptypes.TimeUnitsTypeDays},
		PreventUserExistenceErrors: ciptypes.PreventUserExistenceErrorTypesEnabled,
	}
}

// UserPools creates (or finds) both pools and their app clients.
func UserPools(ctx context.Context, api CognitoAPI) (Pools, error) {
	var p Pools
	var err error
	if p.PatientPoolID, err = pool(ctx, api, PatientPoolInput()); err != nil {
		return p, err
	}
	if p.DoctorPoolID, err = pool(ctx, api, DoctorPoolInput()); err != nil {
		return p, err
	}
	// Required TOTP needs the software-token factor enabled on the pool.
	if _, err := api.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId:                    aws.String(p.DoctorPoolID),
		MfaConfiguration:              ciptypes.UserPoolMfaTypeOn,
		SoftwareTokenMfaConfiguration: &ciptypes.SoftwareTokenMfaConfigType{Enabled: true},
	}); err != nil {
		return p, fmt.Errorf("provision: doctor pool MFA: %w", err)
	}
	if p.PatientClientID, err = client(ctx, api, p.PatientPoolID, PatientClientName); err != nil {
		return p, err
	}
	if p.DoctorClientID, err = client(ctx, api, p.DoctorPoolID, DoctorClientName); err != nil {
		return p, err
	}
	return p, nil
}

func pool(ctx context.Context, api CognitoAPI, in *cip.CreateUserPoolInput) (string, error) {
	var next *string
	for {
		out, err := api.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60), NextToken: next})
		if err != nil {
			return "", fmt.Errorf("provision: list user pools: %w", err)
		}
		for _, up := range out.UserPools {
			if aws.ToString(up.Name) == aws.ToString(in.PoolName) {
				return aws.ToString(up.Id), nil
			}
		}
		if next = out.NextToken; next == nil {
			break
		}
	}
	out, err := api.CreateUserPool(ctx, in)
	if err != nil {
		return "", fmt.Errorf("provision: create user pool %s: %w", aws.ToString(in.PoolName), err)
	}
	return aws.ToString(out.UserPool.Id), nil
}

func client(ctx context.Context, api CognitoAPI, poolID, name string) (string, error) {
	var next *string
	for {
		out, err := api.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(poolID), MaxResults: aws.Int32(60), NextToken: next})
		if err != nil {
			return "", fmt.Errorf("provision: list app clients: %w", err)
		}
		for _, c := range out.UserPoolClients {
			if aws.ToString(c.ClientName) == name {
				return aws.ToString(c.ClientId), nil
			}
		}
		if next = out.NextToken; next == nil {
			break
		}
	}
	out, err := api.CreateUserPoolClient(ctx, clientInput(poolID, name))
	if err != nil {
		return "", fmt.Errorf("provision: create app client %s: %w", name, err)
	}
	return aws.ToString(out.UserPoolClient.ClientId), nil
}
