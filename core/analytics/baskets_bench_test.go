package analytics

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// BenchmarkMineBaskets mines the rules of a shop with 1,000,000 order
// lines (333,334 paid orders of three lines over 10,000 products; the
// size from WASMART_BENCH_LINES), with the default thresholds: the
// statement that counts the products' baskets and the self-join that
// counts the pairs, then the stored rules replaced.
func BenchmarkMineBaskets(b *testing.B) {
	storetest.EachB(b, func(b *testing.B, db *store.DB) {
		lines := 1_000_000
		if n, err := strconv.Atoi(os.Getenv("WASMART_BENCH_LINES")); err == nil && n > 0 {
			lines = n
		}
		orders := (lines + 2) / 3
		now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
		s := New(db, Options{Now: func() time.Time { return now }})
		ctx := shop("bench-baskets")
		at := "CAST(? AS TIMESTAMP) - (g.i % 300) * INTERVAL '1 day'"
		if db.Dialect() == store.SQLite {
			at = "datetime(?, '-' || (g.i % 300) || ' days')"
		}
		start := time.Now()
		err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			if _, err := q.ExecContext(ctx, `WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < ?)
				INSERT INTO orders (tenant_id, id, number, status, email, currency, subtotal, discounts, shipping_total, tax_total, tax_inclusive, total, placed_at, updated_at)
				SELECT ?, 'bo-' || g.i, g.i + 1, 'paid', 'b@example.com', 'EUR', 300, 0, 0, 0, FALSE, 300, `+at+`, `+at+` FROM g`,
				orders-1, "bench-baskets", now.Format("2006-01-02 15:04:05"), now.Format("2006-01-02 15:04:05")); err != nil {
				return err
			}
			// Line j of order o: a popular anchor (o % 500), then products
			// spread over 10,000 with a few frequent companions.
			_, err := q.ExecContext(ctx, `WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < ?)
				INSERT INTO order_lines (tenant_id, id, order_id, position, variant_id, product_id, title, quantity, unit_price, subtotal, adjustments, total)
				SELECT ?, 'bl-' || g.i, 'bo-' || (g.i / 3), g.i % 3, 'v', 'p' || (CASE g.i % 3 WHEN 0 THEN (g.i / 3) % 500
					WHEN 1 THEN ((g.i / 3) % 500 + 1 + (g.i / 3) % 7) % 10000 ELSE (CAST(g.i / 3 AS BIGINT) * 7919) % 10000 END), 't', 1, 100, 100, 0, 100 FROM g`,
				lines-1, "bench-baskets")
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		if db.Dialect() == store.Postgres { // as autovacuum would after a bulk load
			if err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
				_, err := q.ExecContext(ctx, "ANALYZE orders, order_lines")
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("%s: seeded %d orders, %d lines in %v", db.Dialect(), orders, lines, time.Since(start).Round(time.Millisecond))
		b.Run("mine", func(b *testing.B) {
			var run *BasketRun
			for i := 0; i < b.N; i++ {
				if run, err = s.MineShop(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.Logf("%s: %d baskets, %d rules", db.Dialect(), run.Baskets, run.Rules)
		})
		b.Run("read", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := s.BoughtWith(ctx, "p7", 4); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
