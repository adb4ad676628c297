// Package admin creates practices and doctors: the Practice record, the
// doctor in the doctor pool (AdminCreateUser with a temporary password; the
// pool requires TOTP, enrolled at the doctor's first sign-in) and the
// doctor's User record pointing at the practice. Every step is idempotent:
// an existing practice, Cognito user or profile is reused, never duplicated
// or overwritten. cmd/admin is its command line; the end-to-end test calls
// it directly.
package admin

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
)

// Store is the part of the store the admin command writes.
type Store interface {
	GetPractice(ctx context.Context, practiceID string) (copd.Practice, error)
	PutPractice(ctx context.Context, p copd.Practice) (copd.Practice, error)
	PutUser(ctx context.Context, u copd.User) (copd.User, error)
}

// Cognito is the part of the Cognito client the admin command uses.
type Cognito interface {
	AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, optFns ...func(*cip.Options)) (*cip.AdminGetUserOutput, error)
	AdminCreateUser(ctx context.Context, in *cip.AdminCreateUserInput, optFns ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error)
}

// Admin holds the clients and the doctor pool.
type Admin struct {
	Store        Store
	Cognito      Cognito
	DoctorPoolID string
	// SendEmail lets Cognito email the temporary password (deployed); off,
	// the password is only printed (local: cognito-local sends nothing).
	SendEmail bool
	Now       func() time.Time
}

// CreatePractice creates the practice if it does not exist and returns the
// stored one (created reports whether this call wrote it).
func (a *Admin) CreatePractice(ctx context.Context, id, name, address string) (p copd.Practice, created bool, err error) {
	if id == "" || strings.ContainsAny(id, "# \t\r\n/") || len(id) > 64 || strings.TrimSpace(name) == "" {
		return copd.Practice{}, false, errors.New("admin: a practice needs an id (no spaces, '#' or '/', at most 64 characters) and a name")
	}
	want := copd.Practice{PracticeID: id, Name: strings.TrimSpace(name), Address: address, CreatedAt: a.Now().UTC()}
	p, err = a.Store.PutPractice(ctx, want)
	if err != nil {
		return copd.Practice{}, false, fmt.Errorf("admin: practice %s: %w", id, err)
	}
	return p, p.CreatedAt.Equal(want.CreatedAt) && p.Name == want.Name, nil
}

// Doctor is the outcome of CreateDoctor.
type Doctor struct {
	Sub string
	// TemporaryPassword is set when this call created the Cognito user.
	TemporaryPassword string
	Profile           copd.User
}

// CreateDoctor creates the doctor in the doctor pool (if no user has this
// email) with a temporary password, then the User record (if absent) with
// the practice. The practice must exist. tempPassword may be empty: a
// random one that meets the pool's policy is made.
func (a *Admin) CreateDoctor(ctx context.Context, email, displayName, practiceID, tempPassword string) (Doctor, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if !strings.Contains(email, "@") || strings.TrimSpace(displayName) == "" {
		return Doctor{}, errors.New("admin: a doctor needs an email and a display name")
	}
	if _, err := a.Store.GetPractice(ctx, practiceID); err != nil {
		if errs.Is(err, errs.NotFound) {
			return Doctor{}, fmt.Errorf("admin: practice %q does not exist; create it first", practiceID)
		}
		return Doctor{}, fmt.Errorf("admin: practice %s: %w", practiceID, err)
	}
	var d Doctor
	u, err := a.Cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(a.DoctorPoolID), Username: aws.String(email)})
	var nf *ciptypes.UserNotFoundException
	switch {
	case errors.As(err, &nf):
		if tempPassword == "" {
			if tempPassword, err = RandomPassword(); err != nil {
				return Doctor{}, err
			}
		}
		in := &cip.AdminCreateUserInput{
			UserPoolId:             aws.String(a.DoctorPoolID),
			Username:               aws.String(email),
			TemporaryPassword:      aws.String(tempPassword),
			DesiredDeliveryMediums: []ciptypes.DeliveryMediumType{ciptypes.DeliveryMediumTypeEmail},
			UserAttributes: []ciptypes.AttributeType{
				{Name: aws.String("email"), Value: aws.String(email)},
				{Name: aws.String("email_verified"), Value: aws.String("true")},
			},
		}
		if !a.SendEmail {
			in.MessageAction = ciptypes.MessageActionTypeSuppress
		}
		out, err := a.Cognito.AdminCreateUser(ctx, in)
		if err != nil {
			return Doctor{}, fmt.Errorf("admin: create doctor in the pool: %w", err)
		}
		d.Sub, d.TemporaryPassword = attr(out.User.Attributes, "sub"), tempPassword
	case err != nil:
		return Doctor{}, fmt.Errorf("admin: look the doctor up: %w", err)
	default:
		d.Sub = attr(u.UserAttributes, "sub")
	}
	if d.Sub == "" {
		return Doctor{}, errors.New("admin: the pool returned no sub for the doctor")
	}
	d.Profile, err = a.Store.PutUser(ctx, copd.User{UserID: d.Sub, Email: email, Role: copd.RoleDoctor,
		DisplayName: strings.TrimSpace(displayName), PracticeID: practiceID, CreatedAt: a.Now().UTC()})
	if err != nil {
		return Doctor{}, fmt.Errorf("admin: doctor profile: %w", err)
	}
	if d.Profile.PracticeID != practiceID || d.Profile.Role != copd.RoleDoctor {
		return d, fmt.Errorf("admin: %s already has a profile with practice %q; not changed", email, d.Profile.PracticeID)
	}
	return d, nil
}

func attr(as []ciptypes.AttributeType, name string) string {
	for _, a := range as {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

// RandomPassword returns a 20-character temporary password with upper and
// lower case letters, digits and a symbol (the pools' policy).
func RandomPassword() (string, error) {
	const (
		lower  = "abcdefghijkmnopqrstuvwxyz"
		upper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		digits = "23456789"
		symbol = "#%+=!?"
	)
	var b strings.Builder
	for i, set := range []string{upper, lower, digits, symbol} {
		n := 4
		if i == 1 {
			n = 10
		}
		if i == 3 {
			n = 2
		}
		for range n {
			k, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
			if err != nil {
				return "", err
			}
			b.WriteByte(set[k.Int64()])
		}
	}
	return b.String(), nil
}
