package shopifycsv_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/catalog/shopifycsv"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// crashCSV is the three-line file of issue #9 item 1: the first row of a
// product is not UTF-8 and another row of the product follows.
const crashCSV = "Handle,Title,Body (HTML),Option1 Name,Option1 Value,Variant Price\nh1,Cr\xe8me,ok,Size,S,1.00\nh1,,,,M,2.00\n"

func importCSV(t *testing.T, cat *catalog.Service, ctx context.Context, file string, opts shopifycsv.ImportOptions) *shopifycsv.ImportReport {
	t.Helper()
	rep, err := shopifycsv.Import(ctx, cat, strings.NewReader(file), opts)
	if err != nil {
		t.Fatalf("import (mode %d): %v", opts.Mode, err)
	}
	return rep
}

func problemsAt(rep *shopifycsv.ImportReport, line int) string {
	var s []string
	for _, p := range rep.Problems {
		if p.Line == line {
			s = append(s, p.String())
		}
	}
	return strings.Join(s, "; ")
}

func TestImportNonUTF8FirstRowDoesNotPanic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat, _ := services(db)
		ctx := shop("crash")
		for _, mode := range []shopifycsv.ImportMode{shopifycsv.DryRun, shopifycsv.ImportAll, shopifycsv.ImportValid} {
			rep := importCSV(t, cat, ctx, crashCSV, shopifycsv.ImportOptions{Mode: mode})
			if got := problemsAt(rep, 2); !strings.Contains(got, "error in Title") || !strings.Contains(got, "not UTF-8") {
				t.Errorf("mode %d: line 2 problems %q", mode, got)
			}
			if rep.Products != 1 || rep.Skipped != 1 || rep.Imported != 0 || rep.Variants != 2 {
				t.Errorf("mode %d: report %+v", mode, rep)
			}
		}
		if pg, _ := cat.List(ctx, catalog.Filter{}); len(pg.Products) != 0 {
			t.Fatalf("a file with a non-UTF-8 product wrote %d products", len(pg.Products))
		}
	})
}

// TestImportMalformedRowsDoNotPanic feeds rows that used to reach
// unchecked indexes: a bare quote in a row's first field (csv.Reader has no
// field position for it), a non-UTF-8 handle, a row longer than the header,
// NUL bytes.
func TestImportMalformedRowsDoNotPanic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat, _ := services(db)
		ctx := shop("malformed")
		for name, c := range map[string]struct {
			file string
			line int
			want string
		}{
			"bare quote first field": {"Handle,Title,Variant Price\nok,OK,1.00\nb\"ad,Bad,1.00\n", 3, "not valid CSV"},
			"non-UTF-8 handle":       {"Handle,Title,Variant Price\nh\xe9,A,1.00\nh\xe9,,2.00\n", 2, "not UTF-8"},
			"longer row":             {"Handle,Title,Variant Price\nh,A,1,250.00\n", 2, "has 4 fields but the header has 3"},
			"NUL":                    {"Handle,Title,Variant Price\nh,A\x00b,1.00\n", 2, "control character"},
			"handle only":            {"Handle,Title,Variant Price\n\"\xff\"\n", 2, "not UTF-8"},
		} {
			for _, mode := range []shopifycsv.ImportMode{shopifycsv.DryRun, shopifycsv.ImportValid} {
				rep := importCSV(t, cat, ctx, c.file, shopifycsv.ImportOptions{Mode: mode})
				if got := problemsAt(rep, c.line); !strings.Contains(got, c.want) {
					t.Errorf("%s (mode %d): line %d: %q, want %q; all: %+v", name, mode, c.line, got, c.want, rep.Problems)
				}
			}
		}
		// The product whose rows the broken line may cut is skipped too,
		// and says why.
		rep := importCSV(t, cat, ctx, "Handle,Title,Variant Price\nok,OK,1.00\nb\"ad,Bad,1.00\n", shopifycsv.ImportOptions{Mode: shopifycsv.ImportValid})
		if !strings.Contains(problemsAt(rep, 2), "past the broken line 3") || rep.Skipped != 1 {
			t.Fatalf("report %+v", rep)
		}
		if pg, _ := cat.List(ctx, catalog.Filter{}); len(pg.Products) != 0 {
			t.Fatalf("wrote %d products", len(pg.Products))
		}
	})
}

