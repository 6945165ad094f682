package mailing

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/richtext"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/text"
)

// Campaign statuses.
const (
	Draft     = "draft"
	Scheduled = "scheduled"
	Sending   = "sending"
	Sent      = "sent"
	Cancelled = "cancelled"
)

// MaxProducts is how many product blocks a campaign may carry.
const MaxProducts = 12

// Campaign is one e-mail campaign.
type Campaign struct {
	bun.BaseModel `bun:"table:mailing_campaigns"`

	TenantID     string     `bun:"tenant_id,pk"`
	ID           string     `bun:"id,pk"`
	Name         string     `bun:"name"`
	Subject      string     `bun:"subject"`
	Preheader    string     `bun:"preheader"`
	Body         string     `bun:"body"` // sanitised HTML
	ProductJSON  string     `bun:"product_ids"`
	SegmentID    string     `bun:"segment_id"`
	Status       string     `bun:"status"`
	SendAt       *time.Time `bun:"send_at"`
	Version      int        `bun:"version"`
	Cursor       string     `bun:"audience_cursor"`
	AudienceDone bool       `bun:"audience_done"`
	NextBatchAt  *time.Time `bun:"next_batch_at"`
	StartedAt    *time.Time `bun:"started_at"`
	FinishedAt   *time.Time `bun:"finished_at"`
	CreatedAt    time.Time  `bun:"created_at"`
	UpdatedAt    time.Time  `bun:"updated_at"`

	// An A/B test of the campaign (variants.go): VariantPercent percent
	// of the audience get variant B, with VariantSubject and VariantBody
	// ("" keeps A's). 0: no test.
	VariantSubject string `bun:"variant_subject"`
	VariantBody    string `bun:"variant_body"`
	VariantPercent int    `bun:"variant_percent"`
}

// ProductIDs are the products shown as blocks, in order.
func (c *Campaign) ProductIDs() []string {
	var ids []string
	_ = json.Unmarshal([]byte(c.ProductJSON), &ids)
	return ids
}

// Input is what the merchant edits.
type Input struct {
	Name       string
	Subject    string
	Preheader  string
	Body       string // HTML; sanitised through core/richtext
	ProductIDs []string
	SegmentID  string
	// Variant B of an A/B test (variants.go); VariantPercent 0: no test.
	VariantSubject string
	VariantBody    string
	VariantPercent int
}

func line(field, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if required && s == "" {
		return "", errs.Field(field, "is required")
	}
	if utf8.RuneCountInString(s) > max {
		return "", errs.Field(field, "is longer than %d characters", max)
	}
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return "", errs.Field(field, "contains control characters")
		}
	}
	return s, nil
}

func validEmail(s string) bool {
	e, err := text.NormaliseEmail("email", s)
	return err == nil && e != ""
}

// clean validates in and returns the stored form.
func (s *Service) clean(ctx context.Context, in Input) (Input, error) {
	var err error
	if in.Subject, err = line("subject", in.Subject, 200, true); err != nil {
		return in, err
	}
	if in.Name, err = line("name", in.Name, 200, false); err != nil {
		return in, err
	}
	if in.Name == "" {
		in.Name = in.Subject
	}
	if in.Preheader, err = line("preheader", in.Preheader, 200, false); err != nil {
		return in, err
	}
	if in.SegmentID, err = line("segment_id", in.SegmentID, 100, true); err != nil {
		return in, err
	}
	if len(in.Body) > 100_000 {
		return in, errs.Field("body", "is longer than 100000 bytes")
	}
	if strings.ContainsRune(in.Body, 0) {
		return in, errs.Field("body", "contains control characters")
	}
	in.Body = richtext.Sanitize(in.Body)
	if len(in.ProductIDs) > MaxProducts {
		return in, errs.Field("product_ids", "at most %d products", MaxProducts)
	}
	seen := map[string]bool{}
	var ids []string
	for _, id := range in.ProductIDs {
		id = strings.TrimSpace(id)
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		if s.opts.Products == nil {
			return in, errs.Field("product_ids", "products are not available")
		}
		if _, err := s.opts.Products.Get(ctx, id); errs.Is(err, errs.NotFound) {
			return in, errs.Field("product_ids", "product %s does not exist", id)
		} else if err != nil {
			return in, err
		}
		ids = append(ids, id)
	}
	in.ProductIDs = ids
	return cleanVariant(in)
}

func record(ctx context.Context, q bun.IDB, tid, action, objType, objID, after string) error {
	return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: action, ObjectType: objType, ObjectID: objID, After: after})
}

// Create stores a draft campaign.
func (s *Service) Create(ctx context.Context, in Input) (*Campaign, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if in, err = s.clean(ctx, in); err != nil {
		return nil, err
	}
	pj, _ := json.Marshal(nonNil(in.ProductIDs))
	now := s.now()
	c := &Campaign{TenantID: tid, ID: store.NewID(), Name: in.Name, Subject: in.Subject, Preheader: in.Preheader, Body: in.Body,
		ProductJSON: string(pj), SegmentID: in.SegmentID, Status: Draft, CreatedAt: now, UpdatedAt: now,
		VariantSubject: in.VariantSubject, VariantBody: in.VariantBody, VariantPercent: in.VariantPercent}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if _, err := q.NewInsert().Model(c).Exec(ctx); err != nil {
			return errs.Wrap(err, "mailing: create")
		}
		return record(ctx, q, tid, "mailing.campaign.create", "campaign", c.ID, c.Subject)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// Update edits a draft or scheduled campaign.
func (s *Service) Update(ctx context.Context, id string, in Input) (*Campaign, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if in, err = s.clean(ctx, in); err != nil {
		return nil, err
	}
	pj, _ := json.Marshal(nonNil(in.ProductIDs))
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewUpdate().Model((*Campaign)(nil)).
			Set("name = ?, subject = ?, preheader = ?, body = ?, product_ids = ?, segment_id = ?, updated_at = ?", in.Name, in.Subject, in.Preheader, in.Body, string(pj), in.SegmentID, s.now()).
			Set("variant_subject = ?, variant_body = ?, variant_percent = ?", in.VariantSubject, in.VariantBody, in.VariantPercent).
			Where("tenant_id = ? AND id = ? AND status IN (?)", tid, id, bun.List([]string{Draft, Scheduled})).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "mailing: update")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := getIn(ctx, q, tid, id); err != nil {
				return err
			}
			return errs.E(errs.Conflict, "a campaign that is sending or sent cannot be edited")
		}
		return record(ctx, q, tid, "mailing.campaign.update", "campaign", id, in.Subject)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

