// Package mailing sends a shop's e-mail campaigns: composed in the shop's
// branding (logo and colours from core/design) with product blocks from the
// catalog, to an audience that is a segment intersected with marketing
// consent, now or at a scheduled time, through the outbox at a per-shop
// rate, with one-click unsubscribe (RFC 8058) and per-campaign results.
//
// Sending. Send or Schedule enqueue a start event (at the scheduled time);
// its handler pages through the audience, keeps only members who accept
// marketing and are not suppressed (the check at enqueue), writes one
// mailing_recipients row each (unique per campaign and address) and
// enqueues batch events paced at the shop's rate (each batch is due when
// the previous one's share of the rate has passed). A batch handler checks
// consent again (the check at send time: an unsubscribe or a withdrawn
// consent between enqueue and send is honoured), claims each recipient
// with a conditional update (queued -> sending), hands the mails to the
// outbox's SMTP sender over one connection and records sent, bounced (5xx)
// or queued again (a temporary failure: the outbox retries the batch). A
// recipient is mailed at most once: a retry only sees queued rows, and a
// claim left by a crash is marked failed, never resent.
//
// Results: sent and delivered (accepted by the SMTP server; the two are the
// same here, as there is no delivery-status feedback), bounced, opened (a
// 1×1 image, first load per recipient; approximate: image blocking hides
// opens and privacy proxies fetch images without a person reading),
// clicked (a signed redirect to the shop's own paths only), unsubscribed,
// and orders and revenue attributed to a campaign when a recipient places
// an order within the shop's attribution window after a click (from the
// "order.placed" event). Tracker is the hook for recording opens and
// clicks as analytics events too.
//
// Automations (automation.go, lifecycle.go) are per-shop settings, off by
// default: a tier-upgrade mail (loyalty.TopicTierChanged), the
// abandoned-cart mail with a link that restores the cart (orders placed
// from a restored cart are attributed to it), win-back for a dormant
// segment (once per dormancy, optionally with a personal single-use
// coupon) and the birthday mail with the tier's birthday points; the
// post-purchase review request is core/review's. A tier change enqueues a
// delayed outbox event; the lifecycle ones are found by a periodic round
// (RunAutomations, core/jobs). Either way the mail goes through the same
// path as a campaign's (a recipient row per trigger, so never twice;
// consent and unsubscribe checked at send time).
//
// Tables: the package owns mailing_settings, mailing_campaigns,
// mailing_recipients, mailing_suppressions, mailing_attributions and
// mailing_automations.
package mailing

import (
	"context"
	"embed"
	"io/fs"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	store.RegisterMigrations(store.Migrations{Module: "mailing", Order: 62, FS: sub})
}

// Member is one member of an audience.
type Member struct {
	CustomerID       string
	Email            string
	Name             string
	AcceptsMarketing bool
}

// Audience lists a segment's members in pages (after: the cursor the
// previous page returned; "" at the start and, returned, at the end).
// core/segment's Service has this shape.
type Audience interface {
	Members(ctx context.Context, segmentID string, after string, limit int) ([]Member, string, error)
}

// Products gives the product blocks their content (catalog.Service).
type Products interface {
	Get(ctx context.Context, id string) (*catalog.Product, error)
}

// Brander wraps mail in the shop's look and gives its logo (design.Service).
type Brander interface {
	BrandMail(ctx context.Context, q bun.IDB, tenantID, html string) (string, error)
	MailLogo(ctx context.Context, q bun.IDB, tenantID string) (string, error)
}

// Mailer hands e-mails to the mail server now, one result per message
// (outbox.Worker.Mail).
type Mailer interface {
	Mail(ctx context.Context, ms []outbox.Message) []error
}

// TrackEvent is an open or click recorded for a recipient.
type TrackEvent struct {
	Kind        string // "open" or "click"
	CampaignID  string
	RecipientID string
	CustomerID  string
	Path        string // clicks: where to
	At          time.Time
}

// Tracker is told of each recorded open (the first per recipient) and
// click, in the transaction that records it: the hook for analytics.
type Tracker interface {
	Track(ctx context.Context, q bun.IDB, tenantID string, e TrackEvent) error
}

