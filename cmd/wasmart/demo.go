package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"strings"

	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants"
)

// demoProduct is one product of the demo catalog.
type demoProduct struct {
	title, vendor, ptype, category, body string
	tags                                 []string
	options                              []string
	values                               [][3]string // one per variant
	price, compareAt                     int64
	step                                 int64   // price added per variant index
	stock                                []int64 // per variant; -1 = none but backorder
	colour                               color.RGBA
}

var demoCatalog = []demoProduct{
	{title: "Linen Shirt", vendor: "Atelier Nord", ptype: "Shirt", category: "Shirts", tags: []string{"summer", "linen"},
		body:    "<p>A relaxed shirt in washed European linen. Breathable, soft from the first wear, and better with every wash.</p><ul><li>100% linen</li><li>Mother-of-pearl buttons</li></ul>",
		options: []string{"Size", "Colour"}, values: [][3]string{{"S", "Sand"}, {"M", "Sand"}, {"L", "Sand"}, {"S", "Navy"}, {"M", "Navy"}, {"L", "Navy"}},
		price: 4900, compareAt: 5900, stock: []int64{12, 30, 4, 0, 18, 2}, colour: color.RGBA{214, 196, 160, 255}},
	{title: "Merino Crew Sweater", vendor: "Atelier Nord", ptype: "Sweater", category: "Knitwear", tags: []string{"winter", "wool"},
		body:    "<p>Fine-gauge merino that keeps you warm without the bulk. Machine washable on a wool cycle.</p>",
		options: []string{"Size", "Colour"}, values: [][3]string{{"S", "Charcoal"}, {"M", "Charcoal"}, {"L", "Charcoal"}, {"M", "Oat"}},
		price: 8900, stock: []int64{6, 9, 0, 3}, colour: color.RGBA{70, 72, 78, 255}},
	{title: "Canvas Tote Bag", vendor: "Harbour Goods", ptype: "Bag", category: "Accessories", tags: []string{"summer", "canvas"},
		body:  "<p>Heavy cotton canvas with a leather-reinforced handle. Fits a laptop and the week's groceries.</p>",
		price: 2400, stock: []int64{40}, colour: color.RGBA{120, 140, 110, 255}},
	{title: "Ceramic Pour-Over Set", vendor: "Kiln & Co", ptype: "Coffee", category: "Kitchen", tags: []string{"coffee", "ceramic"},
		body:    "<p>A hand-glazed dripper and carafe for two cups. Each piece is slightly different.</p>",
		options: []string{"Colour"}, values: [][3]string{{"White"}, {"Black"}}, price: 3900, stock: []int64{5, -1}, colour: color.RGBA{236, 232, 224, 255}},
	{title: "Beeswax Candle", vendor: "Kiln & Co", ptype: "Candle", category: "Home", tags: []string{"gift"},
		body:    "<p>Pure beeswax with a cotton wick; burns clean with a faint honey scent.</p>",
		options: []string{"Size"}, values: [][3]string{{"Small"}, {"Large"}}, price: 1400, step: 800, stock: []int64{3, 25}, colour: color.RGBA{232, 178, 60, 255}},
	{title: "Enamel Camp Mug", vendor: "Harbour Goods", ptype: "Mug", category: "Kitchen", tags: []string{"summer", "outdoor", "gift"},
		body:    "<p>Steel mug with a glossy enamel coat. Survives campfires and office kitchens alike.</p>",
		options: []string{"Colour"}, values: [][3]string{{"Forest"}, {"Ocean"}, {"Rust"}}, price: 1600, stock: []int64{20, 0, 8}, colour: color.RGBA{46, 94, 70, 255}},
}