func getIn(ctx context.Context, q bun.IDB, tid, id string) (*Campaign, error) {
	c := new(Campaign)
	err := q.NewSelect().Model(c).Where("tenant_id = ? AND id = ?", tid, id).Scan(ctx)
	if store.NoRows(err) {
		return nil, errs.NotFoundf("campaign not found")
	}
	return c, errs.Wrap(err, "mailing: get")
}

// Get returns one campaign.
func (s *Service) Get(ctx context.Context, id string) (*Campaign, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var c *Campaign
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		c, err = getIn(ctx, q, tid, id)
		return err
	})
	return c, err
}

// List returns the shop's campaigns, newest first (at most 200).
func (s *Service) List(ctx context.Context) ([]*Campaign, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Campaign
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&out).Where("tenant_id = ?", tid).OrderExpr("created_at DESC, id DESC").Limit(200).Scan(ctx)
	})
	return out, errs.Wrap(err, "mailing: list")
}

// Send starts sending a draft or scheduled campaign now.
func (s *Service) Send(ctx context.Context, id string) (*Campaign, error) {
	return s.start(ctx, id, time.Time{})
}

// Schedule sets a draft or scheduled campaign to be sent at at (in the
// future).
func (s *Service) Schedule(ctx context.Context, id string, at time.Time) (*Campaign, error) {
	if !at.After(s.now()) {
		return nil, errs.Field("send_at", "must be in the future")
	}
	return s.start(ctx, id, at.UTC().Truncate(time.Second))
}

func (s *Service) start(ctx context.Context, id string, at time.Time) (*Campaign, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	// Bad input: an audience with nobody to mail is refused up front.
	if err := s.checkAudience(ctx, tid, c.SegmentID); err != nil {
		return nil, err
	}
	status, action := Sending, "mailing.campaign.send"
	var sendAt *time.Time
	if !at.IsZero() {
		status, action, sendAt = Scheduled, "mailing.campaign.schedule", &at
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		now := s.now()
		up := q.NewUpdate().Model((*Campaign)(nil)).Set("status = ?, send_at = ?, version = version + 1, updated_at = ?", status, sendAt, now).
			Where("tenant_id = ? AND id = ? AND status IN (?) AND version = ?", tid, id, bun.List([]string{Draft, Scheduled}), c.Version)
		if status == Sending {
			up.Set("started_at = ?", now)
		}
		res, err := up.Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "mailing: send")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "the campaign is %s; only a draft or scheduled campaign can be sent", c.Status)
		}
		if _, err := outbox.EnqueueEventAt(ctx, q, tid, TopicStart, startPayload{CampaignID: id, Version: c.Version + 1}, at); err != nil {
			return err
		}
		when := "now"
		if sendAt != nil {
			when = sendAt.Format(time.RFC3339)
		}
		return record(ctx, q, tid, action, "campaign", id, c.Subject+" to segment "+c.SegmentID+" at "+when)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// checkAudience refuses a segment without one member who may be mailed.
func (s *Service) checkAudience(ctx context.Context, tid, segmentID string) error {
	if s.opts.Audience == nil {
		return errs.Field("segment_id", "audiences are not available")
	}
	after := ""
	for range 20 { // look a little way in; the start handler filters again
		ms, next, err := s.opts.Audience.Members(ctx, segmentID, after, s.opts.PageSize)
		if err != nil {
			return err
		}
		ok, err := s.mailable(ctx, tid, ms)
		if err != nil {
			return err
		}
		if len(ok) > 0 {
			return nil
		}
		if next == "" {
			break
		}
		after = next
	}
	return errs.Field("segment_id", "has no members who accept marketing e-mail")
}

// Cancel stops a scheduled or sending campaign: mail not yet handed to the
// server is not sent.
func (s *Service) Cancel(ctx context.Context, id string) (*Campaign, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		now := s.now()
		res, err := q.NewUpdate().Model((*Campaign)(nil)).Set("status = ?, version = version + 1, finished_at = ?, updated_at = ?", Cancelled, now, now).
			Where("tenant_id = ? AND id = ? AND status IN (?)", tid, id, bun.List([]string{Scheduled, Sending})).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "mailing: cancel")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			c, err := getIn(ctx, q, tid, id)
			if err != nil {
				return err
			}
			return errs.E(errs.Conflict, "the campaign is %s; only a scheduled or sending campaign can be cancelled", c.Status)
		}
		if _, err := q.NewUpdate().Model((*Recipient)(nil)).Set("status = ?", RCancelled).
			Where("tenant_id = ? AND campaign_id = ? AND status = ?", tid, id, RQueued).Exec(ctx); err != nil {
			return errs.Wrap(err, "mailing: cancel")
		}
		return record(ctx, q, tid, "mailing.campaign.cancel", "campaign", id, "")
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}
