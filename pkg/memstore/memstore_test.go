package memstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/memstore"
	"github.com/copdfuel/backend/pkg/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return memstore.New() })
}

func TestFail(t *testing.T) {
	ctx := context.Background()
	r := storetest.Records("2026-03-01", "2026-03-01T08:00:00Z", "f")[2]
	tests := []struct {
		name string
		op   string
		call func(s *memstore.Store) error
	}{
		{"GetRecords", memstore.OpGetRecords, func(s *memstore.Store) error {
			_, err := s.GetRecords(ctx, "p", []copd.RecordKey{r.Key()})
			return err
		}},
		{"PutRecord", memstore.OpPutRecord, func(s *memstore.Store) error {
			return s.PutRecord(ctx, "p", copd.StoredRecord{Record: r})
		}},
		{"RecordsByDate", memstore.OpRecordsByDate, func(s *memstore.Store) error {
			_, err := s.RecordsByDate(ctx, "p", "2026-03-01", "2026-03-01")
			return err
		}},
		{"GetUser", memstore.OpGetUser, func(s *memstore.Store) error { _, err := s.GetUser(ctx, "u"); return err }},
		{"PutUser", memstore.OpPutUser, func(s *memstore.Store) error {
			_, err := s.PutUser(ctx, copd.User{UserID: "u"})
			return err
		}},
		{"GetPractice", memstore.OpGetPractice, func(s *memstore.Store) error { _, err := s.GetPractice(ctx, "p"); return err }},
		{"PutPractice", memstore.OpPutPractice, func(s *memstore.Store) error {
			_, err := s.PutPractice(ctx, copd.Practice{PracticeID: "p"})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := memstore.New()
			injected := errs.E(errs.Unavailable, "store_unavailable", "busy")
			var ops []string
			s.Fail = func(op string) error {
				ops = append(ops, op)
				if op == tc.op {
					return injected
				}
				return nil
			}
			if err := tc.call(s); !errors.Is(err, injected) {
				t.Fatalf("%s: err %v, want the injected error", tc.name, err)
			}
			if len(ops) != 1 || ops[0] != tc.op || s.Calls(tc.op) != 1 {
				t.Errorf("Fail saw %v and Calls(%s) = %d, want [%s] and 1", ops, tc.op, s.Calls(tc.op), tc.op)
			}
		})
	}
	t.Run("nothing written", func(t *testing.T) {
		s := memstore.New()
		s.Fail = func(string) error { return errs.E(errs.Unavailable, "store_unavailable", "busy") }
		_ = s.PutRecord(ctx, "p", copd.StoredRecord{Record: r})
		s.Fail = nil
		got, err := s.GetRecords(ctx, "p", []copd.RecordKey{r.Key()})
		if err != nil || len(got) != 0 {
			t.Errorf("GetRecords after a failed put: %d records, err %v; want none", len(got), err)
		}
	})
}

// TestFail_ConcurrentWrite shows the use Fail is documented for: another
// device's newer write lands between a handler's read and its write.
func TestFail_ConcurrentWrite(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	mine := storetest.Records("2026-03-01", "2026-03-01T08:00:00Z", "cw")[2]
	theirs := mine
	theirs.UpdatedAt = "2026-03-01T09:00:00Z"
	raced := false
	s.Fail = func(op string) error {
		if op == memstore.OpPutRecord && !raced {
			raced = true
			return s.PutRecord(ctx, "p", copd.StoredRecord{Record: theirs})
		}
		return nil
	}
	if err := s.PutRecord(ctx, "p", copd.StoredRecord{Record: mine}); errs.KindOf(err) != errs.Conflict {
		t.Fatalf("PutRecord losing a race: err %v, want kind %v", err, errs.Conflict)
	}
}

func TestCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := memstore.New().GetUser(ctx, "u"); errs.KindOf(err) != errs.Unavailable {
		t.Errorf("GetUser with a canceled context: err %v, want kind %v", err, errs.Unavailable)
	}
}

func TestLinkConformance(t *testing.T) {
	storetest.RunLinks(t, func(t *testing.T) storetest.LinkStore { return memstore.New() })
}

func TestDoctorConformance(t *testing.T) {
	storetest.RunDoctor(t, func(t *testing.T) storetest.DoctorStore { return memstore.New() })
}
