package catalog_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

var (
	adjectives = []string{"classic", "slim", "relaxed", "vintage", "organic", "premium", "lightweight", "cozy", "sporty", "elegant", "rugged", "minimal"}
	materials  = []string{"linen", "cotton", "wool", "silk", "denim", "leather", "cashmere", "bamboo", "hemp", "fleece"}
	nouns      = []string{"shirt", "tee", "hoodie", "jacket", "dress", "skirt", "scarf", "cap", "sneaker", "boot", "bag", "sock", "sweater", "coat"}
	cats       = []string{"Apparel > Tops", "Apparel > Bottoms", "Apparel > Outerwear", "Accessories > Bags", "Accessories > Hats", "Footwear"}
)

// catalogCSV streams a Shopify CSV of n products with two variants each.
func catalogCSV(n int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		w := &bytes.Buffer{}
		w.WriteString("Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Variant SKU,Variant Grams,Variant Inventory Qty,Variant Price,Image Src,Status\n")
		for i := 0; i < n; i++ {
			a, m, no := adjectives[i%len(adjectives)], materials[(i/len(adjectives))%len(materials)], nouns[(i/7)%len(nouns)]
			title := fmt.Sprintf("%s %s %s %d", a, m, no, i)
			price := money.Format(int64(500+(i*37)%20000), "USD")
			fmt.Fprintf(w, "p-%d,%s,<p>A %s %s.</p>,Brand %d,%s,%s,\"%s, %s, t%d\",TRUE,Size,S,SKU-%07d-S,300,%d,%s,https://cdn.example/%d.jpg,active\n",
				i, title, m, no, i%40, cats[i%len(cats)], no, a, m, i%500, i, i%9, price, i)
			fmt.Fprintf(w, "p-%d,,,,,,,,,M,SKU-%07d-M,320,%d,%s,,\n", i, i, (i+3)%9, price)
			if w.Len() > 64<<10 {
				pw.Write(w.Bytes())
				w.Reset()
			}
		}
		pw.Write(w.Bytes())
		pw.Close()
	}()
	return pr
}

func seeded(b *testing.B, mk func(testing.TB) *store.DB, n int) (*store.DB, *catalog.Service) {
	b.Helper()
	db := mk(b)
	cat, _ := services(db)
	start := time.Now()
	rep, err := cat.ImportCSV(shop("bench"), catalogCSV(n), catalog.ImportOptions{Mode: catalog.ImportAll})
	if err != nil || !rep.OK() {
		b.Fatalf("seed: %+v %v", rep, err)
	}
	b.Logf("%s: seeded %d products (%d variants) in %v", db.Dialect(), n, 2*n, time.Since(start).Round(time.Millisecond))
	analyze(b, db)
	if db.Dialect() == store.Postgres && os.Getenv("WASMART_PG_SIMPLE") == "1" {
		// bun inlines every argument, so each statement text is new and
		// pgx's default mode prepares and describes it first (two round
		// trips). The simple protocol sends it once.
		sdb, err := store.Open(context.Background(), store.Config{URL: db.URL() + "&default_query_exec_mode=simple_protocol"})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { sdb.Close() })
		db = sdb
		cat, _ = services(db)
	}
	return db, cat
}

// analyze updates planner statistics after the bulk load, as autovacuum
// (PostgreSQL) or a periodic PRAGMA optimize (SQLite) would in production.
func analyze(b *testing.B, db *store.DB) {
	ctx := context.Background()
	if db.Dialect() == store.SQLite {
		if _, err := db.Raw().ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
		return
	}
	owner, err := store.Open(ctx, store.Config{URL: db.URL(), AppRole: "-"})
	if err != nil {
		b.Fatal(err)
	}
	defer owner.Close()
	if _, err := owner.Raw().ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
}

var engines = func() []func(testing.TB) *store.DB {
	switch os.Getenv("WASMART_BENCH_ENGINES") {
	case store.SQLite:
		return []func(testing.TB) *store.DB{storetest.SQLite}
	case store.Postgres:
		return []func(testing.TB) *store.DB{storetest.Postgres}
	}
	return []func(testing.TB) *store.DB{storetest.SQLite, storetest.Postgres}
}()

