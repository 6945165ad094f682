package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/api"
)

// TestPromotionConsole drives the promotion pages as the owner: a
// promotion created through the form shows in the list and its filters, a
// bad percent re-renders the form naming the field, the page edits and
// pauses it, generates codes and downloads them as CSV. A marketing staff
// member may use the pages; a warehouse one gets 403 on each.
func TestPromotionConsole(t *testing.T) {
	srv, _ := startCommerceServer(t, storetest.SQLite(t))
	sh := srv.signup("promodesk")
	// Two staff seats and more: a larger plan.
	if err := srv.Tenants.ChangePlan(context.Background(), tenants.System(), sh.ID, tenants.PlanScale); err != nil {
		t.Fatal(err)
	}
	s := setUpTestShop(t, srv, sh)
	c := s.Owner

	wantConsolePage(t, c.do("GET", "/console/promotions", "", nil), 200, `href="/console/promotions"`, "No promotions match.")
	wantConsolePage(t, c.do("GET", "/console/promotions/new", "", nil), 200, "Create promotion")

	form := func(kv ...string) string {
		base := []string{"name", "Spring ten", "label", "−10% this spring", "kind", "percent_off", "applies", "order", "status", "active",
			"percent", "10", "min_subtotal", "30.00", "combines_shipping", "on", "code", "spring10"}
		for i := 0; i+1 < len(kv); i += 2 {
			for j := 0; j+1 < len(base); j += 2 {
				if base[j] == kv[i] {
					base[j+1] = kv[i+1]
				}
			}
		}
		return consoleForm(base...)
	}
	// Bad input names the field in the form's words and creates nothing.
	wantConsolePage(t, c.do("POST", "/console/promotions", form("percent", "150"), nil), 400, "Percent off", "at most 100", `value="Spring ten"`)
	wantConsolePage(t, c.do("POST", "/console/promotions", form("min_subtotal", "thirty"), nil), 400, "Minimum spend")
	wantConsolePage(t, c.do("POST", "/console/promotions", form("name", ""), nil), 400, "Name")
	var pg api.PromotionPage
	c.getJSON("/api/promotions", &pg)
	if len(pg.Promotions) != 0 {
		t.Fatalf("bad forms created %d promotions", len(pg.Promotions))
	}

	r := c.do("POST", "/console/promotions", form(), nil)
	wantSeeOther(t, r, "/console/promotions/")
	page := strings.SplitN(r.Header.Get("Location"), "?", 2)[0]
	id := strings.TrimPrefix(page, "/console/promotions/")
	var p api.PromotionJSON
	c.getJSON("/api/promotions/"+id, &p)
	if p.Kind != "percent_off" || p.PercentBP != 1000 || p.Conditions.MinSubtotal != 3000 || p.Currency != "EUR" || p.Status != "active" ||
		!p.RequiresCode || len(p.CombinesWith) != 1 || p.CombinesWith[0] != "shipping" {
		t.Fatalf("created: %+v", p)
	}
	wantConsolePage(t, c.do("GET", "/console/promotions", "", nil), 200, "Spring ten", "Percent off", "active", "0.00 EUR")
	wantConsolePage(t, c.do("GET", "/console/promotions?status=active&kind=percent_off&q=spring", "", nil), 200, "Spring ten")
	wantConsolePage(t, c.do("GET", "/console/promotions?status=paused", "", nil), 200, "No promotions match.")
	wantConsolePage(t, c.do("GET", page, "", nil), 200, "SPRING10", "No orders have used it yet.", `value="30.00"`, "Pause")

	// Edit: spend X save Y tiers; a bad tier names its line.
	edit := func(kv ...string) string {
		return consoleForm(append([]string{"version", "1", "name", "Spring tiers", "label", "Save more", "kind", "spend_save", "applies", "order", "requires_code", "on"}, kv...)...)
	}
	wantConsolePage(t, c.do("POST", page, edit("tiers", "50.00 5.00\n100.00"), nil), 400, "Spend and save tiers")
	if r := c.do("POST", page, edit("tiers", "50.00 5.00\n100.00 15.00"), nil); r.Status != 303 {
		t.Fatalf("edit: %d %s", r.Status, cut(r.Body))
	}
	c.getJSON("/api/promotions/"+id, &p)
	if p.Kind != "spend_save" || len(p.Tiers) != 2 || p.Tiers[1].Spend != 10000 || p.Tiers[1].Off != 1500 || p.Version != 2 {
		t.Fatalf("edited: %+v", p)
	}
	// The page reads like the offer.
	wantConsolePage(t, c.do("GET", page, "", nil), 200, "Spend 50.00 EUR, save 5.00 EUR; spend 100.00 EUR, save 15.00 EUR, with a code")
	// A stale version is refused, not silently overwritten.
	if r := c.do("POST", page, edit("tiers", "1.00 1.00"), nil); r.Status != 409 {
		t.Fatalf("stale edit: %d", r.Status)
	}

	// Status, codes and the CSV.
	wantSeeOther(t, c.do("POST", page+"/pause", "", nil), page)
	wantConsolePage(t, c.do("GET", "/console/promotions?status=paused", "", nil), 200, "Spring tiers")
	wantConsolePage(t, c.do("POST", page+"/codes/generate", consoleForm("count", "lots"), nil), 400, "How many codes")
	wantConsolePage(t, c.do("POST", page+"/codes/generate", consoleForm("count", "20000"), nil), 400, "How many codes")
	wantSeeOther(t, c.do("POST", page+"/codes/generate", consoleForm("count", "25", "prefix", "VIP-", "usage_limit", "1"), nil), page)
	wantConsolePage(t, c.do("POST", page+"/codes", consoleForm("code", "spring10"), nil), 409, "Code")
	csv := c.do("GET", page+"/codes.csv", "", nil)
	if csv.Status != 200 || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") || strings.Count(csv.Body, "VIP-") != 25 || !strings.Contains(csv.Body, "SPRING10") {
		t.Fatalf("csv: %d %s %s", csv.Status, csv.Header.Get("Content-Type"), cut(csv.Body))
	}
	wantConsolePage(t, c.do("GET", page, "", nil), 200, "VIP-", `href="`+page+`/codes.csv"`)

	// Roles.
	mk := srv.staff(s.shop, "mk@example.com", "marketing")
	wantConsolePage(t, mk.do("GET", "/console", "", nil), 200, `href="/console/promotions"`)
	wantConsolePage(t, mk.do("GET", "/console/promotions", "", nil), 200, "Spring tiers")
	wantSeeOther(t, mk.do("POST", page+"/activate", "", nil), page)
	wh := srv.staff(s.shop, "wh@example.com", "warehouse")
	if r := wh.do("GET", "/console", "", nil); r.Status != 200 || strings.Contains(r.Body, `href="/console/promotions"`) {
		t.Fatalf("warehouse console home: %d, promotions link shown: %v", r.Status, strings.Contains(r.Body, `href="/console/promotions"`))
	}
	for _, x := range []struct{ method, path, body string }{
		{"GET", "/console/promotions", ""}, {"GET", "/console/promotions/new", ""}, {"GET", page, ""}, {"GET", page + "/codes.csv", ""},
		{"POST", "/console/promotions", form()}, {"POST", page + "/end", ""}, {"POST", page + "/codes/generate", consoleForm("count", "1")},
	} {
		if r := wh.do(x.method, x.path, x.body, nil); r.Status != 403 {
			t.Errorf("warehouse %s %s: %d, want 403", x.method, x.path, r.Status)
		}
	}
	c.getJSON("/api/promotions", &pg)
	if len(pg.Promotions) != 1 || pg.Promotions[0].Status != "active" {
		t.Fatalf("after the warehouse tries: %+v", pg.Promotions)
	}
}

