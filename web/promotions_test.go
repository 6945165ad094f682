package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web"
	"github.com/wasmart/wasmart/web/api"
)

// wantErrField checks a 4xx JSON error naming field.
func wantErrField(t *testing.T, r response, status int, field string) {
	t.Helper()
	var e web.ErrorBody
	if r.Status != status {
		t.Fatalf("status %d, want %d (field %s): %s", r.Status, status, field, cut(r.Body))
	}
	r.json(t, &e)
	if e.Error.Field != field {
		t.Fatalf("error names %q, want %q: %s", e.Error.Field, field, r.Body)
	}
}

// TestPromotionAPI drives /api/promotions and /api/campaigns as the shop
// owner: bad input is a 4xx naming the field and creates nothing; CRUD
// with versions; status changes; a code added, a batch generated, listed
// and exported as CSV; a shopper's checkout with the code shows in the
// promotion's and the campaign's stats. A marketing token may do it all; a
// warehouse token (no promotions.*) may do none of it.
func TestPromotionAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		sh := srv.signup("promos")
		// The plan is read once a minute: a larger one before any API call.
		if err := srv.Tenants.ChangePlan(context.Background(), tenants.System(), sh.ID, tenants.PlanScale); err != nil {
			t.Fatal(err)
		}
		s := setUpTestShop(t, srv, sh)
		o := s.Owner
		kettle := s.variant(t, "Kettle", 2000, 20)

		// Campaigns.
		wantErrField(t, o.post("/api/campaigns", api.CampaignRequest{Name: "Spring", Budget: 5000}, 0), 400, "currency")
		wantErrField(t, o.do("POST", "/api/campaigns", `{"name":"Spring","starts_at":"2026-05-01T00:00:00Z","ends_at":"2026-04-01T00:00:00Z"}`, nil), 400, "ends_at")
		wantErrField(t, o.do("POST", "/api/campaigns", `{"name":"Spring","starts_at":"next monday"}`, nil), 400, "starts_at")
		var camp api.CampaignJSON
		o.post("/api/campaigns", api.CampaignRequest{Name: "Spring launch", Theme: "spring", Currency: "EUR", Budget: 50_000}, 201).json(t, &camp)
		if camp.Version != 1 || camp.BudgetLeft == nil || *camp.BudgetLeft != 50_000 {
			t.Fatalf("campaign: %+v", camp)
		}
		var camp2 api.CampaignJSON
		if r := o.do("PUT", "/api/campaigns/"+camp.ID, `{"version":1,"name":"Spring launch 2026","currency":"EUR","budget":60000}`, nil); r.Status != 200 {
			t.Fatalf("update campaign: %d %s", r.Status, r.Body)
		} else {
			r.json(t, &camp2)
		}
		if camp2.Version != 2 || camp2.Budget != 60_000 {
			t.Fatalf("updated campaign: %+v", camp2)
		}
		if r := o.do("PUT", "/api/campaigns/"+camp.ID, `{"version":1,"name":"stale"}`, nil); r.Status != 409 {
			t.Fatalf("stale campaign update: %d %s", r.Status, r.Body)
		}
		var camps []api.CampaignJSON
		o.getJSON("/api/campaigns", &camps)
		if len(camps) != 1 || camps[0].Name != "Spring launch 2026" {
			t.Fatalf("campaigns: %+v", camps)
		}

		// Bad promotions name their field and create nothing.
		for _, c := range []struct {
			body, field string
		}{
			{`{"name":"x","label":"x","kind":"percent_off","percent_bp":12000}`, "percent_bp"},
			{`{"name":"x","label":"x","kind":"percent_off","percent_bp":-5}`, "percent_bp"},
			{`{"name":"x","label":"x","kind":"percent_off","percent_bp":1000,"starts_at":"soon"}`, "starts_at"},
			{`{"name":"x","label":"x","kind":"percent_off","percent_bp":1000,"starts_at":"2026-05-02T00:00:00Z","ends_at":"2026-05-01T00:00:00Z"}`, "ends_at"},
			{`{"name":"x","label":"x","kind":"percent_off","percent_bp":1000,"combines_with":["everything"]}`, "combines_with[0]"},
			{`{"name":"x","label":"x","kind":"percent_off","percent_bp":1000,"target":{"product_ids":["nope"]}}`, "target.product_ids[0]"},
			{`{"name":"x","label":"x","kind":"spend_save","currency":"EUR","tiers":[{"spend":20000,"off":2000},{"spend":30000,"off":1000}]}`, "tiers[1]"},
			{`{"name":"x","label":"x","kind":"percent_off","percent_bp":1000,"status":"paused"}`, "status"},
			{`{"name":"x","label":"x","kind":"percent_off","percent_bp":1000,"campaign_id":"nope"}`, "campaign_id"},
			{`{"name":"x","label":"x","kind":"percent_off","percent_bp":"ten"}`, "percent_bp"},
			{`{"name":"x","label":"x","kind":"percent_off","percent_bp":1000,"tenant_id":"x"}`, "tenant_id"},
		} {
			r := o.do("POST", "/api/promotions", c.body, nil)
			if r.Status < 400 || r.Status >= 500 {
				t.Fatalf("%s: %d %s", c.body, r.Status, r.Body)
			}
			wantErrField(t, r, r.Status, c.field)
		}
		var pg api.PromotionPage
		o.getJSON("/api/promotions", &pg)
		if len(pg.Promotions) != 0 {
			t.Fatalf("bad input created %d promotions", len(pg.Promotions))
		}

		// Create, read, list, update.
		var p api.PromotionJSON
		o.post("/api/promotions", api.PromotionRequest{CampaignID: camp.ID, Name: "Ten off", Label: "−10% with SAVE10", Kind: "percent_off",
			PercentBP: 1000, RequiresCode: true, CombinesWith: []string{"shipping"}}, 201).json(t, &p)
		if p.Status != "draft" || p.State != "draft" || p.Class != "order" || p.Version != 1 || p.CampaignID != camp.ID {
			t.Fatalf("created: %+v", p)
		}
		var other api.PromotionJSON
		o.post("/api/promotions", api.PromotionRequest{Name: "Free delivery", Label: "Free delivery over 50 €", Kind: "shipping", Status: "active",
			Conditions: api.PromotionConditions{MinSubtotal: 5000}, Currency: "EUR"}, 201).json(t, &other)
		if other.State != "active" || other.PercentBP != 10_000 {
			t.Fatalf("shipping promotion: %+v", other)
		}
		var got api.PromotionJSON
		o.getJSON("/api/promotions/"+p.ID, &got)
		if got.ID != p.ID || got.Label != p.Label {
			t.Fatalf("get: %+v", got)
		}
		var first, second api.PromotionPage
		o.getJSON("/api/promotions?limit=1", &first)
		if len(first.Promotions) != 1 || first.Next == "" || first.Promotions[0].ID != other.ID {
			t.Fatalf("first page: %+v", first)
		}
		o.getJSON("/api/promotions?limit=1&cursor="+first.Next, &second)
		if len(second.Promotions) != 1 || second.Promotions[0].ID != p.ID || second.Next != "" {
			t.Fatalf("second page: %+v", second)
		}
		for q, want := range map[string]int{"status=draft": 1, "status=active": 1, "kind=shipping": 1, "campaign=" + camp.ID: 1, "q=TEN": 1, "q=nothing": 0} {
			var pg api.PromotionPage
			o.getJSON("/api/promotions?"+q, &pg)
			if len(pg.Promotions) != want {
				t.Errorf("?%s: %d promotions, want %d", q, len(pg.Promotions), want)
			}
		}
		wantErrField(t, o.do("GET", "/api/promotions?status=soon", "", nil), 400, "status")
		wantErrField(t, o.do("GET", "/api/promotions?kind=magic", "", nil), 400, "kind")
		wantErrField(t, o.do("GET", "/api/promotions?limit=0", "", nil), 400, "limit")
		if r := o.do("GET", "/api/promotions/nope", "", nil); r.Status != 404 {
			t.Fatalf("unknown promotion: %d", r.Status)
		}

		upd := api.PromotionRequest{Version: 1, CampaignID: camp.ID, Name: "Ten off", Label: "−10% with a code", Kind: "percent_off",
			PercentBP: 1000, RequiresCode: true, Status: "active", CombinesWith: []string{"shipping"}}
		wantErrField(t, o.do("PUT", "/api/promotions/"+p.ID, `{"name":"x","label":"x","kind":"percent_off","percent_bp":1000}`, nil), 400, "version")
		b, _ := json.Marshal(upd)
		r := o.do("PUT", "/api/promotions/"+p.ID, string(b), nil)
		if r.Status != 200 {
			t.Fatalf("update: %d %s", r.Status, r.Body)
		}
		r.json(t, &p)
		if p.Version != 2 || p.State != "active" || p.Label != "−10% with a code" {
			t.Fatalf("updated: %+v", p)
		}
		if r := o.do("PUT", "/api/promotions/"+p.ID, string(b), nil); r.Status != 409 {
			t.Fatalf("stale update: %d %s", r.Status, r.Body)
		}
		o.post("/api/promotions/"+other.ID+"/pause", nil, 200).json(t, &other)
		if other.State != "paused" {
			t.Fatalf("paused: %+v", other)
		}
		o.post("/api/promotions/"+other.ID+"/end", nil, 200).json(t, &other)
		if other.State != "ended" {
			t.Fatalf("ended: %+v", other)
		}
		// Ended is for good.
		wantErrField(t, o.post("/api/promotions/"+other.ID+"/activate", nil, 0), 409, "status")

		// Codes.
		var code api.CodeJSON
		o.post("/api/promotions/"+p.ID+"/codes", api.CodeRequest{Code: " save10 "}, 201).json(t, &code)
		if code.Code != "SAVE10" {
			t.Fatalf("code: %+v", code)
		}
		wantErrField(t, o.post("/api/promotions/"+p.ID+"/codes", api.CodeRequest{Code: "Save10"}, 0), 409, "code")
		wantErrField(t, o.post("/api/promotions/"+p.ID+"/codes", api.CodeRequest{Code: "no spaces"}, 0), 400, "code")
		wantErrField(t, o.post("/api/promotions/"+other.ID+"/codes", api.CodeRequest{Code: "FREESHIP"}, 0), 400, "requires_code")
		wantErrField(t, o.post("/api/promotions/"+p.ID+"/codes/generate", api.GenerateRequest{Count: 10_001}, 0), 400, "count")
		var gen api.GenerateJSON
		o.post("/api/promotions/"+p.ID+"/codes/generate", api.GenerateRequest{Count: 250, Prefix: "spr-", Length: 8}, 201).json(t, &gen)
		var cp api.CodePage
		o.getJSON("/api/promotions/"+p.ID+"/codes?batch="+gen.Batch+"&limit=1000", &cp)
		if len(cp.Codes) != 250 || !strings.HasPrefix(cp.Codes[0].Code, "SPR-") || len(cp.Codes[0].Code) != 12 || cp.Codes[0].UsageLimit != 1 {
			t.Fatalf("generated: %d codes, first %+v", len(cp.Codes), cp.Codes[0])
		}
		o.getJSON("/api/promotions/"+p.ID+"/codes?limit=100", &cp)
		if len(cp.Codes) != 100 || cp.Next == "" {
			t.Fatalf("code page: %d, next %q", len(cp.Codes), cp.Next)
		}
		r = o.do("GET", "/api/promotions/"+p.ID+"/codes/export?batch="+gen.Batch, "", nil)
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("export: %d %s %.200s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		rows, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
		if err != nil || len(rows) != 251 || rows[0][0] != "code" || !strings.HasPrefix(rows[1][0], "SPR-") {
			t.Fatalf("export: %d rows (%v): %.200s", len(rows), err, r.Body)
		}
		if r := o.do("GET", "/api/promotions/nope/codes/export", "", nil); r.Status != 404 {
			t.Fatalf("export of an unknown promotion: %d", r.Status)
		}

		// A shopper's checkout with the code, priced and redeemed.
		tok := s.cart(t, map[string]int64{kettle: 2})
		var cj api.CartJSON
		s.req(t, "GET", "/api/store/cart?codes=save10,NOPE1", nil, map[string]string{"Cart-Token": tok}).json(t, &cj)
		if len(cj.Price.Promotions) != 1 || cj.Price.Promotions[0].Code != "SAVE10" || cj.Price.Promotions[0].Amount != 400 || cj.Price.Discounts != -400 {
			t.Fatalf("cart with the code: %+v / %+v", cj.Price.Promotions, cj.Price)
		}
		if len(cj.Price.PromotionNotes) == 0 || cj.Price.PromotionNotes[0].Code != "NOPE1" || cj.Price.PromotionNotes[0].Reason == "" {
			t.Fatalf("unknown code's note: %+v", cj.Price.PromotionNotes)
		}
		in := api.CheckoutRequest{Email: "eva@example.com", ShippingCode: "colissimo", Codes: []string{"save10"},
			ShippingAddress: order.Address{Name: "Eva Martin", Line1: "1 rue de Rivoli", City: "Paris", PostalCode: "75001", Country: "FR"}}
		r = s.req(t, "POST", "/api/store/checkout", in, map[string]string{"Cart-Token": tok, "Idempotency-Key": "promo-1"})
		if r.Status != 201 {
			t.Fatalf("checkout: %d %s", r.Status, r.Body)
		}
		var ord order.Order
		r.json(t, &ord)
		if ord.Total != 4000-400+490 {
			t.Fatalf("order total %d, want %d", ord.Total, 4000-400+490)
		}
		var st api.StatsJSON
		o.getJSON("/api/promotions/"+p.ID+"/stats", &st)
		if len(st.Totals) != 1 || st.Totals[0].Orders != 1 || st.Totals[0].Discount != 400 || st.Totals[0].Revenue != ord.Total ||
			st.Totals[0].Customers != 1 || st.Totals[0].Currency != "EUR" || st.Totals[0].AverageOrder != ord.Total {
			t.Fatalf("promotion stats: %+v", st)
		}
		o.getJSON("/api/campaigns/"+camp.ID+"/stats", &st)
		if len(st.ByPromotion) != 1 || st.ByPromotion[0].PromotionID != p.ID || st.ByPromotion[0].Discount != 400 {
			t.Fatalf("campaign stats: %+v", st)
		}
		o.getJSON("/api/promotions/"+p.ID+"/stats?from=2000-01-01T00:00:00Z&to=2001-01-01T00:00:00Z", &st)
		if len(st.Totals) != 0 {
			t.Fatalf("stats of another period: %+v", st)
		}
		wantErrField(t, o.do("GET", "/api/promotions/"+p.ID+"/stats?from=yesterday", "", nil), 400, "from")
		o.getJSON("/api/promotions/"+p.ID, &got)
		if got.Used != 1 || got.Spent != 400 {
			t.Fatalf("counters after the order: used %d spent %d", got.Used, got.Spent)
		}
		o.getJSON("/api/campaigns/"+camp.ID, &camp2)
		if camp2.Spent != 400 || *camp2.BudgetLeft != 60_000-400 {
			t.Fatalf("campaign after the order: %+v", camp2)
		}

		// Roles: marketing may, warehouse may not.
		var mk, wh api.TokenJSON
		o.post("/api/tokens", api.TokenRequest{Name: "mk", Role: "marketing"}, 201).json(t, &mk)
		o.post("/api/tokens", api.TokenRequest{Name: "wh", Role: "warehouse"}, 201).json(t, &wh)
		marketing, warehouse := srv.tokenClient(mk.Secret), srv.tokenClient(wh.Secret)
		marketing.getJSON("/api/promotions/"+p.ID, &got)
		marketing.post("/api/promotions/"+p.ID+"/codes", api.CodeRequest{Code: "SPRING-MK"}, 201)
		marketing.post("/api/campaigns", api.CampaignRequest{Name: "Black Friday"}, 201)
		for _, c := range []struct{ method, path, body string }{
			{"GET", "/api/promotions", ""},
			{"GET", "/api/promotions/" + p.ID + "/stats", ""},
			{"GET", "/api/campaigns", ""},
			{"POST", "/api/promotions/" + p.ID + "/pause", "{}"},
			{"POST", "/api/promotions/" + p.ID + "/codes", `{"code":"WAREHOUSE1"}`},
		} {
			if r := warehouse.do(c.method, c.path, c.body, nil); r.Status != 403 {
				t.Errorf("warehouse %s %s: %d, want 403", c.method, c.path, r.Status)
			}
		}
		o.getJSON("/api/promotions/"+p.ID, &got)
		if got.State != "active" {
			t.Fatalf("warehouse changed the promotion: %+v", got)
		}
	})
}