// Options configure a Service.
type Options struct {
	// Secret signs unsubscribe, open and click links (required).
	Secret []byte
	// Audience resolves segment ids to members.
	Audience Audience
	Products Products
	Brand    Brander // nil: unbranded mail
	// ShopURL is a shop's storefront base URL (scheme and host, no slash
	// at the end); links in mail point there.
	ShopURL func(ctx context.Context, tenantID string) (string, error)
	Tracker Tracker // nil: none
	// Customers gives automation mails the customer's first name (nil:
	// "there").
	Customers *customer.Service
	// Carts prices abandoned carts for their mail (nil: no abandoned-cart
	// mail).
	Carts *cart.Service
	// Loyalty grants birthday points (nil: none).
	Loyalty *loyalty.Service
	// Location is a shop's time zone for birthdays (nil or an error: UTC).
	Location func(ctx context.Context, tenantID string) (*time.Location, error)
	// BatchSize is the number of recipients per batch event, sent over one
	// SMTP connection (default 100).
	BatchSize int
	// PageSize is the audience page size (default 1000).
	PageSize int
	Now      func() time.Time
}

// Service runs campaigns for every shop; calls act on the context's tenant.
type Service struct {
	db     *store.DB
	opts   Options
	mailer Mailer
}

// New returns a Service; Register gives it the outbox it sends through.
func New(db *store.DB, opts Options) *Service {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 100
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 1000
	}
	if opts.Now == nil {
		opts.Now = store.Now
	}
	return &Service{db: db, opts: opts}
}

func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Microsecond) }

// Register installs the campaign handlers on the outbox worker and sends
// campaign mail through it.
func (s *Service) Register(w *outbox.Worker) {
	s.mailer = w
	for topic, h := range s.Handlers() {
		w.Handle(topic, h)
	}
}

// Settings are a shop's mailing settings.
type Settings struct {
	RatePerSecond   int    // mails per second for campaigns (1..10000, default 50)
	AttributionDays int    // orders within this many days after a click count (1..90, default 5)
	MailtoUnsub     string // optional mailto address in List-Unsubscribe
}

// DefaultSettings apply to a shop that saved none.
var DefaultSettings = Settings{RatePerSecond: 50, AttributionDays: 5}

type settingsRow struct {
	bun.BaseModel   `bun:"table:mailing_settings"`
	TenantID        string    `bun:"tenant_id,pk"`
	RatePerSecond   int       `bun:"rate_per_second"`
	AttributionDays int       `bun:"attribution_days"`
	MailtoUnsub     string    `bun:"unsubscribe_mailto"`
	UpdatedAt       time.Time `bun:"updated_at"`
}

func settingsIn(ctx context.Context, q bun.IDB, tid string) (Settings, error) {
	var r settingsRow
	err := q.NewSelect().Model(&r).Where("tenant_id = ?", tid).Scan(ctx)
	if store.NoRows(err) {
		return DefaultSettings, nil
	}
	if err != nil {
		return Settings{}, errs.Wrap(err, "mailing: settings")
	}
	return Settings{RatePerSecond: r.RatePerSecond, AttributionDays: r.AttributionDays, MailtoUnsub: r.MailtoUnsub}, nil
}

// Settings returns the shop's settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return Settings{}, err
	}
	var out Settings
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		out, err = settingsIn(ctx, q, tid)
		return err
	})
	return out, err
}

// SaveSettings validates and stores the shop's settings, audited.
func (s *Service) SaveSettings(ctx context.Context, in Settings) (Settings, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return in, err
	}
	if in.RatePerSecond < 1 || in.RatePerSecond > 10000 {
		return in, errs.Field("rate_per_second", "must be between 1 and 10000")
	}
	if in.AttributionDays < 1 || in.AttributionDays > 90 {
		return in, errs.Field("attribution_days", "must be between 1 and 90")
	}
	if in.MailtoUnsub != "" && !validEmail(in.MailtoUnsub) {
		return in, errs.Field("unsubscribe_mailto", "must be an e-mail address")
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		r := settingsRow{TenantID: tid, RatePerSecond: in.RatePerSecond, AttributionDays: in.AttributionDays, MailtoUnsub: in.MailtoUnsub, UpdatedAt: s.now()}
		if _, err := q.NewInsert().Model(&r).On("CONFLICT (tenant_id) DO UPDATE").
			Set("rate_per_second = EXCLUDED.rate_per_second, attribution_days = EXCLUDED.attribution_days, unsubscribe_mailto = EXCLUDED.unsubscribe_mailto, updated_at = EXCLUDED.updated_at").Exec(ctx); err != nil {
			return errs.Wrap(err, "mailing: settings")
		}
		return record(ctx, q, tid, "mailing.settings", "mailing_settings", tid, "")
	})
	return in, err
}
