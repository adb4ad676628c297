// Package signin signs demo and test users in to the Cognito stand-in the
// way the apps do (USER_PASSWORD_AUTH locally, since cognito-local has no
// SRP), answering the TOTP challenge for doctors, and enrolls TOTP.
package signin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/pquerna/otp/totp"
)

// Client returns a Cognito client for the stand-in at endpoint, with dummy
// credentials (admin calls need a signature, which cognito-local ignores) and
// no retries (cognito-local answers some unsupported calls with 500).
func Client(endpoint string) *cip.Client {
	return cip.New(cip.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(endpoint),
		Credentials:      credentials.NewStaticCredentialsProvider("local", "local", ""),
		RetryMaxAttempts: 1,
	})
}

// Tokens are the tokens of a signed-in user.
type Tokens struct {
	IDToken, AccessToken, RefreshToken string
}

// Password signs a user in with USER_PASSWORD_AUTH. If the pool asks for a
// TOTP code, it answers with one computed from totpSecret (an error if empty).
func Password(ctx context.Context, api *cip.Client, clientID, email, password, totpSecret string) (Tokens, error) {
	out, err := api.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       ciptypes.AuthFlowTypeUserPasswordAuth,
		ClientId:       aws.String(clientID),
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password},
	})
	if err != nil {
		return Tokens{}, fmt.Errorf("signin: initiate auth: %w", err)
	}
	for range 3 {
		if out.AuthenticationResult != nil {
			r := out.AuthenticationResult
			return Tokens{IDToken: aws.ToString(r.IdToken), AccessToken: aws.ToString(r.AccessToken), RefreshToken: aws.ToString(r.RefreshToken)}, nil
		}
		if out.ChallengeName != ciptypes.ChallengeNameTypeSoftwareTokenMfa {
			return Tokens{}, fmt.Errorf("signin: unexpected challenge %q", out.ChallengeName)
		}
		if totpSecret == "" {
			return Tokens{}, errors.New("signin: the pool asks for a TOTP code and no secret was given")
		}
		code, err := totp.GenerateCode(totpSecret, time.Now())
		if err != nil {
			return Tokens{}, fmt.Errorf("signin: totp: %w", err)
		}
		resp, err := api.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ChallengeName:      ciptypes.ChallengeNameTypeSoftwareTokenMfa,
			ClientId:           aws.String(clientID),
			Session:            out.Session,
			ChallengeResponses: map[string]string{"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": code},
		})
		if err != nil {
			return Tokens{}, fmt.Errorf("signin: answer TOTP challenge: %w", err)
		}
		out = &cip.InitiateAuthOutput{AuthenticationResult: resp.AuthenticationResult, ChallengeName: resp.ChallengeName, Session: resp.Session}
	}
	return Tokens{}, errors.New("signin: too many challenges")
}

// EnrollTOTP enrolls a new TOTP secret for a user and makes it the preferred
// MFA method, as the portal's first sign-in does: an access token from
// AdminInitiateAuth (cognito-local has no MFA_SETUP challenge),
// AssociateSoftwareToken, VerifySoftwareToken with a computed code, then
// SetUserMFAPreference (cognito-local lacks the Admin variant). It returns
// the secret.
func EnrollTOTP(ctx context.Context, api *cip.Client, poolID, clientID, email, password string) (string, error) {
	auth, err := api.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
		AuthFlow:       ciptypes.AuthFlowTypeAdminUserPasswordAuth,
		UserPoolId:     aws.String(poolID),
		ClientId:       aws.String(clientID),
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password},
	})
	if err != nil {
		return "", fmt.Errorf("signin: admin initiate auth: %w", err)
	}
	if auth.AuthenticationResult == nil {
		return "", fmt.Errorf("signin: admin initiate auth answered challenge %q", auth.ChallengeName)
	}
	access := auth.AuthenticationResult.AccessToken
	assoc, err := api.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access})
	if err != nil {
		return "", fmt.Errorf("signin: associate software token: %w", err)
	}
	secret := aws.ToString(assoc.SecretCode)
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		return "", fmt.Errorf("signin: totp: %w", err)
	}
	v, err := api.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String(code), FriendlyDeviceName: aws.String("seed")})
	if err != nil {
		return "", fmt.Errorf("signin: verify software token: %w", err)
	}
	if v.Status != ciptypes.VerifySoftwareTokenResponseTypeSuccess {
		return "", fmt.Errorf("signin: verify software token: status %s", v.Status)
	}
	if _, err := api.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{
		AccessToken:              access,
		SoftwareTokenMfaSettings: &ciptypes.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true},
	}); err != nil {
		return "", fmt.Errorf("signin: set MFA preference: %w", err)
	}
	return secret, nil
}
