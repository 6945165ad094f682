package mailing

import (
	"context"
	"encoding/json"
	"html"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/richtext"
	"github.com/wasmart/wasmart/core/store"
)

// Automation kinds. Each is a per-shop setting (off until the merchant
// turns it on), triggered by an outbox event and sent after its delay
// through the same path as campaigns: once per trigger, to customers who
// accept marketing and have not unsubscribed, with the unsubscribe link
// and tracking.
//
// The post-purchase review request is core/review's own mail (on delivery,
// with its signed review link, its RequestEmails setting), so it is not
// repeated here.
const (
	// AutoTierUpgrade congratulates a customer the loyalty programme moved
	// up a tier (loyalty.TopicTierChanged).
	AutoTierUpgrade = "tier_upgrade"
	// AutoAbandonedCart mails a cart's lines and a link that restores it
	// when the cart has an e-mail (or a customer) and no activity for the
	// delay (lifecycle.go).
	AutoAbandonedCart = "abandoned_cart"
	// AutoWinBack mails the members of a dormant segment once per
	// dormancy (their last order), optionally with a personal coupon.
	AutoWinBack = "win_back"
	// AutoBirthday mails a customer on their birthday in the shop's time
	// zone, saying what birthday points their tier gave them.
	AutoBirthday = "birthday"
)

// TopicAutomation is the delayed event that sends one automation mail.
const TopicAutomation = "mailing.automation"

// Automation is a shop's setting for one kind. Subject and Body may use
// {name} and the kind's own words ({tier}; {points} and {gift} on
// birthdays; {code} and {coupon} in win-back); empty means the built-in
// text.
type Automation struct {
	Kind         string
	Enabled      bool
	DelayMinutes int
	Subject      string
	Body         string // HTML, sanitised on save
	// SegmentID is the win-back's audience: a segment id, or "" for the
	// RFM groups "at risk" and "hibernating" (WinBackSegments).
	SegmentID string
	// PromotionID is the coded promotion win-back coupons are issued from
	// (one single-use code per mail), "" for none.
	PromotionID string
}

// Automations is every kind, in the order the console shows them, with
// its built-in text and delay.
var Automations = []Automation{
	{Kind: AutoTierUpgrade, DelayMinutes: 0, Subject: "Welcome to {tier}",
		Body: "<p>Hello {name},</p><p>thank you for shopping with us: you are now a <b>{tier}</b> member. Your new benefits apply from today.</p>"},
	{Kind: AutoAbandonedCart, DelayMinutes: 240, Subject: "You left something in your cart",
		Body: "<p>Hello {name},</p><p>your cart is waiting for you. Here is what you picked; one click brings it back.</p>"},
	{Kind: AutoWinBack, DelayMinutes: 0, Subject: "We miss you, {name}",
		Body: "<p>Hello {name},</p><p>it has been a while. Come and see what is new in the shop.</p><p>{coupon}</p>"},
	{Kind: AutoBirthday, DelayMinutes: 0, Subject: "Happy birthday, {name}!",
		Body: "<p>Happy birthday, {name}!</p><p>All of us wish you a wonderful day. {gift}</p>"},
}

// WinBackSegments are the win-back's audience when the shop picks none:
// the RFM groups of customers who bought before and stopped.
var WinBackSegments = []string{"rfm:at_risk", "rfm:hibernating"}

func builtin(kind string) (Automation, bool) {
	for _, a := range Automations {
		if a.Kind == kind {
			return a, true
		}
	}
	return Automation{}, false
}

type automationRow struct {
	bun.BaseModel `bun:"table:mailing_automations"`
	TenantID      string     `bun:"tenant_id,pk"`
	Kind          string     `bun:"kind,pk"`
	Enabled       bool       `bun:"enabled"`
	DelayMinutes  int        `bun:"delay_minutes"`
	Subject       string     `bun:"subject"`
	Body          string     `bun:"body"`
	SegmentID     string     `bun:"segment_id"`
	PromotionID   string     `bun:"promotion_id"`
	LastRunAt     *time.Time `bun:"last_run_at"`
	UpdatedAt     time.Time  `bun:"updated_at"`
}

