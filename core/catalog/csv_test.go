package catalog_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

const shopifyCSV = "\xEF\xBB\xBF" + `Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Option1 Linked To,Option2 Name,Option2 Value,Option2 Linked To,Option3 Name,Option3 Value,Option3 Linked To,Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,Variant Fulfillment Service,Variant Price,Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Variant Barcode,Image Src,Image Position,Image Alt Text,Gift Card,SEO Title,SEO Description,Google Shopping / Gender,Variant Image,Variant Weight Unit,Variant Tax Code,Cost per item,Status
linen-shirt,Linen Shirt,"<p>Breathable <b>linen</b>.</p>
<ul><li>100% linen</li></ul>",Acme,Apparel & Accessories > Clothing > Shirts,Shirts,"summer, linen, 夏季",TRUE,Size,S,,Color,Sand,,,,,LS-S-SAND,210,shopify,12,deny,manual,49.00,59.00,TRUE,TRUE,0123456789012,https://cdn.example.com/ls-front.jpg,1,Front view,FALSE,Linen Shirt | Acme,"A breathable shirt, made of linen.",unisex,https://cdn.example.com/ls-sand.jpg,g,,21.50,active
linen-shirt,,,,,,,,,S,,,Navy,,,,,LS-S-NAVY,210,shopify,0,continue,manual,49.00,,TRUE,TRUE,,https://cdn.example.com/ls-back.jpg,2,Back view,,,,,,g,,21.50,
linen-shirt,,,,,,,,,M,,,Sand,,,,,LS-M-SAND,230,shopify,5,deny,manual,52.50,59.00,TRUE,FALSE,,,,,,,,,,g,,,
linen-shirt,,,,,,,,,M,,,Navy,,,,,LS-M-NAVY,230,shopify,3,deny,manual,52.50,,FALSE,TRUE,,,,,,,,,,g,,,
linen-shirt,,,,,,,,,,,,,,,,,,,,,,,,,,,,https://cdn.example.com/ls-detail.jpg,3,,,,,,,,,,
gift-mug,Gift Mug,<p>Ceramic.</p>,Acme,Home & Garden > Kitchen,Mugs,gift,FALSE,Title,Default Title,,,,,,,,MUG-1,350,shopify,40,deny,manual,12.00,,TRUE,TRUE,,https://cdn.example.com/mug.jpg,1,,FALSE,,,,,g,,4.00,draft
`

func shop(id string) context.Context { return tenancy.WithTenant(context.Background(), id) }

func services(db *store.DB) (*catalog.Service, *inventory.Service) {
	inv := inventory.New(db, inventory.Options{})
	cat := catalog.New(db, catalog.Options{Currency: "USD", Stock: inv, StockSink: inv})
	return cat, inv
}

