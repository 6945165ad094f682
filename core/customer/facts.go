package customer

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Facts is what offers (core/promotion, through core/checkout) know of a
// signed-in shopper.
type Facts struct {
	Email string // lower case; "" when the account has none
	// Verified: the customer proved they read Email (a verification or
	// password-reset link); false when there is no e-mail.
	Verified bool
	Tags     []string
}

// FactsIn reads a customer's facts in the caller's transaction q, in one
// statement; a missing, disabled or deleted customer has none (nil).
func FactsIn(ctx context.Context, q bun.IDB, tenantID, customerID string) (*Facts, error) {
	if customerID == "" {
		return nil, nil
	}
	var rows []struct {
		Email    *string    `bun:"email"`
		Verified *time.Time `bun:"email_verified_at"`
		Tag      *string    `bun:"tag"`
	}
	err := q.NewRaw(`SELECT c.email, c.email_verified_at, t.tag FROM customer_customers c
		LEFT JOIN customer_tags t ON t.tenant_id = c.tenant_id AND t.customer_id = c.id
		WHERE c.tenant_id = ? AND c.id = ? AND c.state = ? ORDER BY t.tag`, tenantID, customerID, Enabled).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "customer: facts")
	}
	if len(rows) == 0 {
		return nil, nil
	}
	f := &Facts{}
	if e := rows[0].Email; e != nil {
		f.Email, f.Verified = *e, rows[0].Verified != nil
	}
	for _, r := range rows {
		if r.Tag != nil {
			f.Tags = append(f.Tags, *r.Tag)
		}
	}
	return f, nil
}
