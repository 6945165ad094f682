package shopifycsv

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
)

// ExportOptions configure Export.
type ExportOptions struct {
	// Status exports only products with this status ("" = all).
	Status catalog.Status
	// ImageURL returns the public URL of an uploaded image (the web layer
	// knows the media host). Without it uploaded images are left out;
	// external images keep their URL.
	ImageURL func(catalog.Image) string
	// Progress is called after each page of products.
	Progress func(products int)
}

// Export writes every product of the context's shop in Shopify's product
// CSV format, a page of products at a time (memory does not grow with the
// catalog). Stock is the available quantity summed over locations. The
// export is audited ("product.export") before its first row is written.
func Export(ctx context.Context, cat *catalog.Service, w io.Writer, opts ExportOptions) error {
	if opts.Status != "" && !opts.Status.Valid() {
		return errs.Field("status", "unknown status")
	}
	if err := cat.AuditExport(ctx, "CSV export "+string(opts.Status)); err != nil {
		return err
	}
	catPath, err := cat.CategoryPaths(ctx)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(exportColumns); err != nil {
		return err
	}
	done := 0
	rec := make([]string, len(exportColumns))
	err = cat.EachPage(ctx, opts.Status, func(page []*catalog.Product) error {
		for _, p := range page {
			var imgs []catalog.Image
			var srcs []string
			for _, im := range p.Images {
				src := im.Src
				if src == "" && opts.ImageURL != nil {
					src = opts.ImageURL(im)
				}
				if src != "" {
					imgs = append(imgs, im)
					srcs = append(srcs, src)
				}
			}
			n := max(len(p.Variants), len(imgs))
			for i := 0; i < n; i++ {
				for k := range rec {
					rec[k] = ""
				}
				set := func(col, v string) { rec[exportIndex[col]] = v }
				set("Handle", p.Handle)
				if i == 0 {
					set("Title", p.Title)
					set("Body (HTML)", p.BodyHTML)
					set("Vendor", p.Vendor)
					if p.CategoryID != "" {
						set("Product Category", catPath[p.CategoryID])
					}
					set("Type", p.ProductType)
					set("Tags", strings.Join(p.Tags, ", "))
					set("Published", boolStr(p.Status == catalog.Published))
					set("Gift Card", "FALSE")
					set("SEO Title", p.SEOTitle)
					set("SEO Description", p.SEODescription)
					set("Status", map[catalog.Status]string{catalog.Published: "active", catalog.Draft: "draft", catalog.InReview: "draft", catalog.Archived: "archived"}[p.Status])
					for k, c := range googleCSV {
						if f := googleField(&p.Google, k); f != nil {
							set(c, *f)
						} else if p.Google.CustomProduct != nil {
							set(c, boolStr(*p.Google.CustomProduct))
						}
					}
					if len(p.Options) == 0 {
						set("Option1 Name", "Title")
					}
					for k, o := range p.Options {
						set("Option"+strconv.Itoa(k+1)+" Name", o.Name)
					}
				}
				if i < len(p.Variants) {
					v := p.Variants[i]
					if len(p.Options) == 0 {
						set("Option1 Value", "Default Title")
					}
					for k := range p.Options {
						set("Option"+strconv.Itoa(k+1)+" Value", v.Options[k])
					}
					set("Variant SKU", v.SKU)
					set("Variant Grams", strconv.FormatInt(v.WeightGrams, 10))
					if v.InventoryTracked {
						set("Variant Inventory Tracker", "shopify")
					}
					if v.Stock != nil {
						set("Variant Inventory Qty", strconv.FormatInt(v.Stock.Available, 10))
					}
					set("Variant Inventory Policy", map[bool]string{true: "continue", false: "deny"}[v.AllowBackorder])
					set("Variant Fulfillment Service", "manual")
					set("Variant Price", money.Format(v.Price, p.Currency))
					if v.CompareAtPrice != nil {
						set("Variant Compare At Price", money.Format(*v.CompareAtPrice, p.Currency))
					}
					set("Variant Requires Shipping", boolStr(v.RequiresShipping))
					set("Variant Taxable", boolStr(v.Taxable))
					set("Variant Barcode", v.Barcode)
					set("Variant Image", v.ImageSrc)
					unit := v.WeightUnit
					if unit == "" {
						unit = "g"
					}
					set("Variant Weight Unit", unit)
					set("Variant Tax Code", v.TaxCode)
					if v.Cost != nil {
						set("Cost per item", money.Format(*v.Cost, p.Currency))
					}
				}
				if i < len(imgs) {
					set("Image Src", srcs[i])
					set("Image Position", strconv.Itoa(i+1))
					set("Image Alt Text", imgs[i].Alt)
				}
				if err := cw.Write(rec); err != nil {
					return err
				}
			}
		}
		done += len(page)
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if opts.Progress != nil {
			opts.Progress(done)
		}
		return nil
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

var exportIndex = func() map[string]int {
	m := map[string]int{}
	for i, c := range exportColumns {
		m[c] = i
	}
	return m
}()

func boolStr(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}