func export(t *testing.T, cat *catalog.Service, ctx context.Context) string {
	t.Helper()
	var b bytes.Buffer
	if err := cat.ExportCSV(ctx, &b, catalog.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestShopifyCSVRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat, _ := services(db)
		a, b := shop("shop-a"), shop("shop-b")
		var progress []catalog.ImportProgress
		rep, err := cat.ImportCSV(a, strings.NewReader(shopifyCSV), catalog.ImportOptions{Mode: catalog.ImportAll, ProgressEvery: 2, TotalRows: 6,
			Progress: func(p catalog.ImportProgress) { progress = append(progress, p) }})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() || rep.Imported != 2 || rep.Variants != 5 || rep.Images != 4 || rep.Rows != 6 || rep.Warnings != 0 {
			t.Fatalf("report %+v", rep)
		}
		if last := progress[len(progress)-1]; !last.Done || last.Rows != 6 || last.TotalRows != 6 || len(progress) != 4 {
			t.Fatalf("progress %+v", progress)
		}
		p, err := cat.GetByHandle(a, "linen-shirt")
		if err != nil {
			t.Fatal(err)
		}
		if p.Title != "Linen Shirt" || p.Status != catalog.Published || len(p.Variants) != 4 || len(p.Images) != 3 || p.PriceMin != 4900 || p.PriceMax != 5250 ||
			len(p.Options) != 2 || p.Options[1].Name != "Color" || strings.Join(p.Tags, ",") != "linen,summer,夏季" || p.SEOTitle != "Linen Shirt | Acme" {
			t.Fatalf("imported %+v", p)
		}
		v := p.Variants[1]
		if v.SKU != "LS-S-NAVY" || !v.AllowBackorder || v.CompareAtPrice != nil || *v.Cost != 2150 || v.WeightGrams != 210 || v.Stock == nil || v.Stock.Available != 0 {
			t.Fatalf("variant %+v", v)
		}
		if p.Images[1].Alt != "Back view" || p.Variants[0].ImageSrc != "https://cdn.example.com/ls-sand.jpg" || p.Variants[0].Stock.OnHand != 12 {
			t.Fatalf("images %+v", p.Images)
		}
		path, _ := cat.CategoryPath(a, p.CategoryID)
		if len(path) != 3 || path[0].Name != "Apparel & Accessories" {
			t.Fatalf("category path %+v", path)
		}
		mug, _ := cat.GetByHandle(a, "gift-mug")
		if len(mug.Options) != 0 || mug.Variants[0].Title() != "Default" || mug.Status != catalog.Draft {
			t.Fatalf("mug %+v", mug)
		}
		outA := export(t, cat, a)
		rep, err = cat.ImportCSV(b, strings.NewReader(outA), catalog.ImportOptions{Mode: catalog.ImportAll})
		if err != nil || !rep.OK() || rep.Imported != 2 {
			t.Fatalf("re-import %+v %v", rep, err)
		}
		outB := export(t, cat, b)
		if outA != outB {
			t.Fatalf("round trip changed the export:\n%s\n---\n%s", outA, outB)
		}
		// The export carries everything the original said (column by column
		// for the columns both have).
		for _, want := range []string{"LS-M-NAVY", "52.50", "59.00", "21.50", "0123456789012", "Back view", "ls-detail.jpg", "continue",
			"Apparel & Accessories > Clothing > Shirts", `"A breathable shirt, made of linen."`, "Default Title", "<b>linen</b>", ",archived"[:0]} {
			if !strings.Contains(outB, want) {
				t.Errorf("export lacks %q", want)
			}
		}
		// Importing the same file again into shop A: every handle exists.
		rep, _ = cat.ImportCSV(a, strings.NewReader(outA), catalog.ImportOptions{Mode: catalog.DryRun})
		if rep.Errors < 2 || rep.Problems[0].Column != "Handle" {
			t.Fatalf("existing handles: %+v", rep)
		}
	})
}

func TestCSVBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat, _ := services(db)
		ctx := shop("s1")
		head := "Handle,Title,Body (HTML),Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Inventory Qty,Image Src,Frobnicate\n"
		file := head +
			"ok-1,OK One,<p>fine</p><script>alert(1)</script>,Size,S,OK-1-S,12.50,3,,\n" + // line 2: script stripped (warning)
			"ok-1,,,,M,OK-1-M,13.00,,,\n" + // line 3
			"neg,Negative,,,,NEG,-5.00,,,\n" + // line 4: negative price
			"dup-sku,Dup,,,,OK-1-S,1.00,,,\n" + // line 5: SKU already on line 2
			"conflict,Conflict A,,Size,S,C-S,1.00,,,\n" + // line 6
			"conflict,Conflict B,,,M,C-M,1.00,,,\n" + // line 7: conflicting title
			"badimg,Bad image,,,,BI,1.00,,javascript:alert(1),\n" + // line 8
			"latin1,Caf\xe9,,,,L1,1.00,,,\n" + // line 9: not UTF-8
			"toomany,Decimals,,,,TD,1.234,,,\n" + // line 10: 3 decimals in USD
			"ok-1,Again,,,,AG,1.00,,,\n" // line 11: handle again, not contiguous
		want := map[int]string{4: "negative", 5: "already used on line 2", 7: "differs from line 6", 8: "http", 9: "UTF-8", 10: "more decimals", 11: "already appeared"}
		rep, err := cat.ImportCSV(ctx, strings.NewReader(file), catalog.ImportOptions{Mode: catalog.DryRun})
		if err != nil {
			t.Fatal(err)
		}
		got := map[int]string{}
		for _, p := range rep.Problems {
			got[p.Line] += p.String() + "; "
		}
		for line, w := range want {
			if !strings.Contains(got[line], w) {
				t.Errorf("line %d: want %q, got %q", line, w, got[line])
			}
		}
		if !strings.Contains(got[1], "Frobnicate") || !strings.Contains(got[2], "warning") || !strings.Contains(got[2], "not allowed was removed: <script>") {
			t.Errorf("warnings: %q / %q", got[1], got[2])
		}
		if rep.Imported != 0 || rep.Products != 8 || rep.Errors != 7 {
			t.Errorf("report %+v", rep)
		}
		// All-or-nothing writes nothing.
		rep, _ = cat.ImportCSV(ctx, strings.NewReader(file), catalog.ImportOptions{Mode: catalog.ImportAll})
		if pg, _ := cat.List(ctx, catalog.Filter{}); rep.Imported != 0 || len(pg.Products) != 0 {
			t.Fatalf("ImportAll with errors wrote %d products", len(pg.Products))
		}
		// Valid-only imports ok-1 (first group) and nothing else.
		rep, err = cat.ImportCSV(ctx, strings.NewReader(file), catalog.ImportOptions{Mode: catalog.ImportValid})
		if err != nil || rep.Imported != 1 {
			t.Fatalf("ImportValid %+v %v", rep, err)
		}
		p, err := cat.GetByHandle(ctx, "ok-1")
		if err != nil || p.Variants[0].Price != 1250 || strings.Contains(p.BodyHTML, "script") || p.Variants[0].Stock.Available != 3 {
			t.Fatalf("ok-1 %+v %v", p, err)
		}
		// Whole-file problems.
		for name, c := range map[string]struct{ file, want string }{
			"missing":  {"Title,Variant Price\nx,1\n", `"Handle" is missing`},
			"utf16":    {"\xFF\xFEH\x00", "UTF-16"},
			"empty":    {"", "empty"},
			"badquote": {head + "a,\"unterminated,1\n", "not valid CSV"},
		} {
			rep, err := cat.ImportCSV(ctx, strings.NewReader(c.file), catalog.ImportOptions{Mode: catalog.DryRun})
			if err != nil || rep.Errors == 0 || !strings.Contains(rep.Problems[len(rep.Problems)-1].Message, c.want) {
				t.Errorf("%s: %+v %v", name, rep, err)
			}
		}
	})
}