// seedDemoCatalog gives the demo shop a small real-looking catalog:
// categories, products with options, variants, stock and images, a manual
// and an automatic collection. It does nothing when the shop already has
// its first product.
func seedDemoCatalog(ctx context.Context, ts *tenants.Service, cat *catalog.Service, inv *inventory.Service) error {
	t, err := ts.TenantBySlug(ctx, demoSlug)
	if err != nil {
		return err
	}
	ctx = tenancy.WithActor(tenancy.WithTenant(ctx, t.ID), tenancy.Actor{Kind: "system", ID: "demo-seed", Name: "Demo seed"})
	if _, err := cat.GetByHandle(ctx, catalog.Slugify(demoCatalog[0].title)); err == nil {
		return nil
	} else if !errs.Is(err, errs.NotFound) {
		return err
	}
	parents := map[string]string{"Shirts": "Apparel", "Knitwear": "Apparel", "Accessories": "Apparel", "Kitchen": "Home"}
	cats := map[string]string{}
	var ensure func(name string) (string, error)
	ensure = func(name string) (string, error) {
		if id, ok := cats[name]; ok {
			return id, nil
		}
		in := catalog.CategoryInput{Name: name}
		if p, ok := parents[name]; ok {
			pid, err := ensure(p)
			if err != nil {
				return "", err
			}
			in.ParentID = pid
		}
		c, err := cat.CreateCategory(ctx, in)
		if err != nil {
			return "", err
		}
		cats[name] = c.ID
		return c.ID, nil
	}
	var summer []string
	for i, d := range demoCatalog {
		catID, err := ensure(d.category)
		if err != nil {
			return err
		}
		in := catalog.ProductInput{Title: d.title, Vendor: d.vendor, ProductType: d.ptype, CategoryID: catID, BodyHTML: d.body, Tags: d.tags,
			Options: d.options, Currency: t.Currency, Status: catalog.Published, Role: []catalog.Role{catalog.RoleTraffic, catalog.RoleProfit, catalog.RoleImage}[i%3]}
		values := d.values
		if len(values) == 0 {
			values = [][3]string{{}}
		}
		for j, v := range values {
			vi := catalog.VariantInput{SKU: demoSKU(d.title, v, j), Options: v, Price: d.price + int64(j)*d.step, WeightGrams: 400, SafetyStock: 3,
				AllowBackorder: d.stock[j] < 0}
			if d.compareAt > 0 && j%3 == 0 {
				c := d.compareAt
				vi.CompareAtPrice = &c
			}
			in.Variants = append(in.Variants, vi)
		}
		p, err := cat.Create(ctx, in)
		if err != nil {
			return err
		}
		for j, v := range p.Variants {
			if q := d.stock[j]; q > 0 {
				if err := inv.Receive(ctx, v.ID, "", q, "demo"); err != nil {
					return err
				}
			}
		}
		if _, err := cat.AddImage(ctx, p.ID, bytes.NewReader(demoImage(d.colour)), "", d.title); err != nil {
			return err
		}
		for _, tag := range d.tags {
			if tag == "summer" {
				summer = append(summer, p.ID)
			}
		}
	}
	col, err := cat.CreateCollection(ctx, catalog.CollectionInput{Title: "Summer Essentials", Kind: catalog.Manual, Published: true, Featured: true,
		BodyHTML: "<p>Light layers and easy carry for long days.</p>"})
	if err != nil {
		return err
	}
	if err := cat.SetCollectionProducts(ctx, col.ID, summer); err != nil {
		return err
	}
	_, err = cat.CreateCollection(ctx, catalog.CollectionInput{Title: "Gifts under 30", Kind: catalog.Automatic, Published: true, Featured: true, Position: 1,
		Rules: []catalog.Rule{{Field: "price", Relation: "at_most", Value: "3000"}}, Sort: catalog.SortPriceAsc})
	return err
}

func demoSKU(title string, v [3]string, j int) string {
	s := catalog.Slugify(title)
	if len(s) > 8 {
		s = s[:8]
	}
	for _, o := range v {
		if o != "" {
			s += "-" + catalog.Slugify(o)
		}
	}
	if v == [3]string{} {
		s += "-" + string(rune('1'+j))
	}
	return strings.ToUpper(s)
}

// demoImage draws an 800×800 product placeholder: the colour with a soft
// diagonal shade and a lighter band, so renditions have something to show.
func demoImage(c color.RGBA) []byte {
	const n = 800
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			f := 0.85 + 0.15*float64(x+y)/float64(2*n)
			if y > n*2/3 && y < n*2/3+40 {
				f = 1.1
			}
			sh := func(v uint8) uint8 {
				w := float64(v) * f
				if w > 255 {
					w = 255
				}
				return uint8(w)
			}
			img.SetRGBA(x, y, color.RGBA{sh(c.R), sh(c.G), sh(c.B), 255})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}
