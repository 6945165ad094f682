package mailing_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/mailing"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/outbox/smtpsink"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

var secret = []byte("test secret for mailing links....")

// everyone is an Audience over the customers table that lists every
// customer of the shop with the consent flag as stored, so the service's
// own consent filtering is what the tests see (a segment's members are not
// all subscribed).
type everyone struct{ cus *customer.Service }

func (e everyone) Members(ctx context.Context, segmentID, after string, limit int) ([]mailing.Member, string, error) {
	if segmentID != "everyone" {
		return nil, "", errs.Field("segment_id", "unknown segment")
	}
	list, next, err := e.cus.List(ctx, customer.ListFilter{Cursor: after, Limit: limit})
	if err != nil {
		return nil, "", err
	}
	out := make([]mailing.Member, len(list))
	for i, c := range list {
		out[i] = mailing.Member{CustomerID: c.ID, Email: c.Email, Name: c.Name(), AcceptsMarketing: c.AcceptsMarketing}
	}
	return out, next, nil
}

type fixture struct {
	t    testing.TB
	db   *store.DB
	ctx  context.Context
	tid  string
	cus  *customer.Service
	cat  *catalog.Service
	svc  *mailing.Service
	sink *smtpsink.Sink
	w    *outbox.Worker
}

// newFixture builds shop-m's mailing over db; with adjusts the options
// (the lifecycle tests add carts, loyalty and a clock).
func newFixture(t testing.TB, db *store.DB, with ...func(*mailing.Options)) *fixture {
	f := &fixture{t: t, db: db, tid: "shop-m", ctx: tenancy.WithActor(tenancy.WithTenant(context.Background(), "shop-m"), tenancy.Actor{Kind: "staff", ID: "u1", Name: "Mara"})}
	f.cus = customer.New(db, customer.Options{})
	f.cat = catalog.New(db, catalog.Options{})
	opts := mailing.Options{Secret: secret, Audience: mailing.Subscribers{Customers: f.cus, Segments: everyone{f.cus}}, Products: f.cat,
		Brand: design.New(db, design.Options{}), BatchSize: 2,
		ShopURL: func(_ context.Context, tid string) (string, error) { return "https://" + tid + ".wasmart.test", nil }}
	for _, w := range with {
		w(&opts)
	}
	f.svc = mailing.New(db, opts)
	f.sink = smtpsink.Start(t)
	f.w = outbox.NewWorker(db, f.sink.Config())
	f.svc.Register(f.w)
	if _, err := f.svc.SaveSettings(f.ctx, mailing.Settings{RatePerSecond: 5000, AttributionDays: 5}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) customer(email string, consent bool) string {
	f.t.Helper()
	c, _, err := f.cus.SignUp(f.ctx, customer.SignUpInput{Email: email, Password: "long enough password", FirstName: "Ann", AcceptsMarketing: consent}, customer.SessionMeta{})
	if err != nil {
		f.t.Fatal(err)
	}
	return c.ID
}

func (f *fixture) product() *catalog.Product {
	f.t.Helper()
	p, err := f.cat.Create(f.ctx, catalog.ProductInput{Title: "Linen Shirt", Currency: "EUR", Status: catalog.Published,
		Variants: []catalog.VariantInput{{SKU: "LS-1", Price: 4990}}})
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// drain runs the worker until no message is pending (paced batches fall
// due within milliseconds at the fixture's rate).
func (f *fixture) drain() {
	f.t.Helper()
	for range 300 {
		n, err := f.w.RunOnce(context.Background())
		if err != nil {
			f.t.Fatal(err)
		}
		if n > 0 {
			continue
		}
		var pending int64
		if err := f.db.Read(tenancy.WithPlatform(f.ctx), func(ctx context.Context, q bun.IDB) error {
			var err error
			pending, err = q.NewSelect().Model((*outbox.Message)(nil)).Where("status = ?", outbox.StatusPending).Count(ctx)
			return err
		}); err != nil {
			f.t.Fatal(err)
		}
		if pending == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	f.t.Fatal("outbox never drained")
}

func (f *fixture) recipients(campaignID string) map[string]mailing.Recipient {
	f.t.Helper()
	var rs []mailing.Recipient
	if err := f.db.Read(f.ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&rs).Where("tenant_id = ? AND campaign_id = ?", f.tid, campaignID).Scan(ctx)
	}); err != nil {
		f.t.Fatal(err)
	}
	out := map[string]mailing.Recipient{}
	for _, r := range rs {
		out[r.Email] = r
	}
	return out
}

// TestCampaignSend: the audience is the segment ∩ consent; mail is
// composed with the product block and the shop's branding, merchant HTML
// sanitised, sent through a real SMTP server with one-click unsubscribe
// headers; a 550 is a bounce; running a batch again sends nothing twice.
func TestCampaignSend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.customer("ann@example.com", true)
		f.customer("bob@example.com", true)
		f.customer("cat@example.com", false)
		f.customer("dan@example.com", true)
		f.sink.Reject("dan@example.com")
		p := f.product()

		c, err := f.svc.Create(f.ctx, mailing.Input{Subject: "Spring is here", Preheader: "New linen", Body: `<p>Hello <b>friends</b></p><script>alert(1)</script>`,
			ProductIDs: []string{p.ID}, SegmentID: "everyone"})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(c.Body, "script") {
			t.Fatalf("body not sanitised: %q", c.Body)
		}
		if _, err := f.svc.Create(f.ctx, mailing.Input{Subject: "x", SegmentID: "everyone", ProductIDs: []string{"nope"}}); field(err) != "product_ids" {
			t.Fatalf("unknown product: %v", err)
		}
		if _, err := f.svc.Send(f.ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Send(f.ctx, c.ID); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("second send: %v", err)
		}
		f.drain()

		got, err := f.svc.Get(f.ctx, c.ID)
		if err != nil || got.Status != mailing.Sent {
			t.Fatalf("campaign %+v %v", got, err)
		}
		rs := f.recipients(c.ID)
		if _, ok := rs["cat@example.com"]; ok || len(rs) != 3 {
			t.Fatalf("recipients without consent: %v", rs)
		}
		if rs["ann@example.com"].Status != mailing.RSent || rs["dan@example.com"].Status != mailing.RBounced {
			t.Fatalf("statuses: %+v", rs)
		}
		if len(f.sink.To("cat@example.com")) != 0 || len(f.sink.To("ann@example.com")) != 1 || len(f.sink.To("bob@example.com")) != 1 {
			t.Fatalf("sink got %d mails", len(f.sink.Mail()))
		}
		m := f.sink.To("ann@example.com")[0]
		subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		lu := m.Header.Get("List-Unsubscribe")
		if subj != "Spring is here" || !strings.HasPrefix(lu, "<https://shop-m.wasmart.test/mail/unsubscribe/"+rs["ann@example.com"].ID+".") ||
			m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Fatalf("headers: %v", m.Header)
		}
		body := decodeQP(m.Body)
		for _, want := range []string{"Linen Shirt", "49.90", "<b>friends</b>", "/mail/open/", "/mail/click/", "border-top:6px solid"} {
			if !strings.Contains(body, want) {
				t.Errorf("mail lacks %q", want)
			}
		}
		if strings.Contains(body, "<script") {
			t.Fatal("script in mail")
		}
		res, err := f.svc.Results(f.ctx, c.ID)
		if err != nil || res.Sent != 2 || res.Delivered != 2 || res.Bounced != 1 || res.Recipients != 3 {
			t.Fatalf("results %+v %v", res, err)
		}

		// Idempotent: the same batch event again sends nothing.
		ids := []string{rs["ann@example.com"].ID, rs["bob@example.com"].ID}
		if err := f.db.Write(f.ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := outbox.EnqueueEvent(ctx, q, f.tid, mailing.TopicBatch, map[string]any{"campaign_id": c.ID, "recipient_ids": ids})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// Send again while the campaign is marked sending, as a retry would see it.
		if err := f.db.Write(f.ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := q.NewUpdate().Model((*mailing.Campaign)(nil)).Set("status = ?", mailing.Sending).Where("tenant_id = ? AND id = ?", f.tid, c.ID).Exec(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		f.drain()
		if len(f.sink.To("ann@example.com")) != 1 || len(f.sink.To("bob@example.com")) != 1 {
			t.Fatal("a retried batch sent twice")
		}
	})
}

