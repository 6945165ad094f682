package content_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/content"
	_ "github.com/wasmart/wasmart/core/design" // design_assets, which article images are checked against
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

func shop(id string) context.Context { return tenancy.WithTenant(context.Background(), id) }

func TestPagesArticlesSubscribers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		svc := content.New(db, func() time.Time { return now })
		a, b := shop("ta"), shop("tb")

		p, err := svc.CreatePage(a, content.PageInput{Kind: content.KindShipping, Title: "Shipping policy", BodyHTML: "<p>We ship <b>fast</b>.</p>"})
		if err != nil || p.Handle != "shipping-policy" || p.Version != 1 || p.Published {
			t.Fatalf("page %+v %v", p, err)
		}
		if _, err := svc.CreatePage(a, content.PageInput{Title: "Bad", BodyHTML: `<p onclick="x()">hi</p>`}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("event handler: %v", err)
		}
		if _, err := svc.CreatePage(a, content.PageInput{Title: "Bad", Kind: "manifesto"}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("kind: %v", err)
		}
		if _, err := svc.CreatePage(a, content.PageInput{Title: "Shipping policy"}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("duplicate handle: %v", err)
		}
		if _, err := svc.CreatePage(b, content.PageInput{Title: "Shipping policy"}); err != nil {
			t.Fatalf("same handle in another shop: %v", err)
		}
		if _, err := svc.PageByHandle(a, "shipping-policy", true); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unpublished page visible: %v", err)
		}
		in := content.PageInput{Kind: content.KindShipping, Title: "Shipping", Handle: "shipping-policy", BodyHTML: p.BodyHTML, Published: true}
		p2, err := svc.UpdatePage(a, p.ID, p.Version, in)
		if err != nil || p2.Version != 2 || !p2.Published {
			t.Fatalf("update %+v %v", p2, err)
		}
		if _, err := svc.UpdatePage(a, p.ID, p.Version, in); !errs.Is(err, errs.Conflict) {
			t.Fatalf("stale update: %v", err)
		}
		if _, err := svc.UpdatePage(b, p.ID, p2.Version, in); !errs.Is(err, errs.NotFound) {
			t.Fatalf("foreign update: %v", err)
		}
		if _, err := svc.PageByHandle(a, "shipping-policy", true); err != nil {
			t.Fatal(err)
		}

		past, future := now.Add(-time.Hour), now.Add(24*time.Hour)
		art, err := svc.CreateArticle(a, content.ArticleInput{Title: "Linen care", Author: "Ann", Tags: []string{"Care", "linen", "care"},
			BodyHTML: "<p>Wash cold. Dry flat.</p>", PublishedAt: &past, SEODescription: "How to care for linen"})
		if err != nil || strings.Join(art.Tags, ",") != "care,linen" || art.Excerpt != "Wash cold. Dry flat." {
			t.Fatalf("article %+v %v", art, err)
		}
		if _, err := svc.CreateArticle(a, content.ArticleInput{Title: "Soon", PublishedAt: &future, Tags: []string{"linen"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateArticle(a, content.ArticleInput{Title: "X", BodyHTML: `<a href="javascript:alert(1)">x</a>`}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("javascript link: %v", err)
		}
		if _, err := svc.CreateArticle(a, content.ArticleInput{Title: "X", Image: "tb/design/x/original.png"}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("foreign image: %v", err)
		}
		if _, err := svc.CreateArticle(a, content.ArticleInput{Title: "X", Image: "ta/design/nope/original.png"}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("missing image: %v", err)
		}
		live, n, err := svc.Articles(a, content.ArticleFilter{LiveOnly: true, Tag: "linen"})
		if err != nil || n != 1 || live[0].ID != art.ID {
			t.Fatalf("live articles %d %v", n, err)
		}
		all, n, _ := svc.Articles(a, content.ArticleFilter{})
		if n != 2 || len(all) != 2 {
			t.Fatalf("all articles %d", n)
		}
		if _, err := svc.ArticleByHandle(a, "soon", true); !errs.Is(err, errs.NotFound) {
			t.Fatalf("scheduled article visible: %v", err)
		}
		if _, err := svc.ArticleByHandle(b, "linen-care", false); !errs.Is(err, errs.NotFound) {
			t.Fatalf("foreign article: %v", err)
		}
		up, err := svc.UpdateArticle(a, art.ID, art.Version, content.ArticleInput{Title: "Linen care", Tags: []string{"care"}, PublishedAt: &past})
		if err != nil || strings.Join(up.Tags, ",") != "care" || up.Version != 2 {
			t.Fatalf("update article %+v %v", up, err)
		}
		sm, err := svc.SitemapEntries(a, 100)
		if err != nil || len(sm) != 2 || sm[0].Kind != "page" || sm[1].Handle != "linen-care" {
			t.Fatalf("sitemap %+v %v", sm, err)
		}
		refs, _ := svc.ArticleRefs(a, []string{art.ID, "nope"})
		if len(refs) != 1 || !refs[art.ID].Live {
			t.Fatalf("refs %+v", refs)
		}

		s1, err := svc.Subscribe(a, "Ann@Example.COM", "I agree to receive e-mails", "section:abc")
		if err != nil || s1.Email != "ann@example.com" || !s1.ConsentAt.Equal(now) {
			t.Fatalf("subscribe %+v %v", s1, err)
		}
		if _, err := svc.Subscribe(a, "not-an-email", "I agree", ""); !errs.Is(err, errs.Invalid) {
			t.Fatal(err)
		}
		if _, err := svc.Subscribe(a, "bob@example.com", "  ", ""); !errs.Is(err, errs.Invalid) {
			t.Fatalf("no consent: %v", err)
		}
		if err := svc.Unsubscribe(a, "Ann@example.com"); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Hour)
		s2, err := svc.Subscribe(a, "Ann@example.com", "I agree again", "api")
		if err != nil || s2.ID != s1.ID || !s2.Active() || s2.ConsentText != "I agree again" || !s2.ConsentAt.Equal(now) {
			t.Fatalf("resubscribe %+v %v", s2, err)
		}
		subs, total, _ := svc.Subscribers(a, true, 10, 0)
		if total != 1 || len(subs) != 1 {
			t.Fatalf("subscribers %d", total)
		}
		if _, total, _ := svc.Subscribers(b, false, 10, 0); total != 0 {
			t.Fatalf("tenant b sees %d subscribers", total)
		}
		if fp, err := svc.Fingerprint(a); err != nil || fp == "" {
			t.Fatal(fp, err)
		}
	})
}

