package catalog_test

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// genFile writes a random Shopify product CSV: up to four products with up
// to three variants, optional columns left out at random, some values
// Shopify would refuse.
func genFile(r *rand.Rand) string {
	all := []string{"Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Tags", "Published", "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value",
		"Variant SKU", "Variant Grams", "Variant Inventory Tracker", "Variant Inventory Qty", "Variant Inventory Policy", "Variant Price", "Variant Compare At Price",
		"Image Src", "Image Alt Text", "Status", "Google Shopping / MPN", "Google Shopping / Custom Product", "Variant Weight Unit", "Variant Tax Code", "Cost per item",
		"Variant Requires Shipping", "Variant Taxable", "Variant Barcode", "SEO Title"}
	var cols []string
	for _, c := range all {
		if c == "Handle" || c == "Title" || c == "Variant Price" || r.IntN(10) < 7 {
			cols = append(cols, c)
		}
	}
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	var rows []map[string]string
	np := 1 + r.IntN(4)
	perm := r.Perm(5)
	for p := 0; p < np; p++ {
		h := fmt.Sprintf("p%d", perm[p])
		two := r.IntN(3) == 0
		nv := 1 + r.IntN(3)
		single := r.IntN(4) == 0
		if single {
			nv = 1
		}
		for v := 0; v < nv; v++ {
			m := map[string]string{"Handle": h}
			if v == 0 {
				m["Title"] = pick("A", "B", `It's "x"`)
				m["Body (HTML)"] = pick("", "<p>x</p>", "<b>y</b><script>z</script>", "a & b")
				m["Vendor"] = pick("", "V1", "V2")
				m["Product Category"] = pick("", "C > D", "C > E")
				m["Tags"] = pick("", "t1, t2", "t2")
				m["Published"] = pick("", "TRUE", "FALSE")
				m["Option1 Name"] = "Size"
				if single {
					m["Option1 Name"] = "Title"
				} else if two {
					m["Option2 Name"] = "Color"
				}
				m["Status"] = pick("", "active", "draft", "archived")
				m["Google Shopping / MPN"] = pick("", "M1")
				m["Google Shopping / Custom Product"] = pick("", "TRUE", "FALSE")
				m["SEO Title"] = pick("", "seo")
			}
			if single {
				m["Option1 Value"] = "Default Title"
			} else {
				m["Option1 Value"] = pick("S", "M", "L", "XL", "XXL", "XS")
				if two {
					m["Option2 Value"] = pick("Red", "Blue")
				}
			}
			if r.IntN(3) > 0 {
				m["Variant SKU"] = fmt.Sprintf("S%d", r.IntN(40))
			}
			m["Variant Grams"] = fmt.Sprint(r.IntN(500))
			m["Variant Inventory Tracker"] = pick("", "shopify")
			m["Variant Inventory Qty"] = pick("", "0", "3", "7", "0", "3", "7", "-1")
			m["Variant Inventory Policy"] = pick("deny", "continue", "")
			m["Variant Price"] = pick("1.00", "2.50", "3", "0.99", "1.00", "2.50", "3", "0.99", "12,50")
			m["Variant Compare At Price"] = pick("", "5.00")
			m["Image Src"] = pick("", "https://cdn.example/a.jpg", "https://cdn.example/b.jpg")
			m["Image Alt Text"] = pick("", "alt")
			m["Variant Weight Unit"] = pick("", "g", "kg", "lb")
			m["Variant Tax Code"] = pick("", "TC1")
			m["Cost per item"] = pick("", "0.50")
			m["Variant Requires Shipping"] = pick("", "TRUE", "FALSE")
			m["Variant Taxable"] = pick("", "TRUE", "FALSE")
			m["Variant Barcode"] = pick("", "123")
			rows = append(rows, m)
			if r.IntN(5) == 0 {
				rows = append(rows, map[string]string{"Handle": h, "Image Src": pick("https://cdn.example/c.jpg", "https://cdn.example/a.jpg"), "Image Alt Text": pick("", "c")})
			}
		}
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(cols)
	for _, m := range rows {
		rec := make([]string, len(cols))
		for i, c := range cols {
			rec[i] = m[c]
		}
		w.Write(rec)
	}
	w.Flush()
	return b.String()
}

// TestImportDryRunMatchesImportOnRandomFiles is FuzzCSVImport's
// structured twin: random but well-formed Shopify files (columns present or
// not, products created, then updated from other files) on both engines. A
// dry run's report is the import's; an import with errors in all-or-nothing
// mode writes nothing; an update applied once leaves the same file
// unchanged; the export re-imports into an empty shop and exports the same,
// and updating that shop from its own export changes nothing.
func TestImportDryRunMatchesImportOnRandomFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat, _ := services(db)
		r := rand.New(rand.NewPCG(uint64(envInt("WASMART_CSV_SEED", 1)), 2))
		for it := 0; it < envInt("WASMART_CSV_FILES", 40); it++ {
			ctx := shop(fmt.Sprintf("random-%d", it))
			for round := 0; round < 4; round++ {
				file := genFile(r)
				mode := []catalog.ImportMode{catalog.ImportValid, catalog.ImportAll}[r.IntN(2)]
				opts := catalog.ImportOptions{Mode: catalog.DryRun, UpdateExisting: round > 0, ProductLimit: 5, Plan: "Test"}
				dry := importCSV(t, cat, ctx, file, opts)
				before := export(t, cat, ctx)
				opts.Mode = mode
				real := importCSV(t, cat, ctx, file, opts)
				if !slices.Equal(dry.Problems, real.Problems) || dry.Ready != real.Ready || fmt.Sprint(dry.Changes) != fmt.Sprint(real.Changes) {
					t.Fatalf("the dry run's verdict differs:\n%+v\n%+v\n%s", dry, real, file)
				}
				want := dry.Ready
				if mode == catalog.ImportAll && dry.Errors > 0 {
					want = 0
				}
				if real.Imported != want {
					t.Fatalf("imported %d, the dry run predicted %d\n%+v\n%s", real.Imported, want, real, file)
				}
				if want == 0 && export(t, cat, ctx) != before {
					t.Fatalf("nothing imported but the catalog changed\n%s", file)
				}
				if opts.UpdateExisting && real.Imported > 0 && real.Errors == 0 {
					again := importCSV(t, cat, ctx, file, catalog.ImportOptions{Mode: catalog.DryRun, UpdateExisting: true})
					if again.Ready != 0 {
						t.Fatalf("the applied update still has changes: %+v\n%s", again.Changes, file)
					}
				}
			}
			out := export(t, cat, ctx)
			other := shop(fmt.Sprintf("random-copy-%d", it))
			if rep := importCSV(t, cat, other, out, catalog.ImportOptions{Mode: catalog.ImportAll}); !rep.OK() {
				t.Fatalf("re-import of the export: %+v\n%s", rep.Problems, out)
			}
			if again := export(t, cat, other); again != out {
				t.Fatalf("export → import → export changed the file:\n%s\n---\n%s", out, again)
			}
			if rep := importCSV(t, cat, other, out, catalog.ImportOptions{Mode: catalog.DryRun, UpdateExisting: true}); rep.Ready != 0 || !rep.OK() {
				t.Fatalf("updating a shop from its own export changes it: %+v %+v\n%s", rep.Changes, rep.Problems, out)
			}
		}
	})
}
