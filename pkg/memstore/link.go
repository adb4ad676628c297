package memstore

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/keys"
)

// Operation names of copd.LinkStore passed to Store.Fail.
const (
	OpCreateInvite    = "CreateInvite"
	OpGetInvite       = "GetInvite"
	OpOpenInvites     = "OpenInvites"
	OpClaimInvite     = "ClaimInvite"
	OpPutConsent      = "PutConsent"
	OpConsents        = "Consents"
	OpWithdrawConsent = "WithdrawConsent"
	OpGetLink         = "GetLink"
	OpLinks           = "Links"
	OpActivateLink    = "ActivateLink"
	OpRevokeLink      = "RevokeLink"
	OpGetThrottle     = "GetThrottle"
	OpAddFailure      = "AddFailure"
)

var _ copd.LinkStore = (*Store)(nil)

// linkData is the fake's copy of the link items, created on first use.
type linkData struct {
	invites   map[string]copd.Invite
	consents  map[string]map[string]copd.Consent // patient -> consent sort key -> consent
	links     map[string]map[string]copd.Link    // patient -> doctor -> link
	throttles map[string]copd.Throttle           // patient + "#" + name
}

// ld returns the link data; call with s.mu held.
func (s *Store) ld() *linkData {
	if s.link == nil {
		s.link = &linkData{
			invites:   map[string]copd.Invite{},
			consents:  map[string]map[string]copd.Consent{},
			links:     map[string]map[string]copd.Link{},
			throttles: map[string]copd.Throttle{},
		}
	}
	return s.link
}

func conflict(format string, a ...any) error {
	return errs.Wrap(errs.Conflict, "conflict", "the item changed; retry", fmt.Errorf("memstore: "+format, a...))
}

