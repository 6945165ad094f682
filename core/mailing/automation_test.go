package mailing_test

import (
	"context"
	"mime"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/mailing"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestAutomations: a review request follows a delivered order with its
// products, once per order however often the event comes; a tier upgrade
// mails the new tier's name; an automation that is off, a customer
// without consent and an unsubscribed address get nothing; bad settings
// name the field.
func TestAutomations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ann := f.customer("ann@example.com", true)
		cat := f.customer("cat@example.com", false)
		p := f.product()
		if _, err := f.svc.SaveAutomation(f.ctx, mailing.Automation{Kind: "nope"}); field(err) != "kind" {
			t.Fatalf("unknown kind: %v", err)
		}
		if _, err := f.svc.SaveAutomation(f.ctx, mailing.Automation{Kind: mailing.AutoReviewRequest, DelayMinutes: -1}); field(err) != "delay_minutes" {
			t.Fatalf("negative delay: %v", err)
		}
		deliver := func(customerID string) *order.Order {
			o := &order.Order{CustomerID: customerID, Email: "x@example.com", Currency: "EUR", Subtotal: 4990, Total: 4990,
				Lines: []order.Line{{ProductID: p.ID, VariantID: p.Variants[0].ID, Title: p.Title, Quantity: 1, UnitPrice: 4990, Subtotal: 4990, Total: 4990}}}
			if err := db.Write(f.ctx, func(ctx context.Context, q bun.IDB) error {
				if err := order.Insert(ctx, q, o); err != nil {
					return err
				}
				for range 2 { // delivered twice: mailed once
					if _, err := outbox.EnqueueEvent(ctx, q, f.tid, "order.delivered", map[string]any{"order_id": o.ID}); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return o
		}
		// Off (the default): nothing.
		deliver(ann)
		f.drain()
		if n := len(f.sink.Mail()); n != 0 {
			t.Fatalf("automation off sent %d", n)
		}
		a, err := f.svc.SaveAutomation(f.ctx, mailing.Automation{Kind: mailing.AutoReviewRequest, Enabled: true, DelayMinutes: 0})
		if err != nil || !a.Enabled || !strings.Contains(a.Subject, "{order}") {
			t.Fatalf("save: %+v %v", a, err)
		}
		o := deliver(ann)
		deliver(cat)
		f.drain()
		got := f.sink.To("ann@example.com")
		if len(got) != 1 || len(f.sink.To("cat@example.com")) != 0 {
			t.Fatalf("review requests: ann %d, cat %d", len(got), len(f.sink.To("cat@example.com")))
		}
		body := decodeQP(got[0].Body)
		if !strings.Contains(body, "Linen Shirt") || !strings.Contains(body, o.Name()) || got[0].Header.Get("List-Unsubscribe-Post") == "" {
			t.Fatalf("review request: %s", body)
		}

		// Tier upgrade, after ann unsubscribed through the review request.
		if _, err := f.svc.SaveAutomation(f.ctx, mailing.Automation{Kind: mailing.AutoTierUpgrade, Enabled: true, Subject: "You are {tier} now"}); err != nil {
			t.Fatal(err)
		}
		bob := f.customer("bob@example.com", true)
		up := func(customerID, changeID string) {
			if err := db.Write(f.ctx, func(ctx context.Context, q bun.IDB) error {
				_, err := outbox.EnqueueEvent(ctx, q, f.tid, loyalty.TopicTierChanged, loyalty.TierChanged{ChangeID: changeID, CustomerID: customerID, From: "bronze", To: "gold", ToName: "Gold <b>", Up: true})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		var rid string
		if err := db.Read(f.ctx, func(ctx context.Context, q bun.IDB) error {
			return q.NewSelect().Model((*mailing.Recipient)(nil)).Column("id").Where("tenant_id = ? AND email = ?", f.tid, "ann@example.com").Limit(1).Scan(ctx, &rid)
		}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Unsubscribe(f.ctx, mailing.Token(secret, f.tid, rid), "page"); err != nil {
			t.Fatal(err)
		}
		up(ann, "change-1")
		up(bob, "change-2")
		up(bob, "change-2")
		f.drain()
		if n := len(f.sink.To("ann@example.com")); n != 1 {
			t.Fatalf("unsubscribed ann got %d mails", n)
		}
		bm := f.sink.To("bob@example.com")
		if len(bm) != 1 {
			t.Fatalf("bob got %d tier mails", len(bm))
		}
		subj, _ := new(mime.WordDecoder).DecodeHeader(bm[0].Header.Get("Subject"))
		if subj != "You are Gold <b> now" || !strings.Contains(decodeQP(bm[0].Body), "<b>Gold &lt;b&gt;</b>") {
			t.Fatalf("tier mail: %d %v", len(bm), bm)
		}
		if _, err := f.svc.SaveAutomation(f.ctx, mailing.Automation{Kind: mailing.AutoTierUpgrade, Enabled: false}); err != nil {
			t.Fatalf("off: %v", err)
		}
	})
}