// TestPromotionConsoleGiftAndFlash: the console's form creates and edits
// a free-gift promotion (the gift chosen from the shop's variants, its
// quantity, a minimum spend) and a flash sale (rows of variant, flash
// price and quota, "show remaining quantity", a window). A gift of another
// shop or out of stock, a missing end, a flash price not below the normal
// price, a row without a price and a quota below the units already sold
// are refused naming the field and row in the form's words, with nothing
// saved; the read-only notice is gone; a warehouse member gets 403.
func TestPromotionConsoleGiftAndFlash(t *testing.T) {
	srv, _ := startCommerceServer(t, storetest.SQLite(t))
	sh := srv.signup("giftflash")
	if err := srv.Tenants.ChangePlan(context.Background(), tenants.System(), sh.ID, tenants.PlanScale); err != nil {
		t.Fatal(err)
	}
	s := setUpTestShop(t, srv, sh)
	other := newTestShop(t, srv, "giftflash-other")
	c := s.Owner
	coat, lamp := s.variant(t, "Coat", 18000, 50), s.variant(t, "Lamp", 4000, 50)
	tote, pin := s.variant(t, "Tote", 1500, 10), s.variant(t, "Pin", 300, 0)
	foreign := other.variant(t, "Elsewhere", 1000, 10)

	wantConsolePage(t, c.do("GET", "/console/promotions/new", "", nil), 200, `value="gift"`, `value="flash_sale"`, `value="`+tote+`"`,
		"Flash price", "show remaining quantity to shoppers")
	count := func() int {
		var pg api.PromotionPage
		c.getJSON("/api/promotions", &pg)
		return len(pg.Promotions)
	}

	// A free gift.
	gift := func(kv ...string) string {
		return consoleForm(override([]string{"name", "Tote over 50", "label", "Free tote over €50", "kind", "gift", "applies", "order",
			"status", "active", "min_subtotal", "50.00", "gift_quantity", "2"}, kv...)...)
	}
	wantConsolePage(t, c.do("POST", "/console/promotions", gift(), nil), 400, "Gift", "choose the variant given free", `value="Tote over 50"`)
	wantConsolePage(t, c.do("POST", "/console/promotions", gift("gift_variant", foreign), nil), 400, "Gift", "no variant")
	wantConsolePage(t, c.do("POST", "/console/promotions", gift("gift_variant", pin), nil), 400, "Gift", "out of stock")
	if n := count(); n != 0 {
		t.Fatalf("refused gifts created %d promotions", n)
	}
	r := c.do("POST", "/console/promotions", gift("gift_variant", tote), nil)
	wantSeeOther(t, r, "/console/promotions/")
	giftPage := strings.SplitN(r.Header.Get("Location"), "?", 2)[0]
	var p api.PromotionJSON
	c.getJSON("/api/promotions/"+strings.TrimPrefix(giftPage, "/console/promotions/"), &p)
	if p.Kind != "gift" || p.GiftVariantID != tote || p.GiftQuantity != 2 || p.Conditions.MinSubtotal != 5000 || p.Status != "active" {
		t.Fatalf("gift created: %+v", p)
	}
	body := c.do("GET", giftPage, "", nil)
	wantConsolePage(t, body, 200, `<option value="`+tote+`" selected>`, `name="gift_quantity" value="2"`)
	if strings.Contains(body.Body, "read-only") || strings.Contains(body.Body, "edited through the API") {
		t.Fatalf("the read-only notice is still there: %s", cut(body.Body))
	}
	editGift := gift("version", "1", "gift_variant", tote, "gift_quantity", "1", "min_subtotal", "80.00", "min_quantity", "2")
	wantSeeOther(t, c.do("POST", giftPage, editGift, nil), giftPage)
	c.getJSON("/api/promotions/"+p.ID, &p)
	if p.GiftQuantity != 1 || p.Conditions.MinSubtotal != 8000 || p.Conditions.MinQuantity != 2 || p.Version != 2 {
		t.Fatalf("gift edited: %+v", p)
	}

	// A flash sale: row 2 left empty, so errors about the second item name row 3.
	flash := func(kv ...string) string {
		base := []string{"name", "Winter flash", "label", "Flash sale", "kind", "flash_sale", "applies", "order", "status", "active",
			"starts_at", "2026-12-01T09:00", "ends_at", "2026-12-01T21:00", "flash_rows", "3", "show_remaining", "on",
			"flash_variant1", coat, "flash_price1", "150.00", "flash_quota1", "10",
			"flash_variant3", lamp, "flash_price3", "30.00", "flash_quota3", "5"}
		return consoleForm(override(base, kv...)...)
	}
	wantConsolePage(t, c.do("POST", "/console/promotions", flash("ends_at", ""), nil), 400, "Ends", "needs an end")
	wantConsolePage(t, c.do("POST", "/console/promotions", flash("flash_price3", "40.00"), nil), 400, "Flash price, row 3", "below the normal price")
	wantConsolePage(t, c.do("POST", "/console/promotions", flash("flash_price3", ""), nil), 400, "Flash price, row 3", "is required")
	wantConsolePage(t, c.do("POST", "/console/promotions", flash("flash_quota1", "ten"), nil), 400, "Quota, row 1")
	wantConsolePage(t, c.do("POST", "/console/promotions", flash("flash_variant3", coat), nil), 400, "Variant, row 3", "listed twice")
	wantConsolePage(t, c.do("POST", "/console/promotions", flash("flash_variant2", foreign, "flash_price2", "1.00", "flash_quota2", "1"), nil), 400,
		"Variant, row 2", "no variant")
	if n := count(); n != 1 {
		t.Fatalf("refused flash sales created promotions: %d in all", n)
	}
	r = c.do("POST", "/console/promotions", flash(), nil)
	wantSeeOther(t, r, "/console/promotions/")
	flashPage := strings.SplitN(r.Header.Get("Location"), "?", 2)[0]
	p = api.PromotionJSON{}
	c.getJSON("/api/promotions/"+strings.TrimPrefix(flashPage, "/console/promotions/"), &p)
	items := map[string]api.FlashItemJSON{}
	for _, it := range p.Flash {
		items[it.VariantID] = it
	}
	if p.Kind != "flash_sale" || !p.ShowRemaining || len(p.Flash) != 2 || items[coat].Price != 15000 || items[coat].Quota != 10 ||
		items[lamp].Price != 3000 || items[lamp].Quota != 5 || !p.EndsAt.Equal(time.Date(2026, 12, 1, 21, 0, 0, 0, time.UTC)) {
		t.Fatalf("flash created: %+v", p)
	}
	wantConsolePage(t, c.do("GET", flashPage, "", nil), 200, `name="flash_price1"`, `value="150.00"`, `name="show_remaining" checked`)

	// Four coats sold at the flash price; a quota below that is refused
	// on its row and nothing changes.
	err := srv.DB.Write(s.ctx, func(ctx context.Context, q bun.IDB) error {
		_, err := q.NewRaw("UPDATE promotion_flash_items SET sold = 4 WHERE tenant_id = ? AND promotion_id = ? AND variant_id = ?", sh.ID, p.ID, coat).Exec(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	editFlash := func(kv ...string) string {
		return flash(append([]string{"version", "1", "flash_rows", "2", "flash_variant1", lamp, "flash_price1", "30.00", "flash_quota1", "5",
			"flash_variant2", coat, "flash_price2", "150.00", "flash_quota2", "3", "flash_variant3", "", "flash_price3", "", "flash_quota3", ""}, kv...)...)
	}
	wantConsolePage(t, c.do("POST", flashPage, editFlash(), nil), 400, "Quota, row 2", "below the 4 units already sold")
	var same api.PromotionJSON
	c.getJSON("/api/promotions/"+p.ID, &same)
	if same.Version != 1 || len(same.Flash) != 2 || !same.ShowRemaining {
		t.Fatalf("a refused edit changed the flash sale: %+v", same)
	}
	wantSeeOther(t, c.do("POST", flashPage, editFlash("flash_quota2", "20", "show_remaining", ""), nil), flashPage)
	p = api.PromotionJSON{}
	c.getJSON("/api/promotions/"+same.ID, &p)
	items = map[string]api.FlashItemJSON{}
	for _, it := range p.Flash {
		items[it.VariantID] = it
	}
	if p.Version != 2 || p.ShowRemaining || items[coat].Quota != 20 || items[coat].Sold != 4 || items[lamp].Quota != 5 {
		t.Fatalf("flash edited: %+v", p)
	}
	wantConsolePage(t, c.do("GET", flashPage, "", nil), 200, "<td>4</td>")

	// A warehouse member may not see or change them.
	wh := srv.staff(s.shop, "wh-gf@example.com", "warehouse")
	for _, x := range []struct{ method, path, body string }{
		{"GET", giftPage, ""}, {"GET", flashPage, ""}, {"POST", giftPage, editGift}, {"POST", flashPage, editFlash()},
		{"POST", "/console/promotions", gift("gift_variant", tote)}, {"POST", "/console/promotions", flash()},
	} {
		if r := wh.do(x.method, x.path, x.body, nil); r.Status != 403 {
			t.Errorf("warehouse %s %s: %d, want 403", x.method, x.path, r.Status)
		}
	}
	if n := count(); n != 2 {
		t.Fatalf("after the warehouse tries: %d promotions", n)
	}
}

// override sets the form fields kv (name, value, ...) in base, replacing
// a field base has and adding one it does not.
func override(base []string, kv ...string) []string {
	base = append([]string(nil), base...)
	for i := 0; i+1 < len(kv); i += 2 {
		found := false
		for j := 0; j+1 < len(base); j += 2 {
			if base[j] == kv[i] {
				base[j+1], found = kv[i+1], true
			}
		}
		if !found {
			base = append(base, kv[i], kv[i+1])
		}
	}
	return base
}