func TestImportBlankInventoryTrackerIsUntracked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat, inv := services(db)
		ctx := shop("tracker")
		file := "Handle,Title,Published,Variant SKU,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,Variant Price\n" +
			"free,Not tracked,TRUE,FREE-1,,0,deny,5.00\n" +
			"counted,Tracked,TRUE,COUNT-1,shopify,0,deny,5.00\n"
		rep := importCSV(t, cat, ctx, file, shopifycsv.ImportOptions{Mode: shopifycsv.ImportAll})
		if !rep.OK() || rep.Imported != 2 {
			t.Fatalf("report %+v", rep)
		}
		free, _ := cat.GetByHandle(ctx, "free")
		counted, _ := cat.GetByHandle(ctx, "counted")
		fv, cv := free.Variants[0], counted.Variants[0]
		if fv.InventoryTracked || !fv.Stock.InStock() || !cv.InventoryTracked || cv.Stock.InStock() || fv.AllowBackorder {
			t.Fatalf("untracked %+v %+v, tracked %+v %+v", fv, fv.Stock, cv, cv.Stock)
		}
		// The cart sells it and checkout's reservation takes it.
		var vs map[string]cart.Variant
		db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
			var err error
			vs, err = cart.ShopCatalog{}.Variants(ctx, q, "tracker", []string{fv.ID, cv.ID}, store.Now())
			return err
		})
		if fc, cc := vs[fv.ID], vs[cv.ID]; !fc.CanBuy(3) || cc.CanBuy(1) {
			t.Fatalf("cart: untracked can buy %v, tracked can buy %v", fc.CanBuy(3), cc.CanBuy(1))
		}
		if _, err := inv.Reserve(ctx, []inventory.Line{{VariantID: fv.ID, Quantity: 3}}, 0, "cart:x"); err != nil {
			t.Fatalf("reserving an untracked variant: %v", err)
		}
		if _, err := inv.Reserve(ctx, []inventory.Line{{VariantID: cv.ID, Quantity: 1}}, 0, "cart:y"); err == nil {
			t.Fatal("a tracked variant without stock was reserved")
		}
		// It exports back blank, and the round trip keeps it.
		out := export(t, cat, ctx)
		rows, _ := csv.NewReader(strings.NewReader(out)).ReadAll()
		col := slices.Index(rows[0], "Variant Inventory Tracker")
		for _, r := range rows[1:] {
			want := map[string]string{"free": "", "counted": "shopify"}[r[0]]
			if r[col] != want {
				t.Errorf("%s exports tracker %q, want %q", r[0], r[col], want)
			}
		}
		other := shop("tracker-2")
		if rep := importCSV(t, cat, other, out, shopifycsv.ImportOptions{Mode: shopifycsv.ImportAll}); !rep.OK() || export(t, cat, other) != out {
			t.Fatalf("round trip: %+v", rep)
		}
	})
}

func TestImportRejectsAmbiguousPrices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat, _ := services(db)
		ctx := shop("prices")
		head := "Handle,Title,Variant Price,Variant Compare At Price,Cost per item\n"
		bad := map[string]string{"12.5.0": "Variant Price", "1.250,00": "Variant Price", "1,250": "Variant Price", "12,50": "Variant Price",
			"1 250.00": "Variant Price", "1.250": "Variant Price", "+5": "Variant Price", ".5": "Variant Price", "$5": "Variant Price"}
		file, line := head, 1
		lines := map[int]string{}
		for p := range bad {
			line++
			lines[line] = p
			file += fmt.Sprintf("p%d,P,\"%s\",,\n", line, p)
		}
		file += "cmp,C,5.00,\"1,250\",\"4,00\"\n" // compare-at and cost are read the same way
		rep := importCSV(t, cat, ctx, file, shopifycsv.ImportOptions{Mode: shopifycsv.ImportValid})
		for l, p := range lines {
			if got := problemsAt(rep, l); !strings.Contains(got, "error in Variant Price") || !strings.Contains(got, fmt.Sprintf("%q", p)) {
				t.Errorf("price %q (line %d): %q", p, l, got)
			}
		}
		if got := problemsAt(rep, line+1); !strings.Contains(got, "error in Variant Compare At Price") || !strings.Contains(got, "error in Cost per item") {
			t.Errorf("compare-at and cost: %q", got)
		}
		if rep.Imported != 0 {
			t.Fatalf("ambiguous prices imported: %+v", rep)
		}
		// Shopify's own format is fine, trailing zeros included.
		good := head + "a,A,12.50,,\nb,B,1250,1300.5,\nc,C,0.99,,0.10\n"
		if rep := importCSV(t, cat, ctx, good, shopifycsv.ImportOptions{Mode: shopifycsv.ImportAll}); !rep.OK() || rep.Imported != 3 {
			t.Fatalf("good prices: %+v", rep)
		}
		b, _ := cat.GetByHandle(ctx, "b")
		if b.Variants[0].Price != 125000 || *b.Variants[0].CompareAtPrice != 130050 {
			t.Fatalf("b: %+v", b.Variants[0])
		}
		// A currency without minor units takes Shopify's "1000.00" but
		// not a fraction.
		jp := head + "y,Y,1000.00,,\nz,Z,12.50,,\n"
		rep = importCSV(t, cat, shop("prices-jpy"), jp, shopifycsv.ImportOptions{Mode: shopifycsv.DryRun, Currency: "JPY"})
		if rep.Errors != 1 || !strings.Contains(problemsAt(rep, 3), "more decimals than JPY") {
			t.Fatalf("JPY: %+v", rep.Problems)
		}
	})
}

