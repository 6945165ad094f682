package tenants_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/tenants/perm"
)

// BenchmarkPermissionCheck measures Can with N shops each holding 3 custom
// roles; principals alternate between a built-in and a custom role and
// cycle through every shop, so with 10,000 shops every shop's enforcer is in
// play. The LRU is sized to hold them all (steady state); "cold" measures a
// check that has to load a shop's roles from the database.
func BenchmarkPermissionCheck(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprintf("tenants=%d", n), func(b *testing.B) {
			storetest.EachB(b, func(b *testing.B, db *store.DB) {
				seedTenants(b, db, n, 3)
				s, err := tenants.New(db, tenants.Config{TenantEnforcers: n})
				if err != nil {
					b.Fatal(err)
				}
				ps := make([]tenants.Principal, n)
				for i := range ps {
					role := fmt.Sprintf("custom-%d", i%3)
					if i%2 == 0 {
						role = perm.TenantRoles()[i%7].Name
					}
					ps[i] = tenants.Principal{Kind: tenants.KindStaff, TenantID: fmt.Sprintf("bench-%d", i), TenantStatus: tenants.StatusActive, Roles: []string{role}}
				}
				all := perm.All()[:26]
				ctx := context.Background()
				var m0, m1 runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&m0)
				for i, p := range ps { // warm: load every shop's enforcer and decision cache
					for _, pm := range all {
						if _, err := s.Can(ctx, p, pm.Name); err != nil {
							b.Fatal(err)
						}
					}
					_ = i
				}
				runtime.GC()
				runtime.ReadMemStats(&m1)
				heap := float64(m1.HeapAlloc-m0.HeapAlloc) / float64(n)
				b.ResetTimer()
				i := 0
				for b.Loop() {
					p := ps[i%n]
					if _, err := s.Can(ctx, p, all[(i/n+i)%26].Name); err != nil {
						b.Fatal(err)
					}
					i++
				}
				b.ReportMetric(heap, "heapB/tenant")
			})
		})
	}
	b.Run("cold", func(b *testing.B) {
		storetest.EachB(b, func(b *testing.B, db *store.DB) {
			seedTenants(b, db, 1000, 3)
			s, _ := tenants.New(db, tenants.Config{TenantEnforcers: 1})
			ctx := context.Background()
			i := 0
			for b.Loop() {
				p := tenants.Principal{Kind: tenants.KindStaff, TenantID: fmt.Sprintf("bench-%d", i%1000), TenantStatus: tenants.StatusActive, Roles: []string{"custom-1"}}
				if _, err := s.Can(ctx, p, perm.CatalogRead); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	})
}
