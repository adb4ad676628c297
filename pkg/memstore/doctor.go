package memstore

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/keys"
	"github.com/copdfuel/backend/pkg/overview"
)

// Operation names of the doctor views' store methods passed to Store.Fail.
const (
	OpGetSummary     = "GetSummary"
	OpPutSummary     = "PutSummary"
	OpLinkedPatients = "LinkedPatients"
	OpRows           = "Rows"
	OpProfiles       = "Profiles"
	OpPutAudit       = "PutAudit"
	OpAuditLog       = "AuditLog"
	OpRecordsPage    = "RecordsPage"
)

var (
	_ copd.AuditStore     = (*Store)(nil)
	_ copd.ExportStore    = (*Store)(nil)
	_ copd.DirectoryStore = (*Store)(nil)
	_ overview.Store      = (*Store)(nil)
)

type storedSummary struct {
	data []byte // JSON, so that callers never share the stored copy
	rev  int64
}

// doctorData holds summaries and audit entries, created on first use.
type doctorData struct {
	summaries map[string]storedSummary
	audits    map[string]map[string]copd.AuditEntry // patient -> sort key -> entry
}

// dd returns the doctor-view data; call with s.mu held.
func (s *Store) dd() *doctorData {
	if s.doctor == nil {
		s.doctor = &doctorData{summaries: map[string]storedSummary{}, audits: map[string]map[string]copd.AuditEntry{}}
	}
	return s.doctor
}

func decodeSummary(st storedSummary) overview.Summary {
	var sum overview.Summary
	if len(st.data) > 0 {
		if err := json.Unmarshal(st.data, &sum); err != nil {
			panic(errors.New("memstore: a summary does not unmarshal: " + err.Error()))
		}
	}
	return sum
}

