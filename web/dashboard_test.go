package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants"
)

// dashCard is the part of the dashboard page showing one KPI's card.
func dashCard(t *testing.T, body, name string) string {
	t.Helper()
	i := strings.Index(body, `<article class="card kpi" aria-labelledby="kpi-`+name+`">`)
	if i < 0 {
		t.Fatalf("no %s card: %s", name, cut(body))
	}
	j := strings.Index(body[i:], "</article>")
	return body[i : i+j]
}

// TestConsoleDashboard: traffic through the storefront (a visitor from a
// newsletter who buys, one from a search engine who only looks) rolled
// up; the owner's console home then shows the exact visitors, orders,
// sales (money in major units), conversion, today against yesterday, the
// sparklines with their title and description, live visitors, the top
// product and source, low stock and the definitions; an analyst (who
// reads everything) sees the same dashboard; a warehouse member gets the
// plain home with the plan's quotas and no figures; an unknown period is
// a 400 naming it; another shop's dashboard shows none of it.
func TestConsoleDashboard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := dashboardShop(t, srv, "dash")

		check := func(body string, stock bool) {
			t.Helper()
			v := dashCard(t, body, "visitors")
			for _, want := range []string{`<p class="kpi-value">2</p>`, "up from none on the previous period",
				"<dd>2 <span class=\"muted\">· yesterday 0 · up from none on yesterday</span></dd>",
				`<title id="spark-visitors-title">Visitors (UV), last 30 days</title>`, `<desc id="spark-visitors-desc">Visitors (UV) per day from `,
				"lowest 0, highest 2, today 2.", "<polyline", `href="#def-visitors"`} {
				if !strings.Contains(v, want) {
					t.Errorf("visitors card lacks %q: %s", want, v)
				}
			}
			if o := dashCard(t, body, "orders"); !strings.Contains(o, `<p class="kpi-value">1</p>`) {
				t.Errorf("orders card: %s", o)
			}
			g := dashCard(t, body, "gmv")
			for _, want := range []string{`<p class="kpi-value">44.90 EUR</p>`, "highest 44.90 EUR, today 44.90 EUR."} {
				if !strings.Contains(g, want) {
					t.Errorf("sales card lacks %q: %s", want, g)
				}
			}
			if strings.Contains(g, "4490") {
				t.Errorf("the sales card shows minor units: %s", g)
			}
			if a := dashCard(t, body, "aov"); !strings.Contains(a, `<p class="kpi-value">44.90 EUR</p>`) {
				t.Errorf("average order card: %s", a)
			}
			if cr := dashCard(t, body, "conversion_rate"); !strings.Contains(cr, `<p class="kpi-value">50.0%</p>`) || !strings.Contains(cr, "no comparison with the previous period") {
				t.Errorf("conversion card: %s", cr)
			}
			for _, want := range []string{
				"<strong>2</strong> visitors on the storefront in the last 5 minutes",
				`>Linen Tee</a></td><td>40.00 EUR</td><td>2</td><td>1</td>`,
				`<td>newsletter / email <span class="muted">(winter)</span></td><td>1</td><td>1</td><td>44.90 EUR</td><td>100.0%</td>`,
				`<td>google.com / organic</td><td>1</td><td>0</td><td>0.00 EUR</td><td>0.0%</td>`,
				`<dt id="def-conversion_rate">`, "Share of sessions in which an order was placed.",
				`aria-current="page">Last 7 days</a>`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("dashboard lacks %q: %s", want, cut(body))
				}
			}
			if i := strings.Index(body, "Top traffic sources"); i < 0 || strings.Index(body[i:], "newsletter") > strings.Index(body[i:], "google") {
				t.Errorf("the newsletter (one order) is not the top source")
			}
			if got := strings.Contains(body, `<code>SOCK-1</code></td><td>2</td><td>5</td>`); got != stock {
				t.Errorf("low stock shown: %v, want %v", got, stock)
			}
		}
		owner := s.Owner.do("GET", "/console", "", nil)
		wantConsolePage(t, owner, 200, "Plan usage")
		check(owner.Body, true)
		today := s.Owner.do("GET", "/console?period=today", "", nil)
		wantConsolePage(t, today, 200, `aria-current="page">Today</a>`)
		if v := dashCard(t, today.Body, "visitors"); !strings.Contains(v, `<p class="kpi-value">2</p>`) || !strings.Contains(v, "up from none on the previous period") {
			t.Errorf("today's visitors: %s", v)
		}
		wantConsolePage(t, s.Owner.do("GET", "/console?period=month", "", nil), 200, `aria-current="page">This month</a>`)
		if r := s.Owner.do("GET", "/console?period=year", "", nil); r.Status != 400 || !strings.Contains(r.Body, "today, 7d, 30d or month") {
			t.Errorf("an unknown period: %d %s", r.Status, cut(r.Body))
		}

		// Another shop's dashboard shows none of it.
		other := srv.signup("dash-other")
		r := other.Owner.do("GET", "/console", "", nil)
		wantConsolePage(t, r, 200, "<strong>0</strong> visitors on the storefront in the last 5 minutes", "No orders in this period.", "No visits in this period.")
		if v := dashCard(t, r.Body, "visitors"); !strings.Contains(v, `<p class="kpi-value">0</p>`) {
			t.Errorf("another shop's visitors: %s", v)
		}

		analyst := srv.staff(s.shop, "an@example.com", "analyst")
		r = analyst.do("GET", "/console", "", nil)
		wantConsolePage(t, r, 200, "How the shop is doing")
		check(r.Body, true)

		wh := srv.staff(s.shop, "wh@example.com", "warehouse")
		r = wh.do("GET", "/console", "", nil)
		wantConsolePage(t, r, 200, "Plan usage", "Staff seats")
		for _, leak := range []string{"How the shop is doing", "kpi-value", "44.90 EUR", "newsletter", "Linen Tee", "<svg"} {
			if strings.Contains(r.Body, leak) {
				t.Errorf("the warehouse member's home shows %q", leak)
			}
		}
	})
}

