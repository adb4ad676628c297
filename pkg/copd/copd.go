// Package copd is the domain of the COPD Fuel backend: the people (users,
// practices), the links between patients and doctors, and the health records
// patients sync from their phones. It has no dependency on AWS: adapters live
// in their own packages (dynamo, apigw, access, philog) and import this one.
package copd

import (
	"log/slog"
	"time"
)

// Role is what a caller may do. It always comes from the Cognito pool that
// issued the caller's token, never from anything the client can set.
type Role string

const (
	RolePatient Role = "patient"
	RoleDoctor  Role = "doctor"
)

// User is a person who signs in: a patient or a doctor. UserID is the Cognito
// sub of the pool the user belongs to.
type User struct {
	UserID      string    `json:"userId" dynamodbav:"userId"`
	Email       string    `json:"email" dynamodbav:"email"`
	Role        Role      `json:"role" dynamodbav:"role"`
	DisplayName string    `json:"displayName,omitempty" dynamodbav:"displayName,omitempty"`
	PracticeID  string    `json:"practiceId,omitempty" dynamodbav:"practiceId,omitempty"`
	CreatedAt   time.Time `json:"createdAt" dynamodbav:"createdAt"`
}

// LogValue keeps a user's email and name out of logs: only ids pass.
func (u User) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user_id", u.UserID), slog.String("role", string(u.Role)))
}

// Practice is a clinic that signed a BAA; one practice has many doctors.
type Practice struct {
	PracticeID  string     `json:"practiceId" dynamodbav:"practiceId"`
	Name        string     `json:"name" dynamodbav:"name"`
	Address     string     `json:"address,omitempty" dynamodbav:"address,omitempty"`
	BAASignedAt *time.Time `json:"baaSignedAt,omitempty" dynamodbav:"baaSignedAt,omitempty"`
	CreatedAt   time.Time  `json:"createdAt" dynamodbav:"createdAt"`
}