func TestImportDryRunPredictsQuota(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat, _ := services(db)
		ctx := shop("quota")
		seed := "Handle,Title,Variant Price\nold-1,Old 1,1.00\nold-2,Old 2,1.00\n"
		importCSV(t, cat, ctx, seed, shopifycsv.ImportOptions{Mode: shopifycsv.ImportAll})
		file := "Handle,Title,Variant Price\nn1,N1,1.00\nn2,N2,1.00\nn3,N3,1.00\n"
		limit := shopifycsv.ImportOptions{ProductLimit: 4, Plan: "Free"}
		for _, mode := range []shopifycsv.ImportMode{shopifycsv.ImportAll, shopifycsv.ImportValid} {
			dryOpts, realOpts := limit, limit
			dryOpts.Mode, realOpts.Mode = shopifycsv.DryRun, mode
			dry := importCSV(t, cat, ctx, file, dryOpts)
			if dry.Errors != 1 || dry.Ready != 2 || !strings.Contains(problemsAt(dry, 4), "Free plan allows 4 products") {
				t.Fatalf("dry run: %+v", dry)
			}
			n, _ := cat.Count(ctx)
			real := importCSV(t, cat, ctx, file, realOpts)
			if !slices.Equal(real.Problems, dry.Problems) || real.Ready != dry.Ready {
				t.Fatalf("mode %d: real %+v, dry run %+v", mode, real.Problems, dry.Problems)
			}
			after, _ := cat.Count(ctx)
			want := map[shopifycsv.ImportMode]int64{shopifycsv.ImportAll: 0, shopifycsv.ImportValid: 2}[mode]
			if after-n != want || int64(real.Imported) != want {
				t.Fatalf("mode %d: %d products added, report %d, want %d", mode, after-n, real.Imported, want)
			}
		}
	})
}

// googleCSV is a file with every Google Shopping column, a tax code and
// weights shown in kg, lb and oz.
const googleFile = "Handle,Title,Option1 Name,Option1 Value,Variant Grams,Variant Price,Google Shopping / Google Product Category,Google Shopping / Gender," +
	"Google Shopping / Age Group,Google Shopping / MPN,Google Shopping / AdWords Grouping,Google Shopping / AdWords Labels,Google Shopping / Condition," +
	"Google Shopping / Custom Product,Google Shopping / Custom Label 0,Google Shopping / Custom Label 1,Google Shopping / Custom Label 2," +
	"Google Shopping / Custom Label 3,Google Shopping / Custom Label 4,Variant Weight Unit,Variant Tax Code,Frobnicate\n" +
	"boot,Boot,Size,40,1200,99.00,Apparel & Accessories > Shoes,Unisex,adult,MPN-40,boots,\"winter, sale\",new,FALSE,l0,l1,l2,l3,l4,kg,PC040100,x\n" +
	"boot,,,41,1250,99.00,,,,,,,,,,,,,,lb,PC040101,\n" +
	"boot,,,42,1300,99.00,,,,,,,,,,,,,,oz,,\n"

