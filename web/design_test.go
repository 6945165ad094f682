package web_test

import (
	"context"
	"encoding/json"
	"image/color"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web"
	"github.com/wasmart/wasmart/web/api"
)

func putJSON(t testing.TB, c interface {
	do(string, string, string, map[string]string) response
}, method, path string, v any, want int) response {
	t.Helper()
	b, _ := json.Marshal(v)
	r := c.do(method, path, string(b), nil)
	if want != 0 && r.Status != want {
		t.Fatalf("%s %s: got %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// TestBuilderHTTP drives the builder's API and the storefront: a draft is
// invisible to shoppers and visible in the staff preview; publishing
// changes the live shop; restore brings the previous look back; a stale
// publish is refused with 409; pages, articles, sitemap and newsletter.
func TestBuilderHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := startShop(t, db, "brand", nil)
		f := e.seed()
		shopper := e.client()
		owner := e.srv.client()
		owner.login(e.shop.OwnerEmail, testPassword)

		before := shopper.get("/")
		wantPage(t, before, 200, "Linen Shirt", `href="/theme/grid.css"`, `class="theme-grid`)
		if strings.Contains(before.Body, "Hello builder") {
			t.Fatal("hero before any edit")
		}

		var d api.DraftJSON
		owner.getJSON("/api/design/draft", &d)
		if d.Version != 0 || d.Document.Theme != "grid" {
			t.Fatalf("draft %+v", d)
		}
		// A logo upload, then theme settings with it and new colours.
		var logo api.AssetJSON
		r := owner.upload("/api/design/assets", "image", "logo.png", pngBytes(t, 300, 100, color.RGBA{10, 20, 200, 255}), nil)
		if r.Status != 201 {
			t.Fatalf("upload %d %s", r.Status, r.Body)
		}
		r.json(t, &logo)
		putJSON(t, owner, "PUT", "/api/design/draft/theme", api.ThemeBody{Version: d.Version, Theme: "editorial",
			Settings: design.Settings{"color_accent": "#7a2e0e", "logo": logo.Key}}, 200).json(t, &d)
		// Invalid values are refused with the field.
		r = putJSON(t, owner, "PUT", "/api/design/draft/theme", api.ThemeBody{Version: d.Version, Settings: design.Settings{"color_accent": "blue"}}, 400)
		if !strings.Contains(r.Body, "settings.color_accent") {
			t.Fatalf("bad colour: %s", r.Body)
		}
		// Hero and featured collection, then reorder.
		r = owner.post("/api/design/draft/sections", api.SectionAddBody{Version: d.Version, Template: "home", Type: "hero",
			Settings: design.Settings{"heading": "Hello builder", "button_label": "Shop summer", "button_link": map[string]any{"kind": "collection", "ref": f.summer.ID}}}, 201)
		r.json(t, &d)
		hero := d.SectionID
		r = owner.post("/api/design/draft/sections", api.SectionAddBody{Version: d.Version, Template: "home", Type: "featured_collection",
			Settings: design.Settings{"collection": f.summer.ID, "heading": "Summer picks"}}, 201)
		r.json(t, &d)
		fc := d.SectionID
		r = owner.post("/api/design/draft/sections", api.SectionAddBody{Version: d.Version, Template: "home", Type: "newsletter"}, 201)
		r.json(t, &d)
		owner.post("/api/design/draft/sections/"+fc+"/move", api.MoveBody{Version: d.Version, Delta: -10}, 200).json(t, &d)
		// Unknown section types and script in rich text are refused.
		if r := owner.post("/api/design/draft/sections", api.SectionAddBody{Version: d.Version, Template: "home", Type: "carousel"}, 400); !strings.Contains(r.Body, "unknown section type") {
			t.Fatalf("unknown type: %s", r.Body)
		}
		r = owner.post("/api/design/draft/sections", api.SectionAddBody{Version: d.Version, Template: "home", Type: "rich_text", Settings: design.Settings{"text": "<p onclick=x()>hi</p>"}}, 400)
		if !strings.Contains(r.Body, "event handlers") {
			t.Fatalf("event handler: %s", r.Body)
		}
		// Menus: a page link and a nested collection link.
		var pg api.PageJSON
		owner.post("/api/pages", api.PageBody{Kind: "shipping", Title: "Shipping policy", BodyHTML: "<p>We ship in 2 days.</p>", Published: true}, 201).json(t, &pg)
		putJSON(t, owner, "PUT", "/api/design/menus/header", api.MenuBody{Version: d.Version, Items: []design.MenuItem{
			{Title: "Shop", Link: design.Link{Kind: "search"}, Children: []design.MenuItem{{Title: "Summer", Link: design.Link{Kind: "collection", Ref: f.summer.ID}}}},
			{Title: "Shipping", Link: design.Link{Kind: "page", Ref: pg.ID}}, {Title: "Our shirt", Link: design.Link{Kind: "product", Ref: f.shirt.ID}},
			{Title: "Secret", Link: design.Link{Kind: "product", Ref: f.draft.ID}}}}, 200).json(t, &d)

		// The live shop is unchanged; the staff preview shows the draft.
		live := shopper.get("/")
		if strings.Contains(live.Body, "Hello builder") || strings.Contains(live.Body, "theme-editorial") {
			t.Fatal("draft visible on the live shop")
		}
		pv := owner.do("GET", "/console/builder/preview/", "", nil)
		wantPage(t, pv, 200, "Hello builder", "theme-editorial", "Preview of your unpublished draft", `href="/console/builder/preview/collections/summer"`,
			`href="/console/builder/preview/pages/shipping-policy"`, "--c-accent:#7a2e0e")
		if strings.Index(pv.Body, "Summer picks") > strings.Index(pv.Body, "Hello builder") {
			t.Error("reorder not in the preview")
		}
		if r := shopper.get("/console/builder/preview/"); r.Status == 200 && strings.Contains(r.Body, "Hello builder") {
			t.Fatal("preview on the shop host")
		}
		if r := e.srv.client().do("GET", "/console/builder/preview/", "", nil); r.Status != 303 && r.Status != 401 {
			t.Fatalf("anonymous preview: %d", r.Status)
		}

		// A stale publish is refused; the current one goes live.
		stale := d.Version - 1
		if r := owner.post("/api/design/publish", api.DesignVersionBody{Version: stale}, 409); !strings.Contains(r.Body, "Reload") {
			t.Fatalf("stale publish: %s", r.Body)
		}
		var v1 api.DesignVersionJSON
		owner.post("/api/design/publish", api.DesignVersionBody{Version: d.Version}, 200).json(t, &v1)
		live = shopper.get("/")
		wantPage(t, live, 200, "Hello builder", "Summer picks", `href="/theme/editorial.css"`, `class="theme-editorial`, `href="/pages/shipping-policy"`,
			`<a class="button" href="/collections/summer">Shop summer</a>`, `action="/newsletter"`, "/brand/"+e.shop.ID+"/design/")
		if !strings.Contains(live.Body, `<a href="/products/linen-shirt">Our shirt</a>`) || strings.Contains(live.Body, ">Secret<") {
			t.Error("menu links to products: a published one shows, a draft one is skipped")
		}
		if r := shopper.get("/theme/editorial.css"); r.Status != 200 || !strings.Contains(r.Body, ".theme-editorial") || !strings.Contains(r.Body, "var(--c-bg)") {
			t.Fatalf("theme css %d", r.Status)
		}
		logoURL := "/brand/" + logo.Key
		if r := shopper.get(logoURL); r.Status != 200 || r.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("logo %d %v", r.Status, r.Header)
		}
		// Sections below product pages.
		owner.post("/api/design/draft/sections", api.SectionAddBody{Version: d.Version, Template: "product", Type: "rich_text", Settings: design.Settings{"heading": "Care and repair"}}, 201).json(t, &d)
		owner.post("/api/design/publish", api.DesignVersionBody{Version: d.Version}, 200).json(t, &v1)
		wantPage(t, shopper.get("/products/linen-shirt"), 200, "Care and repair", "Linen Shirt")
		// Branded 404.
		wantPage(t, shopper.get("/products/nope"), 404, "theme-editorial", "Shipping")

		// Version 2: hero heading changed; then restore version 1.
		putJSON(t, owner, "PUT", "/api/design/draft/sections/"+hero, api.SectionBody{Version: d.Version, Settings: design.Settings{"heading": "Second look"}}, 200).json(t, &d)
		owner.post("/api/design/publish", api.DesignVersionBody{Version: d.Version}, 200)
		wantPage(t, shopper.get("/"), 200, "Second look")
		var vs []api.DesignVersionJSON
		owner.getJSON("/api/design/versions", &vs)
		if len(vs) != 3 || !vs[0].Live || vs[0].Number != 3 {
			t.Fatalf("versions %+v", vs)
		}
		owner.post("/api/design/versions/2/restore", api.DesignVersionBody{Version: d.Version}, 200)
		live = shopper.get("/")
		if !strings.Contains(live.Body, "Hello builder") || strings.Contains(live.Body, "Second look") {
			t.Fatal("restore did not bring version 1 back")
		}

		// Content: articles (draft and live), blog, sitemap.
		past := time.Now().Add(-time.Hour).UTC()
		var art api.ArticleJSON
		owner.post("/api/articles", api.ArticleBody{Title: "Caring for linen", Author: "Ann", Tags: []string{"care"}, BodyHTML: "<p>Wash cold.</p>", PublishedAt: &past, SEODescription: "Linen care"}, 201).json(t, &art)
		owner.post("/api/articles", api.ArticleBody{Title: "Unreleased", BodyHTML: "<p>Soon.</p>"}, 201)
		if r := owner.post("/api/articles", api.ArticleBody{Title: "Bad", BodyHTML: "<script>alert(1)</script>"}, 400); !strings.Contains(r.Body, "scripts") {
			t.Fatalf("script in article: %s", r.Body)
		}
		wantPage(t, shopper.get("/blog"), 200, "Caring for linen", `href="/blog/caring-for-linen"`)
		if strings.Contains(shopper.get("/blog").Body, "Unreleased") {
			t.Fatal("draft article listed")
		}
		a := shopper.get("/blog/caring-for-linen")
		wantPage(t, a, 200, "<h1>Caring for linen</h1>", `"BlogPosting"`, `<link rel="canonical" href="`+shopper.base+`/blog/caring-for-linen">`, "Linen care")
		wantPage(t, shopper.get("/blog/unreleased"), 404)
		wantPage(t, shopper.get("/pages/shipping-policy"), 200, "<h1>Shipping policy</h1>", "We ship in 2 days.")
		wantPage(t, shopper.get("/sitemap.xml"), 200, shopper.base+"/pages/shipping-policy", shopper.base+"/blog/caring-for-linen")

		// Newsletter: the section's GET form leads to the consent page.
		sec := "?email=" + url.QueryEscape("fan@example.com")
		form := shopper.get("/newsletter" + sec)
		wantPage(t, form, 200, "I agree to receive marketing e-mails", `name="consent"`)
		r = shopper.post("/newsletter", url.Values{"email": {"fan@example.com"}})
		if r.Status != 400 || !strings.Contains(r.Body, "(consent)") {
			t.Fatalf("no consent: %d", r.Status)
		}
		r = shopper.post("/newsletter", url.Values{"email": {"fan@example.com"}, "consent": {"yes"}})
		wantPage(t, r, 200, "fan@example.com is subscribed")
		var subs api.SubscriberList
		owner.getJSON("/api/subscribers", &subs)
		if subs.Total != 1 || subs.Subscribers[0].ConsentText == "" || subs.Subscribers[0].ConsentAt.IsZero() {
			t.Fatalf("subscribers %+v", subs)
		}

		// A preview link shows the draft on the shop's own host and keeps
		// the token on its links; without it (or with a bad one) the live
		// shop shows.
		owner.putDraftHeading(t, hero, "Draft for the link")
		r = owner.do("POST", "/console/builder/preview-link", url.Values{}.Encode(), nil)
		m := regexp.MustCompile(`id="preview-link" readonly value="[^"]*\?preview=([^"]+)"`).FindStringSubmatch(r.Body)
		if r.Status != 200 || m == nil {
			t.Fatalf("preview link: %d %s", r.Status, cut(r.Body))
		}
		tok, _ := url.QueryUnescape(strings.ReplaceAll(m[1], "&#43;", "+"))
		pv = shopper.get("/?preview=" + url.QueryEscape(tok))
		wantPage(t, pv, 200, "Draft for the link", "Preview of your unpublished draft", "?preview="+url.QueryEscape(tok))
		if pv.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("token preview cacheable: %v", pv.Header)
		}
		if strings.Contains(shopper.get("/").Body, "Draft for the link") || strings.Contains(shopper.get("/?preview=wsp_forged_token_123").Body, "Draft for the link") {
			t.Fatal("draft without a valid token")
		}
		if strings.Contains(e.clientFor("other-shop-x").get("/?preview="+url.QueryEscape(tok)).Body, "Draft for the link") {
			t.Fatal("token works on another host")
		}
		// A console form from a stale draft is refused with who saved since.
		r = owner.do("POST", "/console/builder/sections/"+hero+"/move", url.Values{"version": {"1"}, "dir": {"down"}, "template": {"home"}}.Encode(), nil)
		if r.Status != 409 || !strings.Contains(r.Body, "changed the design") || !strings.Contains(r.Body, "Reload") {
			t.Fatalf("stale console form: %d %s", r.Status, cut(r.Body))
		}
		// The console screens render.
		for _, p := range []string{"/console/builder", "/console/builder?template=home&section=" + hero, "/console/builder?template=home&section=" + fc,
			"/console/menus", "/console/pages", "/console/pages/" + pg.ID, "/console/pages/new?kind=faq", "/console/articles", "/console/articles/" + art.ID, "/console/articles/new"} {
			if r := owner.do("GET", p, "", nil); r.Status != 200 {
				t.Fatalf("GET %s: %d %s", p, r.Status, cut(r.Body))
			}
		}
	})
}