// dashboardShop is a shop (on the Scale plan, for staff seats) with
// rolled-up storefront traffic: a visitor from a newsletter who buys two
// Linen Tees (44.90 EUR with delivery), one from Google who looks at the
// Wool Socks, which are below their safety stock (2 of 5).
func dashboardShop(t *testing.T, srv *testServer, slug string) *testShop {
	t.Helper()
	sh := srv.signup(slug)
	if err := srv.Tenants.ChangePlan(context.Background(), tenants.System(), sh.ID, tenants.PlanScale); err != nil {
		t.Fatal(err)
	}
	s := setUpTestShop(t, srv, sh)
	_, small, _ := s.tee(t, 5, 5)
	socks, err := s.cat.Catalog.Create(s.ctx, catalog.ProductInput{Title: "Wool Socks", Handle: "wool-socks", Status: catalog.Published, Currency: "EUR",
		Variants: []catalog.VariantInput{{SKU: "SOCK-1", Price: 900, SafetyStock: 5}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cat.Inventory.Receive(s.ctx, socks.Variants[0].ID, "", 2, "test"); err != nil {
		t.Fatal(err)
	}

	buyer := browserClient(s.buyer(t))
	wantPage(t, buyer.get("/products/linen-tee?utm_source=newsletter&utm_medium=email&utm_campaign=winter"), 200, "Linen Tee")
	wantSeeOther(t, buyer.addToCart(small, "2"), "/cart")
	if err := srv.Services.Analytics.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	key := buyer.checkoutForm()
	orderID, _ := orderPath(t, buyer.post("/checkout", checkoutValues(key, "ann@example.com", "4242424242424242")))
	var od struct {
		Order struct {
			Total int64 `json:"total"`
		} `json:"order"`
	}
	s.Owner.getJSON("/api/orders/"+orderID, &od)
	if od.Order.Total != 4490 { // 2 × 20.00 + 4.90 delivery, tax included
		t.Fatalf("order total %d", od.Order.Total)
	}
	looker := s.buyer(t) // another browser: another visitor
	wantPage(t, looker.do("GET", "/products/wool-socks", nil, map[string]string{"Referer": "https://www.google.com/",
		"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}), 200, "Wool Socks")

	ctx := context.Background()
	if err := srv.Services.Analytics.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Services.Analytics.Rollup(ctx); err != nil {
		t.Fatal(err)
	}

	return s
}

// TestBrowserDashboard: the owner signs in to a shop with traffic and
// sees the dashboard in Chromium: the figures, the sparklines drawn, the
// period picker, the definitions opening from a card's link; on a phone
// (390 px) the cards stand in one column and nothing is wider than the
// screen; then a goal (browserGoal) and a product-page A/B test started,
// seen by visitors in both arms and stopped with its winner applied
// (browserExperiment). Screenshots at desktop and phone widths.
func TestBrowserDashboard(t *testing.T) {
	chromiumPath(t)
	srv, _ := startCommerceServer(t, storetest.SQLite(t))
	s := dashboardShop(t, srv, "dashview")

	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	browser := newBrowser(t, ctx)
	owner := newTab(t, browser, "dashboard", srv.URL)
	owner.login(s.OwnerEmail, testPassword)
	owner.wantPath("/console")
	owner.wantText(`article[aria-labelledby="kpi-visitors"] .kpi-value`, "2")
	owner.wantText(`article[aria-labelledby="kpi-gmv"] .kpi-value`, "44.90 EUR")
	owner.wantText(`article[aria-labelledby="kpi-orders"]`, "yesterday 0 · up from none on yesterday")
	owner.wantText(".live", "2 visitors on the storefront in the last 5 minutes")
	owner.wantText("#top-products + table", "Linen Tee", "40.00 EUR")
	owner.wantText("#low-stock + table", "SOCK-1")
	if !dashEval[bool](owner, "sparkline drawn", `document.querySelector('svg[aria-labelledby="spark-gmv-title spark-gmv-desc"] polyline').getBBox().width > 50`) {
		owner.fail("sparkline", fmt.Errorf("the sales sparkline has no drawn line"))
	}
	owner.click(`nav.periods a[href="/console?period=today"]`, 200)
	owner.wantText(`nav.periods a[aria-current="page"]`, "Today")
	owner.do("open the definition", chromedp.Click(chromedp.CSS(`#kpi-conversion_rate a`)))
	if !dashEval[bool](owner, "definitions open", `document.querySelector('#definitions').open`) {
		owner.fail("definitions", fmt.Errorf("a card's link did not open the definitions"))
	}
	owner.wantText("#definitions", "Share of sessions in which an order was placed.")
	owner.screenshots("dashboard")
	browserGoal(owner)

	owner.do("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Reload())
	type phoneLayout struct {
		Columns  string `json:"columns"`
		Overflow bool   `json:"overflow"`
	}
	layout := dashEval[phoneLayout](owner, "phone layout", `({columns: getComputedStyle(document.querySelector('.dash')).gridTemplateColumns,
		overflow: document.documentElement.scrollWidth > window.innerWidth})`)
	if strings.Contains(strings.TrimSpace(layout.Columns), " ") || layout.Overflow {
		owner.fail("phone layout", fmt.Errorf("grid columns %q, page wider than the screen: %v", layout.Columns, layout.Overflow))
	}
	browserExperiment(t, srv, s, browser, owner)
}

// dashEval evaluates js in the tab's page.
func dashEval[T any](b *tab, what, js string) T {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.fail(what, err)
	}
	return v
}
