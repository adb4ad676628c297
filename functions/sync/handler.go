package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/copdfuel/backend/pkg/apigw"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/overview"
)

// Store is what the sync handler needs of the record store.
type Store interface {
	GetRecords(ctx context.Context, patientID string, keys []copd.RecordKey) (map[copd.RecordKey]copd.StoredRecord, error)
	PutRecord(ctx context.Context, patientID string, r copd.StoredRecord) error
	// GetSummary and PutSummary keep the patient's list summary (the flags
	// of GET /patients) up to date.
	GetSummary(ctx context.Context, patientID string) (overview.Summary, int64, error)
	PutSummary(ctx context.Context, patientID string, s overview.Summary, rev int64) error
}

// summaryAttempts bounds the read-apply-write rounds of the summary when
// other syncs of the same patient keep winning the conditional write.
const summaryAttempts = 5

// Handler serves POST /sync: it upserts a batch of a patient's records with
// last-writer-wins, answering one result per record in request order.
type Handler struct {
	Records Store
	Now     func() time.Time
	// Parallel bounds concurrent conditional writes per request.
	Parallel int
}

// Error codes of POST /sync (record-level codes are in package copd).
const (
	CodeNoRecords      = "no_records"
	CodeTooMany        = "too_many_records"
	CodeRecordTooLarge = "record_too_large"
	CodeInvalidRecord  = "invalid_json"
	CodeUnknownField   = "unknown_field"
)

// item is one record of the request on its way through the handler.
type item struct {
	rec     copd.Record
	version copd.Version
	result  copd.SyncResult
	// current is what the store holds for the record's key once the
	// request is done: this record, or the newer one it lost to.
	current *copd.StoredRecord
}

// Serve handles one request.
func (h *Handler) Serve(ctx context.Context, req *apigw.Request) (apigw.Response, error) {
	var body copd.SyncRequest
	if err := apigw.DecodeJSONTop(req.Body, &body); err != nil {
		return apigw.Response{}, err
	}
	switch n := len(body.Records); {
	case n == 0:
		return apigw.Response{}, errs.E(errs.Invalid, CodeNoRecords, "records: must hold at least one record")
	case n > copd.MaxSyncRecords:
		return apigw.Response{}, errs.E(errs.TooLarge, CodeTooMany, fmt.Sprintf("records: at most %d records per request", copd.MaxSyncRecords))
	}
	now := h.Now()
	items := make([]item, len(body.Records))
	winners := map[copd.RecordKey]int{}
	for i, raw := range body.Records {
		it := &items[i]
		rec, err := parseRecord(raw, now)
		it.result = copd.SyncResult{ID: rec.ID, Type: rec.Type}
		if err != nil {
			pub := errs.Public(err)
			it.result.Status = copd.StatusInvalid
			it.result.Error = &copd.ResultError{Code: pub.Code, Message: pub.Message}
			continue
		}
		it.rec = rec.Normalized()
		it.version = rec.Version()
		// Two records with one key in a request: only the newer is written.
		if w, dup := winners[rec.Key()]; !dup || it.version.After(items[w].version) {
			winners[rec.Key()] = i
		}
	}
	keys := make([]copd.RecordKey, 0, len(winners))
	for k := range winners {
		keys = append(keys, k)
	}
	if err := h.write(ctx, req.Caller.Sub, keys, winners, items, now); err != nil {
		return apigw.Response{}, err
	}
	if err := h.summarize(ctx, req.Caller.Sub, keys, winners, items, now); err != nil {
		return apigw.Response{}, err
	}
	resp := copd.SyncResponse{Results: make([]copd.SyncResult, len(items))}
	counts := map[copd.SyncStatus]int{}
	for i := range items {
		it := &items[i]
		if it.result.Status == "" { // a duplicate that lost within the request
			w := items[winners[it.rec.Key()]]
			it.result.Status = copd.StatusStale
			if w.version == it.version {
				it.result.Status = copd.StatusUnchanged
			}
		}
		resp.Results[i] = it.result
		counts[it.result.Status]++
	}
	log := []any{"records", len(items)}
	for _, s := range []copd.SyncStatus{copd.StatusCreated, copd.StatusUpdated, copd.StatusUnchanged, copd.StatusStale, copd.StatusDeleted, copd.StatusInvalid} {
		log = append(log, string(s), counts[s])
	}
	return apigw.Response{Status: 200, Body: resp, LogAttrs: log}, nil
}