func TestImportKeepsGoogleShoppingColumns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat, _ := services(db)
		ctx := shop("google")
		dry := importCSV(t, cat, ctx, googleFile, shopifycsv.ImportOptions{Mode: shopifycsv.DryRun})
		if !slices.Equal(dry.Ignored, []string{"Frobnicate"}) || dry.Warnings != 1 {
			t.Fatalf("dry run ignored columns %v, problems %+v", dry.Ignored, dry.Problems)
		}
		if rep := importCSV(t, cat, ctx, googleFile, shopifycsv.ImportOptions{Mode: shopifycsv.ImportAll}); !rep.OK() {
			t.Fatalf("report %+v", rep)
		}
		p, _ := cat.GetByHandle(ctx, "boot")
		g := p.Google
		if g.ProductCategory != "Apparel & Accessories > Shoes" || g.Gender != "unisex" || g.AgeGroup != "adult" || g.MPN != "MPN-40" ||
			g.AdWordsGrouping != "boots" || g.AdWordsLabels != "winter, sale" || g.Condition != "new" || g.CustomProduct == nil || *g.CustomProduct ||
			g.CustomLabels != [5]string{"l0", "l1", "l2", "l3", "l4"} {
			t.Fatalf("google %+v", g)
		}
		units := []string{p.Variants[0].WeightUnit, p.Variants[1].WeightUnit, p.Variants[2].WeightUnit}
		if !slices.Equal(units, []string{"kg", "lb", "oz"}) || p.Variants[0].TaxCode != "PC040100" || p.Variants[2].TaxCode != "" || p.Variants[1].WeightGrams != 1250 {
			t.Fatalf("variants %+v", p.Variants)
		}
		out := export(t, cat, ctx)
		rows, _ := csv.NewReader(strings.NewReader(out)).ReadAll()
		get := func(r int, col string) string { return rows[r][slices.Index(rows[0], col)] }
		if get(1, "Google Shopping / Gender") != "unisex" || get(1, "Google Shopping / Custom Product") != "FALSE" || get(1, "Google Shopping / Custom Label 4") != "l4" ||
			get(2, "Variant Weight Unit") != "lb" || get(3, "Variant Weight Unit") != "oz" || get(1, "Variant Tax Code") != "PC040100" {
			t.Fatalf("export:\n%s", out)
		}
		other := shop("google-2")
		if rep := importCSV(t, cat, other, out, shopifycsv.ImportOptions{Mode: shopifycsv.ImportAll}); !rep.OK() || export(t, cat, other) != out {
			t.Fatalf("round trip: %+v", rep)
		}
		// A value Google does not know is an error naming the column.
		bad := strings.Replace(googleFile, "Unisex", "Everyone", 1)
		rep := importCSV(t, cat, shop("google-3"), bad, shopifycsv.ImportOptions{Mode: shopifycsv.DryRun})
		if got := problemsAt(rep, 2); !strings.Contains(got, "error in Google Shopping / Gender") {
			t.Fatalf("bad gender: %q", got)
		}
	})
}

func TestImportReportsMissingHandleRowAsSkipped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat, _ := services(db)
		file := "Handle,Title,Variant Price\nok,OK,1.00\n,Lost product,2.00\n"
		rep := importCSV(t, cat, shop("nohandle"), file, shopifycsv.ImportOptions{Mode: shopifycsv.DryRun})
		if rep.SkippedRows != 1 || rep.Ready != 1 || !strings.Contains(problemsAt(rep, 3), "error in Handle: is empty: the row is skipped") {
			t.Fatalf("report %+v", rep)
		}
	})
}

func TestImportReportsCSVColumnNotInternalField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat, _ := services(db)
		file := "Handle,Title,Body (HTML),Option1 Name,Option1 Value,Option2 Value,Variant Price\n" +
			"a,A,,Size,S,,1.00\n" +
			"a,,,,M,Red,1.00\n" + // line 3: a second option value without Option2 Name
			"b,B," + strings.Repeat("x", catalog.MaxBodyLen+1) + ",,,,1.00\n" + // line 4: body too large
			"c," + strings.Repeat("T", 300) + ",,,,,1.00\n" // line 5: title too long
		rep := importCSV(t, cat, shop("columns"), file, shopifycsv.ImportOptions{Mode: shopifycsv.DryRun})
		for line, want := range map[int]string{3: "error in Option2 Value", 4: "error in Body (HTML)", 5: "error in Title"} {
			if got := problemsAt(rep, line); !strings.Contains(got, want) {
				t.Errorf("line %d: %q, want %q", line, got, want)
			}
		}
		for _, p := range rep.Problems {
			for _, internal := range []string{"body_html", "variants[", "option2", "seo_", "weight_grams"} {
				if strings.Contains(p.Column+p.Message, internal) {
					t.Errorf("problem names an internal field: %s", p)
				}
			}
		}
	})
}