// TestConsentCheckedAtBothEnds: a segment with no consented member is
// refused up front; consent withdrawn after the campaign was queued stops
// the mail at send time.
func TestConsentCheckedAtBothEnds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.customer("cat@example.com", false)
		c, err := f.svc.Create(f.ctx, mailing.Input{Subject: "Hi", Body: "<p>x</p>", SegmentID: "everyone"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Send(f.ctx, c.ID); field(err) != "segment_id" {
			t.Fatalf("no consented members: %v", err)
		}
		if got, _ := f.svc.Get(f.ctx, c.ID); got.Status != mailing.Draft {
			t.Fatalf("refused send left status %s", got.Status)
		}
		bob := f.customer("bob@example.com", true)
		f.drain() // sign-up events
		if _, err := f.svc.Send(f.ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if n, err := f.w.RunOnce(context.Background()); err != nil || n != 1 { // the start event: recipients queued
			t.Fatalf("start: %d %v", n, err)
		}
		if r := f.recipients(c.ID)["bob@example.com"]; r.Status != mailing.RQueued {
			t.Fatalf("queued: %+v", r)
		}
		if _, err := f.cus.SetMarketingConsent(f.ctx, bob, false, "account page"); err != nil {
			t.Fatal(err)
		}
		f.drain()
		if r := f.recipients(c.ID)["bob@example.com"]; r.Status != mailing.RSkipped || len(f.sink.Mail()) != 0 {
			t.Fatalf("withdrawn consent still mailed: %+v, %d mails", r, len(f.sink.Mail()))
		}
		if got, _ := f.svc.Get(f.ctx, c.ID); got.Status != mailing.Sent {
			t.Fatalf("campaign %s", got.Status)
		}
	})
}

