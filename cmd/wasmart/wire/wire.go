// Package wire builds every service Wasmart runs, from a database and
// options, and hands them to the web server as web.Deps. It is the one
// place that decides which service gets which collaborator (the catalog
// reads stock from inventory, checkout prices through the plugin pipeline,
// payments release stock through checkout's Stock, carts are priced with
// the shop's promotions and checkout redeems them and cancellations
// release them through checkout.Promotions, ...): `wasmart serve`
// and every test that starts a server call Build, so a test server is wired
// exactly as production is.
//
// It belongs to the command's layer (cmd/wasmart): it may import anything,
// and nothing but the command and tests imports it. It owns no tables. The
// Services it returns own the services that hold resources (the plugin
// host, the tenants watcher): Close releases them.
package wire

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/content"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/experiment"
	"github.com/wasmart/wasmart/core/idempotency"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/mailing"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/review"
	"github.com/wasmart/wasmart/core/segment"
	"github.com/wasmart/wasmart/core/shipping"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/plugins"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web"
)

// Options configure Build. The zero value builds a working set over the
// database: no image store, no low-stock notices, an in-memory plugin
// compilation cache and random secrets.
type Options struct {
	// Tenants configures shops, staff, sessions and permissions (base
	// domain, console URL, log, secret key, custom-domain checks).
	Tenants tenants.Config
	// Plugins configures the plugin platform (compilation cache, run
	// retention, log).
	Plugins plugins.ServiceOptions
	// Blobs stores uploaded images; nil: no image uploads, and no /media
	// on shop hosts.
	Blobs blob.Store
	// LowStock is told when a variant's stock falls to its threshold;
	// nil: nobody (serve passes inventory.OutboxNotifier, which mails).
	LowStock inventory.LowStockNotifier
	// OrderSecret signs order access tokens (Order-Token); nil: random,
	// so tokens do not survive a restart.
	OrderSecret []byte
	// GatewaySecret signs the built-in test card gateway's webhooks;
	// nil: random.
	GatewaySecret []byte
	// MailingSecret signs campaign unsubscribe, open and click links;
	// nil: random, so links do not survive a restart.
	MailingSecret []byte
	// StorefrontURL is a shop's storefront address from its slug, for
	// links in campaign mail; nil: http://<slug>.<base domain>.
	StorefrontURL func(slug string) string
}

// Services are every service of one Wasmart process.
type Services struct {
	DB        *store.DB
	Tenants   *tenants.Service
	Plugins   *plugins.Service
	Catalog   *catalog.Service
	Inventory *inventory.Service
	Customers *customer.Service
	Blobs     blob.Store // nil: no image uploads
	Design    *design.Service
	Content   *content.Service

	// The commerce services: carts to after-sales.
	Carts       *cart.Service
	Checkout    *checkout.Service
	Orders      *order.Service
	Payments    *payment.Service
	Shipments   *shipping.Service
	AfterSales  *aftersales.Service
	Idempotency *idempotency.Service
	// Promotions are the shops' offers, codes and campaigns: every cart is
	// priced with them, every checkout redeems them, every cancellation and
	// full refund releases them and every return and partial refund
	// reverses them (through checkout.Promotions).
	Promotions *promotion.Service
	// Reviews are the shops' verified-buyer product reviews (their
	// review links are signed with a key derived from OrderSecret).
	Reviews *review.Service
	// Analytics collects storefront events (its flusher runs from Build
	// to Close) and answers the KPIs; serve schedules its rollups.
	Analytics *analytics.Service
	// Experiments are the shops' A/B tests of product pages (the carts
	// price with their arms through experiment.Prices; its exposure
	// flusher runs from Build to Close).
	Experiments *experiment.Service
	// Loyalty is the shops' membership programmes (points, tiers,
	// referrals): checkout redeems points and prices tier perks through
	// it, cancellations give points back; its outbox handlers (Handlers)
	// earn and reverse, its Sweep expires and reviews.
	Loyalty *loyalty.Service
	// Mailing is the shops' e-mail campaigns; serve registers its outbox
	// handlers (Register), which send campaign mail through the worker.
	Mailing *mailing.Service
	// Segments are the shops' customer segments and RFM scores: checkout
	// asks them for promotions limited to a segment; its Refresh (a job)
	// keeps the scores current.
	Segments *segment.Service
	// Stock reserves, takes and releases stock for checkout, payments and
	// the unpaid-order sweeper.
	Stock *checkout.Stock
	// Gateway is the built-in test card gateway.
	Gateway *payment.TestGateway
	// OrderSecret signs order access tokens.
	OrderSecret []byte
}

