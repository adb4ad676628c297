package main

import (
	"context"
	"time"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
)

// Store is what GET /me needs of the store.
type Store interface {
	GetUser(ctx context.Context, userID string) (copd.User, error)
	GetPractice(ctx context.Context, practiceID string) (copd.Practice, error)
	Links(ctx context.Context, patientID string) ([]copd.Link, error)
	Profiles(ctx context.Context, userIDs, practiceIDs []string) (map[string]copd.User, map[string]copd.Practice, error)
}

// Handler serves GET /me.
type Handler struct {
	Users Store
}

// Me is the body of GET /me.
type Me struct {
	UserID      string     `json:"userId"`
	Email       string     `json:"email"`
	Role        copd.Role  `json:"role"`
	DisplayName string     `json:"displayName,omitempty"`
	CreatedAt   *time.Time `json:"createdAt,omitempty"`
	// Practice is the doctor's practice; absent for patients.
	Practice *PracticeRef `json:"practice,omitempty"`
	// Doctors are a patient's links, active and revoked, by doctor id
	// (an empty list for a patient without links); absent for doctors.
	Doctors *[]LinkedDoctor `json:"doctors,omitempty"`
}

// LinkedDoctor is one of a patient's links with the names to show.
type LinkedDoctor struct {
	DoctorID     string          `json:"doctorId"`
	DisplayName  string          `json:"displayName"`
	PracticeID   string          `json:"practiceId"`
	PracticeName string          `json:"practiceName"`
	Status       copd.LinkStatus `json:"status"`
	LinkedAt     time.Time       `json:"linkedAt"`
	RevokedAt    *time.Time      `json:"revokedAt,omitempty"`
}

// PracticeRef names a practice.
type PracticeRef struct {
	PracticeID string `json:"practiceId"`
	Name       string `json:"name"`
}

// Serve answers with the caller's profile. Identity and role come from the
// token; the stored profile adds the rest. A profile not written yet (the
// sign-up trigger has not run) is not an error: the token's facts are shown.
func (h *Handler) Serve(ctx context.Context, req *apigw.Request) (apigw.Response, error) {
	me := Me{UserID: req.Caller.Sub, Email: req.Caller.Email, Role: req.Caller.Role}
	u, err := h.Users.GetUser(ctx, req.Caller.Sub)
	switch {
	case errs.Is(err, errs.NotFound), err == nil && u.Role != req.Caller.Role:
		// No profile yet, or (defensively) one that belongs to the other pool.
		if req.Caller.Role == copd.RolePatient {
			if me.Doctors, err = h.doctors(ctx, req.Caller.Sub); err != nil {
				return apigw.Response{}, err
			}
		}
		return apigw.OK(me), nil
	case err != nil:
		return apigw.Response{}, err
	}
	me.DisplayName = u.DisplayName
	if !u.CreatedAt.IsZero() {
		me.CreatedAt = &u.CreatedAt
	}
	if u.Email != "" {
		me.Email = u.Email
	}
	if req.Caller.Role == copd.RoleDoctor && u.PracticeID != "" {
		p, err := h.Users.GetPractice(ctx, u.PracticeID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return apigw.Response{}, err
		}
		me.Practice = &PracticeRef{PracticeID: u.PracticeID, Name: p.Name}
	}
	if req.Caller.Role == copd.RolePatient {
		if me.Doctors, err = h.doctors(ctx, req.Caller.Sub); err != nil {
			return apigw.Response{}, err
		}
	}
	return apigw.OK(me), nil
}

// doctors lists a patient's links with names: one Query of the patient's
// LINK# items, then one BatchGetItem of every distinct doctor and practice
// (1 RCU each, as separate GetItems would cost, in one round trip instead of
// one per name; make bench counts the calls). A doctor or practice whose
// record is missing shows an empty name rather than failing /me.
func (h *Handler) doctors(ctx context.Context, patientID string) (*[]LinkedDoctor, error) {
	links, err := h.Users.Links(ctx, patientID)
	if err != nil {
		return nil, err
	}
	out := []LinkedDoctor{}
	if len(links) == 0 {
		return &out, nil
	}
	var doctorIDs, practiceIDs []string
	for _, l := range links {
		doctorIDs, practiceIDs = append(doctorIDs, l.DoctorID), append(practiceIDs, l.PracticeID)
	}
	users, practices, err := h.Users.Profiles(ctx, doctorIDs, practiceIDs)
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		d := LinkedDoctor{DoctorID: l.DoctorID, PracticeID: l.PracticeID, Status: l.Status, LinkedAt: l.LinkedAt, RevokedAt: l.RevokedAt,
			PracticeName: practices[l.PracticeID].Name}
		if u := users[l.DoctorID]; u.Role == copd.RoleDoctor {
			d.DisplayName = u.DisplayName
		}
		out = append(out, d)
	}
	return &out, nil
}