// TestUnsubscribeHonouredForQueuedMail (issue 12): a recipient who
// unsubscribes while the campaign's mail is queued gets none; the address
// is suppressed for later campaigns and the customer's consent is
// withdrawn; a forged token does nothing.
func TestUnsubscribeHonouredForQueuedMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ann := f.customer("ann@example.com", true)
		f.customer("bob@example.com", true)
		c, err := f.svc.Create(f.ctx, mailing.Input{Subject: "Sale", Body: "<p>x</p>", SegmentID: mailing.AllSubscribers})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Send(f.ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.w.RunOnce(context.Background()); err != nil { // queue recipients only
			t.Fatal(err)
		}
		rs := f.recipients(c.ID)
		if len(rs) != 2 || rs["ann@example.com"].Status != mailing.RQueued {
			t.Fatalf("queued: %+v", rs)
		}
		tok := mailing.Token(secret, f.tid, rs["ann@example.com"].ID)
		if err := f.svc.Unsubscribe(f.ctx, tok[:len(tok)-2]+"xx", "one-click"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("forged token: %v", err)
		}
		if err := f.svc.Unsubscribe(tenancy.WithTenant(context.Background(), "other-shop"), tok, "page"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("token used on another shop: %v", err)
		}
		if err := f.svc.Unsubscribe(f.ctx, tok, "one-click"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Unsubscribe(f.ctx, tok, "page"); err != nil { // twice is fine
			t.Fatal(err)
		}
		f.drain()
		if len(f.sink.To("ann@example.com")) != 0 || len(f.sink.To("bob@example.com")) != 1 {
			t.Fatalf("ann got %d, bob %d", len(f.sink.To("ann@example.com")), len(f.sink.To("bob@example.com")))
		}
		if r := f.recipients(c.ID)["ann@example.com"]; r.Status != mailing.RSkipped || r.UnsubscribedAt == nil {
			t.Fatalf("ann's row: %+v", r)
		}
		if cu, _ := f.cus.Get(f.ctx, ann); cu.AcceptsMarketing || cu.MarketingConsentSource != "unsubscribe link" {
			t.Fatalf("consent not withdrawn: %+v", cu)
		}
		sub, err := f.svc.Lookup(f.ctx, tok)
		if err != nil || !sub.Unsubscribed || sub.Email != "a***@example.com" {
			t.Fatalf("lookup %+v %v", sub, err)
		}
		res, _ := f.svc.Results(f.ctx, c.ID)
		if res.Unsubscribed != 1 || res.Skipped != 1 || res.Sent != 1 {
			t.Fatalf("results %+v", res)
		}
		// Deleting the customer anonymises the campaign rows; the counts stay.
		erasing := customer.New(db, customer.Options{Erasers: []customer.Eraser{mailing.Eraser{}}})
		if err := erasing.Delete(f.ctx, ann); err != nil {
			t.Fatal(err)
		}
		if _, ok := f.recipients(c.ID)["ann@example.com"]; ok {
			t.Fatal("a deleted customer's address stays in the campaign")
		}
		if res, _ := f.svc.Results(f.ctx, c.ID); res.Unsubscribed != 1 || res.Recipients != 2 {
			t.Fatalf("results after erasure %+v", res)
		}
	})
}

var clickRe = regexp.MustCompile(`https://shop-m\.wasmart\.test/mail/click/([^?"]+)\?u=([^&"]+)&amp;s=([^"&]+)`)