var offersRe = `id="offers-applied"`

// TestCouponOnStorefrontCart: a shopper types a valid code on the cart
// page and sees the discount with its label and amount; an unknown code,
// an expired one and one below its minimum spend show the offer's reason
// and are not kept; checkout places the discounted order. When the
// one-use code is taken by another order between the checkout form and
// the shopper's submit, the form shows again with the new price and says
// what changed (409, never a 500), and placing it again buys at that
// price.
func TestCouponOnStorefrontCart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "coupons")
		o := s.Owner
		_, small, _ := s.tee(t, 20, 0)
		var p api.PromotionJSON
		o.post("/api/promotions", api.PromotionRequest{Name: "Welcome", Label: "Welcome −5 €", Kind: "amount_off", Amount: 500, Currency: "EUR",
			RequiresCode: true, Status: "active"}, 201).json(t, &p)
		o.post("/api/promotions/"+p.ID+"/codes", api.CodeRequest{Code: "WELCOME5", UsageLimit: 1}, 201)
		var big api.PromotionJSON
		o.post("/api/promotions", api.PromotionRequest{Name: "Big spender", Label: "−10 € over 100 €", Kind: "amount_off", Amount: 1000, Currency: "EUR",
			RequiresCode: true, Status: "active", Conditions: api.PromotionConditions{MinSubtotal: 10_000}}, 201).json(t, &big)
		o.post("/api/promotions/"+big.ID+"/codes", api.CodeRequest{Code: "BIG10"}, 201)
		var old api.PromotionJSON
		o.do("POST", "/api/promotions", `{"name":"Old","label":"Old offer","kind":"percent_off","percent_bp":500,"requires_code":true,"status":"active",`+
			`"starts_at":"2020-01-01T00:00:00Z","ends_at":"2020-02-01T00:00:00Z"}`, nil).json(t, &old)
		o.post("/api/promotions/"+old.ID+"/codes", api.CodeRequest{Code: "OLD5"}, 201)

		b := s.buyer(t)
		wantSeeOther(t, b.addToCart(small, "2"), "/cart")
		wantPage(t, b.get("/cart"), 200, `id="coupon-form"`, `name="code"`, "40.00 EUR")

		// Refused codes say why and are not kept.
		wantPage(t, b.post("/cart/codes", url.Values{"code": {"nope-nope"}}), 422, `id="err-code"`, "NOPE-NOPE can&#39;t be used: this code is not valid")
		wantPage(t, b.post("/cart/codes", url.Values{"code": {"old5"}}), 422, `id="err-code"`, "OLD5 can&#39;t be used", "expired")
		wantPage(t, b.post("/cart/codes", url.Values{"code": {"big10"}}), 422, `id="err-code"`, "BIG10 can&#39;t be used", "minimum spend")
		wantPage(t, b.post("/cart/codes", url.Values{"code": {"bad code!"}}), 400, `id="err-code"`, "not a valid code")
		if c := b.cookie("wsm_codes"); c != "" {
			t.Fatalf("refused codes kept: %q", c)
		}

		// A valid code: the discount with its label and amount.
		wantSeeOther(t, b.post("/cart/codes", url.Values{"code": {" welcome5 "}}), "/cart?done=code")
		r := b.get("/cart")
		wantPage(t, r, 200, offersRe, "Welcome −5 €", "code WELCOME5", "-5.00 EUR", "35.00 EUR", `name="remove_code" value="WELCOME5"`)

		// The checkout shows it and places the discounted order.
		r = b.get("/checkout")
		wantPage(t, r, 200, `name="codes" value="WELCOME5"`, "Welcome −5 €", "39.90 EUR")
		key := keyRe.FindStringSubmatch(r.Body)[1]

		// Meanwhile another shopper takes the one-use code.
		tok := s.cart(t, map[string]int64{small: 1})
		in := api.CheckoutRequest{Email: "first@example.com", ShippingCode: "colissimo", Codes: []string{"WELCOME5"},
			ShippingAddress: order.Address{Name: "Ann First", Line1: "2 rue de Rivoli", City: "Paris", PostalCode: "75001", Country: "FR"}}
		if r := s.req(t, "POST", "/api/store/checkout", in, map[string]string{"Cart-Token": tok, "Idempotency-Key": "first"}); r.Status != 201 {
			t.Fatalf("first checkout: %d %s", r.Status, r.Body)
		}
		f := checkoutValues(key, "eva@example.com", "4242 4242 4242 4242")
		f.Set("codes", "WELCOME5")
		r = b.post("/checkout", f)
		wantPage(t, r, 422, `id="checkout-form"`, "Your order was not placed", "WELCOME5", "Check the new total", "44.90 EUR",
			"<strong>WELCOME5</strong> can't be used: this code has already been used")
		if strings.Contains(r.Body, `name="codes" value="WELCOME5"`) {
			t.Fatalf("the form still places the order with the used code")
		}
		// Placing it again buys at the new price.
		f.Set("codes", "")
		id, _ := orderPath(t, b.post("/checkout", f))
		if d := s.order(t, id); d.Order.Total != 4490 {
			t.Fatalf("order total %d, want 4490", d.Order.Total)
		}

		// A second shopper with a fresh code pays the discounted price.
		o.post("/api/promotions", api.PromotionRequest{Name: "Tenner", Label: "−10%", Kind: "percent_off", PercentBP: 1000,
			RequiresCode: true, Status: "active"}, 201).json(t, &p)
		o.post("/api/promotions/"+p.ID+"/codes", api.CodeRequest{Code: "TENNER"}, 201)
		b2 := s.buyer(t)
		wantSeeOther(t, b2.addToCart(small, "1"), "/cart")
		wantSeeOther(t, b2.post("/cart/codes", url.Values{"code": {"tenner"}}), "/cart?done=code")
		id, _ = orderPath(t, b2.post("/checkout", func() url.Values {
			f := checkoutValues(b2.checkoutForm(), "ben@example.com", "4242 4242 4242 4242")
			f.Set("codes", "TENNER")
			return f
		}()))
		if d := s.order(t, id); d.Order.Total != 2000-200+490 {
			t.Fatalf("discounted order total %d, want %d", d.Order.Total, 2000-200+490)
		}
		// The code can be removed.
		wantSeeOther(t, b2.post("/cart/codes", url.Values{"remove_code": {"TENNER"}}), "/cart?done=code_removed")
		if c := b2.cookie("wsm_codes"); c != "" {
			t.Fatalf("removed code kept: %q", c)
		}
	})
}