func TestImportReportsNoFalseUnsafeHTMLWarning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat, _ := services(db)
		file := "Handle,Title,Body (HTML),Variant Price\n" +
			"q,Quotes,\"It's \"\"great\"\" & <b>bold</b>\",1.00\n" +
			"s,Script,<p>x</p><script>y()</script>,1.00\n"
		rep := importCSV(t, cat, shop("html"), file, shopifycsv.ImportOptions{Mode: shopifycsv.DryRun})
		if got := problemsAt(rep, 2); got != "" {
			t.Errorf("quotes only: %q", got)
		}
		if got := problemsAt(rep, 3); !strings.Contains(got, "warning in Body (HTML)") || !strings.Contains(got, "<script>") {
			t.Errorf("script: %q", got)
		}
	})
}

func TestImportUpdateExisting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat, inv := services(db)
		ctx := shop("update")
		head := "Handle,Title,Vendor,Published,Option1 Name,Option1 Value,Variant SKU,Variant Inventory Qty,Variant Price,Image Src\n"
		first := head +
			"tee,Tee,Acme,TRUE,Size,S,TEE-S,5,10.00,https://cdn.example/tee.jpg\n" +
			"tee,,,,,M,TEE-M,5,10.00,\n" +
			"tee,,,,,L,TEE-L,5,10.00,\n" +
			"mug,Mug,Acme,TRUE,Title,Default Title,MUG,3,4.00,\n"
		importCSV(t, cat, ctx, first, shopifycsv.ImportOptions{Mode: shopifycsv.ImportAll})
		before := export(t, cat, ctx)
		// Without update mode the same handles are refused, product by product.
		rep := importCSV(t, cat, ctx, first, shopifycsv.ImportOptions{Mode: shopifycsv.DryRun})
		if rep.Errors != 2 || !strings.Contains(problemsAt(rep, 2), "already exists") {
			t.Fatalf("without update mode: %+v", rep.Problems)
		}
		// The same file in update mode changes nothing.
		rep = importCSV(t, cat, ctx, first, shopifycsv.ImportOptions{Mode: shopifycsv.DryRun, UpdateExisting: true})
		if !rep.OK() || rep.Unchanged != 2 || rep.Ready != 0 || len(rep.Changes) != 0 {
			t.Fatalf("same file: %+v", rep)
		}
		// The tee changes title, M's price and stock, loses L, gains XL
		// and an image; the mug is untouched; a new product comes along.
		second := head +
			"tee,Tee Shirt,Acme,TRUE,Size,S,TEE-S,5,10.00,https://cdn.example/tee.jpg\n" +
			"tee,,,,,M,TEE-M,2,12.00,https://cdn.example/tee-back.jpg\n" +
			"tee,,,,,XL,TEE-XL,7,14.00,\n" +
			"mug,Mug,Acme,TRUE,Title,Default Title,MUG,3,4.00,\n" +
			"cap,Cap,Acme,TRUE,Title,Default Title,CAP,1,8.00,\n"
		dry := importCSV(t, cat, ctx, second, shopifycsv.ImportOptions{Mode: shopifycsv.DryRun, UpdateExisting: true})
		if !dry.OK() || dry.Updated != 1 || dry.Created != 1 || dry.Unchanged != 1 || dry.Ready != 2 || len(dry.Changes) != 1 {
			t.Fatalf("dry run: %+v", dry)
		}
		ch := dry.Changes[0]
		if ch.Handle != "tee" || ch.Line != 2 || !slices.Equal(ch.Fields, []string{"Title"}) || !slices.Equal(ch.VariantsAdded, []string{"XL"}) ||
			!slices.Equal(ch.VariantsRemoved, []string{"L"}) || !slices.Equal(ch.VariantsUpdated, []string{"M"}) || ch.ImagesAdded != 1 {
			t.Fatalf("change %+v", ch)
		}
		if export(t, cat, ctx) != before {
			t.Fatal("the dry run wrote")
		}
		tee, _ := cat.GetByHandle(ctx, "tee")
		mID := tee.Variants[1].ID
		real := importCSV(t, cat, ctx, second, shopifycsv.ImportOptions{Mode: shopifycsv.ImportAll, UpdateExisting: true})
		if !real.OK() || real.Imported != 2 || !slices.EqualFunc(real.Changes, dry.Changes, func(a, b shopifycsv.ProductChange) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
			t.Fatalf("real: %+v", real)
		}
		tee, _ = cat.GetByHandle(ctx, "tee")
		var titles []string
		for _, v := range tee.Variants {
			titles = append(titles, v.Title())
		}
		m := tee.Variants[1]
		if tee.Title != "Tee Shirt" || !slices.Equal(titles, []string{"S", "M", "XL"}) || m.ID != mID || m.Price != 1200 || m.Stock.Available != 2 ||
			tee.Variants[2].Stock.Available != 7 || tee.PriceMin != 1000 || tee.PriceMax != 1400 || len(tee.Images) != 2 || tee.Status != catalog.Published {
			t.Fatalf("tee after update %+v %+v", tee, tee.Variants)
		}
		// Stock moved through the ledger: M went from 5 to 2 by an adjustment.
		mv, _ := inv.Movements(ctx, m.ID, "", 10)
		if len(mv) != 2 || mv[0].Kind != inventory.Adjusted || mv[0].AvailableDelta != -3 || mv[0].Reason != "import" {
			t.Fatalf("movements %+v", mv)
		}
		// Running the file again changes nothing more.
		again := importCSV(t, cat, ctx, second, shopifycsv.ImportOptions{Mode: shopifycsv.DryRun, UpdateExisting: true})
		if !again.OK() || again.Unchanged != 3 || again.Ready != 0 {
			t.Fatalf("again: %+v", again)
		}
		// A removed variant with stock held by a checkout is refused, and
		// the dry run says so too.
		xl := tee.Variants[2]
		if _, err := inv.Reserve(ctx, []inventory.Line{{VariantID: xl.ID, Quantity: 1}}, 0, "cart:z"); err != nil {
			t.Fatal(err)
		}
		third := head + "tee,Tee Shirt,Acme,TRUE,Size,S,TEE-S,5,10.00,\n"
		for _, mode := range []shopifycsv.ImportMode{shopifycsv.DryRun, shopifycsv.ImportValid} {
			rep := importCSV(t, cat, ctx, third, shopifycsv.ImportOptions{Mode: mode, UpdateExisting: true})
			if rep.Errors != 1 || !strings.Contains(problemsAt(rep, 2), "reserved") || rep.Imported != 0 {
				t.Fatalf("mode %d: %+v", mode, rep)
			}
		}
	})
}

