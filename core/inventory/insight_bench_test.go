package inventory

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// benchSize is an environment override of a benchmark's size.
func benchSize(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkInsight computes the insight of a shop with 10,000 tracked
// variants and 1,000,000 sold movements spread over the last 60 days
// (WASMART_BENCH_VARIANTS, WASMART_BENCH_LINES override the sizes): one
// aggregate statement over the ledger and the levels, then the labels.
func BenchmarkInsight(b *testing.B) {
	storetest.EachB(b, func(b *testing.B, db *store.DB) {
		nv, nl := benchSize("WASMART_BENCH_VARIANTS", 10_000), benchSize("WASMART_BENCH_LINES", 1_000_000)
		ctx := shop("bench-insight")
		now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
		s := New(db, Options{Now: func() time.Time { return now }})
		cat := catalog.New(db, catalog.Options{})
		var stock []catalog.ImportedStock
		for p := 0; p*100 < nv; p++ {
			in := catalog.ProductInput{Title: fmt.Sprintf("Bench %d", p), Options: []string{"Size"}}
			for v := 0; v < 100 && p*100+v < nv; v++ {
				in.Variants = append(in.Variants, catalog.VariantInput{SKU: fmt.Sprintf("B-%d-%d", p, v), Options: [3]string{strconv.Itoa(v)}, Price: 100, SafetyStock: int64(v % 7)})
			}
			pr, err := cat.Create(ctx, in)
			if err != nil {
				b.Fatal(err)
			}
			for i, v := range pr.Variants {
				stock = append(stock, catalog.ImportedStock{VariantID: v.ID, Quantity: int64(i%50 + 1)})
			}
		}
		var loc string
		err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			if err := s.ImportStock(ctx, q, "bench-insight", stock); err != nil {
				return err
			}
			var err error
			loc, err = s.defaultLocation(ctx, q, "bench-insight")
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		at := "CAST(? AS TIMESTAMP) - (g.i % 60) * INTERVAL '1 day' - (g.i % 24) * INTERVAL '1 hour'"
		if db.Dialect() == store.SQLite {
			at = "datetime(?, '-' || (g.i % 60) || ' days', '-' || (g.i % 24) || ' hours')"
		}
		start := time.Now()
		err = db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := q.ExecContext(ctx, `WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < ?),
				v AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM catalog_variants WHERE tenant_id = ?)
				INSERT INTO inventory_movements (tenant_id, id, variant_id, location_id, kind, on_hand_delta, available_delta, reserved_delta, created_at)
				SELECT ?, 'bm-' || g.i, v.id, ?, 'sold', -(1 + g.i % 3), -(1 + g.i % 3), 0, `+at+`
				FROM g JOIN v ON v.k = (CAST(g.i AS BIGINT) * 7919) % ?`, nl-1, "bench-insight", "bench-insight", loc, now.Format("2006-01-02 15:04:05"), nv)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		if db.Dialect() == store.Postgres { // as autovacuum would after a bulk load
			if err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
				_, err := q.ExecContext(ctx, "ANALYZE inventory_movements, inventory_levels, catalog_variants")
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("%s: seeded %d variants, %d sold movements in %v", db.Dialect(), nv, nl, time.Since(start).Round(time.Millisecond))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			in, err := s.InsightFor(ctx, now, time.UTC)
			if err != nil {
				b.Fatal(err)
			}
			if len(in.Variants) != nv {
				b.Fatalf("%d variants", len(in.Variants))
			}
		}
	})
}
