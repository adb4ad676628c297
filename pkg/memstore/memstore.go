// Package memstore is an in-memory fake of the DynamoDB store for unit tests:
// it implements copd.RecordStore and copd.UserStore with the same semantics
// (storetest runs the same conformance suite against both), and lets a test
// inject a failure before any operation.
package memstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/keys"
)

// Operation names passed to Store.Fail.
const (
	OpGetRecords    = "GetRecords"
	OpPutRecord     = "PutRecord"
	OpRecordsByDate = "RecordsByDate"
	OpGetUser       = "GetUser"
	OpPutUser       = "PutUser"
	OpGetPractice   = "GetPractice"
	OpPutPractice   = "PutPractice"
)

// Store is the fake. The zero value is not usable; call New.
type Store struct {
	// Fail, if set, is called with the operation's name (OpPutRecord, ...)
	// before each operation; a non-nil error is returned as the operation's
	// result and nothing is read or written. It is called without the
	// store's lock held, so it may call the store itself, e.g. to simulate a
	// concurrent write from another device between a read and a write.
	// Set it before the store is shared between goroutines.
	Fail func(op string) error

	mu        sync.Mutex
	records   map[string]map[copd.RecordKey]copd.StoredRecord // by patient id
	users     map[string]copd.User
	practices map[string]copd.Practice
	link      *linkData
	doctor    *doctorData
	calls     map[string]int
}

var (
	_ copd.RecordStore = (*Store)(nil)
	_ copd.UserStore   = (*Store)(nil)
)

// New returns an empty store.
func New() *Store {
	return &Store{
		records:   make(map[string]map[copd.RecordKey]copd.StoredRecord),
		users:     make(map[string]copd.User),
		practices: make(map[string]copd.Practice),
		calls:     make(map[string]int),
	}
}

// Calls reports how many times op was called (failed calls included).
func (s *Store) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

func (s *Store) begin(ctx context.Context, op string) error {
	s.mu.Lock()
	s.calls[op]++
	s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return errs.Wrap(errs.Unavailable, "store_unavailable", "the data store is busy; retry later", fmt.Errorf("memstore: %s: %w", op, err))
	}
	if s.Fail != nil {
		return s.Fail(op)
	}
	return nil
}

func internal(format string, a ...any) error {
	return errs.Wrap(errs.Internal, "internal", "internal error", fmt.Errorf("memstore: "+format, a...))
}

// GetRecords implements copd.RecordStore.
func (s *Store) GetRecords(ctx context.Context, patientID string, rks []copd.RecordKey) (map[copd.RecordKey]copd.StoredRecord, error) {
	if err := s.begin(ctx, OpGetRecords); err != nil {
		return nil, err
	}
	if patientID == "" {
		return nil, internal("get records: empty patient id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[copd.RecordKey]copd.StoredRecord, len(rks))
	for _, k := range rks {
		if r, ok := s.records[patientID][k]; ok {
			out[k] = cloneRecord(r)
		}
	}
	return out, nil
}

// PutRecord implements copd.RecordStore like dynamo.Store: r is normalised,
// its version derived from it (a different non-zero r.Version is Internal),
// and it is stored only if that version is After the stored one.
func (s *Store) PutRecord(ctx context.Context, patientID string, r copd.StoredRecord) error {
	if err := s.begin(ctx, OpPutRecord); err != nil {
		return err
	}
	if patientID == "" || r.ID == "" || r.Type == "" || r.Date == "" {
		return internal("put record %s/%s: empty key field", r.Type, r.ID)
	}
	if _, err := time.Parse(time.RFC3339Nano, r.UpdatedAt); err != nil {
		return internal("put record %s/%s: unparsable updatedAt", r.Type, r.ID)
	}
	v := r.Record.Version()
	if r.Version != (copd.Version{}) && r.Version != v {
		return internal("put record %s/%s: version does not match the record", r.Type, r.ID)
	}
	stored := cloneRecord(copd.StoredRecord{Record: r.Record.Normalized(), Version: v, SyncedAt: r.SyncedAt.UTC()})

	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.records[patientID]
	if m == nil {
		m = make(map[copd.RecordKey]copd.StoredRecord)
		s.records[patientID] = m
	}
	if old, ok := m[r.Key()]; ok && !v.After(old.Version) {
		return errs.Wrap(errs.Conflict, "conflict", "the stored version is the same or newer",
			fmt.Errorf("memstore: put record %s/%s: stored version is not older", r.Type, r.ID))
	}
	m[r.Key()] = stored
	return nil
}

// RecordsByDate implements copd.RecordStore, in the ByDate index's order.
func (s *Store) RecordsByDate(ctx context.Context, patientID, from, to string) ([]copd.StoredRecord, error) {
	if err := s.begin(ctx, OpRecordsByDate); err != nil {
		return nil, err
	}
	if patientID == "" {
		return nil, internal("records by date: empty patient id")
	}
	lo, hi := keys.DateRange(from, to)
	s.mu.Lock()
	defer s.mu.Unlock()
	type keyed struct {
		sk string
		r  copd.StoredRecord
	}
	var hits []keyed
	for _, r := range s.records[patientID] {
		sk := keys.RecordByDate(r.Date, string(r.Type), r.ID)
		if sk >= lo && sk <= hi {
			hits = append(hits, keyed{sk, cloneRecord(r)})
		}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].sk < hits[j].sk })
	var out []copd.StoredRecord
	for _, h := range hits {
		out = append(out, h.r)
	}
	return out, nil
}

