package web_test

import (
	"context"
	"encoding/csv"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web/api"
)

// insightProduct creates a published product with one variant (handle,
// safety stock) and stock, and returns the product.
func insightProduct(t *testing.T, e *shopEnv, title, handle string, safety, stock int64) *catalog.Product {
	t.Helper()
	p, err := e.cat.Create(e.ctx, catalog.ProductInput{Title: title, Handle: handle, Status: catalog.Published,
		Variants: []catalog.VariantInput{{SKU: "SKU-" + handle, Price: 1000, SafetyStock: safety}}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != catalog.Published {
		if p, err = e.cat.Publish(e.ctx, p.ID, nil); err != nil {
			t.Fatal(err)
		}
	}
	if stock > 0 {
		if err := e.inv.Receive(e.ctx, p.Variants[0].ID, "", stock, "po"); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// basketOrder inserts a paid order holding one line of each product.
func basketOrder(t *testing.T, db *store.DB, ctx context.Context, ps ...*catalog.Product) {
	t.Helper()
	err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		o := &order.Order{Email: "buyer@example.com", Currency: "EUR", Status: order.Paid}
		for _, p := range ps {
			o.Lines = append(o.Lines, order.Line{VariantID: p.Variants[0].ID, ProductID: p.ID, Title: p.Title, Quantity: 1, UnitPrice: 1000, Subtotal: 1000, Total: 1000})
			o.Subtotal += 1000
			o.Total += 1000
		}
		return order.Insert(ctx, q, o)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestInsightHTTP drives the inventory insight and the bought-together
// rules over HTTP: the JSON figures, views, sorting and CSV export, the
// console pages, bad input refused naming the field, and the product page
// showing the products bought together (only those with lift above 1).
func TestInsightHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := startShop(t, db, "insight", nil)
		o := e.shop.Owner
		a := insightProduct(t, e, "Linen apron", "linen-apron", 0, 10)
		b := insightProduct(t, e, "Oven mitt", "oven-mitt", 0, 5)
		c := insightProduct(t, e, "Bread knife", "bread-knife", 5, 3)

		// Stock received 60 days ago (before the 8-week window), two units of the apron sold two
		// days ago (the history window ends at the start of today).
		if err := e.inv.Sell(e.ctx, a.Variants[0].ID, "", 2, "o-1"); err != nil {
			t.Fatal(err)
		}
		err := db.Write(e.ctx, func(ctx context.Context, q bun.IDB) error {
			now := time.Now().UTC()
			for kind, at := range map[string]time.Time{"sold": now.AddDate(0, 0, -2), "received": now.AddDate(0, 0, -60)} {
				if _, err := q.ExecContext(ctx, "UPDATE inventory_movements SET created_at = ? WHERE tenant_id = ? AND kind = ?", at, e.shop.ID, kind); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		var in api.InsightJSON
		o.getJSON("/api/inventory/insight?sort=available&desc=true", &in)
		if in.Settings.HistoryWeeks != 8 || len(in.Variants) != 3 || in.Variants[0].VariantID != a.Variants[0].ID {
			t.Fatalf("insight: %+v", in)
		}
		av := in.Variants[0]
		// 2 units over 56 days; 8 available; turnover 2 / ((10 + 8) / 2).
		if av.UnitsSold != 2 || av.Available != 8 || av.DaysOfCover == nil || *av.DaysOfCover != 8/(2.0/56) || av.Turnover != 2/9.0 || av.Reorder || av.Slow {
			t.Errorf("apron: %+v", av)
		}
		var reorder api.InsightJSON
		o.getJSON("/api/inventory/insight?view=reorder", &reorder)
		// The knife: no demand, 3 available at its safety stock 5: order
		// 5 − 3 = 2.
		if len(reorder.Variants) != 1 || reorder.Variants[0].VariantID != c.Variants[0].ID || reorder.Variants[0].SuggestedQty != 2 || reorder.Variants[0].SafetyFrom != "catalog" {
			t.Errorf("reorder view: %+v", reorder.Variants)
		}
		var slow api.InsightJSON
		o.getJSON("/api/inventory/insight?view=slow&sort=product", &slow)
		if len(slow.Variants) != 2 || slow.Variants[0].ProductTitle != "Bread knife" || slow.Variants[1].ProductTitle != "Oven mitt" {
			t.Errorf("slow view: %+v", slow.Variants)
		}
		r := o.do("GET", "/api/inventory/insight.csv?view=reorder", "", nil)
		recs, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || err != nil || len(recs) != 2 ||
			recs[0][0] != "variant_id" || recs[1][0] != c.Variants[0].ID || recs[1][2] != "Bread knife" || recs[1][18] != "2" {
			t.Errorf("CSV: %d %v %q", r.Status, err, r.Body)
		}

		// Settings, and bad input naming the field.
		o.send("PUT", "/api/inventory/reorder-settings", map[string]int{"lead_time_days": 10, "review_days": 7, "safety_days": 2, "history_weeks": 4, "slow_days": 30}, 200)
		o.send("PUT", "/api/variants/"+a.Variants[0].ID+"/reorder", map[string]any{"lead_time_days": 3, "safety_stock": 4}, 200)
		o.getJSON("/api/inventory/insight?sort=sku", &in)
		if in.Settings.HistoryWeeks != 4 || in.Variants[0].VariantID != c.Variants[0].ID || in.Variants[1].LeadTimeDays != 3 || in.Variants[1].SafetyStock != 4 || in.Variants[1].SafetyFrom != "variant" {
			t.Errorf("after settings: %+v", in)
		}
		for _, x := range []struct{ method, path, body, field string }{
			{"PUT", "/api/inventory/reorder-settings", `{"lead_time_days":-1,"review_days":7,"safety_days":2,"history_weeks":4,"slow_days":30}`, "lead_time_days"},
			{"PUT", "/api/inventory/reorder-settings", `{"lead_time_days":1,"review_days":7,"safety_days":-2,"history_weeks":4,"slow_days":30}`, "safety_days"},
			{"PUT", "/api/variants/" + a.Variants[0].ID + "/reorder", `{"safety_stock":-1}`, "safety_stock"},
			{"PUT", "/api/variants/" + a.Variants[0].ID + "/reorder", `{"lead_time_days":-5}`, "lead_time_days"},
			{"PUT", "/api/variants/no-such-variant/reorder", `{"lead_time_days":5}`, "variant"},
			{"GET", "/api/inventory/insight?sort=colour", "", "sort"},
			{"GET", "/api/inventory/insight?view=every", "", "view"},
			{"PUT", "/api/analytics/bought-together/settings", `{"min_support":0,"min_confidence":0.5,"window_days":30}`, "min_support"},
			{"PUT", "/api/analytics/bought-together/settings", `{"min_support":0.1,"min_confidence":-1,"window_days":30}`, "min_confidence"},
			{"GET", "/api/analytics/bought-together?sort=price", "", "sort"},
		} {
			r := o.do(x.method, x.path, x.body, nil)
			if r.Status < 400 || r.Status >= 500 || !strings.Contains(r.Body, `"`+x.field+`"`) {
				t.Errorf("%s %s %s: %d %s", x.method, x.path, x.body, r.Status, r.Body)
			}
		}

		// Bought together: {a,b} ×3, {a,c}, {c} → N = 5, n(a) = 4, n(b) = 3,
		// n(c) = 2; a→b confidence 3/4, lift 3·5/(4·3) = 1.25; b→a 1, 1.25;
		// c→a 1/2, lift 1·5/(2·4) = 0.625; a→c (confidence 1/4) is left out.
		for range 3 {
			basketOrder(t, db, e.ctx, a, b)
		}
		basketOrder(t, db, e.ctx, a, c)
		basketOrder(t, db, e.ctx, c)
		var run struct {
			Baskets int64 `json:"baskets"`
			Rules   int   `json:"rules"`
		}
		o.send("PUT", "/api/analytics/bought-together/settings", map[string]any{"min_support": 0.2, "min_confidence": 0.5, "window_days": 365}, 200).json(t, &run)
		if run.Baskets != 5 || run.Rules != 3 {
			t.Fatalf("mined %+v", run)
		}
		var rules api.BasketRulesJSON
		o.getJSON("/api/analytics/bought-together?sort=confidence", &rules)
		if len(rules.Rules) != 3 {
			t.Fatalf("rules %+v", rules)
		}
		top := rules.Rules[0]
		if top.ProductID != b.ID || top.WithProductID != a.ID || top.ProductTitle != "Oven mitt" || top.WithProductTitle != "Linen apron" ||
			top.Orders != 3 || top.ProductOrders != 3 || top.WithOrders != 4 || top.Baskets != 5 || top.Support != 0.6 || top.Confidence != 1 || top.Lift != 1.25 {
			t.Errorf("top rule %+v", top)
		}
		if last := rules.Rules[2]; last.ProductID != c.ID || last.Confidence != 0.5 || last.Lift != 0.625 {
			t.Errorf("last rule %+v", last)
		}

		// The product pages: the apron's shows the mitt; the knife's shows
		// nothing bought together (its only rule has lift below 1).
		sc := e.client()
		page := sc.get("/products/linen-apron")
		wantPage(t, page, 200, "Frequently bought together")
		if sec := section(page.Body, `id="bought-together-title"`); !strings.Contains(sec, "Oven mitt") || strings.Contains(sec, "Bread knife") {
			t.Errorf("apron's bought-together section: %s", sec)
		}
		if page := sc.get("/products/bread-knife"); page.Status != 200 || strings.Contains(page.Body, "Frequently bought together") {
			t.Errorf("knife page: %d, shows bought together: %v", page.Status, strings.Contains(page.Body, "Frequently bought together"))
		}

		// The console pages.
		wantPage(t, o.do("GET", "/console/insight?view=reorder&sort=suggested&desc=true", "", nil), 200, "Bread knife", "Reorder point", `aria-sort="descending"`)
		wantPage(t, o.do("GET", "/console/insight/bought-together", "", nil), 200, "Oven mitt", "1.25", "60.0%", "Lift")
		if r := o.do("GET", "/console/insight/inventory.csv?view=slow", "", nil); r.Status != 200 || !strings.Contains(r.Body, "Oven mitt") {
			t.Errorf("console CSV: %d %s", r.Status, r.Body)
		}
		form := url.Values{"lead_time_days": {"-3"}, "review_days": {"7"}, "safety_days": {"1"}, "history_weeks": {"4"}, "slow_days": {"30"}}
		if r := o.do("POST", "/console/insight/settings", form.Encode(), nil); r.Status < 400 || r.Status >= 500 {
			t.Errorf("console negative lead time: %d", r.Status)
		}
		form.Set("lead_time_days", "12")
		if r := o.do("POST", "/console/insight/settings", form.Encode(), nil); r.Status != 303 {
			t.Errorf("console settings: %d %.300s", r.Status, r.Body)
		}
		bt := url.Values{"min_support": {"20"}, "min_confidence": {"90"}, "window_days": {"365"}}
		if r := o.do("POST", "/console/insight/bought-together/settings", bt.Encode(), nil); r.Status != 303 {
			t.Errorf("console rule settings: %d %.300s", r.Status, r.Body)
		}
		o.getJSON("/api/analytics/bought-together", &rules)
		if len(rules.Rules) != 1 || rules.Rules[0].ProductID != b.ID || rules.Settings.MinConfidence != 0.9 {
			t.Errorf("after the console's thresholds: %+v", rules)
		}
	})
}

// section is the HTML from the element holding marker to the end of its
// <section>.
func section(body, marker string) string {
	i := strings.Index(body, marker)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</section>")
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}
