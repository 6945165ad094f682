package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web"
	"github.com/wasmart/wasmart/web/api"
)

// asBrowser makes a client's requests carry a browser's user agent (Go's
// own is a bot's, and bots are not counted).
type asBrowser struct{ rt http.RoundTripper }

const testBrowserUA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15"

func (b asBrowser) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if r.Header.Get("User-Agent") == "" {
		r.Header.Set("User-Agent", testBrowserUA)
	}
	return b.rt.RoundTrip(r)
}

func browserClient(c *shopClient) *shopClient {
	c.http.Transport = asBrowser{c.http.Transport}
	return c
}

func kpiOf(t *testing.T, rep api.KPIReport, name string) float64 {
	t.Helper()
	for _, k := range rep.KPIs {
		if k.Name == name {
			if k.Value == nil {
				return -1
			}
			return *k.Value
		}
	}
	t.Fatalf("no KPI %s in %+v", name, rep.KPIs)
	return 0
}

// TestEventsCountedBehindCache: a product page served from the page
// cache (and answered 304 to a revalidation) still counts as a product
// view; a search counts with its query and result count; a Do-Not-Track
// visit adds a page view but no visitor; the cart, checkout and order
// events land in the same session, and the order carries the session's
// UTM source. The KPIs the API answers read the rollups.
func TestEventsCountedBehindCache(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "counted")
		_, small, _ := s.tee(t, 5, 5)
		b := browserClient(s.buyer(t))

		landing := "/products/linen-tee?utm_source=newsletter&utm_medium=email&utm_campaign=winter"
		wantPage(t, b.get(landing), 200, "Linen Tee")
		r := b.get("/products/linen-tee")
		wantPage(t, r, 200, "Linen Tee")
		if !web.CachedPaths(srv.Server, s.ID)["/products/linen-tee"] {
			t.Fatal("the product page is not in the page cache: the test would not measure the cached path")
		}
		if r304 := b.do("GET", "/products/linen-tee", nil, map[string]string{"If-None-Match": r.Header.Get("ETag")}); r304.Status != 304 {
			t.Fatalf("revalidation: %d", r304.Status)
		}
		wantPage(t, b.get("/search?q=linen"), 200)
		dnt := browserClient(s.buyer(t))
		wantPage(t, dnt.do("GET", "/products/linen-tee", nil, map[string]string{"DNT": "1"}), 200)
		bot := s.buyer(t) // Go's user agent: a bot
		wantPage(t, bot.get("/products/linen-tee"), 200)

		wantSeeOther(t, b.addToCart(small, "2"), "/cart")
		// Attribution reads the written events: a shopper takes longer
		// than the flusher's interval between landing and paying.
		if err := srv.Services.Analytics.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		key := b.checkoutForm()
		orderID, _ := orderPath(t, b.post("/checkout", checkoutValues(key, "ann@example.com", "4242424242424242")))

		// The beacon: a wishlist add is 204, a bad kind names the field.
		beacon := func(c *shopClient, body string) response {
			return c.do("POST", "/e", strings.NewReader(body), map[string]string{"Content-Type": "application/json", "Accept": "application/json", "Origin": c.base})
		}
		if r := beacon(b, `{"kind":"wishlist_add","path":"/products/linen-tee"}`); r.Status != 204 {
			t.Fatalf("beacon: %d %s", r.Status, r.Body)
		}
		if r := beacon(b, `{"kind":"page_view"}`); r.Status != 400 || !strings.Contains(r.Body, `"kind"`) {
			t.Fatalf("beacon with a server-side kind: %d %s", r.Status, r.Body)
		}

		ctx := context.Background()
		if err := srv.Services.Analytics.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Services.Analytics.Rollup(ctx); err != nil {
			t.Fatal(err)
		}
		var rep api.KPIReport
		s.Owner.getJSON("/api/analytics/kpis?compare=previous", &rep)
		// Page views: landing, cached view, 304, search, the DNT view.
		for name, want := range map[string]float64{"pageviews": 5, "product_views": 4, "visitors": 1, "sessions": 1, "orders": 1,
			"conversion_rate": 1, "add_to_cart_rate": 1, "wishlist_rate": 1, "checkout_abandonment": 0, "bounce_rate": 0} {
			if got := kpiOf(t, rep, name); got != want {
				t.Errorf("%s = %v, want %v", name, got, want)
			}
		}
		var d struct {
			Order struct {
				Source   string `json:"source"`
				Medium   string `json:"medium"`
				Campaign string `json:"campaign"`
			} `json:"order"`
		}
		s.Owner.getJSON("/api/orders/"+orderID, &d)
		if o := d.Order; o.Source != "newsletter" || o.Medium != "email" || o.Campaign != "winter" {
			t.Errorf("the order's attribution: %+v", d.Order)
		}
		var srcs []api.SourceJSON
		s.Owner.getJSON("/api/analytics/sources", &srcs)
		if len(srcs) == 0 || srcs[0].Source != "newsletter" || srcs[0].Sessions != 1 || srcs[0].Orders != 1 {
			t.Errorf("sources: %+v", srcs)
		}
		var search []analyticsEvent
		if err := db.Read(s.ctx, func(ctx context.Context, q bun.IDB) error {
			return q.NewRaw("SELECT kind, query, results FROM analytics_events WHERE tenant_id = ? AND kind = 'search'", s.ID).Scan(ctx, &search)
		}); err != nil {
			t.Fatal(err)
		}
		if len(search) != 1 || search[0].Query != "linen" || search[0].Results != 1 {
			t.Errorf("the search event: %+v", search)
		}
	})
}