// GetUser implements copd.UserStore.
func (s *Store) GetUser(ctx context.Context, userID string) (copd.User, error) {
	if err := s.begin(ctx, OpGetUser); err != nil {
		return copd.User{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return copd.User{}, errs.Wrap(errs.NotFound, "not_found", "not found", fmt.Errorf("memstore: get user %s: no such item", userID))
	}
	return u, nil
}

// PutUser implements copd.UserStore: create if absent, else return the
// stored profile. The email is stored lower-cased.
func (s *Store) PutUser(ctx context.Context, u copd.User) (copd.User, error) {
	if err := s.begin(ctx, OpPutUser); err != nil {
		return copd.User{}, err
	}
	if u.UserID == "" {
		return copd.User{}, internal("put user: empty user id")
	}
	u.Email = strings.ToLower(u.Email)
	u.CreatedAt = u.CreatedAt.UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.users[u.UserID]; ok {
		return old, nil
	}
	s.users[u.UserID] = u
	return u, nil
}

// GetPractice implements copd.UserStore.
func (s *Store) GetPractice(ctx context.Context, practiceID string) (copd.Practice, error) {
	if err := s.begin(ctx, OpGetPractice); err != nil {
		return copd.Practice{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.practices[practiceID]
	if !ok {
		return copd.Practice{}, errs.Wrap(errs.NotFound, "not_found", "not found", fmt.Errorf("memstore: get practice %s: no such item", practiceID))
	}
	return clonePractice(p), nil
}

// PutPractice implements copd.UserStore: create if absent, else return the
// stored practice.
func (s *Store) PutPractice(ctx context.Context, p copd.Practice) (copd.Practice, error) {
	if err := s.begin(ctx, OpPutPractice); err != nil {
		return copd.Practice{}, err
	}
	if p.PracticeID == "" {
		return copd.Practice{}, internal("put practice: empty practice id")
	}
	p = clonePractice(p)
	p.CreatedAt = p.CreatedAt.UTC()
	if p.BAASignedAt != nil {
		*p.BAASignedAt = p.BAASignedAt.UTC()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.practices[p.PracticeID]; ok {
		return clonePractice(old), nil
	}
	s.practices[p.PracticeID] = p
	return clonePractice(p), nil
}

// cloneRecord deep-copies a record (its type fields are pointers) through
// JSON, so a field added to copd.Record is copied without a change here.
func cloneRecord(r copd.StoredRecord) copd.StoredRecord {
	b, err := json.Marshal(r.Record)
	if err != nil {
		panic(errors.New("memstore: a record does not marshal: " + err.Error()))
	}
	var c copd.Record
	if err := json.Unmarshal(b, &c); err != nil {
		panic(errors.New("memstore: a record does not unmarshal: " + err.Error()))
	}
	r.Record = c
	return r
}

func clonePractice(p copd.Practice) copd.Practice {
	if p.BAASignedAt != nil {
		t := *p.BAASignedAt
		p.BAASignedAt = &t
	}
	return p
}
