package promotion_test

import (
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestFestivalTemplates: the presets of 2026 have their festivals'
// windows in the shop's time zone (Black Friday after the fourth Thursday
// of November, Chinese New Year from its table), amounts in the shop's
// currency's minor units, and every preset and suggested promotion is
// accepted by the service as it is.
func TestFestivalTemplates(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	all, err := promotion.Templates(2026, sh, "CNY")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, time.UTC) }
	want := map[string][2]time.Time{
		"chinese-new-year": {utc(2, 2, 16), utc(2, 16, 16)},
		"618":              {utc(5, 31, 16), utc(6, 18, 16)},
		"singles-day":      {utc(11, 10, 16), utc(11, 11, 16)},
		"black-friday":     {utc(11, 26, 16), utc(11, 30, 16)},
		"christmas":        {utc(11, 30, 16), utc(12, 24, 16)},
	}
	if len(all) != len(promotion.TemplateKeys) {
		t.Fatalf("%d templates", len(all))
	}
	for i, tp := range all {
		w, ok := want[tp.Key]
		if !ok || tp.Key != promotion.TemplateKeys[i] || !tp.Campaign.StartsAt.Equal(w[0]) || !tp.Campaign.EndsAt.Equal(w[1]) ||
			tp.Campaign.Budget != 0 || tp.Campaign.Currency != "CNY" || len(tp.Promotions) == 0 {
			t.Errorf("%s: %+v", tp.Key, tp.Campaign)
		}
	}
	d, err := promotion.TemplateFor("singles-day", 2026, sh, "CNY")
	if err != nil || d.Promotions[0].Kind != promotion.KindSpendSave || len(d.Promotions[0].Tiers) != 3 ||
		d.Promotions[0].Tiers[0] != (promotion.Tier{Spend: 20000, Off: 2000}) {
		t.Fatalf("11.11: %+v %v", d, err)
	}
	if d, _ := promotion.TemplateFor("singles-day", 2026, nil, "JPY"); d.Promotions[0].Tiers[0] != (promotion.Tier{Spend: 200, Off: 20}) ||
		!d.Campaign.StartsAt.Equal(utc(11, 11, 0)) {
		t.Fatalf("11.11 in yen, UTC: %+v", d)
	}
	if all, _ := promotion.Templates(2040, nil, "EUR"); len(all) != 4 {
		t.Fatalf("2040 (no New Year table): %d templates", len(all))
	}
	for _, bad := range []struct {
		key, currency, field string
		year                 int
	}{{"easter", "EUR", "template", 2026}, {"618", "XXX", "currency", 2026}, {"618", "EUR", "year", 1999}} {
		if _, err := promotion.TemplateFor(bad.key, bad.year, nil, bad.currency); fieldOf(err) != bad.field {
			t.Errorf("%+v: %v", bad, err)
		}
	}

	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("ta")
		svc := promotion.New(db, func() time.Time { return t0 })
		for _, tp := range all {
			c, err := svc.CreateCampaign(ctx, tp.Campaign)
			if err != nil {
				t.Fatalf("%s: %v", tp.Key, err)
			}
			for _, p := range tp.Promotions {
				p.CampaignID = c.ID
				if _, err := svc.Create(ctx, p); err != nil {
					t.Fatalf("%s %s: %v", tp.Key, p.Name, err)
				}
			}
		}
	})
}

// TestCampaignFromTemplate: creating 11.11 from its template with the
// suggestions makes the campaign and its two promotions in it, drafts
// within the campaign's window (or active when asked); without the
// suggestions only the campaign. A promotion the service refuses inside
// the transaction (an unknown product, checked after the campaign row is
// written) leaves neither the campaign nor the promotions before it.
func TestCampaignFromTemplate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("ta")
		svc := promotion.New(db, func() time.Time { return t0 })
		c, ps, err := svc.CreateFromTemplate(ctx, promotion.FromTemplate{Key: "singles-day", Year: 2026, Currency: "EUR", Suggestions: true})
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != "11.11 2026" || c.Currency != "EUR" || len(ps) != 2 {
			t.Fatalf("campaign %+v, %d promotions", c, len(ps))
		}
		for _, p := range ps {
			if p.CampaignID != c.ID || p.Status != promotion.StatusDraft || !p.StartsAt.Equal(c.StartsAt) || !p.EndsAt.Equal(c.EndsAt) || p.Currency != "EUR" {
				t.Fatalf("suggested promotion %+v", p)
			}
		}
		if ps[0].Kind != promotion.KindSpendSave || ps[0].Tiers[2] != (promotion.Tier{Spend: 50000, Off: 8000}) {
			t.Fatalf("tiers %+v", ps[0])
		}
		listed, err := svc.List(ctx, promotion.Filter{CampaignID: c.ID})
		if err != nil || len(listed.Promotions) != 2 {
			t.Fatalf("campaign's promotions: %+v %v", listed, err)
		}
		_, ps, err = svc.CreateFromTemplate(ctx, promotion.FromTemplate{Key: "christmas", Year: 2026, Currency: "EUR", Suggestions: true, Activate: true})
		if err != nil || len(ps) != 2 || ps[0].Status != promotion.StatusActive || ps[1].Status != promotion.StatusActive {
			t.Fatalf("active suggestions: %+v %v", ps, err)
		}
		bare, ps, err := svc.CreateFromTemplate(ctx, promotion.FromTemplate{Key: "618", Year: 2026, Currency: "EUR"})
		if err != nil || len(ps) != 0 {
			t.Fatalf("without suggestions: %+v %v", ps, err)
		}
		if listed, _ := svc.List(ctx, promotion.Filter{CampaignID: bare.ID}); len(listed.Promotions) != 0 {
			t.Fatalf("618 has promotions: %+v", listed.Promotions)
		}
		if _, _, err := svc.CreateFromTemplate(ctx, promotion.FromTemplate{Key: "easter", Year: 2026, Currency: "EUR"}); fieldOf(err) != "template" {
			t.Fatalf("unknown template: %v", err)
		}

		// All or nothing.
		before, _ := svc.Campaigns(ctx)
		all, _ := svc.List(ctx, promotion.Filter{})
		good := promotion.Promotion{Name: "Fine", Kind: promotion.KindPercentOff, PercentBP: 1000}
		bad := promotion.Promotion{Name: "Unknown product", Kind: promotion.KindPercentOff, PercentBP: 1000,
			Target: promotion.Target{ProductIDs: []string{"no-such-product"}}}
		_, _, err = svc.CreateCampaignWith(ctx, promotion.Campaign{Name: "Half", Currency: "EUR"}, []promotion.Promotion{good, bad})
		if fieldOf(err) != "promotions[1].target.product_ids[0]" || !errs.Is(err, errs.Invalid) {
			t.Fatalf("refused promotion: %v", err)
		}
		_, _, err = svc.CreateCampaignWith(ctx, promotion.Campaign{Name: "Half", Currency: "EUR"}, []promotion.Promotion{good, {Kind: promotion.KindPercentOff, PercentBP: 1000}})
		if fieldOf(err) != "promotions[1].name" {
			t.Fatalf("nameless promotion: %v", err)
		}
		after, _ := svc.Campaigns(ctx)
		allAfter, _ := svc.List(ctx, promotion.Filter{})
		if len(after) != len(before) || len(allAfter.Promotions) != len(all.Promotions) {
			t.Fatalf("half-created: %d→%d campaigns, %d→%d promotions", len(before), len(after), len(all.Promotions), len(allAfter.Promotions))
		}
	})
}
