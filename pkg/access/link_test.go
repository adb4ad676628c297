package access_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/copdfuel/backend/pkg/access"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/memstore"
)

func TestDoctorMayRead(t *testing.T) {
	active := copd.Link{PatientID: "pat-1", DoctorID: "doc-1", Status: copd.LinkActive}
	revoked := active
	revoked.Status = copd.LinkRevoked
	down := errs.E(errs.Unavailable, "store_unavailable", "busy")
	notFound := errs.E(errs.NotFound, "not_found", "not found")
	tests := []struct {
		name    string
		doctor  string
		patient string
		link    copd.Link
		err     error
		want    errs.Kind // -1: allowed
	}{
		{"active link of this doctor", "doc-1", "pat-1", active, nil, -1},
		{"revoked link", "doc-1", "pat-1", revoked, nil, errs.NotFound},
		{"no link", "doc-1", "pat-1", copd.Link{}, notFound, errs.NotFound},
		{"another doctor's link", "doc-2", "pat-1", active, nil, errs.NotFound},
		{"link of another patient", "doc-1", "pat-2", active, nil, errs.NotFound},
		{"empty doctor", "", "pat-1", copd.Link{PatientID: "pat-1", Status: copd.LinkActive}, nil, errs.NotFound},
		{"store down is not a 404", "doc-1", "pat-1", copd.Link{}, down, errs.Unavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := access.DoctorMayRead(tc.doctor, tc.patient, tc.link, tc.err)
			got := errs.Kind(-1)
			if err != nil {
				got = errs.KindOf(err)
			}
			if got != tc.want {
				t.Errorf("DoctorMayRead: %v, want kind %v", err, tc.want)
			}
		})
	}
}

func TestCheckDoctor(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	if _, err := s.ActivateLink(ctx, copd.Link{PatientID: "pat-1", DoctorID: "doc-1", ConsentedAt: at, LinkedAt: at}); err != nil {
		t.Fatal(err)
	}
	doc := access.Caller{Sub: "doc-1", Role: copd.RoleDoctor}
	if err := access.CheckDoctor(ctx, s, doc, "pat-1"); err != nil {
		t.Fatalf("linked doctor: %v", err)
	}
	for _, tc := range []struct {
		name    string
		caller  access.Caller
		patient string
	}{
		{"patient caller", access.Caller{Sub: "doc-1", Role: copd.RolePatient}, "pat-1"},
		{"malformed id", doc, "pat-1#x"},
		{"empty id", doc, ""},
		{"other doctor", access.Caller{Sub: "doc-2", Role: copd.RoleDoctor}, "pat-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := access.CheckDoctor(ctx, s, tc.caller, tc.patient); errs.KindOf(err) != errs.NotFound {
				t.Errorf("CheckDoctor: %v, want NotFound", err)
			}
		})
	}
	t.Run("revocation cuts access on the next request", func(t *testing.T) {
		if _, err := s.RevokeLink(ctx, "pat-1", "doc-1", at.Add(time.Hour), nil); err != nil {
			t.Fatal(err)
		}
		if err := access.CheckDoctor(ctx, s, doc, "pat-1"); errs.KindOf(err) != errs.NotFound {
			t.Errorf("after revoke: %v, want NotFound", err)
		}
	})
	t.Run("store down", func(t *testing.T) {
		s.Fail = func(string) error { return errs.Wrap(errs.Unavailable, "store_unavailable", "busy", errors.New("x")) }
		defer func() { s.Fail = nil }()
		if err := access.CheckDoctor(ctx, s, doc, "pat-1"); errs.KindOf(err) != errs.Unavailable {
			t.Errorf("store down: %v, want Unavailable", err)
		}
	})
}
