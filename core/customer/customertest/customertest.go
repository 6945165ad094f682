// Package customertest seeds customers for tests and measurements that
// need many of them (campaign sends, segment scale): bulk inserts, since
// sign-up's password hashing would dominate the setup.
package customertest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// Subscribers inserts n customers of shop tenantID who accept marketing
// e-mail (consent given now), addressed c0000000@example.com upwards, in
// batches of 1,000 rows.
func Subscribers(t testing.TB, db *store.DB, tenantID string, n int) {
	t.Helper()
	ctx := tenancy.WithTenant(context.Background(), tenantID)
	now := store.Now()
	for from := 0; from < n; from += 1000 {
		if err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			var vals []string
			var args []any
			for i := from; i < min(from+1000, n); i++ {
				vals = append(vals, "(?, ?, ?, ?, ?, ?, ?, ?)")
				args = append(args, tenantID, store.NewID(), fmt.Sprintf("c%07d@example.com", i), "Cust", true, now, now, now)
			}
			_, err := q.NewRaw("INSERT INTO customer_customers (tenant_id, id, email, first_name, accepts_marketing, marketing_consent_at, created_at, updated_at) VALUES "+
				strings.Join(vals, ", "), args...).Exec(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
}