// automationIn is the shop's setting for kind (the built-in, off, when
// never saved), with empty texts filled from the built-in.
func automationIn(ctx context.Context, q bun.IDB, tid, kind string) (Automation, error) {
	a, ok := builtin(kind)
	if !ok {
		return a, errs.Field("kind", "unknown automation %q", kind)
	}
	var r automationRow
	switch err := q.NewSelect().Model(&r).Where("tenant_id = ? AND kind = ?", tid, kind).Scan(ctx); {
	case store.NoRows(err):
		return a, nil
	case err != nil:
		return a, errs.Wrap(err, "mailing: automation")
	}
	a.Enabled, a.DelayMinutes, a.SegmentID, a.PromotionID = r.Enabled, r.DelayMinutes, r.SegmentID, r.PromotionID
	if r.Subject != "" {
		a.Subject = r.Subject
	}
	if r.Body != "" {
		a.Body = r.Body
	}
	return a, nil
}

// AutomationSettings returns the shop's setting for every kind.
func (s *Service) AutomationSettings(ctx context.Context) ([]Automation, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var out []Automation
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		for _, b := range Automations {
			a, err := automationIn(ctx, q, tid, b.Kind)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// SaveAutomation validates and stores one kind's setting, audited. The
// delay is 0 to 30 days.
func (s *Service) SaveAutomation(ctx context.Context, a Automation) (Automation, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return a, err
	}
	if _, ok := builtin(a.Kind); !ok {
		return a, errs.Field("kind", "unknown automation %q", a.Kind)
	}
	if a.DelayMinutes < 0 || a.DelayMinutes > 30*24*60 {
		return a, errs.Field("delay_minutes", "must be between 0 and 43200 (30 days)")
	}
	if a.Subject, err = line("subject", a.Subject, 200, false); err != nil {
		return a, err
	}
	if len(a.Body) > 100_000 || strings.ContainsRune(a.Body, 0) {
		return a, errs.Field("body", "is longer than 100000 bytes or contains control characters")
	}
	a.Body = richtext.Sanitize(a.Body)
	if err := s.checkWinBack(ctx, &a); err != nil {
		return a, err
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		r := automationRow{TenantID: tid, Kind: a.Kind, Enabled: a.Enabled, DelayMinutes: a.DelayMinutes, Subject: a.Subject, Body: a.Body,
			SegmentID: a.SegmentID, PromotionID: a.PromotionID, UpdatedAt: s.now()}
		if _, err := q.NewInsert().Model(&r).On("CONFLICT (tenant_id, kind) DO UPDATE").
			Set("enabled = EXCLUDED.enabled, delay_minutes = EXCLUDED.delay_minutes, subject = EXCLUDED.subject, body = EXCLUDED.body").
			Set("segment_id = EXCLUDED.segment_id, promotion_id = EXCLUDED.promotion_id, updated_at = EXCLUDED.updated_at").Exec(ctx); err != nil {
			return errs.Wrap(err, "mailing: automation")
		}
		state := "off"
		if a.Enabled {
			state = "on"
		}
		return record(ctx, q, tid, "mailing.automation", "automation", a.Kind, state)
	})
	if err != nil {
		return a, err
	}
	return s.automation(ctx, tid, a.Kind)
}

func (s *Service) automation(ctx context.Context, tid, kind string) (Automation, error) {
	var a Automation
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		a, err = automationIn(ctx, q, tid, kind)
		return err
	})
	return a, err
}

type autoPayload struct {
	Kind       string            `json:"kind"`
	Key        string            `json:"key"` // the trigger, e.g. a tier change id
	CustomerID string            `json:"customer_id"`
	Email      string            `json:"email,omitempty"` // "" : the customer's
	Vars       map[string]string `json:"vars"`
	ProductIDs []string          `json:"product_ids,omitempty"`
}

// trigger schedules an automation mail when the shop has the kind on.
func (s *Service) trigger(ctx context.Context, tid string, p autoPayload) error {
	if p.CustomerID == "" || p.Key == "" {
		return nil
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		a, err := automationIn(ctx, q, tid, p.Kind)
		if err != nil || !a.Enabled {
			return err
		}
		_, err = outbox.EnqueueEventAt(ctx, q, tid, TopicAutomation, p, s.now().Add(time.Duration(a.DelayMinutes)*time.Minute))
		return err
	})
}