// TestTrackingAndAttribution: an open counts once; a click goes only to a
// signed path on the shop; an order by the recipient within the window
// after a click is attributed once, one outside it is not.
func TestTrackingAndAttribution(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ann := f.customer("ann@example.com", true)
		p := f.product()
		c, err := f.svc.Create(f.ctx, mailing.Input{Subject: "New", Body: "<p>x</p>", ProductIDs: []string{p.ID}, SegmentID: mailing.AllSubscribers})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Send(f.ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		f.drain()
		body := decodeQP(f.sink.To("ann@example.com")[0].Body)
		m := clickRe.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no click link in %s", body)
		}
		tok, _ := url.PathUnescape(m[1])
		path, _ := url.QueryUnescape(m[2])
		sig := m[3]
		if path != "/products/"+p.Handle {
			t.Fatalf("first link %q", path)
		}
		if _, err := f.svc.Click(f.ctx, tok, "https://evil.example/", sig); err == nil {
			t.Fatal("foreign URL accepted")
		}
		if _, err := f.svc.Click(f.ctx, tok, "//evil.example/x", sig); err == nil {
			t.Fatal("protocol-relative URL accepted")
		}
		if _, err := f.svc.Click(f.ctx, tok, "/account", sig); err == nil {
			t.Fatal("path with another link's signature accepted")
		}
		for range 2 {
			if err := f.svc.Open(f.ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		// An order before the click is not the campaign's.
		before := f.order(ann, 1000)
		to, err := f.svc.Click(f.ctx, tok, path, sig)
		if err != nil || to != path {
			t.Fatalf("click: %q %v", to, err)
		}
		after := f.order(ann, 4990)
		f.drain()
		res, err := f.svc.Results(f.ctx, c.ID)
		if err != nil || res.Opened != 1 || res.Clicked != 1 || res.Orders != 1 || len(res.Revenue) != 1 || res.Revenue[0].Amount != 4990 {
			t.Fatalf("results %+v %v (orders %s, %s)", res, err, before.ID, after.ID)
		}
		// The event again does not count twice.
		if err := f.db.Write(f.ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := outbox.EnqueueEvent(ctx, q, f.tid, "order.placed", map[string]any{"order_id": after.ID})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		f.drain()
		if res, _ := f.svc.Results(f.ctx, c.ID); res.Orders != 1 {
			t.Fatalf("attributed twice: %+v", res)
		}
	})
}

// order writes an order by the customer and its "order.placed" event, as
// checkout does.
func (f *fixture) order(customerID string, total int64) *order.Order {
	f.t.Helper()
	o := &order.Order{CustomerID: customerID, Email: "ann@example.com", Currency: "EUR", Subtotal: total, Total: total,
		Lines: []order.Line{{ProductID: "p1", VariantID: "v1", Title: "Thing", Quantity: 1, UnitPrice: total, Subtotal: total, Total: total}}}
	if err := f.db.Write(f.ctx, func(ctx context.Context, q bun.IDB) error {
		if err := order.Insert(ctx, q, o); err != nil {
			return err
		}
		_, err := outbox.EnqueueEvent(ctx, q, f.tid, "order.placed", map[string]any{"order_id": o.ID})
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond) // placed_at strictly before the next step's clock
	return o
}

func decodeQP(s string) string {
	b, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(s)))
	return string(b)
}

func field(err error) string {
	if e, ok := errors.AsType[*errs.Error](err); ok {
		return e.Field
	}
	return ""
}

// TestRateIsPerShop: batch events are paced at the shop's rate across all
// its sending campaigns, not per campaign.
func TestRateIsPerShop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db) // two recipients per batch
		if _, err := f.svc.SaveSettings(f.ctx, mailing.Settings{RatePerSecond: 10, AttributionDays: 5}); err != nil {
			t.Fatal(err)
		}
		for _, e := range []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com"} {
			f.customer(e, true)
		}
		f.drain()
		for range 2 {
			c, err := f.svc.Create(f.ctx, mailing.Input{Subject: "S", Body: "<p>x</p>", SegmentID: mailing.AllSubscribers})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Send(f.ctx, c.ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.w.RunOnce(context.Background()); err != nil { // both start events
			t.Fatal(err)
		}
		var due []time.Time
		if err := db.Read(tenancy.WithPlatform(f.ctx), func(ctx context.Context, q bun.IDB) error {
			return q.NewSelect().Model((*outbox.Message)(nil)).Column("next_attempt_at").Where("topic = ?", mailing.TopicBatch).OrderExpr("next_attempt_at").Scan(ctx, &due)
		}); err != nil {
			t.Fatal(err)
		}
		if len(due) != 4 {
			t.Fatalf("%d batch events", len(due))
		}
		// 2 mails at 10 per second: 200 ms apart, the second campaign's
		// behind the first's (the first gap may be shorter: the outbox
		// never dates an event before its own clock).
		for i := 2; i < len(due); i++ {
			if gap := due[i].Sub(due[i-1]); gap < 199*time.Millisecond {
				t.Fatalf("batches %d and %d only %v apart: %v", i-1, i, gap, due)
			}
		}
	})
}