// BenchmarkListPublished is a storefront category page: 24 published
// products with variants, images, tags and stock, from a shop with
// WASMART_BENCH_PRODUCTS products (default 10,000).
func BenchmarkListPublished(b *testing.B) {
	n := envInt("WASMART_BENCH_PRODUCTS", 10000)
	for _, mk := range engines {
		db, cat := seeded(b, mk, n)
		ctx := shop("bench")
		root, err := cat.CategoryBySlug(ctx, "apparel")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(db.Dialect()+"/category", func(b *testing.B) {
			for b.Loop() {
				pg, err := cat.ListPublished(ctx, catalog.Filter{CategoryID: root.ID, Limit: 24})
				if err != nil || len(pg.Products) != 24 {
					b.Fatal(err)
				}
			}
		})
		b.Run(db.Dialect()+"/price-sorted-page3", func(b *testing.B) {
			pg, _ := cat.ListPublished(ctx, catalog.Filter{Sort: catalog.SortPriceAsc, Limit: 24})
			pg, _ = cat.ListPublished(ctx, catalog.Filter{Sort: catalog.SortPriceAsc, Limit: 24, Cursor: pg.Next})
			for b.Loop() {
				if _, err := cat.ListPublished(ctx, catalog.Filter{Sort: catalog.SortPriceAsc, Limit: 24, Cursor: pg.Next}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(db.Dialect()+"/product-page", func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				if _, _, err := cat.ProductByHandle(ctx, fmt.Sprintf("p-%d", (i*7919)%n)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSearch runs storefront searches over WASMART_SEARCH_PRODUCTS
// products (default 100,000).
func BenchmarkSearch(b *testing.B) {
	n := envInt("WASMART_SEARCH_PRODUCTS", 100000)
	queries := []string{"linen shirt", "cash", "SKU-0004242", "vintage wool coat", "t42", "brand", "zzz-nothing"}
	for _, mk := range engines {
		db, cat := seeded(b, mk, n)
		ctx := shop("bench")
		for _, q := range queries {
			b.Run(db.Dialect()+"/"+q, func(b *testing.B) {
				for b.Loop() {
					if _, err := cat.ListPublished(ctx, catalog.Filter{Query: q, Limit: 24}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkCSVImport reports import throughput and peak heap in use for
// WASMART_CSV_ROWS rows (default 100,000: 50,000 products × 2 variants).
func BenchmarkCSVImport(b *testing.B) {
	rows := envInt("WASMART_CSV_ROWS", 100000)
	for i, mk := range engines {
		// Named sub-benchmarks: a "#00" in the temp path would end the
		// SQLite file URI early (store opens "file:PATH?...").
		name := []string{store.SQLite, store.Postgres}[i]
		if len(engines) == 1 {
			name = os.Getenv("WASMART_BENCH_ENGINES")
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db := mk(b)
				if db.Dialect() == store.Postgres && os.Getenv("WASMART_PG_SIMPLE") == "1" {
					sdb, err := store.Open(context.Background(), store.Config{URL: db.URL() + "&default_query_exec_mode=simple_protocol"})
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { sdb.Close() })
					db = sdb
				}
				cat, _ := services(db)
				runtime.GC()
				var peak uint64
				var ms runtime.MemStats
				b.StartTimer()
				start := time.Now()
				rep, err := cat.ImportCSV(shop("bench"), catalogCSV(rows/2), catalog.ImportOptions{Mode: catalog.ImportAll, ProgressEvery: 5000,
					Progress: func(catalog.ImportProgress) {
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapInuse)
					}})
				if err != nil || !rep.OK() {
					b.Fatal(rep, err)
				}
				b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
				b.ReportMetric(float64(peak)/(1<<20), "peakMiB")
				b.Logf("%s: %d rows", db.Dialect(), rows)
			}
		})
	}
}