func notFound(format string, a ...any) error {
	return errs.Wrap(errs.NotFound, "not_found", "not found", fmt.Errorf("memstore: "+format, a...))
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func normInvite(i copd.Invite) copd.Invite {
	i.CreatedAt, i.ExpiresAt, i.UsedAt = i.CreatedAt.UTC(), i.ExpiresAt.UTC(), utcPtr(i.UsedAt)
	return i
}

func normConsent(c copd.Consent) copd.Consent {
	c.ConsentedAt, c.WithdrawnAt = c.ConsentedAt.UTC(), utcPtr(c.WithdrawnAt)
	return c
}

func normLink(l copd.Link) copd.Link {
	l.ConsentedAt, l.LinkedAt, l.RevokedAt = l.ConsentedAt.UTC(), l.LinkedAt.UTC(), utcPtr(l.RevokedAt)
	return l
}

// CreateInvite implements copd.LinkStore.
func (s *Store) CreateInvite(ctx context.Context, inv copd.Invite) error {
	if err := s.begin(ctx, OpCreateInvite); err != nil {
		return err
	}
	if inv.Code == "" || inv.DoctorID == "" {
		return internal("create invite: empty code or doctor")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.ld().invites[inv.Code]; ok {
		return conflict("create invite: code exists")
	}
	inv = normInvite(inv)
	inv.Status, inv.UsedBy, inv.UsedAt = copd.InviteOpen, "", nil
	s.ld().invites[inv.Code] = inv
	return nil
}

// GetInvite implements copd.LinkStore.
func (s *Store) GetInvite(ctx context.Context, code string) (copd.Invite, error) {
	if err := s.begin(ctx, OpGetInvite); err != nil {
		return copd.Invite{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.ld().invites[code]
	if !ok {
		return copd.Invite{}, notFound("get invite: no such item")
	}
	return normInvite(inv), nil
}

// OpenInvites implements copd.LinkStore, in the index's order reversed.
func (s *Store) OpenInvites(ctx context.Context, doctorID string, since time.Time) ([]copd.Invite, error) {
	if err := s.begin(ctx, OpOpenInvites); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	lo, _ := keys.InvitesSince(since)
	var out []copd.Invite
	for _, inv := range s.ld().invites {
		if inv.DoctorID == doctorID && inv.Status == copd.InviteOpen && keys.InviteByDoctor(inv.CreatedAt, inv.Code) >= lo {
			out = append(out, normInvite(inv))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return keys.InviteByDoctor(out[i].CreatedAt, out[i].Code) > keys.InviteByDoctor(out[j].CreatedAt, out[j].Code)
	})
	return out, nil
}

// ClaimInvite implements copd.LinkStore.
func (s *Store) ClaimInvite(ctx context.Context, code, patientID string, at time.Time) (copd.Invite, error) {
	if err := s.begin(ctx, OpClaimInvite); err != nil {
		return copd.Invite{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.ld().invites[code]
	switch {
	case ok && inv.Status == copd.InviteUsed && inv.UsedBy == patientID:
		return normInvite(inv), nil
	case !ok || inv.Status != copd.InviteOpen || inv.Expired(at):
		return copd.Invite{}, conflict("claim invite: not open")
	}
	t := at.UTC()
	inv.Status, inv.UsedBy, inv.UsedAt = copd.InviteUsed, patientID, &t
	s.ld().invites[code] = inv
	return normInvite(inv), nil
}

// PutConsent implements copd.LinkStore.
func (s *Store) PutConsent(ctx context.Context, c copd.Consent) error {
	if err := s.begin(ctx, OpPutConsent); err != nil {
		return err
	}
	if c.PatientID == "" || c.DoctorID == "" || c.ConsentedAt.IsZero() {
		return internal("put consent: empty key field")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.ld().consents[c.PatientID]
	if m == nil {
		m = map[string]copd.Consent{}
		s.ld().consents[c.PatientID] = m
	}
	sk := keys.Consent(c.DoctorID, c.ConsentedAt)
	if _, ok := m[sk]; ok {
		return conflict("put consent: exists")
	}
	m[sk] = normConsent(c)
	return nil
}

// Consents implements copd.LinkStore.
func (s *Store) Consents(ctx context.Context, patientID, doctorID string) ([]copd.Consent, error) {
	if err := s.begin(ctx, OpConsents); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var sks []string
	for sk, c := range s.ld().consents[patientID] {
		if c.DoctorID == doctorID {
			sks = append(sks, sk)
		}
	}
	sort.Strings(sks)
	var out []copd.Consent
	for _, sk := range sks {
		out = append(out, normConsent(s.ld().consents[patientID][sk]))
	}
	return out, nil
}

// WithdrawConsent implements copd.LinkStore.
func (s *Store) WithdrawConsent(ctx context.Context, patientID, doctorID string, consentedAt, at time.Time) (copd.Consent, error) {
	if err := s.begin(ctx, OpWithdrawConsent); err != nil {
		return copd.Consent{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sk := keys.Consent(doctorID, consentedAt)
	c, ok := s.ld().consents[patientID][sk]
	if !ok {
		return copd.Consent{}, notFound("withdraw consent: no such item")
	}
	if c.WithdrawnAt == nil {
		t := at.UTC()
		c.WithdrawnAt = &t
		s.ld().consents[patientID][sk] = c
	}
	return normConsent(c), nil
}

// GetLink implements copd.LinkStore.
func (s *Store) GetLink(ctx context.Context, patientID, doctorID string) (copd.Link, error) {
	if err := s.begin(ctx, OpGetLink); err != nil {
		return copd.Link{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.ld().links[patientID][doctorID]
	if !ok {
		return copd.Link{}, notFound("get link: no such item")
	}
	return normLink(l), nil
}

// Links implements copd.LinkStore.
func (s *Store) Links(ctx context.Context, patientID string) ([]copd.Link, error) {
	if err := s.begin(ctx, OpLinks); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []copd.Link
	for _, l := range s.ld().links[patientID] {
		out = append(out, normLink(l))
	}
	sort.Slice(out, func(i, j int) bool { return keys.Link(out[i].DoctorID) < keys.Link(out[j].DoctorID) })
	return out, nil
}

// ActivateLink implements copd.LinkStore.
func (s *Store) ActivateLink(ctx context.Context, l copd.Link) (copd.Link, error) {
	if err := s.begin(ctx, OpActivateLink); err != nil {
		return copd.Link{}, err
	}
	if l.PatientID == "" || l.DoctorID == "" {
		return copd.Link{}, internal("activate link: empty key field")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.ld().links[l.PatientID]
	if m == nil {
		m = map[string]copd.Link{}
		s.ld().links[l.PatientID] = m
	}
	if old, ok := m[l.DoctorID]; ok && old.Status == copd.LinkActive {
		return normLink(old), nil
	}
	l = normLink(l)
	l.Status, l.RevokedAt = copd.LinkActive, nil
	m[l.DoctorID] = l
	return l, nil
}

// RevokeLink implements copd.LinkStore.
func (s *Store) RevokeLink(ctx context.Context, patientID, doctorID string, at time.Time, ifConsentedAt *time.Time) (copd.Link, error) {
	if err := s.begin(ctx, OpRevokeLink); err != nil {
		return copd.Link{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.ld().links[patientID][doctorID]
	if !ok {
		return copd.Link{}, notFound("revoke link: no such item")
	}
	if ifConsentedAt != nil && (l.Status != copd.LinkActive || !l.ConsentedAt.Equal(*ifConsentedAt)) {
		return copd.Link{}, conflict("revoke link: not active on that consent")
	}
	l.Status = copd.LinkRevoked
	if l.RevokedAt == nil {
		t := at.UTC()
		l.RevokedAt = &t
	}
	s.ld().links[patientID][doctorID] = l
	return normLink(l), nil
}

// GetThrottle implements copd.LinkStore.
func (s *Store) GetThrottle(ctx context.Context, patientID, name string) (copd.Throttle, error) {
	if err := s.begin(ctx, OpGetThrottle); err != nil {
		return copd.Throttle{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ld().throttles[patientID+"#"+name], nil
}

// AddFailure implements copd.LinkStore.
func (s *Store) AddFailure(ctx context.Context, patientID, name string, now time.Time, window time.Duration) (copd.Throttle, error) {
	if err := s.begin(ctx, OpAddFailure); err != nil {
		return copd.Throttle{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := patientID + "#" + name
	t := s.ld().throttles[k]
	if t.Failures == 0 || !now.Before(t.WindowStart.Add(window)) {
		t = copd.Throttle{WindowStart: now.UTC()}
	}
	t.Failures++
	s.ld().throttles[k] = t
	return t, nil
}
