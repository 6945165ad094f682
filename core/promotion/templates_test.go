package promotion_test

import (
	"testing"
	"time"

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
