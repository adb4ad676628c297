package dynamo

import (
	"context"
	"errors"
	"fmt"
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

var _ copd.LinkStore = (*Store)(nil)

// Attributes the store adds to link items.
const (
	attrStatus     = "status"
	attrExpNanos   = "expNanos"  // an invite's ExpiresAt as Unix nanoseconds, for conditions
	attrConsentSK  = "consentSk" // a link's consent, as the consent's sort key
	attrWindow     = "ws"        // a throttle's window start, Unix nanoseconds
	attrFailures   = "failures"
	attrUsedBy     = "usedBy"
	attrUsedAt     = "usedAt"
	attrRevokedAt  = "revokedAt"
	attrWithdrawn  = "withdrawnAt"
	maxCASAttempts = 4 // conditional retries of ActivateLink and AddFailure under contention
)

type inviteItem struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"`
	GSI1PK   string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK   string `dynamodbav:"gsi1sk,omitempty"`
	ExpNanos int64  `dynamodbav:"expNanos"`
	copd.Invite
}

type consentItem struct {
	PK string `dynamodbav:"pk"`
	SK string `dynamodbav:"sk"`
	copd.Consent
}

type linkItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	GSI1PK    string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK    string `dynamodbav:"gsi1sk,omitempty"`
	ConsentSK string `dynamodbav:"consentSk"`
	copd.Link
}

type throttleItem struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"`
	Window   int64  `dynamodbav:"ws"`
	Failures int    `dynamodbav:"failures"`
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		keys.PK: &types.AttributeValueMemberS{Value: pk},
		keys.SK: &types.AttributeValueMemberS{Value: sk},
	}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// get reads one item (strongly consistent) into v; found is false if absent.
func (s *Store) get(ctx context.Context, op string, k map[string]types.AttributeValue, v any) (bool, error) {
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: k, ConsistentRead: aws.Bool(true), ReturnConsumedCapacity: s.rcc(),
	})
	if err != nil {
		return false, mapErr(op, err)
	}
	s.capacity.add(op, out.ConsumedCapacity)
	if out.Item == nil {
		return false, nil
	}
	if err := attributevalue.UnmarshalMap(out.Item, v); err != nil {
		return false, internalErr(fmt.Errorf("dynamo: %s: unmarshal: %w", op, err))
	}
	return true, nil
}

// put writes item under cond (may be nil).
func (s *Store) put(ctx context.Context, op string, item any, cond *expression.ConditionBuilder) error {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return internalErr(fmt.Errorf("dynamo: %s: marshal: %w", op, err))
	}
	in := &dynamodb.PutItemInput{TableName: &s.table, Item: av, ReturnConsumedCapacity: s.rcc()}
	if cond != nil {
		expr, err := expression.NewBuilder().WithCondition(*cond).Build()
		if err != nil {
			return internalErr(err)
		}
		in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues = expr.Condition(), expr.Names(), expr.Values()
	}
	out, err := s.api.PutItem(ctx, in)
	if err != nil {
		return mapErr(op, err)
	}
	s.capacity.add(op, out.ConsumedCapacity)
	return nil
}

// update applies upd under cond and unmarshals the new item into v.
func (s *Store) update(ctx context.Context, op string, k map[string]types.AttributeValue, upd expression.UpdateBuilder, cond expression.ConditionBuilder, v any) error {
	expr, err := expression.NewBuilder().WithUpdate(upd).WithCondition(cond).Build()
	if err != nil {
		return internalErr(err)
	}
	out, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: k,
		UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ReturnValues: types.ReturnValueAllNew, ReturnConsumedCapacity: s.rcc(),
	})
	if err != nil {
		return mapErr(op, err)
	}
	s.capacity.add(op, out.ConsumedCapacity)
	if err := attributevalue.UnmarshalMap(out.Attributes, v); err != nil {
		return internalErr(fmt.Errorf("dynamo: %s: unmarshal: %w", op, err))
	}
	return nil
}

