package web_test

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"net/http"
	"testing"

	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web"
)

// BenchmarkBuilderPages serves the home and product pages over HTTP with
// the page cache off (every request renders), for a shop without a
// published design ("default": the featured-collections home) and with a
// published 10-section home page, menus and an announcement bar
// ("sections").
func BenchmarkBuilderPages(b *testing.B) {
	storetest.EachB(b, func(b *testing.B, db *store.DB) {
		for _, mode := range []string{"default", "sections"} {
			e := startShop(b, db, "bench"+mode, func(c *web.Config) { c.ShopCacheBytes = -1; c.ShopBudget = -1 })
			f := e.seed()
			for i := 0; i < 100; i++ {
				if _, err := e.cat.Create(e.ctx, catalog.ProductInput{Title: fmt.Sprintf("Filler %d", i), CategoryID: f.shirts.ID, Status: catalog.Published,
					Variants: []catalog.VariantInput{{SKU: fmt.Sprintf("F-%d", i), Price: 1000}}}); err != nil {
					b.Fatal(err)
				}
			}
			if mode == "sections" {
				ds := e.srv.Services.Design
				hero, err := ds.UploadImage(e.ctx, bytes.NewReader(pngBytes(b, 1600, 600, color.RGBA{90, 120, 160, 255})), "hero.png")
				if err != nil {
					b.Fatal(err)
				}
				d, err := ds.Draft(e.ctx)
				if err != nil {
					b.Fatal(err)
				}
				d, err = ds.Edit(e.ctx, d.Version, "draft.save", func(doc *design.Document) error {
					doc.Templates = map[string][]design.Section{
						"global": {{Type: "announcement_bar", Settings: design.Settings{"text": "Free shipping", "link": map[string]any{"kind": "collection", "ref": f.summer.ID}}}},
						"home": {
							{Type: "hero", Settings: design.Settings{"heading": "Hello", "image": hero.Key, "button_label": "Shop", "button_link": map[string]any{"kind": "collection", "ref": f.summer.ID}}},
							{Type: "featured_collection", Settings: design.Settings{"collection": f.summer.ID, "limit": 8}},
							{Type: "image_with_text", Settings: design.Settings{"image": hero.Key, "heading": "Story", "text": "<p>Text</p>"}},
							{Type: "product_grid", Settings: design.Settings{"heading": "New", "limit": 8}},
							{Type: "product_grid", Settings: design.Settings{"heading": "Picks"}, Blocks: []design.Settings{{"product": f.shirt.ID}, {"product": f.cap.ID}, {"product": f.hat.ID}}},
							{Type: "testimonials", Blocks: []design.Settings{{"quote": "Great", "author": "A"}, {"quote": "Good", "author": "B"}, {"quote": "Nice", "author": "C"}}},
							{Type: "rich_text", Settings: design.Settings{"heading": "About", "text": "<p>We make things.</p>"}},
							{Type: "faq", Blocks: []design.Settings{{"question": "Q1", "answer": "<p>A1</p>"}, {"question": "Q2", "answer": "<p>A2</p>"}}},
							{Type: "image_with_text", Settings: design.Settings{"image": hero.Key, "heading": "Journal", "button_label": "Read", "button_link": map[string]any{"kind": "blog"}}},
							{Type: "newsletter"},
						},
					}
					doc.Menus = map[string][]design.MenuItem{
						"header": {{Title: "Shop", Link: design.Link{Kind: "search"}, Children: []design.MenuItem{{Title: "Summer", Link: design.Link{Kind: "collection", Ref: f.summer.ID}}}},
							{Title: "Shirt", Link: design.Link{Kind: "product", Ref: f.shirt.ID}}},
						"footer": {{Title: "Blog", Link: design.Link{Kind: "blog"}}},
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := ds.Publish(e.ctx, d.Version); err != nil {
					b.Fatal(err)
				}
			}
			c := e.client()
			for _, page := range []string{"/", "/products/linen-shirt"} {
				url := c.base + page
				get := func() {
					resp, err := c.http.Get(url)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Fatalf("%s: %d", page, resp.StatusCode)
					}
				}
				get()
				name := "home"
				if page != "/" {
					name = "product"
				}
				b.Run(mode+"/"+name, func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						get()
					}
				})
			}
		}
	})
}