// runAutomation sends one automation mail, once per trigger: it writes
// (or finds) the trigger's recipient row and sends it while it is queued.
// An abandoned cart checked out or emptied since is skipped.
func (s *Service) runAutomation(ctx context.Context, tid string, p autoPayload) error {
	campaignID := "auto:" + p.Kind + ":" + p.Key
	var a Automation
	var r Recipient
	err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		r = Recipient{}
		var err error
		if a, err = automationIn(ctx, q, tid, p.Kind); err != nil || !a.Enabled {
			return err // turned off since: nothing
		}
		email := p.Email
		if email == "" {
			f, err := customer.FactsIn(ctx, q, tid, p.CustomerID)
			if err != nil || f == nil || f.Email == "" {
				return err
			}
			email = f.Email
		}
		row := Recipient{TenantID: tid, ID: store.NewID(), CampaignID: campaignID, CustomerID: p.CustomerID, Email: email, Status: RQueued, CreatedAt: s.now()}
		if _, err := q.NewInsert().Model(&row).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return errs.Wrap(err, "mailing: automation")
		}
		// The one row of this trigger (ours, or one written before).
		return errs.Wrap(q.NewSelect().Model(&r).Where("tenant_id = ? AND campaign_id = ? AND email = ?", tid, campaignID, email).Scan(ctx), "mailing: automation")
	})
	if err != nil || r.ID == "" || r.Status != RQueued {
		return err
	}
	if p.Vars == nil {
		p.Vars = map[string]string{}
	}
	if _, ok := p.Vars["name"]; !ok {
		p.Vars["name"] = "there"
		if cu, err := s.customerName(ctx, p.CustomerID); err == nil && cu != "" {
			p.Vars["name"] = cu
		}
	}
	var extraHTML, extraText string
	switch p.Kind {
	case AutoAbandonedCart:
		ok, err := s.cartBlock(ctx, tid, p.Key, r.ID, &extraHTML, &extraText)
		if err != nil {
			return err
		}
		if !ok {
			return s.skip(ctx, tid, r.ID, "the cart was checked out or emptied")
		}
	}
	pj, _ := json.Marshal(nonNil(p.ProductIDs))
	c := &Campaign{ID: campaignID, Subject: expand(a.Subject, p.Vars, false), Body: richtext.Sanitize(expand(a.Body, p.Vars, true)) + extraHTML, ProductJSON: string(pj)}
	content, err := s.prepare(ctx, tid, c)
	if err != nil {
		return err
	}
	if extraText != "" {
		content.text = extraText + "\n" + content.text
	}
	return s.deliver(ctx, tid, content, []string{r.ID})
}

// skip marks a queued automation mail as not to be sent, and why.
func (s *Service) skip(ctx context.Context, tid, rid, why string) error {
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		_, err := q.NewUpdate().Model((*Recipient)(nil)).Set("status = ?, last_error = ?", RSkipped, why).
			Where("tenant_id = ? AND id = ? AND status = ?", tid, rid, RQueued).Exec(ctx)
		return errs.Wrap(err, "mailing: skip")
	})
}

func (s *Service) customerName(ctx context.Context, id string) (string, error) {
	if s.opts.Customers == nil {
		return "", nil
	}
	c, err := s.opts.Customers.Get(ctx, id)
	if err != nil {
		return "", err
	}
	return c.FirstName, nil
}

// expand fills {name} and {tier}; in HTML the values are escaped.
func expand(t string, vars map[string]string, isHTML bool) string {
	var pairs []string
	for k, v := range vars {
		if isHTML {
			v = html.EscapeString(v)
		}
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(t)
}

// onTierChanged triggers the tier-upgrade mail.
func (s *Service) onTierChanged(ctx context.Context, tid string, e loyalty.TierChanged) error {
	if !e.Up || e.From == "" { // a new member's first tier is not an upgrade
		return nil
	}
	return s.trigger(ctx, tid, autoPayload{Kind: AutoTierUpgrade, Key: e.ChangeID, CustomerID: e.CustomerID, Vars: map[string]string{"tier": e.ToName}})
}
