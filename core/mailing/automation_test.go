package mailing_test

import (
	"context"
	"mime"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/mailing"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestAutomations: the tier-upgrade automation mails the new tier's name
// (escaped in HTML) once per tier change however often the event comes;
// while it is off, to a customer without consent and to an unsubscribed
// address it sends nothing; bad settings name the field.
func TestAutomations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ann := f.customer("ann@example.com", true)
		bob := f.customer("bob@example.com", true)
		cat := f.customer("cat@example.com", false)
		if _, err := f.svc.SaveAutomation(f.ctx, mailing.Automation{Kind: "nope"}); field(err) != "kind" {
			t.Fatalf("unknown kind: %v", err)
		}
		if _, err := f.svc.SaveAutomation(f.ctx, mailing.Automation{Kind: mailing.AutoTierUpgrade, DelayMinutes: -1}); field(err) != "delay_minutes" {
			t.Fatalf("negative delay: %v", err)
		}
		up := func(customerID, changeID string) {
			if err := db.Write(f.ctx, func(ctx context.Context, q bun.IDB) error {
				_, err := outbox.EnqueueEvent(ctx, q, f.tid, loyalty.TopicTierChanged, loyalty.TierChanged{ChangeID: changeID, CustomerID: customerID,
					From: "bronze", To: "gold", ToName: "Gold <b>", Up: true})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		// Off (the default): nothing.
		up(bob, "change-0")
		f.drain()
		if n := len(f.sink.Mail()); n != 0 {
			t.Fatalf("automation off sent %d", n)
		}
		a, err := f.svc.SaveAutomation(f.ctx, mailing.Automation{Kind: mailing.AutoTierUpgrade, Enabled: true, Subject: "You are {tier} now"})
		if err != nil || !a.Enabled || !strings.Contains(a.Body, "{tier}") {
			t.Fatalf("save: %+v %v", a, err)
		}
		// Ann unsubscribed through an earlier campaign.
		c, err := f.svc.Create(f.ctx, mailing.Input{Subject: "News", Body: "<p>x</p>", SegmentID: mailing.AllSubscribers})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Send(f.ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		f.drain()
		if err := f.svc.Unsubscribe(f.ctx, mailing.Token(secret, f.tid, f.recipients(c.ID)["ann@example.com"].ID), "page"); err != nil {
			t.Fatal(err)
		}
		up(ann, "change-1")
		up(cat, "change-2")
		up(bob, "change-3")
		up(bob, "change-3") // the same change again: mailed once
		f.drain()
		if n, m := len(f.sink.To("ann@example.com")), len(f.sink.To("cat@example.com")); n != 1 || m != 0 {
			t.Fatalf("unsubscribed ann got %d mails, cat without consent %d", n, m)
		}
		bm := f.sink.To("bob@example.com")
		if len(bm) != 2 { // the campaign and one tier mail
			t.Fatalf("bob got %d mails", len(bm))
		}
		subj, _ := new(mime.WordDecoder).DecodeHeader(bm[1].Header.Get("Subject"))
		body := decodeQP(bm[1].Body)
		if subj != "You are Gold <b> now" || !strings.Contains(body, "<b>Gold &lt;b&gt;</b>") || bm[1].Header.Get("List-Unsubscribe-Post") == "" {
			t.Fatalf("tier mail %q: %s", subj, body)
		}
	})
}
