package analytics

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

// BenchmarkIngest writes events through the collector (batches of 1,000
// in one transaction each) for 20 shops and 2,000 visitors, and reports
// events written a second; then BenchmarkIngest/rollup recomputes the
// marked shop-days and reports rows read a second.
func BenchmarkIngest(b *testing.B) {
	storetest.EachB(b, func(b *testing.B, db *store.DB) {
		at := time.Date(2026, 11, 11, 10, 0, 0, 0, time.UTC)
		s := New(db, Options{Buffer: 1 << 20, Now: func() time.Time { return at }})
		total := 0
		b.Run("write", func(b *testing.B) {
			start := time.Now()
			for i := 0; i < b.N; i++ {
				for j := range 10_000 {
					h := hit(fmt.Sprintf("shop%02d", j%20), at.Add(time.Duration(j)*time.Second), Kinds[j%len(Kinds)], fmt.Sprintf("10.1.%d.%d", j%2000/250, j%250))
					h.Referrer = "https://www.google.com/"
					s.Track(h)
				}
				if err := s.Flush(context.Background()); err != nil {
					b.Fatal(err)
				}
				total += 10_000
			}
			b.ReportMetric(float64(b.N*10_000)/time.Since(start).Seconds(), "events/s")
		})
		b.Run("rollup", func(b *testing.B) {
			var spent time.Duration
			for i := 0; i < b.N; i++ {
				days := map[[2]string]bool{}
				for j := range 20 {
					for _, d := range []string{"2026-11-11", "2026-11-12"} {
						days[[2]string{fmt.Sprintf("shop%02d", j), d}] = true
					}
				}
				if err := db.Write(tenancy.WithPlatform(context.Background()), func(ctx context.Context, q bun.IDB) error {
					return markDirty(ctx, q, days, at)
				}); err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				if _, err := s.Rollup(context.Background()); err != nil {
					b.Fatal(err)
				}
				spent += time.Since(start)
			}
			b.ReportMetric(float64(total)*float64(b.N)/spent.Seconds(), "events/s")
		})
	})
}