// write reads the stored versions of the winners in one batch, then writes
// each winner that is newer with a conditional put. A put that loses a race
// (Conflict) is classified by reading again. Any other store failure fails
// the request (503 or 500): the client retries the batch, and a replay is
// harmless, so nothing is ever reported as stored when it is not.
func (h *Handler) write(ctx context.Context, patient string, keys []copd.RecordKey, winners map[copd.RecordKey]int, items []item, now time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	stored, err := h.Records.GetRecords(ctx, patient, keys)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(h.Parallel, 1))
	for _, k := range keys {
		it := &items[winners[k]]
		old, exists := stored[k]
		switch {
		case exists && old.Version == it.version:
			it.result.Status = copd.StatusUnchanged
			it.current = &old
			continue
		case exists && !it.version.After(old.Version):
			it.result.Status = copd.StatusStale
			it.current = &old
			continue
		}
		g.Go(func() error {
			sr := copd.StoredRecord{Record: it.rec, Version: it.version, SyncedAt: now}
			err := h.Records.PutRecord(gctx, patient, sr)
			switch {
			case err == nil:
				it.result.Status = written(it.rec, exists)
				it.current = &sr
				return nil
			case errs.Is(err, errs.Conflict):
				return h.classifyLost(gctx, patient, it)
			default:
				return err
			}
		})
	}
	return g.Wait()
}

func written(r copd.Record, existed bool) copd.SyncStatus {
	switch {
	case r.Deleted:
		return copd.StatusDeleted
	case existed:
		return copd.StatusUpdated
	default:
		return copd.StatusCreated
	}
}

// classifyLost decides the status of a record whose conditional put failed:
// the stored version is equal (unchanged) or newer (stale).
func (h *Handler) classifyLost(ctx context.Context, patient string, it *item) error {
	now, err := h.Records.GetRecords(ctx, patient, []copd.RecordKey{it.rec.Key()})
	if err != nil {
		return err
	}
	it.result.Status = copd.StatusStale
	if cur, ok := now[it.rec.Key()]; ok {
		if cur.Version == it.version {
			it.result.Status = copd.StatusUnchanged
		}
		it.current = &cur
	}
	return nil
}

// summarize applies what the store now holds for every key of the batch
// (the written records, and for unchanged or stale ones the stored
// version) to the patient's list summary, with a write conditioned on the
// summary's revision; on a lost race it reads again and re-applies, a
// bounded number of times.
//
// It runs after the records are stored. If it fails, the request fails
// (503 or 500) although the records are durable: the phone retries the
// batch, the retry finds every record unchanged, and because the whole
// batch is applied again (Apply is idempotent: a fact changes only for a
// newer version) the summary catches up. So a 200 always means the list
// flags include the batch.
func (h *Handler) summarize(ctx context.Context, patient string, keys []copd.RecordKey, winners map[copd.RecordKey]int, items []item, now time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	recs := make([]copd.StoredRecord, 0, len(keys))
	for _, k := range keys {
		if cur := items[winners[k]].current; cur != nil {
			recs = append(recs, *cur)
		}
	}
	var err error
	for range summaryAttempts {
		sum, rev, gerr := h.Records.GetSummary(ctx, patient)
		if gerr != nil {
			return gerr
		}
		err = h.Records.PutSummary(ctx, patient, sum.Apply(recs, now), rev)
		if !errs.Is(err, errs.Conflict) {
			return err
		}
	}
	return errs.Wrap(errs.Unavailable, "store_unavailable", "the data store is busy; retry later", fmt.Errorf("sync: summary still contended: %w", err))
}

// parseRecord decodes and validates one raw record. On error it still
// returns what it could read of the id and type, for the result.
func parseRecord(raw json.RawMessage, now time.Time) (copd.Record, error) {
	var env struct {
		ID   any `json:"id"`
		Type any `json:"type"`
	}
	_ = json.Unmarshal(raw, &env)
	var rec copd.Record
	rec.ID, _ = env.ID.(string)
	if t, ok := env.Type.(string); ok {
		rec.Type = copd.RecordType(t)
	}
	if len(raw) > copd.MaxRecordBytes {
		return rec, errs.E(errs.Invalid, CodeRecordTooLarge, fmt.Sprintf("record is larger than %d bytes", copd.MaxRecordBytes))
	}
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		return rec, errs.E(errs.Invalid, CodeInvalidRecord, "record must be a JSON object")
	}
	if err := apigw.DecodeJSON(raw, &rec); err != nil {
		var e *errs.Error
		if errors.As(err, &e) && e.Code == apigw.CodeBodyRequired {
			return rec, errs.E(errs.Invalid, CodeInvalidRecord, "record must be a JSON object")
		}
		return rec, err
	}
	if err := rec.Validate(now); err != nil {
		return rec, err
	}
	return rec, nil
}
