package order

import (
	"context"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

func TestNotificationMails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := staff("shop1")
		o := sample(Paid)
		o.Lines[0].Title = `<script>alert(1)</script> Shirt`
		insert(t, db, ctx, o)
		if err := SaveMailTemplate(ctx, db, MailTemplate{Topic: MailShipped, Subject: "{{.OrderName}} is coming", Text: "{{.Nope"}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("broken template saved: %v", err)
		}
		if err := SaveMailTemplate(ctx, db, MailTemplate{Topic: MailShipped, Subject: "{{.OrderName}} is coming", Text: "Track: {{.TrackingURL}}",
			HTML: `<a href="{{.TrackingURL}}">{{range .Lines}}{{.Title}}{{end}}</a>`}); err != nil {
			t.Fatal(err)
		}
		ts, _ := MailTemplates(ctx, db)
		if len(ts) != len(MailTopics) || !ts[2].Custom || ts[0].Custom {
			t.Fatalf("%+v", ts)
		}
		var evs []outbox.Message
		if err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			for _, e := range []struct {
				topic   string
				payload map[string]any
			}{
				{"order.placed", map[string]any{"order_id": o.ID}},
				{"shipment.created", map[string]any{"order_id": o.ID, "tracking_url": "https://t.example/1", "carrier": "UPS"}},
				{"return.approved", map[string]any{"order_id": o.ID, "status": "approved", "amount": 1500}},
			} {
				m, err := outbox.EnqueueEvent(ctx, q, "shop1", e.topic, e.payload)
				if err != nil {
					return err
				}
				evs = append(evs, m)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		n := &Notifier{DB: db}
		for _, m := range evs {
			for i := 0; i < 2; i++ { // redelivered: still one mail
				if err := n.Handle(context.Background(), m); err != nil {
					t.Fatal(err)
				}
			}
		}
		tid := "shop1"
		page, err := outbox.ListMail(context.Background(), db, outbox.MailFilter{TenantID: &tid})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Mail) != 3 {
			t.Fatalf("%d mails", len(page.Mail))
		}
		byTopic := map[string]outbox.Message{}
		for _, m := range page.Mail {
			byTopic[m.Topic] = m
		}
		placed, shipped, ret := byTopic["mail.order.placed"], byTopic["mail.shipment.created"], byTopic["mail.return.approved"]
		if placed.Subject != "Order #1001 confirmed" || placed.To != "shopper@example.com" || !strings.Contains(placed.Text, "Total: 20.00 USD") ||
			strings.Contains(placed.HTML, "<script>") {
			t.Fatalf("placed: %+v", placed)
		}
		if shipped.Subject != "#1001 is coming" || shipped.Text != "Track: https://t.example/1" || !strings.Contains(shipped.HTML, `href="https://t.example/1"`) {
			t.Fatalf("shipped: %+v", shipped)
		}
		if !strings.Contains(ret.Text, "approved") || !strings.Contains(ret.Text, "15.00 USD") {
			t.Fatalf("return: %+v", ret)
		}
		tl, _ := NewService(db, nil).Timeline(ctx, o.ID)
		mails := 0
		for _, e := range tl {
			if e.Kind == EventEmail {
				mails++
			}
		}
		if mails != 3 {
			t.Fatalf("%d e-mail events", mails)
		}
		if err := ResetMailTemplate(ctx, db, MailShipped); err != nil {
			t.Fatal(err)
		}
		if ts, _ = MailTemplates(ctx, db); ts[2].Custom {
			t.Fatal("reset kept the custom template")
		}
	})
}