// TestLastChange: the content cache token moves when a page or an article
// is added, changed or deleted and when a scheduled article falls due, not
// with another shop's changes; Latest is the newest change.
func TestLastChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		svc := content.New(db, func() time.Time { return now })
		a, b := shop("ta"), shop("tb")
		token := func() (tok string, latest time.Time) {
			t.Helper()
			err := db.Read(a, func(ctx context.Context, q bun.IDB) (err error) {
				tok, latest, err = content.LastChange(ctx, q, "ta", now)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return tok, latest
		}
		changed := func(what, before string) string {
			t.Helper()
			after, _ := token()
			if after == before {
				t.Fatalf("%s: token did not move (%q)", what, after)
			}
			return after
		}
		tok, latest := token()
		if !latest.IsZero() {
			t.Fatalf("no content, latest %v", latest)
		}
		now = now.Add(time.Minute)
		p, err := svc.CreatePage(a, content.PageInput{Title: "About", BodyHTML: "<p>Us</p>", Published: true})
		if err != nil {
			t.Fatal(err)
		}
		tok = changed("page created", tok)
		if _, latest = token(); !latest.Equal(now) {
			t.Fatalf("latest %v, want %v", latest, now)
		}
		now = now.Add(time.Minute)
		if _, err := svc.UpdatePage(a, p.ID, p.Version, content.PageInput{Title: "About us", Handle: p.Handle, BodyHTML: "<p>Us</p>", Published: true}); err != nil {
			t.Fatal(err)
		}
		tok = changed("page changed", tok)
		if _, err := svc.CreatePage(b, content.PageInput{Title: "About"}); err != nil {
			t.Fatal(err)
		}
		if again, _ := token(); again != tok {
			t.Fatal("another shop's page moved the token")
		}
		soon := now.Add(time.Hour)
		if _, err := svc.CreateArticle(a, content.ArticleInput{Title: "News", BodyHTML: "<p>Soon</p>", PublishedAt: &soon}); err != nil {
			t.Fatal(err)
		}
		tok = changed("article scheduled", tok)
		now = soon.Add(time.Second)
		tok = changed("scheduled article due", tok)
		if err := svc.DeletePage(a, p.ID); err != nil {
			t.Fatal(err)
		}
		changed("page deleted", tok)
	})
}
