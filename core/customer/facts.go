package customer

import (
	"context"
	"strings"
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

// Subscriber is a customer who accepts marketing e-mail.
type Subscriber struct {
	ID    string `bun:"id"`
	Email string `bun:"email"`
	Name  string `bun:"name"`
}

// Subscribers lists the shop's enabled customers with an e-mail address
// who accept marketing, by id, limit at a time after the cursor after; the
// returned cursor is "" at the end.
func (s *Service) Subscribers(ctx context.Context, after string, limit int) ([]Subscriber, string, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, "", err
	}
	limit = min(max(limit, 1), 5000)
	var out []Subscriber
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw(`SELECT id, email, TRIM(first_name || ' ' || last_name) AS name FROM customer_customers
			WHERE tenant_id = ? AND id > ? AND accepts_marketing = ? AND state = ? AND email IS NOT NULL ORDER BY id LIMIT ?`,
			tid, after, true, Enabled, limit).Scan(ctx, &out)
	})
	if err != nil && !store.NoRows(err) {
		return nil, "", errs.Wrap(err, "customer: subscribers")
	}
	next := ""
	if len(out) == limit {
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// IDByEmailIn returns, in q, the id of the shop's enabled customer (an
// account or a guest) with this e-mail address, or "" when there is none.
func IDByEmailIn(ctx context.Context, q bun.IDB, tenantID, email string) (string, error) {
	var ids []string
	err := q.NewRaw("SELECT id FROM customer_customers WHERE tenant_id = ? AND email = ? AND state = ? LIMIT 1", tenantID, email, Enabled).Scan(ctx, &ids)
	if err != nil && !store.NoRows(err) {
		return "", errs.Wrap(err, "customer: by e-mail")
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0], nil
}

// BirthdayRow is an enabled customer with a birthday, of any shop.
type BirthdayRow struct {
	TenantID   string `bun:"tenant_id"`
	CustomerID string `bun:"id"`
	Month      int    `bun:"birth_month"`
	Day        int    `bun:"birth_day"`
}

// BirthdaysIn lists, in q (a platform-scoped read), the enabled customers
// of every shop whose birthday is one of days, by (tenant, id) after the
// cursor, at most limit: the birthday automation's candidates (each shop
// then keeps those whose birthday is today in its time zone).
func BirthdaysIn(ctx context.Context, q bun.IDB, days []Birthday, afterTenant, afterID string, limit int) ([]BirthdayRow, error) {
	if len(days) == 0 {
		return nil, nil
	}
	var conds []string
	var args []any
	for _, d := range days {
		conds = append(conds, "(birth_month = ? AND birth_day = ?)")
		args = append(args, d.Month, d.Day)
	}
	args = append(args, Enabled, afterTenant, afterTenant, afterID, limit)
	var out []BirthdayRow
	err := q.NewRaw("SELECT tenant_id, id, birth_month, birth_day FROM customer_customers WHERE ("+strings.Join(conds, " OR ")+
		") AND state = ? AND (tenant_id > ? OR (tenant_id = ? AND id > ?)) ORDER BY tenant_id, id LIMIT ?", args...).Scan(ctx, &out)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "customer: birthdays")
	}
	return out, nil
}