type analyticsEvent struct {
	Kind    string `bun:"kind"`
	Query   string `bun:"query"`
	Results int    `bun:"results"`
}

// TestAnalyticsAPIInput: bad ranges, metrics, grains and comparisons are
// 400s naming the field; a beacon flood from one client gets 429, never a
// 500.
func TestAnalyticsAPIInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		s := newTestShop(t, srv, "inputs")
		for path, field := range map[string]string{
			"/api/analytics/kpis?from=2026-12-01&to=2026-11-01":   "to",
			"/api/analytics/kpis?from=1999-01-01&to=1999-01-02":   "from",
			"/api/analytics/kpis?from=2020-01-01":                 "to",
			"/api/analytics/kpis?grain=fortnight":                 "grain",
			"/api/analytics/kpis?compare=decade":                  "compare",
			"/api/analytics/series?metric=happiness":              "metric",
			"/api/analytics/series":                               "metric",
			"/api/analytics/series?metric=bounce_rate&grain=hour": "grain",
			"/api/analytics/sources?to=not-a-date":                "to",
		} {
			r := s.Owner.do("GET", path, "", nil)
			if r.Status != 400 || !strings.Contains(r.Body, `"field":"`+field+`"`) {
				t.Errorf("%s: %d %s, want 400 on %s", path, r.Status, r.Body, field)
			}
		}
		r := s.Owner.do("PUT", "/api/analytics/settings", `{"time_zone":"Mars/Olympus","retention_days":400,"raw_retention_days":30}`, nil)
		if r.Status != 400 || !strings.Contains(r.Body, "time_zone") {
			t.Errorf("settings with a bad zone: %d %s", r.Status, r.Body)
		}
		var st api.AnalyticsSettingsJSON
		s.Owner.send("PUT", "/api/analytics/settings", api.AnalyticsSettingsJSON{TimeZone: "Asia/Shanghai", RetentionDays: 400, RawRetentionDays: 30}, 200).json(t, &st)
		if st.TimeZone != "Asia/Shanghai" {
			t.Errorf("settings: %+v", st)
		}
		var defs []analytics.Definition
		s.Owner.getJSON("/api/analytics/definitions", &defs)
		if len(defs) < 15 || defs[0].Help == "" {
			t.Errorf("definitions: %+v", defs)
		}
		b := browserClient(s.buyer(t))
		codes := map[int]int{}
		for i := 0; i < 80; i++ {
			r := b.do("POST", "/e", strings.NewReader(url.Values{"kind": {"wishlist_add"}, "path": {fmt.Sprint("/p/", i)}}.Encode()),
				map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": b.base})
			codes[r.Status]++
		}
		if codes[204] != 60 || codes[429] != 20 {
			t.Errorf("a flood of 80 beacons: %v, want 60 × 204 and 20 × 429", codes)
		}
	})
}