// A publish by another process (another Service on the same database)
// reaches the cached storefront at the next fingerprint check.
func TestBuilderPublishElsewhere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := startShop(t, db, "elsewhere", func(c *web.Config) { c.ShopCacheRecheck = -1 })
		e.seed()
		shopper := e.client()
		wantPage(t, shopper.get("/"), 200, "theme-grid")
		other := design.New(db, design.Options{})
		d, err := other.Edit(e.ctx, 0, "draft.save", func(doc *design.Document) error {
			if err := doc.SetTheme("editorial"); err != nil {
				return err
			}
			doc.Templates["home"][0].Settings["heading"] = "Published elsewhere"
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// Shown twice before the publish: both the page cache and the
		// in-memory live design are warm.
		wantPage(t, shopper.get("/"), 200, "theme-grid")
		if _, err := other.Publish(e.ctx, d.Version); err != nil {
			t.Fatal(err)
		}
		wantPage(t, shopper.get("/"), 200, "theme-editorial", "Published elsewhere")
		wantPage(t, shopper.get("/collections/summer"), 200, "theme-editorial")
	})
}

// The maintenance page of a suspended shop wears the shop's theme.
func TestBuilderMaintenanceBranded(t *testing.T) {
	db := storetest.SQLite(t)
	e := startShop(t, db, "resting", nil)
	ds := e.srv.Services.Design
	d, err := ds.Edit(e.ctx, 0, "draft.save", func(doc *design.Document) error {
		if err := doc.SetTheme("editorial"); err != nil {
			return err
		}
		doc.Settings[design.SetColorAccent] = "#5b2a86"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ds.Publish(e.ctx, d.Version); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Tenants.Suspend(context.Background(), tenants.System(), e.shop.ID, "test"); err != nil {
		t.Fatal(err)
	}
	wantPage(t, e.client().get("/"), 503, "taking a short break", "theme-editorial", "--c-accent:#5b2a86")
}

// putDraftHeading sets a section's heading in the draft through the API.
func (c *client) putDraftHeading(t *testing.T, section, heading string) {
	t.Helper()
	var d api.DraftJSON
	c.getJSON("/api/design/draft", &d)
	c.send("PUT", "/api/design/draft/sections/"+section, api.SectionBody{Version: d.Version, Settings: design.Settings{"heading": heading}}, 200)
}
