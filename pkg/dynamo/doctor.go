package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/keys"
	"github.com/copdfuel/backend/pkg/overview"
)

var (
	_ copd.AuditStore     = (*Store)(nil)
	_ copd.ExportStore    = (*Store)(nil)
	_ copd.DirectoryStore = (*Store)(nil)
	_ overview.Store      = (*Store)(nil)
)

// batchWriteLimit is BatchWriteItem's limit on items per request.
const batchWriteLimit = 25

func invalidCursor(cause error) error {
	return errs.Wrap(errs.Invalid, copd.CodeInvalidCursor, copd.MsgInvalidCursor, cause)
}

// summaryItem is a patient's list summary: the Summary as JSON (it is read
// whole and never queried into) and its revision for optimistic writes.
type summaryItem struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"`
	Revision int64  `dynamodbav:"rev"`
	Data     string `dynamodbav:"summary"`
}

type auditItem struct {
	PK string `dynamodbav:"pk"`
	SK string `dynamodbav:"sk"`
	copd.AuditEntry
}

// GetSummary is one strongly consistent GetItem of PATIENT#<sub> SUMMARY.
func (s *Store) GetSummary(ctx context.Context, patientID string) (overview.Summary, int64, error) {
	if patientID == "" {
		return overview.Summary{}, 0, internalErr(errors.New("dynamo: get summary: empty patient id"))
	}
	var it summaryItem
	found, err := s.get(ctx, "GetSummary", key(keys.Patient(patientID), keys.SummarySK), &it)
	if err != nil || !found {
		return overview.Summary{}, 0, err
	}
	sum, err := decodeSummary(it)
	return sum, it.Revision, err
}

func decodeSummary(it summaryItem) (overview.Summary, error) {
	var sum overview.Summary
	if err := json.Unmarshal([]byte(it.Data), &sum); err != nil {
		return overview.Summary{}, internalErr(fmt.Errorf("dynamo: summary %s: %w", it.PK, err))
	}
	return sum, nil
}

// PutSummary is one PutItem on condition attribute_not_exists(pk) (rev 0)
// or rev = :rev.
func (s *Store) PutSummary(ctx context.Context, patientID string, sum overview.Summary, rev int64) error {
	if patientID == "" || rev < 0 {
		return internalErr(errors.New("dynamo: put summary: empty patient id or negative revision"))
	}
	b, err := json.Marshal(sum)
	if err != nil {
		return internalErr(fmt.Errorf("dynamo: put summary: %w", err))
	}
	cond := expression.Name(keys.PK).AttributeNotExists()
	if rev > 0 {
		cond = expression.Name("rev").Equal(expression.Value(rev))
	}
	return s.put(ctx, "PutSummary", summaryItem{PK: keys.Patient(patientID), SK: keys.SummarySK, Revision: rev + 1, Data: string(b)}, &cond)
}