// query reads every item of partition pk whose sort key begins with prefix
// (strongly consistent), following pages to the end.
func (s *Store) query(ctx context.Context, op string, kc expression.KeyConditionBuilder, index string, forward bool, each func(map[string]types.AttributeValue) error) error {
	expr, err := expression.NewBuilder().WithKeyCondition(kc).Build()
	if err != nil {
		return internalErr(err)
	}
	in := &dynamodb.QueryInput{
		TableName: &s.table, KeyConditionExpression: expr.KeyCondition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ScanIndexForward: aws.Bool(forward), ReturnConsumedCapacity: s.rcc(),
	}
	if index == "" {
		in.ConsistentRead = aws.Bool(true)
	} else {
		in.IndexName = aws.String(index) // a global index reads eventually consistent only
	}
	p := dynamodb.NewQueryPaginator(s.api, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return mapErr(op, err)
		}
		s.capacity.add(op, page.ConsumedCapacity)
		for _, item := range page.Items {
			if err := each(item); err != nil {
				return err
			}
		}
	}
	return nil
}

func unmarshalInto[T any](op string, item map[string]types.AttributeValue) (T, error) {
	var v T
	if err := attributevalue.UnmarshalMap(item, &v); err != nil {
		return v, internalErr(fmt.Errorf("dynamo: %s: unmarshal: %w", op, err))
	}
	return v, nil
}

func inviteOut(it inviteItem) copd.Invite {
	inv := it.Invite
	inv.CreatedAt, inv.ExpiresAt, inv.UsedAt = inv.CreatedAt.UTC(), inv.ExpiresAt.UTC(), utcPtr(inv.UsedAt)
	return inv
}

// CreateInvite puts the invite with attribute_not_exists(pk), as an open
// invite listed in the doctor's GSI1 partition.
func (s *Store) CreateInvite(ctx context.Context, inv copd.Invite) error {
	if inv.Code == "" || inv.DoctorID == "" {
		return internalErr(errors.New("dynamo: create invite: empty code or doctor"))
	}
	inv.CreatedAt, inv.ExpiresAt = inv.CreatedAt.UTC(), inv.ExpiresAt.UTC()
	inv.Status, inv.UsedBy, inv.UsedAt = copd.InviteOpen, "", nil
	cond := expression.Name(keys.PK).AttributeNotExists()
	return s.put(ctx, "CreateInvite", inviteItem{
		PK: keys.Invite(inv.Code), SK: keys.InviteSK,
		GSI1PK: keys.Doctor(inv.DoctorID), GSI1SK: keys.InviteByDoctor(inv.CreatedAt, inv.Code),
		ExpNanos: inv.ExpiresAt.UnixNano(), Invite: inv,
	}, &cond)
}

// GetInvite is one strongly consistent GetItem.
func (s *Store) GetInvite(ctx context.Context, code string) (copd.Invite, error) {
	var it inviteItem
	found, err := s.get(ctx, "GetInvite", key(keys.Invite(code), keys.InviteSK), &it)
	if err != nil {
		return copd.Invite{}, err
	}
	if !found || code == "" {
		return copd.Invite{}, errs.Wrap(errs.NotFound, "not_found", "not found", errors.New("dynamo: get invite: no such item"))
	}
	return inviteOut(it), nil
}

// OpenInvites queries GSI1 (DOCTOR#<doctor>, INVITE#<createdAt>#<code> from
// since on), newest first. A used invite has no GSI1 keys, so only unused
// invites are read.
func (s *Store) OpenInvites(ctx context.Context, doctorID string, since time.Time) ([]copd.Invite, error) {
	lo, hi := keys.InvitesSince(since)
	kc := expression.Key(keys.GSI1PK).Equal(expression.Value(keys.Doctor(doctorID))).
		And(expression.Key(keys.GSI1SK).Between(expression.Value(lo), expression.Value(hi)))
	var out []copd.Invite
	err := s.query(ctx, "OpenInvites", kc, keys.Inverted, false, func(item map[string]types.AttributeValue) error {
		it, err := unmarshalInto[inviteItem]("OpenInvites", item)
		if err == nil && it.Status == copd.InviteOpen {
			out = append(out, inviteOut(it))
		}
		return err
	})
	return out, err
}