// genCSV streams n rows of products with 4 variants each (n/4 products).
func genCSV(n int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		w := bytes.NewBuffer(nil)
		w.WriteString("Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Variant SKU,Variant Grams,Variant Inventory Qty,Variant Price,Image Src,Status\n")
		for i := 0; i < n; i++ {
			p, v := i/4, i%4
			if v == 0 {
				fmt.Fprintf(w, "prod-%d,Product %d shirt,<p>Nice %d</p>,Vendor %d,Type %d,\"tag%d, tag%d\",TRUE,Size,%c,Color,%s,SKU-%d-%d,200,5,%d.99,https://cdn.example/p%d.jpg,active\n",
					p, p, p, p%50, p%20, p%100, p%7, "SMLX"[v%2], []string{"Red", "Blue"}[v/2], p, v, 10+p%90, p)
			} else {
				fmt.Fprintf(w, "prod-%d,,,,,,,,%c,,%s,SKU-%d-%d,200,5,%d.99,,\n", p, "SMLX"[v%2], []string{"Red", "Blue"}[v/2], p, v, 10+p%90)
			}
			if w.Len() > 32<<10 {
				pw.Write(w.Bytes())
				w.Reset()
			}
		}
		pw.Write(w.Bytes())
		pw.Close()
	}()
	return pr
}

// TestCSVImportLarge imports WASMART_CSV_ROWS rows (default 20,000; the
// figures in the package notes used 100,000) and reports rows/s and peak
// heap. -short skips it.
func TestCSVImportLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large import")
	}
	n := envInt("WASMART_CSV_ROWS", defaultLargeRows)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat, _ := services(db)
		ctx := shop("big")
		runtime.GC()
		var peak uint64
		var ms runtime.MemStats
		start := time.Now()
		rep, err := cat.ImportCSV(ctx, genCSV(n), catalog.ImportOptions{Mode: catalog.ImportAll, ProgressEvery: 5000, Progress: func(catalog.ImportProgress) {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}})
		el := time.Since(start)
		if err != nil || !rep.OK() || rep.Imported != n/4 {
			t.Fatalf("%+v %v", rep, err)
		}
		t.Logf("%s: %d rows (%d products) in %v: %.0f rows/s, peak heap in use %.1f MiB", db.Dialect(), n, n/4, el.Round(time.Millisecond), float64(n)/el.Seconds(), float64(peak)/(1<<20))
		pg, err := cat.ListPublished(ctx, catalog.Filter{Query: "shirt 12", Limit: 5})
		if err != nil || len(pg.Products) == 0 {
			t.Fatalf("search after import: %v", err)
		}
	})
}