// GetSummary implements overview.Store.
func (s *Store) GetSummary(ctx context.Context, patientID string) (overview.Summary, int64, error) {
	if err := s.begin(ctx, OpGetSummary); err != nil {
		return overview.Summary{}, 0, err
	}
	if patientID == "" {
		return overview.Summary{}, 0, internal("get summary: empty patient id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.dd().summaries[patientID]
	return decodeSummary(st), st.rev, nil
}

// PutSummary implements overview.Store with the revision condition.
func (s *Store) PutSummary(ctx context.Context, patientID string, sum overview.Summary, rev int64) error {
	if err := s.begin(ctx, OpPutSummary); err != nil {
		return err
	}
	if patientID == "" || rev < 0 {
		return internal("put summary: empty patient id or negative revision")
	}
	b, err := json.Marshal(sum)
	if err != nil {
		return internal("put summary: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.dd().summaries[patientID]; cur.rev != rev {
		return conflict("put summary %s: revision %d, stored %d", patientID, rev, cur.rev)
	}
	s.dd().summaries[patientID] = storedSummary{data: b, rev: rev + 1}
	return nil
}

// LinkedPatients implements overview.Store over the active links (the
// fake's index is always up to date).
func (s *Store) LinkedPatients(ctx context.Context, doctorID, after string, limit int) ([]string, string, error) {
	if err := s.begin(ctx, OpLinkedPatients); err != nil {
		return nil, "", err
	}
	if doctorID == "" || limit < 1 {
		return nil, "", internal("linked patients: empty doctor id or limit")
	}
	s.mu.Lock()
	var ids []string
	for p, m := range s.ld().links {
		if l, ok := m[doctorID]; ok && l.Status == copd.LinkActive && p > after {
			ids = append(ids, p)
		}
	}
	s.mu.Unlock()
	sort.Strings(ids)
	if len(ids) > limit {
		return ids[:limit], ids[limit-1], nil
	}
	return ids, "", nil
}

// Rows implements overview.Store.
func (s *Store) Rows(ctx context.Context, doctorID string, patientIDs []string) (map[string]overview.Row, error) {
	if err := s.begin(ctx, OpRows); err != nil {
		return nil, err
	}
	if doctorID == "" {
		return nil, internal("rows: empty doctor id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]overview.Row{}
	for _, p := range patientIDs {
		if p == "" {
			continue
		}
		var r overview.Row
		if l, ok := s.ld().links[p][doctorID]; ok {
			l = normLink(l)
			r.Link = &l
		}
		if u, ok := s.users[p]; ok {
			r.User = &u
		}
		r.Summary = decodeSummary(s.dd().summaries[p])
		out[p] = r
	}
	return out, nil
}

// Profiles implements copd.DirectoryStore.
func (s *Store) Profiles(ctx context.Context, userIDs, practiceIDs []string) (map[string]copd.User, map[string]copd.Practice, error) {
	if err := s.begin(ctx, OpProfiles); err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	users, practices := map[string]copd.User{}, map[string]copd.Practice{}
	for _, id := range userIDs {
		if u, ok := s.users[id]; ok {
			users[id] = u
		}
	}
	for _, id := range practiceIDs {
		if p, ok := s.practices[id]; ok {
			practices[id] = clonePractice(p)
		}
	}
	return users, practices, nil
}

// PutAudit implements copd.AuditStore: an entry with an existing key is
// left as it is.
func (s *Store) PutAudit(ctx context.Context, entries ...copd.AuditEntry) error {
	if err := s.begin(ctx, OpPutAudit); err != nil {
		return err
	}
	for _, e := range entries {
		if e.PatientID == "" || e.DoctorID == "" || e.RequestID == "" || e.At.IsZero() || e.Action == "" || strings.Contains(e.RequestID, "#") {
			return internal("put audit: empty or malformed key field")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range entries {
		e.At = e.At.UTC()
		m := s.dd().audits[e.PatientID]
		if m == nil {
			m = map[string]copd.AuditEntry{}
			s.dd().audits[e.PatientID] = m
		}
		sk := keys.Audit(e.At, e.RequestID)
		if _, ok := m[sk]; !ok {
			m[sk] = e
		}
	}
	return nil
}

// AuditLog implements copd.AuditStore, newest first.
func (s *Store) AuditLog(ctx context.Context, patientID, after string, limit int) ([]copd.AuditEntry, string, error) {
	if err := s.begin(ctx, OpAuditLog); err != nil {
		return nil, "", err
	}
	if patientID == "" || limit < 1 {
		return nil, "", internal("audit log: empty patient id or limit")
	}
	if after != "" && !keys.ValidAuditPosition(after) {
		return nil, "", errs.E(errs.Invalid, copd.CodeInvalidCursor, copd.MsgInvalidCursor)
	}
	s.mu.Lock()
	var sks []string
	for sk := range s.dd().audits[patientID] {
		if after == "" || sk < keys.AuditPrefix+after {
			sks = append(sks, sk)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(sks)))
	next := ""
	if len(sks) > limit {
		sks, next = sks[:limit], strings.TrimPrefix(sks[limit-1], keys.AuditPrefix)
	}
	out := make([]copd.AuditEntry, 0, len(sks))
	for _, sk := range sks {
		out = append(out, s.dd().audits[patientID][sk])
	}
	s.mu.Unlock()
	return out, next, nil
}

// RecordsPage implements copd.ExportStore on RecordsByDate's order.
func (s *Store) RecordsPage(ctx context.Context, patientID, from, to string, after *copd.DateKey, limit int) ([]copd.StoredRecord, *copd.DateKey, error) {
	if err := s.begin(ctx, OpRecordsPage); err != nil {
		return nil, nil, err
	}
	if patientID == "" || limit < 1 {
		return nil, nil, internal("records page: empty patient id or limit")
	}
	s.mu.Lock()
	type keyed struct {
		sk string
		r  copd.StoredRecord
	}
	lo, hi := keys.DateRange(from, to)
	start := ""
	if after != nil {
		start = keys.RecordByDate(after.Date, string(after.Type), after.ID)
	}
	var hits []keyed
	for _, r := range s.records[patientID] {
		sk := keys.RecordByDate(r.Date, string(r.Type), r.ID)
		if sk >= lo && sk <= hi && sk > start {
			hits = append(hits, keyed{sk, cloneRecord(r)})
		}
	}
	s.mu.Unlock()
	sort.Slice(hits, func(i, j int) bool { return hits[i].sk < hits[j].sk })
	var out []copd.StoredRecord
	for _, h := range hits {
		out = append(out, h.r)
	}
	if len(out) > limit {
		last := out[limit-1]
		return out[:limit], &copd.DateKey{Date: last.Date, Type: last.Type, ID: last.ID}, nil
	}
	return out, nil, nil
}