// Build builds every service over db.
func Build(db *store.DB, o Options) (*Services, error) {
	ts, err := tenants.New(db, o.Tenants)
	if err != nil {
		return nil, err
	}
	psvc, err := plugins.NewService(db, o.Plugins)
	if err != nil {
		ts.Close()
		return nil, err
	}
	if len(o.OrderSecret) == 0 {
		o.OrderSecret = randomKey()
	}
	if len(o.GatewaySecret) == 0 {
		o.GatewaySecret = randomKey()
	}
	if len(o.MailingSecret) == 0 {
		o.MailingSecret = randomKey()
	}
	if o.StorefrontURL == nil {
		o.StorefrontURL = func(slug string) string { return "http://" + slug + "." + o.Tenants.BaseDomain }
	}
	s := &Services{DB: db, Tenants: ts, Plugins: psvc, Blobs: o.Blobs, OrderSecret: o.OrderSecret}
	s.Inventory = inventory.New(db, inventory.Options{Notifier: o.LowStock})
	s.Catalog = catalog.New(db, catalog.Options{Blobs: o.Blobs, Stock: s.Inventory, StockSink: s.Inventory})
	s.Customers = customer.New(db, customer.Options{Erasers: []customer.Eraser{mailing.Eraser{}}}) // campaign rows are anonymised with the customer
	s.Design = design.New(db, design.Options{Blobs: o.Blobs})
	s.Content = content.New(db, nil)
	s.Content.SetAssets(design.ExistingAssets)

	s.Idempotency = idempotency.New(db)
	s.Stock = &checkout.Stock{Inv: s.Inventory}
	s.Promotions = promotion.New(db, nil)
	s.Loyalty = loyalty.New(db, nil)
	s.Segments = segment.New(db, nil)
	offers := &checkout.Promotions{Offers: s.Promotions, Members: s.Loyalty, Segments: s.Segments}
	points := &checkout.Points{Loyalty: s.Loyalty}
	s.Experiments = experiment.New(db, s.Catalog, experiment.Options{Log: o.Tenants.Log})
	s.Experiments.Start()
	s.Carts = cart.New(db, experiment.Prices{}, checkout.CartConfig(psvc.Pipeline)) // a visitor's A/B price arm is their price
	s.Carts.Offers = offers
	s.Orders = order.NewService(db, s.Stock)
	s.Orders.OnCancel(offers.Release, points.Release)
	s.Gateway = &payment.TestGateway{Secret: o.GatewaySecret}
	s.Payments = payment.New(db, s.Idempotency, s.Stock, s.Gateway, payment.Manual{})
	s.Payments.OnRefund(offers.Refunded)
	s.AfterSales = aftersales.New(db, s.Payments, s.Inventory)
	s.AfterSales.OnResolve(offers.Returned)
	s.Orders.OnCancel(s.AfterSales.ReleaseCredit)
	s.Checkout = checkout.New(db, s.Carts, s.Idempotency, s.Stock, s.Payments)
	if err := s.Checkout.Register(offers, points, s.AfterSales.CreditTender()); err != nil {
		s.Close()
		return nil, err
	}
	s.Shipments = shipping.New(db)
	s.Reviews = review.New(db, review.Options{Blobs: o.Blobs, Secret: append([]byte("review-link\x00"), o.OrderSecret...)})
	s.Mailing = mailing.New(db, mailing.Options{Secret: o.MailingSecret, Products: s.Catalog, Brand: s.Design, Customers: s.Customers,
		Carts: s.Carts, Loyalty: s.Loyalty, // abandoned carts, birthday points
		Location: func(ctx context.Context, _ string) (*time.Location, error) { // birthdays in the shop's time zone
			st, err := s.Analytics.Settings(ctx)
			return st.Location(), err
		},
		Audience: mailing.Subscribers{Customers: s.Customers, Segments: segmentAudience{s.Segments}}, // "all", or a segment
		ShopURL: func(ctx context.Context, tenantID string) (string, error) {
			t, err := ts.Tenant(ctx, tenantID)
			if err != nil {
				return "", err
			}
			return o.StorefrontURL(t.Slug), nil
		}})
	s.Analytics = analytics.New(db, analytics.Options{Log: o.Tenants.Log, Currency: func(ctx context.Context, id string) (string, error) {
		t, err := ts.Tenant(ctx, id)
		return t.Currency, err
	}, Sides: analytics.Sides{Complaints: aftersales.ComplaintTimes, Returns: aftersales.ReturnTimes,
		Promoted: promotion.PromotedOrders, Attributed: mailing.AttributedOrders}})
	psvc.SetTopics(s.Analytics)
	s.Analytics.Start()
	return s, nil
}

// Deps are the services the web server takes.
func (s *Services) Deps() web.Deps {
	return web.Deps{DB: s.DB, Tenants: s.Tenants, Plugins: s.Plugins, Catalog: s.Catalog, Inventory: s.Inventory,
		Customers: s.Customers, Blobs: s.Blobs, Design: s.Design, Content: s.Content,
		Carts: s.Carts, Checkout: s.Checkout, Orders: s.Orders, Payments: s.Payments, Shipments: s.Shipments,
		AfterSales: s.AfterSales, Idempotency: s.Idempotency, Promotions: s.Promotions, Loyalty: s.Loyalty, Analytics: s.Analytics, Segments: s.Segments, Reviews: s.Reviews, Mailing: s.Mailing, Gateway: s.Gateway, OrderSecret: s.OrderSecret,
		Experiments: s.Experiments}
}

// Close releases what the services hold: the analytics flusher (after
// writing what it buffered), the plugin host (compiled modules, pooled
// instances, the run recorder) and the tenants watcher. Call it after the
// server using them has stopped.
func (s *Services) Close() {
	if s.Analytics != nil {
		s.Analytics.Stop()
	}
	if s.Experiments != nil {
		s.Experiments.Close()
	}
	s.Plugins.Close()
	s.Tenants.Close()
}

// segmentAudience is a campaign audience from core/segment (mailing's
// Audience over segment.Member): a segment that does not exist is a bad
// segment_id.
type segmentAudience struct{ segments *segment.Service }

func (a segmentAudience) Members(ctx context.Context, segmentID, after string, limit int) ([]mailing.Member, string, error) {
	ms, next, err := a.segments.Members(ctx, segmentID, after, limit)
	if errs.Is(err, errs.NotFound) {
		return nil, "", errs.Field("segment_id", "unknown segment %q", segmentID)
	}
	if err != nil {
		return nil, "", err
	}
	out := make([]mailing.Member, len(ms))
	for i, m := range ms {
		out[i] = mailing.Member{CustomerID: m.CustomerID, Email: m.Email, Name: m.Name, AcceptsMarketing: m.AcceptsMarketing}
	}
	return out, next, nil
}

func randomKey() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}