// TestImportUpdateColumnsTheFileLacksAreKept: an update only touches the
// fields whose columns the file has.
func TestImportUpdateColumnsTheFileLacksAreKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat, _ := services(db)
		ctx := shop("partial")
		if rep := importCSV(t, cat, ctx, googleFile, shopifycsv.ImportOptions{Mode: shopifycsv.ImportAll}); !rep.OK() {
			t.Fatal(rep.Problems)
		}
		before, _ := cat.GetByHandle(ctx, "boot")
		prices := "Handle,Title,Option1 Name,Option1 Value,Variant Price\nboot,Boot,Size,40,89.00\nboot,,,41,99.00\nboot,,,42,99.00\n"
		rep := importCSV(t, cat, ctx, prices, shopifycsv.ImportOptions{Mode: shopifycsv.ImportValid, UpdateExisting: true})
		if !rep.OK() || rep.Updated != 1 || !slices.Equal(rep.Changes[0].VariantsUpdated, []string{"40"}) || len(rep.Changes[0].Fields) != 0 {
			t.Fatalf("report %+v", rep)
		}
		after, _ := cat.GetByHandle(ctx, "boot")
		if after.Variants[0].Price != 8900 || after.Google.MPN != "MPN-40" || after.Variants[1].WeightUnit != "lb" || after.Variants[0].TaxCode != "PC040100" ||
			after.Variants[2].WeightGrams != 1300 || after.Variants[0].ID != before.Variants[0].ID {
			t.Fatalf("after %+v %+v", after.Google, after.Variants)
		}
	})
}