// ClaimInvite is one UpdateItem: status used, usedBy, usedAt (kept if set),
// the GSI1 keys removed, on condition (status = open AND expNanos > at) OR
// usedBy = patient.
func (s *Store) ClaimInvite(ctx context.Context, code, patientID string, at time.Time) (copd.Invite, error) {
	at = at.UTC()
	upd := expression.Set(expression.Name(attrStatus), expression.Value(copd.InviteUsed)).
		Set(expression.Name(attrUsedBy), expression.Value(patientID)).
		Set(expression.Name(attrUsedAt), expression.IfNotExists(expression.Name(attrUsedAt), expression.Value(at))).
		Remove(expression.Name(keys.GSI1PK)).Remove(expression.Name(keys.GSI1SK))
	cond := expression.Name(attrStatus).Equal(expression.Value(copd.InviteOpen)).
		And(expression.Name(attrExpNanos).GreaterThan(expression.Value(at.UnixNano()))).
		Or(expression.Name(attrUsedBy).Equal(expression.Value(patientID)))
	var it inviteItem
	if err := s.update(ctx, "ClaimInvite", key(keys.Invite(code), keys.InviteSK), upd, cond, &it); err != nil {
		return copd.Invite{}, err
	}
	return inviteOut(it), nil
}

// PutConsent puts the consent with attribute_not_exists(pk).
func (s *Store) PutConsent(ctx context.Context, c copd.Consent) error {
	if c.PatientID == "" || c.DoctorID == "" || c.ConsentedAt.IsZero() {
		return internalErr(errors.New("dynamo: put consent: empty key field"))
	}
	c.ConsentedAt, c.WithdrawnAt = c.ConsentedAt.UTC(), utcPtr(c.WithdrawnAt)
	cond := expression.Name(keys.PK).AttributeNotExists()
	return s.put(ctx, "PutConsent", consentItem{PK: keys.Patient(c.PatientID), SK: keys.Consent(c.DoctorID, c.ConsentedAt), Consent: c}, &cond)
}

func consentOut(it consentItem) copd.Consent {
	c := it.Consent
	c.ConsentedAt, c.WithdrawnAt = c.ConsentedAt.UTC(), utcPtr(c.WithdrawnAt)
	return c
}

// Consents queries PATIENT#<patient> begins_with CONSENT#<doctor>#.
func (s *Store) Consents(ctx context.Context, patientID, doctorID string) ([]copd.Consent, error) {
	if patientID == "" || doctorID == "" {
		return nil, nil
	}
	kc := expression.Key(keys.PK).Equal(expression.Value(keys.Patient(patientID))).
		And(expression.Key(keys.SK).BeginsWith(keys.ConsentsOf(doctorID)))
	var out []copd.Consent
	err := s.query(ctx, "Consents", kc, "", true, func(item map[string]types.AttributeValue) error {
		it, err := unmarshalInto[consentItem]("Consents", item)
		if err == nil {
			out = append(out, consentOut(it))
		}
		return err
	})
	return out, err
}

// WithdrawConsent is one UpdateItem: withdrawnAt = if_not_exists(withdrawnAt,
// at), on condition attribute_exists(pk).
func (s *Store) WithdrawConsent(ctx context.Context, patientID, doctorID string, consentedAt, at time.Time) (copd.Consent, error) {
	upd := expression.Set(expression.Name(attrWithdrawn), expression.IfNotExists(expression.Name(attrWithdrawn), expression.Value(at.UTC())))
	var it consentItem
	err := s.update(ctx, "WithdrawConsent", key(keys.Patient(patientID), keys.Consent(doctorID, consentedAt)), upd,
		expression.Name(keys.PK).AttributeExists(), &it)
	if errs.Is(err, errs.Conflict) {
		return copd.Consent{}, errs.Wrap(errs.NotFound, "not_found", "not found", err)
	}
	if err != nil {
		return copd.Consent{}, err
	}
	return consentOut(it), nil
}

