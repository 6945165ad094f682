package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"time"

	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/content"
	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants"
)

// seedDemoDesign gives the demo shop content pages, a blog article and a
// published design: the Grid theme with an announcement bar and a home
// page of ten sections. It does nothing once the shop has published a
// design.
func seedDemoDesign(ctx context.Context, ts *tenants.Service, cat *catalog.Service, ds *design.Service, cs *content.Service) error {
	t, err := ts.TenantBySlug(ctx, demoSlug)
	if err != nil {
		return err
	}
	ctx = tenancy.WithActor(tenancy.WithTenant(ctx, t.ID), tenancy.Actor{Kind: "system", ID: "demo-seed", Name: "Demo seed"})
	if live, err := ds.Live(ctx); err != nil || live.Number > 0 {
		return err
	}
	pages := map[content.PageKind]string{}
	existing, err := cs.Pages(ctx, false)
	if err != nil {
		return err
	}
	for _, p := range existing {
		pages[p.Kind] = p.ID
	}
	for _, p := range []content.PageInput{
		{Kind: content.KindAbout, Title: "About us", BodyHTML: "<p>We are a small team that loves well-made everyday things. Everything we sell is something we use ourselves.</p>"},
		{Kind: content.KindShipping, Title: "Shipping policy", BodyHTML: "<p>Orders leave our workshop within two working days. Shipping is free over €50 in the EU.</p>"},
		{Kind: content.KindReturns, Title: "Returns policy", BodyHTML: "<p>Changed your mind? Send it back unused within 30 days for a full refund.</p>"},
		{Kind: content.KindPrivacy, Title: "Privacy policy", BodyHTML: "<p>We keep only what we need to deliver your order and never sell your data.</p>"},
		{Kind: content.KindContact, Title: "Contact", BodyHTML: "<p>Write to <a href=\"mailto:hello@demo.wasmart.test\">hello@demo.wasmart.test</a>; we answer within a day.</p>"},
	} {
		if pages[p.Kind] != "" {
			continue
		}
		p.Published = true
		pg, err := cs.CreatePage(ctx, p)
		if err != nil {
			return err
		}
		pages[p.Kind] = pg.ID
	}
	if _, n, err := cs.Articles(ctx, content.ArticleFilter{Limit: 1}); err != nil {
		return err
	} else if n == 0 {
		when := time.Now().UTC().Add(-24 * time.Hour)
		if _, err := cs.CreateArticle(ctx, content.ArticleInput{Title: "How to care for linen", Author: "Demo Owner", Tags: []string{"care", "linen"}, PublishedAt: &when,
			BodyHTML: "<p>Wash cold, dry flat, iron damp. Linen softens with every wash — the creases are part of its charm.</p>", SEODescription: "Simple ways to make linen last."}); err != nil {
			return err
		}
	}
	cols, err := cat.Collections(ctx, true)
	if err != nil {
		return err
	}
	hero, err := ds.UploadImage(ctx, bytes.NewReader(demoBanner(1600, 640)), "demo-hero.png")
	if err != nil {
		return err
	}
	side, err := ds.UploadImage(ctx, bytes.NewReader(demoBanner(900, 700)), "demo-workshop.png")
	if err != nil {
		return err
	}
	d, err := ds.Draft(ctx)
	if err != nil {
		return err
	}
	link := func(kind design.LinkKind, ref string) map[string]any {
		return map[string]any{"kind": string(kind), "ref": ref}
	}
	d, err = ds.Edit(ctx, d.Version, "draft.save", func(doc *design.Document) error {
		doc.Templates = map[string][]design.Section{}
		add := func(tpl, typ string, set design.Settings, blocks ...design.Settings) error {
			s, err := doc.AddSection(tpl, typ, -1)
			if err != nil {
				return err
			}
			for k, v := range set {
				s.Settings[k] = v
			}
			s.Blocks = blocks
			return nil
		}
		steps := []func() error{
			func() error {
				return add(design.TemplateGlobal, design.TypeAnnouncement, design.Settings{"text": "Free shipping in the EU on orders over €50", "link": link(design.LinkPage, pages[content.KindShipping])})
			},
			func() error {
				return add(design.TemplateHome, design.TypeHero, design.Settings{"heading": "Made to be used every day", "subheading": "Linen, wool, ceramics and more from small workshops.",
					"image": hero.Key, "image_alt": "", "button_label": "Shop the collection", "button_link": link(design.LinkSearch, ""), "height": "medium"})
			},
		}
		for i, c := range cols {
			if i >= 2 {
				break
			}
			c := c
			steps = append(steps, func() error {
				return add(design.TemplateHome, design.TypeFeaturedCollection, design.Settings{"collection": c.ID, "heading": c.Title, "limit": 4})
			})
		}
		steps = append(steps,
			func() error {
				return add(design.TemplateHome, design.TypeImageWithText, design.Settings{"image": side.Key, "heading": "From our workshop",
					"text": "<p>Every piece is chosen by hand and tested at home before it reaches the shop.</p>", "button_label": "Our story", "button_link": link(design.LinkPage, pages[content.KindAbout])})
			},
			func() error {
				return add(design.TemplateHome, design.TypeProductGrid, design.Settings{"heading": "New in", "limit": 8})
			},
			func() error {
				return add(design.TemplateHome, design.TypeTestimonials, design.Settings{"heading": "What customers say"},
					design.Settings{"quote": "The linen shirt is the best thing I bought this year.", "author": "Léa", "detail": "Lyon", "rating": 5},
					design.Settings{"quote": "Beautifully packed and fast to arrive.", "author": "Tom", "detail": "Ghent", "rating": 5},
					design.Settings{"quote": "The pour-over set makes every morning better.", "author": "Mia", "rating": 4})
			},
			func() error {
				return add(design.TemplateHome, design.TypeRichText, design.Settings{"heading": "Fewer, better things", "text": "<p>We would rather sell you one thing you keep for ten years than ten you throw away.</p>", "align": "center", "narrow": true})
			},
			func() error {
				return add(design.TemplateHome, design.TypeFAQ, design.Settings{"heading": "Questions"},
					design.Settings{"question": "How long does shipping take?", "answer": "<p>Two to four working days in the EU.</p>"},
					design.Settings{"question": "Can I return a gift?", "answer": "<p>Yes, within 30 days, unused.</p>"})
			},
			func() error {
				return add(design.TemplateHome, design.TypeImageWithText, design.Settings{"image": hero.Key, "heading": "Read the journal",
					"text": "<p>Care guides and stories from the people who make our things.</p>", "button_label": "Journal", "button_link": link(design.LinkBlog, ""), "image_position": "right"})
			},
			func() error {
				return add(design.TemplateHome, design.TypeNewsletter, design.Settings{"text": "News, restocks and the odd recipe, once a month."})
			},
		)
		for _, f := range steps {
			if err := f(); err != nil {
				return err
			}
		}
		shop := design.MenuItem{Title: "Shop", Link: design.Link{Kind: design.LinkSearch}}
		for _, c := range cols {
			shop.Children = append(shop.Children, design.MenuItem{Title: c.Title, Link: design.Link{Kind: design.LinkCollection, Ref: c.ID}})
		}
		doc.Menus = map[string][]design.MenuItem{
			design.MenuHeader: {shop, {Title: "Journal", Link: design.Link{Kind: design.LinkBlog}}, {Title: "About", Link: design.Link{Kind: design.LinkPage, Ref: pages[content.KindAbout]}}},
			design.MenuFooter: {{Title: "Shipping", Link: design.Link{Kind: design.LinkPage, Ref: pages[content.KindShipping]}},
				{Title: "Returns", Link: design.Link{Kind: design.LinkPage, Ref: pages[content.KindReturns]}},
				{Title: "Privacy", Link: design.Link{Kind: design.LinkPage, Ref: pages[content.KindPrivacy]}},
				{Title: "Contact", Link: design.Link{Kind: design.LinkPage, Ref: pages[content.KindContact]}}},
		}
		doc.Settings[design.SetFooterText] = "Demo Shop · 1 Rue de l'Exemple, Paris"
		return nil
	})
	if err != nil {
		return err
	}
	_, err = ds.Publish(ctx, d.Version)
	return err
}

// demoBanner is a soft diagonal gradient, standing in for a photograph.
func demoBanner(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			f := float64(x+y) / float64(w+h)
			img.Set(x, y, color.RGBA{uint8(40 + 150*f), uint8(70 + 90*f), uint8(90 + 40*(1-f)), 255})
		}
	}
	var b bytes.Buffer
	(&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, img)
	return b.Bytes()
}