// LinkedPatients queries GSI1 DOCTOR#<doctor> begins_with PATIENT#, with
// Limit limit and, after a page, an ExclusiveStartKey built here from the
// caller's doctor id and the last patient id: a position can never name
// another doctor's partition.
func (s *Store) LinkedPatients(ctx context.Context, doctorID, after string, limit int) ([]string, string, error) {
	if doctorID == "" || limit < 1 {
		return nil, "", internalErr(errors.New("dynamo: linked patients: empty doctor id or limit"))
	}
	kc := expression.Key(keys.GSI1PK).Equal(expression.Value(keys.Doctor(doctorID))).
		And(expression.Key(keys.GSI1SK).BeginsWith(keys.LinkedPatient("")))
	expr, err := expression.NewBuilder().WithKeyCondition(kc).Build()
	if err != nil {
		return nil, "", internalErr(err)
	}
	in := &dynamodb.QueryInput{
		TableName: &s.table, IndexName: aws.String(keys.Inverted),
		KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ReturnConsumedCapacity: s.rcc(),
	}
	if after != "" {
		in.ExclusiveStartKey = map[string]types.AttributeValue{
			keys.GSI1PK: &types.AttributeValueMemberS{Value: keys.Doctor(doctorID)},
			keys.GSI1SK: &types.AttributeValueMemberS{Value: keys.LinkedPatient(after)},
			keys.PK:     &types.AttributeValueMemberS{Value: keys.Patient(after)},
			keys.SK:     &types.AttributeValueMemberS{Value: keys.Link(doctorID)},
		}
	}
	var out []string
	// Ask for one more than a page: if it comes back, there is a next page
	// (DynamoDB's LastEvaluatedKey alone cannot tell an exactly full last
	// page from a longer list).
	for {
		in.Limit = aws.Int32(int32(limit + 1 - len(out)))
		page, err := s.api.Query(ctx, in)
		if err != nil {
			return nil, "", mapErr("linked patients", err)
		}
		s.capacity.add("LinkedPatients", page.ConsumedCapacity)
		for _, item := range page.Items {
			it, err := unmarshalInto[linkItem]("LinkedPatients", item)
			if err != nil {
				return nil, "", err
			}
			out = append(out, it.PatientID)
		}
		if len(out) > limit {
			return out[:limit], out[limit-1], nil
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, "", nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

// Rows reads the link, profile and summary of each patient with strongly
// consistent BatchGetItem requests (three keys a patient, 100 keys a
// request), unprocessed keys retried as in GetRecords.
func (s *Store) Rows(ctx context.Context, doctorID string, patientIDs []string) (map[string]overview.Row, error) {
	if doctorID == "" {
		return nil, internalErr(errors.New("dynamo: rows: empty doctor id"))
	}
	var ks []map[string]types.AttributeValue
	seen := map[string]bool{}
	for _, p := range patientIDs {
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		ks = append(ks, key(keys.Patient(p), keys.Link(doctorID)), key(keys.User(p), keys.Profile), key(keys.Patient(p), keys.SummarySK))
	}
	out := make(map[string]overview.Row, len(seen))
	for p := range seen {
		out[p] = overview.Row{}
	}
	err := s.batchGetItems(ctx, "Rows", ks, func(item map[string]types.AttributeValue) error {
		pk, sk := str(item[keys.PK]), str(item[keys.SK])
		switch {
		case strings.HasPrefix(sk, keys.LinkPrefix):
			it, err := unmarshalInto[linkItem]("Rows", item)
			if err != nil {
				return err
			}
			l := linkOut(it)
			r := out[l.PatientID]
			r.Link = &l
			out[l.PatientID] = r
		case sk == keys.Profile:
			it, err := unmarshalInto[userItem]("Rows", item)
			if err != nil {
				return err
			}
			id := strings.TrimPrefix(pk, keys.User(""))
			r := out[id]
			u := it.User
			r.User = &u
			out[id] = r
		case sk == keys.SummarySK:
			it, err := unmarshalInto[summaryItem]("Rows", item)
			if err != nil {
				return err
			}
			sum, err := decodeSummary(it)
			if err != nil {
				return err
			}
			id := strings.TrimPrefix(pk, keys.Patient(""))
			r := out[id]
			r.Summary = sum
			out[id] = r
		}
		return nil
	})
	return out, err
}

func str(av types.AttributeValue) string {
	if v, ok := av.(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// Profiles reads users and practices with strongly consistent
// BatchGetItem requests.
func (s *Store) Profiles(ctx context.Context, userIDs, practiceIDs []string) (map[string]copd.User, map[string]copd.Practice, error) {
	var ks []map[string]types.AttributeValue
	seen := map[string]bool{}
	for _, id := range userIDs {
		if id != "" && !seen[keys.User(id)] {
			seen[keys.User(id)] = true
			ks = append(ks, key(keys.User(id), keys.Profile))
		}
	}
	for _, id := range practiceIDs {
		if id != "" && !seen[keys.Practice(id)] {
			seen[keys.Practice(id)] = true
			ks = append(ks, key(keys.Practice(id), keys.Profile))
		}
	}
	users, practices := map[string]copd.User{}, map[string]copd.Practice{}
	err := s.batchGetItems(ctx, "Profiles", ks, func(item map[string]types.AttributeValue) error {
		pk := str(item[keys.PK])
		if strings.HasPrefix(pk, keys.User("")) {
			it, err := unmarshalInto[userItem]("Profiles", item)
			if err == nil {
				users[strings.TrimPrefix(pk, keys.User(""))] = it.User
			}
			return err
		}
		it, err := unmarshalInto[practiceItem]("Profiles", item)
		if err == nil {
			practices[strings.TrimPrefix(pk, keys.Practice(""))] = it.Practice
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return users, practices, nil
}

// batchGetItems reads ks in strongly consistent BatchGetItem requests of at
// most 100 keys, calling each for every item found, and retries unprocessed
// keys like batchGet.
func (s *Store) batchGetItems(ctx context.Context, op string, ks []map[string]types.AttributeValue, each func(map[string]types.AttributeValue) error) error {
	for len(ks) > 0 {
		n := min(len(ks), batchGetLimit)
		chunk := ks[:n]
		ks = ks[n:]
		stalls := 0
		for retry := 0; len(chunk) > 0; retry++ {
			res, err := s.api.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
				RequestItems:           map[string]types.KeysAndAttributes{s.table: {Keys: chunk, ConsistentRead: aws.Bool(true)}},
				ReturnConsumedCapacity: s.rcc(),
			})
			if err != nil {
				return mapErr(op, err)
			}
			for _, c := range res.ConsumedCapacity {
				s.capacity.add(op, &c)
			}
			for _, item := range res.Responses[s.table] {
				if err := each(item); err != nil {
					return err
				}
			}
			left := res.UnprocessedKeys[s.table].Keys
			if len(left) == 0 {
				break
			}
			if len(left) < len(chunk) {
				stalls = 0
			} else {
				stalls++
			}
			chunk = left
			if stalls > s.retryAttempts {
				return errs.Wrap(errs.Unavailable, codeUnavailable, msgUnavailable, fmt.Errorf("dynamo: %s: %d keys unprocessed after %d retries", op, len(chunk), retry))
			}
			if err := s.sleep(ctx, retry); err != nil {
				return errs.Wrap(errs.Unavailable, codeUnavailable, msgUnavailable, fmt.Errorf("dynamo: %s: %d keys unprocessed: %w", op, len(chunk), err))
			}
		}
	}
	return nil
}

func checkAudit(e copd.AuditEntry) error {
	if e.PatientID == "" || e.DoctorID == "" || e.RequestID == "" || e.At.IsZero() || e.Action == "" || strings.Contains(e.RequestID, "#") {
		return internalErr(errors.New("dynamo: put audit: empty or malformed key field"))
	}
	return nil
}

// PutAudit writes one entry with PutItem on condition
// attribute_not_exists(pk) (an existing entry, from a retry of the same
// request, is success), and several with BatchWriteItem requests of 25,
// retrying unprocessed items (re-putting an entry writes the same item:
// its key holds the request's time and id).
func (s *Store) PutAudit(ctx context.Context, entries ...copd.AuditEntry) error {
	items := make([]map[string]types.AttributeValue, 0, len(entries))
	for _, e := range entries {
		if err := checkAudit(e); err != nil {
			return err
		}
		e.At = e.At.UTC()
		av, err := attributevalue.MarshalMap(auditItem{PK: keys.Patient(e.PatientID), SK: keys.Audit(e.At, e.RequestID), AuditEntry: e})
		if err != nil {
			return internalErr(fmt.Errorf("dynamo: put audit: %w", err))
		}
		items = append(items, av)
	}
	if len(items) == 1 {
		cond := expression.Name(keys.PK).AttributeNotExists()
		err := s.put(ctx, "PutAudit", auditItemFrom(entries[0]), &cond)
		if errs.Is(err, errs.Conflict) {
			return nil
		}
		return err
	}
	for len(items) > 0 {
		n := min(len(items), batchWriteLimit)
		var reqs []types.WriteRequest
		for _, it := range items[:n] {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
		}
		items = items[n:]
		stalls := 0
		for retry := 0; len(reqs) > 0; retry++ {
			res, err := s.api.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
				RequestItems: map[string][]types.WriteRequest{s.table: reqs}, ReturnConsumedCapacity: s.rcc(),
			})
			if err != nil {
				return mapErr("put audit", err)
			}
			for _, c := range res.ConsumedCapacity {
				s.capacity.add("PutAudit", &c)
			}
			left := res.UnprocessedItems[s.table]
			if len(left) == 0 {
				break
			}
			if len(left) < len(reqs) {
				stalls = 0
			} else {
				stalls++
			}
			reqs = left
			if stalls > s.retryAttempts {
				return errs.Wrap(errs.Unavailable, codeUnavailable, msgUnavailable, fmt.Errorf("dynamo: put audit: %d items unprocessed after %d retries", len(reqs), retry))
			}
			if err := s.sleep(ctx, retry); err != nil {
				return errs.Wrap(errs.Unavailable, codeUnavailable, msgUnavailable, fmt.Errorf("dynamo: put audit: %d items unprocessed: %w", len(reqs), err))
			}
		}
	}
	return nil
}

func auditItemFrom(e copd.AuditEntry) auditItem {
	e.At = e.At.UTC()
	return auditItem{PK: keys.Patient(e.PatientID), SK: keys.Audit(e.At, e.RequestID), AuditEntry: e}
}

// AuditLog queries PATIENT#<sub> begins_with AUDIT#, newest first, with
// Limit limit+1. A position is the entry's sort key after AUDIT#; the
// ExclusiveStartKey is rebuilt with the patient's own partition.
func (s *Store) AuditLog(ctx context.Context, patientID, after string, limit int) ([]copd.AuditEntry, string, error) {
	if patientID == "" || limit < 1 {
		return nil, "", internalErr(errors.New("dynamo: audit log: empty patient id or limit"))
	}
	kc := expression.Key(keys.PK).Equal(expression.Value(keys.Patient(patientID))).
		And(expression.Key(keys.SK).BeginsWith(keys.AuditPrefix))
	expr, err := expression.NewBuilder().WithKeyCondition(kc).Build()
	if err != nil {
		return nil, "", internalErr(err)
	}
	in := &dynamodb.QueryInput{
		TableName: &s.table, ConsistentRead: aws.Bool(true), ScanIndexForward: aws.Bool(false),
		KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ReturnConsumedCapacity: s.rcc(),
	}
	if after != "" {
		if !keys.ValidAuditPosition(after) {
			return nil, "", invalidCursor(errors.New("dynamo: audit log: malformed position"))
		}
		in.ExclusiveStartKey = key(keys.Patient(patientID), keys.AuditPrefix+after)
	}
	var out []copd.AuditEntry
	var sks []string
	for {
		in.Limit = aws.Int32(int32(limit + 1 - len(out)))
		page, err := s.api.Query(ctx, in)
		if err != nil {
			return nil, "", mapErr("audit log", err)
		}
		s.capacity.add("AuditLog", page.ConsumedCapacity)
		for _, item := range page.Items {
			it, err := unmarshalInto[auditItem]("AuditLog", item)
			if err != nil {
				return nil, "", err
			}
			it.At = it.At.UTC()
			out = append(out, it.AuditEntry)
			sks = append(sks, it.SK)
		}
		if len(out) > limit {
			return out[:limit], strings.TrimPrefix(sks[limit-1], keys.AuditPrefix), nil
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, "", nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

// RecordsPage queries the ByDate index of the patient's partition for
// from..to like RecordsByDate, with Limit limit+1 (so that a full last
// page has no next position), following LastEvaluatedKey while the 1 MB
// response limit cuts a page short. The ExclusiveStartKey is rebuilt from
// after within the patient's own partition.
func (s *Store) RecordsPage(ctx context.Context, patientID, from, to string, after *copd.DateKey, limit int) ([]copd.StoredRecord, *copd.DateKey, error) {
	if patientID == "" || limit < 1 {
		return nil, nil, internalErr(errors.New("dynamo: records page: empty patient id or limit"))
	}
	if from > to {
		return nil, nil, nil
	}
	lo, hi := keys.DateRange(from, to)
	kc := expression.Key(keys.PK).Equal(expression.Value(keys.Patient(patientID))).
		And(expression.Key(keys.LSI1SK).Between(expression.Value(lo), expression.Value(hi)))
	expr, err := expression.NewBuilder().WithKeyCondition(kc).Build()
	if err != nil {
		return nil, nil, internalErr(err)
	}
	in := &dynamodb.QueryInput{
		TableName: &s.table, IndexName: aws.String(keys.ByDate), ConsistentRead: aws.Bool(true),
		KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ReturnConsumedCapacity: s.rcc(),
	}
	if after != nil {
		in.ExclusiveStartKey = map[string]types.AttributeValue{
			keys.PK:     &types.AttributeValueMemberS{Value: keys.Patient(patientID)},
			keys.SK:     &types.AttributeValueMemberS{Value: keys.Record(string(after.Type), after.ID)},
			keys.LSI1SK: &types.AttributeValueMemberS{Value: keys.RecordByDate(after.Date, string(after.Type), after.ID)},
		}
	}
	var out []copd.StoredRecord
	for {
		in.Limit = aws.Int32(int32(limit + 1 - len(out)))
		page, err := s.api.Query(ctx, in)
		if err != nil {
			return nil, nil, mapErr("records page", err)
		}
		s.capacity.add("RecordsPage", page.ConsumedCapacity)
		for _, item := range page.Items {
			r, err := unmarshalRecord(item)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, r)
		}
		if len(out) > limit {
			last := out[limit-1]
			return out[:limit], &copd.DateKey{Date: last.Date, Type: last.Type, ID: last.ID}, nil
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}