func linkOut(it linkItem) copd.Link {
	l := it.Link
	l.ConsentedAt, l.LinkedAt, l.RevokedAt = l.ConsentedAt.UTC(), l.LinkedAt.UTC(), utcPtr(l.RevokedAt)
	return l
}

// GetLink is one strongly consistent GetItem.
func (s *Store) GetLink(ctx context.Context, patientID, doctorID string) (copd.Link, error) {
	var it linkItem
	found, err := s.get(ctx, "GetLink", key(keys.Patient(patientID), keys.Link(doctorID)), &it)
	if err != nil {
		return copd.Link{}, err
	}
	if !found || patientID == "" || doctorID == "" {
		return copd.Link{}, errs.Wrap(errs.NotFound, "not_found", "not found", errors.New("dynamo: get link: no such item"))
	}
	return linkOut(it), nil
}

// Links queries PATIENT#<patient> begins_with LINK#.
func (s *Store) Links(ctx context.Context, patientID string) ([]copd.Link, error) {
	if patientID == "" {
		return nil, nil
	}
	kc := expression.Key(keys.PK).Equal(expression.Value(keys.Patient(patientID))).
		And(expression.Key(keys.SK).BeginsWith(keys.LinkPrefix))
	var out []copd.Link
	err := s.query(ctx, "Links", kc, "", true, func(item map[string]types.AttributeValue) error {
		it, err := unmarshalInto[linkItem]("Links", item)
		if err == nil {
			out = append(out, linkOut(it))
		}
		return err
	})
	return out, err
}

// ActivateLink puts the whole link, active and listed in the doctor's GSI1
// partition, on condition attribute_not_exists(pk) OR status = revoked. If
// the condition fails the link is read: an active link is returned as it
// is; one revoked in the meantime is tried again.
func (s *Store) ActivateLink(ctx context.Context, l copd.Link) (copd.Link, error) {
	if l.PatientID == "" || l.DoctorID == "" {
		return copd.Link{}, internalErr(errors.New("dynamo: activate link: empty key field"))
	}
	l.ConsentedAt, l.LinkedAt = l.ConsentedAt.UTC(), l.LinkedAt.UTC()
	l.Status, l.RevokedAt = copd.LinkActive, nil
	it := linkItem{
		PK: keys.Patient(l.PatientID), SK: keys.Link(l.DoctorID),
		GSI1PK: keys.Doctor(l.DoctorID), GSI1SK: keys.LinkedPatient(l.PatientID),
		ConsentSK: keys.Consent(l.DoctorID, l.ConsentedAt), Link: l,
	}
	cond := expression.Name(keys.PK).AttributeNotExists().Or(expression.Name(attrStatus).Equal(expression.Value(copd.LinkRevoked)))
	var err error
	for range maxCASAttempts {
		err = s.put(ctx, "ActivateLink", it, &cond)
		if err == nil {
			return l, nil
		}
		if !errs.Is(err, errs.Conflict) {
			return copd.Link{}, err
		}
		cur, gerr := s.GetLink(ctx, l.PatientID, l.DoctorID)
		if gerr == nil && cur.Status == copd.LinkActive {
			return cur, nil
		}
		if gerr != nil && !errs.Is(gerr, errs.NotFound) {
			return copd.Link{}, gerr
		}
	}
	return copd.Link{}, errs.Wrap(errs.Unavailable, codeUnavailable, msgUnavailable, fmt.Errorf("dynamo: activate link: still contended: %w", err))
}

