package mailing_test

import (
	"fmt"
	"mime"
	"net/url"
	"testing"

	"github.com/wasmart/wasmart/core/mailing"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestCampaignVariants: an A/B tested campaign sends variant B's subject
// to its share of the audience (each recipient's variant recorded and
// stable), refuses identical variants and shares out of range naming the
// field, and counts sent, opens, clicks and attributed orders per variant.
func TestCampaignVariants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ids := map[string]string{}
		for i := range 30 {
			email := fmt.Sprintf("c%02d@example.com", i)
			ids[email] = f.customer(email, true)
		}
		p := f.product()
		base := mailing.Input{Subject: "Spring is here", Body: "<p>Hello</p>", ProductIDs: []string{p.ID}, SegmentID: "everyone"}
		for _, c := range []struct {
			edit  func(*mailing.Input)
			field string
		}{
			{func(in *mailing.Input) { in.VariantPercent = 50 }, "variant_subject"},
			{func(in *mailing.Input) { in.VariantPercent, in.VariantSubject = 50, "Spring is here" }, "variant_subject"},
			{func(in *mailing.Input) { in.VariantPercent, in.VariantSubject = 100, "B" }, "variant_percent"},
			{func(in *mailing.Input) { in.VariantSubject = "B" }, "variant_percent"},
		} {
			in := base
			c.edit(&in)
			if _, err := f.svc.Create(f.ctx, in); field(err) != c.field {
				t.Fatalf("%+v: %v, want a refusal naming %s", in, err, c.field)
			}
		}
		in := base
		in.VariantPercent, in.VariantSubject = 50, "Spring B: 10 % off linen"
		c, err := f.svc.Create(f.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Send(f.ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		f.drain()
		rs := f.recipients(c.ID)
		count := map[string]int{}
		var bRecipient string
		for email, r := range rs {
			count[r.Variant]++
			ms := f.sink.To(email)
			if len(ms) != 1 {
				t.Fatalf("%s got %d mails", email, len(ms))
			}
			subj, _ := new(mime.WordDecoder).DecodeHeader(ms[0].Header.Get("Subject"))
			want := map[string]string{mailing.VariantA: base.Subject, mailing.VariantB: in.VariantSubject}[r.Variant]
			if subj != want {
				t.Errorf("%s (variant %q) got subject %q, want %q", email, r.Variant, subj, want)
			}
			if r.Variant == mailing.VariantB && bRecipient == "" {
				bRecipient = email
			}
		}
		if count[mailing.VariantA] == 0 || count[mailing.VariantB] == 0 || count[mailing.VariantA]+count[mailing.VariantB] != 30 {
			t.Fatalf("split %v", count)
		}
		// A B recipient clicks and orders.
		m := clickRe.FindStringSubmatch(decodeQP(f.sink.To(bRecipient)[0].Body))
		if m == nil {
			t.Fatal("no click link")
		}
		tok, _ := url.PathUnescape(m[1])
		path, _ := url.QueryUnescape(m[2])
		if err := f.svc.Open(f.ctx, tok); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Click(f.ctx, tok, path, m[3]); err != nil {
			t.Fatal(err)
		}
		f.order(ids[bRecipient], 4990)
		f.drain()
		vr, err := f.svc.VariantResults(f.ctx, c.ID)
		if err != nil || len(vr) != 2 {
			t.Fatalf("variant results %+v %v", vr, err)
		}
		a, b := vr[0], vr[1]
		if a.Variant != "A" || b.Variant != "B" || b.Subject != in.VariantSubject || int(a.Sent) != count["A"] || int(b.Sent) != count["B"] {
			t.Fatalf("sent per variant: %+v %+v (split %v)", a, b, count)
		}
		if b.Opened != 1 || b.Clicked != 1 || b.Orders != 1 || b.Buyers != 1 || len(b.Revenue) != 1 || b.Revenue[0].Amount != 4990 || a.Clicked != 0 || a.Orders != 0 {
			t.Fatalf("outcomes per variant: %+v %+v", a, b)
		}
	})
}

// TestCampaignVariantTests: the comparison of variants uses core/
// experiment's z-test on recipients sent (figures as in its own test:
// 140 of 1000 against 100 of 1000 gives z = 2.752409).
func TestCampaignVariantTests(t *testing.T) {
	clicks, orders := mailing.VariantTests([]mailing.VariantResult{
		{Variant: "A", Sent: 1000, Clicked: 100, Buyers: 5}, {Variant: "B", Sent: 1000, Clicked: 140, Buyers: 9}})
	if clicks.Verdict != "winner" || clicks.WinnerArmID != "B" || clicks.Arms[1].Z == nil || fmt.Sprintf("%.6f", *clicks.Arms[1].Z) != "2.752409" {
		t.Fatalf("clicks: %+v", clicks)
	}
	if orders.Verdict != "collecting" {
		t.Fatalf("orders on 5 and 9 buyers: verdict %q, want collecting (fewer than 10 conversions)", orders.Verdict)
	}
}
