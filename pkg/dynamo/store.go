// Package dynamo is the DynamoDB adapter of the COPD Fuel backend: Store
// implements copd.RecordStore and copd.UserStore on the one table described by
// package keys, and CreateTable builds that table for the local stack and the
// tests. docs/architecture-storage.md lists every access pattern it issues
// and what each costs.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/keys"
)

// API is the part of the DynamoDB client the store uses. *dynamodb.Client
// implements it; tests wrap a real client to inject faults.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// Attribute names the store adds to a record's own attributes.
const (
	attrUpdatedNanos = "uts"      // Version.UpdatedAt, a number (Unix nanoseconds)
	attrVersionHash  = "vh"       // Version.Hash, a string
	attrSyncedAt     = "syncedAt" // when the server accepted the write (RFC 3339, UTC)
)

// batchGetLimit is BatchGetItem's limit on keys per request.
const batchGetLimit = 100

// Store is the DynamoDB implementation of copd.RecordStore and copd.UserStore.
// It is safe for concurrent use.
type Store struct {
	api   API
	table string

	capacity *Capacity

	// Retries of BatchGetItem's UnprocessedKeys (see WithBatchRetry).
	retryAttempts int
	retryBase     time.Duration
	retryMax      time.Duration
}

// Option configures a Store.
type Option func(*Store)

// WithCapacity makes every request ask for its consumed capacity (TOTAL) and
// adds it to c. It is meant for benchmarks and cost checks, not production.
func WithCapacity(c *Capacity) Option { return func(s *Store) { s.capacity = c } }

// WithBatchRetry sets how BatchGetItem's unprocessed keys are retried: give
// up after attempts retries in a row that processed nothing; sleep a
// jittered base*2^n (n counts every retry), capped at max. The defaults are
// 8, 25 ms and 1 s: about 3 s of stalling before Unavailable.
func WithBatchRetry(attempts int, base, max time.Duration) Option {
	return func(s *Store) { s.retryAttempts, s.retryBase, s.retryMax = attempts, base, max }
}

// New returns a Store on the named table.
func New(api API, table string, opts ...Option) *Store {
	s := &Store{api: api, table: table, retryAttempts: 8, retryBase: 25 * time.Millisecond, retryMax: time.Second}
	for _, o := range opts {
		o(s)
	}
	return s
}

var (
	_ copd.RecordStore = (*Store)(nil)
	_ copd.UserStore   = (*Store)(nil)
)

// recordItem is a health record as one table item.
type recordItem struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	LSI1SK string `dynamodbav:"lsi1sk"`
	copd.Record
	UpdatedNanos int64     `dynamodbav:"uts"`
	VersionHash  string    `dynamodbav:"vh"`
	SyncedAt     time.Time `dynamodbav:"syncedAt"`
}

// checkRecord prepares r for storing, the same way in every implementation
// (memstore calls copd's functions the same way): the record is normalised
// (a tombstone drops its health values) and its version is derived from it.
// A Version set by the caller must match; a mismatch is a bug in the caller.
func checkRecord(patientID string, r copd.StoredRecord) (copd.StoredRecord, error) {
	if patientID == "" || r.ID == "" || r.Type == "" || r.Date == "" {
		return r, internalErr(fmt.Errorf("dynamo: put record %s/%s: empty key field", r.Type, r.ID))
	}
	if _, err := time.Parse(time.RFC3339Nano, r.UpdatedAt); err != nil {
		return r, internalErr(fmt.Errorf("dynamo: put record %s/%s: unparsable updatedAt", r.Type, r.ID))
	}
	v := r.Record.Version()
	if r.Version != (copd.Version{}) && r.Version != v {
		return r, internalErr(fmt.Errorf("dynamo: put record %s/%s: version does not match the record", r.Type, r.ID))
	}
	return copd.StoredRecord{Record: r.Record.Normalized(), Version: v, SyncedAt: r.SyncedAt.UTC()}, nil
}