// RevokeLink is one UpdateItem: status revoked, revokedAt kept if set, the
// GSI1 keys removed, on condition attribute_exists(pk) (and, with
// ifConsentedAt, status = active AND consentSk = that consent).
func (s *Store) RevokeLink(ctx context.Context, patientID, doctorID string, at time.Time, ifConsentedAt *time.Time) (copd.Link, error) {
	upd := expression.Set(expression.Name(attrStatus), expression.Value(copd.LinkRevoked)).
		Set(expression.Name(attrRevokedAt), expression.IfNotExists(expression.Name(attrRevokedAt), expression.Value(at.UTC()))).
		Remove(expression.Name(keys.GSI1PK)).Remove(expression.Name(keys.GSI1SK))
	cond := expression.Name(keys.PK).AttributeExists()
	if ifConsentedAt != nil {
		cond = cond.And(expression.Name(attrStatus).Equal(expression.Value(copd.LinkActive)),
			expression.Name(attrConsentSK).Equal(expression.Value(keys.Consent(doctorID, *ifConsentedAt))))
	}
	var it linkItem
	err := s.update(ctx, "RevokeLink", key(keys.Patient(patientID), keys.Link(doctorID)), upd, cond, &it)
	if errs.Is(err, errs.Conflict) {
		if ifConsentedAt == nil {
			return copd.Link{}, errs.Wrap(errs.NotFound, "not_found", "not found", err)
		}
		if _, gerr := s.GetLink(ctx, patientID, doctorID); gerr != nil {
			return copd.Link{}, gerr
		}
		return copd.Link{}, err
	}
	if err != nil {
		return copd.Link{}, err
	}
	return linkOut(it), nil
}

// GetThrottle is one strongly consistent GetItem.
func (s *Store) GetThrottle(ctx context.Context, patientID, name string) (copd.Throttle, error) {
	var it throttleItem
	found, err := s.get(ctx, "GetThrottle", key(keys.Patient(patientID), keys.Throttle(name)), &it)
	if err != nil || !found {
		return copd.Throttle{}, err
	}
	return copd.Throttle{WindowStart: time.Unix(0, it.Window).UTC(), Failures: it.Failures}, nil
}

// AddFailure counts in the current window with UpdateItem ADD failures 1 on
// condition ws > now-window; if there is no current window it starts one
// with PutItem on condition attribute_not_exists(pk) OR ws <= now-window.
// Two writers that both find the window over cannot both reset it: one put
// fails and that writer adds to the new window instead.
func (s *Store) AddFailure(ctx context.Context, patientID, name string, now time.Time, window time.Duration) (copd.Throttle, error) {
	k := key(keys.Patient(patientID), keys.Throttle(name))
	cutoff := expression.Value(now.Add(-window).UnixNano())
	var err error
	for range maxCASAttempts {
		var it throttleItem
		err = s.update(ctx, "AddFailure", k, expression.Add(expression.Name(attrFailures), expression.Value(1)),
			expression.Name(keys.PK).AttributeExists().And(expression.Name(attrWindow).GreaterThan(cutoff)), &it)
		if err == nil {
			return copd.Throttle{WindowStart: time.Unix(0, it.Window).UTC(), Failures: it.Failures}, nil
		}
		if !errs.Is(err, errs.Conflict) {
			return copd.Throttle{}, err
		}
		fresh := throttleItem{PK: keys.Patient(patientID), SK: keys.Throttle(name), Window: now.UnixNano(), Failures: 1}
		cond := expression.Name(keys.PK).AttributeNotExists().Or(expression.Name(attrWindow).LessThanEqual(cutoff))
		err = s.put(ctx, "AddFailure", fresh, &cond)
		if err == nil {
			return copd.Throttle{WindowStart: now.UTC(), Failures: 1}, nil
		}
		if !errs.Is(err, errs.Conflict) {
			return copd.Throttle{}, err
		}
	}
	return copd.Throttle{}, errs.Wrap(errs.Unavailable, codeUnavailable, msgUnavailable, fmt.Errorf("dynamo: add failure: still contended: %w", err))
}