// PutRecord stores r with one conditional PutItem. The condition is
// copd.Version.After evaluated by DynamoDB against the stored item, so two
// writers racing on one record cannot both win and an older write never
// overwrites a newer one. Because the key holds type and id but not the date,
// a re-dated record replaces its old item and its old ByDate index entry in
// the same write.
//
// r is normalised first and its Version derived from the record; a non-zero
// r.Version that differs is an Internal error (the caller hashed something
// else). SyncedAt is stored in UTC.
func (s *Store) PutRecord(ctx context.Context, patientID string, r copd.StoredRecord) error {
	r, err := checkRecord(patientID, r)
	if err != nil {
		return err
	}
	item, err := attributevalue.MarshalMap(recordItem{
		PK:           keys.Patient(patientID),
		SK:           keys.Record(string(r.Type), r.ID),
		LSI1SK:       keys.RecordByDate(r.Date, string(r.Type), r.ID),
		Record:       r.Record,
		UpdatedNanos: r.Version.UpdatedAt,
		VersionHash:  r.Version.Hash,
		SyncedAt:     r.SyncedAt,
	})
	if err != nil {
		return internalErr(fmt.Errorf("dynamo: marshal record %s/%s: %w", r.Type, r.ID, err))
	}
	u, h := expression.Value(r.Version.UpdatedAt), expression.Value(r.Version.Hash)
	cond := expression.Name(keys.PK).AttributeNotExists().Or(
		expression.Name(attrUpdatedNanos).LessThan(u),
		expression.Name(attrUpdatedNanos).Equal(u).And(expression.Name(attrVersionHash).LessThan(h)),
	)
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return internalErr(err)
	}
	out, err := s.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 &s.table,
		Item:                      item,
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ReturnConsumedCapacity:    s.rcc(),
	})
	if err != nil {
		return mapErr(fmt.Sprintf("put record %s/%s", r.Type, r.ID), err)
	}
	s.capacity.add("PutRecord", out.ConsumedCapacity)
	return nil
}

// GetRecords reads keys with strongly consistent BatchGetItem requests of at
// most 100 keys each. Unprocessed keys (throttling, or the 16 MB response
// limit) are retried with jittered exponential backoff, bounded by the
// store's retry settings and by ctx's deadline; after that the call fails
// with Unavailable. Duplicate keys are read once.
func (s *Store) GetRecords(ctx context.Context, patientID string, rks []copd.RecordKey) (map[copd.RecordKey]copd.StoredRecord, error) {
	out := make(map[copd.RecordKey]copd.StoredRecord, len(rks))
	if patientID == "" {
		return nil, internalErr(errors.New("dynamo: get records: empty patient id"))
	}
	seen := make(map[copd.RecordKey]bool, len(rks))
	var pending []map[string]types.AttributeValue
	for _, k := range rks {
		if seen[k] {
			continue
		}
		seen[k] = true
		pending = append(pending, map[string]types.AttributeValue{
			keys.PK: &types.AttributeValueMemberS{Value: keys.Patient(patientID)},
			keys.SK: &types.AttributeValueMemberS{Value: keys.Record(string(k.Type), k.ID)},
		})
	}
	for len(pending) > 0 {
		n := min(len(pending), batchGetLimit)
		chunk := pending[:n]
		pending = pending[n:]
		if err := s.batchGet(ctx, chunk, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// batchGet reads one chunk of at most 100 keys into out, retrying unprocessed
// keys. It gives up after retryAttempts responses in a row that processed
// nothing; a response that made progress resets that count (the keys left
// shrink, so this ends), while the backoff keeps growing with every retry.
func (s *Store) batchGet(ctx context.Context, ks []map[string]types.AttributeValue, out map[copd.RecordKey]copd.StoredRecord) error {
	stalls := 0
	for retry := 0; ; retry++ {
		res, err := s.api.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
			RequestItems:           map[string]types.KeysAndAttributes{s.table: {Keys: ks, ConsistentRead: aws.Bool(true)}},
			ReturnConsumedCapacity: s.rcc(),
		})
		if err != nil {
			return mapErr("get records", err)
		}
		for _, c := range res.ConsumedCapacity {
			s.capacity.add("GetRecords", &c)
		}
		for _, item := range res.Responses[s.table] {
			r, err := unmarshalRecord(item)
			if err != nil {
				return err
			}
			out[r.Key()] = r
		}
		left := res.UnprocessedKeys[s.table].Keys
		if len(left) == 0 {
			return nil
		}
		if len(left) < len(ks) {
			stalls = 0
		} else {
			stalls++
		}
		ks = left
		if stalls > s.retryAttempts {
			return errs.Wrap(errs.Unavailable, codeUnavailable, msgUnavailable,
				fmt.Errorf("dynamo: get records: %d keys unprocessed after %d retries", len(ks), retry))
		}
		if err := s.sleep(ctx, retry); err != nil {
			return errs.Wrap(errs.Unavailable, codeUnavailable, msgUnavailable,
				fmt.Errorf("dynamo: get records: %d keys unprocessed: %w", len(ks), err))
		}
	}
}

// sleep waits before retry number attempt (0-based): a random time between
// half and all of base*2^attempt capped at max ("equal jitter": spreads
// retries out but never retries at once). It returns at once with an error if ctx ends
// first or its deadline falls before the wake-up (sleeping would be wasted).
func (s *Store) sleep(ctx context.Context, attempt int) error {
	d := s.retryMax
	if attempt < 30 {
		d = min(s.retryMax, s.retryBase<<attempt)
	}
	d = d/2 + rand.N(d/2+1)
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return context.DeadlineExceeded
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RecordsByDate queries the ByDate local secondary index of the patient's
// partition for from..to inclusive, strongly consistent, and follows
// LastEvaluatedKey to the end. The window is not bounded here: every call
// reads (and pays for) every record in it, so the caller bounds it (the
// overview by its days parameter, the export by its page size).
func (s *Store) RecordsByDate(ctx context.Context, patientID, from, to string) ([]copd.StoredRecord, error) {
	if patientID == "" {
		return nil, internalErr(errors.New("dynamo: records by date: empty patient id"))
	}
	if from > to {
		return nil, nil // BETWEEN rejects reversed bounds; the range is empty
	}
	lo, hi := keys.DateRange(from, to)
	kc := expression.Key(keys.PK).Equal(expression.Value(keys.Patient(patientID))).
		And(expression.Key(keys.LSI1SK).Between(expression.Value(lo), expression.Value(hi)))
	expr, err := expression.NewBuilder().WithKeyCondition(kc).Build()
	if err != nil {
		return nil, internalErr(err)
	}
	p := dynamodb.NewQueryPaginator(s.api, &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String(keys.ByDate),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
		ReturnConsumedCapacity:    s.rcc(),
	})
	var out []copd.StoredRecord
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, mapErr("records by date", err)
		}
		s.capacity.add("RecordsByDate", page.ConsumedCapacity)
		for _, item := range page.Items {
			r, err := unmarshalRecord(item)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

func unmarshalRecord(item map[string]types.AttributeValue) (copd.StoredRecord, error) {
	var it recordItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return copd.StoredRecord{}, internalErr(fmt.Errorf("dynamo: unmarshal record %s: %w", it.SK, err))
	}
	return copd.StoredRecord{
		Record:   it.Record,
		Version:  copd.Version{UpdatedAt: it.UpdatedNanos, Hash: it.VersionHash},
		SyncedAt: it.SyncedAt,
	}, nil
}

// userItem and practiceItem are profiles as table items.
type userItem struct {
	PK string `dynamodbav:"pk"`
	SK string `dynamodbav:"sk"`
	copd.User
}

type practiceItem struct {
	PK string `dynamodbav:"pk"`
	SK string `dynamodbav:"sk"`
	copd.Practice
}

// GetUser reads a user's profile (strongly consistent, so GET /me works right
// after the post-confirmation trigger created it).
func (s *Store) GetUser(ctx context.Context, userID string) (copd.User, error) {
	var it userItem
	if err := s.getProfile(ctx, "GetUser", keys.User(userID), "user "+userID, &it); err != nil {
		return copd.User{}, err
	}
	return it.User, nil
}

// PutUser creates the profile with a PutItem conditioned on the item not
// existing. If it exists, the stored profile is read and returned unchanged,
// so a retried sign-up trigger is harmless. Emails are stored lower-cased.
func (s *Store) PutUser(ctx context.Context, u copd.User) (copd.User, error) {
	u.Email = strings.ToLower(u.Email)
	u.CreatedAt = u.CreatedAt.UTC()
	if u.UserID == "" {
		return copd.User{}, internalErr(errors.New("dynamo: put user: empty user id"))
	}
	it := userItem{PK: keys.User(u.UserID), SK: keys.Profile, User: u}
	created, err := s.createProfile(ctx, "PutUser", it.PK, "user "+u.UserID, it)
	if err != nil || created {
		return u, err
	}
	return s.GetUser(ctx, u.UserID)
}

// GetPractice reads a practice (strongly consistent).
func (s *Store) GetPractice(ctx context.Context, practiceID string) (copd.Practice, error) {
	var it practiceItem
	if err := s.getProfile(ctx, "GetPractice", keys.Practice(practiceID), "practice "+practiceID, &it); err != nil {
		return copd.Practice{}, err
	}
	return it.Practice, nil
}

// PutPractice creates the practice if it does not exist, like PutUser, and
// returns the stored practice.
func (s *Store) PutPractice(ctx context.Context, p copd.Practice) (copd.Practice, error) {
	if p.PracticeID == "" {
		return copd.Practice{}, internalErr(errors.New("dynamo: put practice: empty practice id"))
	}
	p.CreatedAt = p.CreatedAt.UTC()
	if p.BAASignedAt != nil {
		t := p.BAASignedAt.UTC()
		p.BAASignedAt = &t
	}
	it := practiceItem{PK: keys.Practice(p.PracticeID), SK: keys.Profile, Practice: p}
	created, err := s.createProfile(ctx, "PutPractice", it.PK, "practice "+p.PracticeID, it)
	if err != nil || created {
		return p, err
	}
	return s.GetPractice(ctx, p.PracticeID)
}

// getProfile reads the PROFILE item of partition pk into v; what names the
// item (by id) in errors.
func (s *Store) getProfile(ctx context.Context, op, pk, what string, v any) error {
	if pk == keys.User("") || pk == keys.Practice("") {
		return errs.Wrap(errs.NotFound, "not_found", "not found", fmt.Errorf("dynamo: get %s: empty id", what))
	}
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table,
		Key: map[string]types.AttributeValue{
			keys.PK: &types.AttributeValueMemberS{Value: pk},
			keys.SK: &types.AttributeValueMemberS{Value: keys.Profile},
		},
		ConsistentRead:         aws.Bool(true),
		ReturnConsumedCapacity: s.rcc(),
	})
	if err != nil {
		return mapErr("get "+what, err)
	}
	s.capacity.add(op, out.ConsumedCapacity)
	if out.Item == nil {
		return errs.Wrap(errs.NotFound, "not_found", "not found", fmt.Errorf("dynamo: get %s: no such item", what))
	}
	if err := attributevalue.UnmarshalMap(out.Item, v); err != nil {
		return internalErr(fmt.Errorf("dynamo: unmarshal %s: %w", what, err))
	}
	return nil
}

// createProfile puts item if partition pk has no item yet. It reports
// whether it wrote; an existing item is not an error.
func (s *Store) createProfile(ctx context.Context, op, pk, what string, item any) (bool, error) {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return false, internalErr(fmt.Errorf("dynamo: marshal %s: %w", what, err))
	}
	expr, err := expression.NewBuilder().WithCondition(expression.Name(keys.PK).AttributeNotExists()).Build()
	if err != nil {
		return false, internalErr(err)
	}
	out, err := s.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                &s.table,
		Item:                     av,
		ConditionExpression:      expr.Condition(),
		ExpressionAttributeNames: expr.Names(),
		ReturnConsumedCapacity:   s.rcc(),
	})
	if err != nil {
		err = mapErr("create "+what, err)
		if errs.Is(err, errs.Conflict) {
			return false, nil
		}
		return false, err
	}
	s.capacity.add(op, out.ConsumedCapacity)
	return true, nil
}

func (s *Store) rcc() types.ReturnConsumedCapacity {
	if s.capacity == nil {
		return ""
	}
	return types.ReturnConsumedCapacityTotal
}
