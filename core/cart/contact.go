package cart

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/text"
)

// SetEmail records the e-mail address the shopper gave at checkout on
// their active cart (an existing one: no cart is created for it), and
// counts as activity. An invalid address is a field error on "email" and
// changes nothing.
func (s *Service) SetEmail(ctx context.Context, o Owner, email string) error {
	email, err := text.NormaliseEmail("email", email)
	if err != nil || email == "" {
		return err
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	if o.CustomerID == "" && o.Token == "" {
		return nil
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		up := q.NewUpdate().Model((*Cart)(nil)).Set("email = ?, updated_at = ?", email, s.now()).
			Where("tenant_id = ? AND status = ? AND email <> ?", tenant, StatusActive, email)
		if o.CustomerID != "" {
			up.Where("customer_id = ?", o.CustomerID)
		} else {
			up.Where("token_hash = ?", hashToken(o.Token))
		}
		_, err := up.Exec(ctx)
		return errs.Wrap(err, "cart: set email")
	})
}

// Abandoned is an active cart with a way to reach its shopper, left alone
// since UpdatedAt.
type Abandoned struct {
	ID         string    `bun:"id"`
	CustomerID string    `bun:"customer_id"`
	Email      string    `bun:"email"`
	UpdatedAt  time.Time `bun:"updated_at"`
}

// AbandonedIn lists, in q, the shop's active carts that have lines and an
// e-mail address or a customer, whose last activity is in [from, to),
// oldest first, at most limit, after the cart (updated_at, id) of the
// cursor (zero: from the start).
func AbandonedIn(ctx context.Context, q bun.IDB, tenant string, from, to time.Time, afterAt time.Time, afterID string, limit int) ([]Abandoned, error) {
	var out []Abandoned
	page, args := "", []any{tenant, StatusActive, from, to}
	if !afterAt.IsZero() {
		page = " AND (c.updated_at > ? OR (c.updated_at = ? AND c.id > ?))"
		args = append(args, afterAt, afterAt, afterID)
	}
	err := q.NewRaw(`SELECT c.id, c.customer_id, c.email, c.updated_at FROM carts AS c
		WHERE c.tenant_id = ? AND c.status = ? AND c.updated_at >= ? AND c.updated_at < ? AND (c.email <> '' OR c.customer_id <> '')
		AND EXISTS (SELECT 1 FROM cart_lines AS l WHERE l.tenant_id = c.tenant_id AND l.cart_id = c.id)`+page+`
		ORDER BY c.updated_at, c.id LIMIT ?`, append(args, limit)...).Scan(ctx, &out)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "cart: abandoned")
	}
	for i := range out {
		out[i].UpdatedAt = out[i].UpdatedAt.UTC()
	}
	return out, nil
}

// LoadIn returns the shop's cart id with its lines, in q; NotFound if
// there is none.
func LoadIn(ctx context.Context, q bun.IDB, tenant, id string) (*Cart, error) {
	c := new(Cart)
	err := q.NewSelect().Model(c).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx)
	if store.NoRows(err) {
		return nil, errs.NotFoundf("cart not found")
	}
	if err != nil {
		return nil, errs.Wrap(err, "cart load")
	}
	if err := q.NewSelect().Model(&c.Lines).Where("tenant_id = ? AND cart_id = ?", tenant, c.ID).OrderExpr("id").Scan(ctx); err != nil {
		return nil, errs.Wrap(err, "cart lines")
	}
	return c, nil
}

// Restore copies the lines of the shop's cart fromID (an abandoned cart
// whose mail link was opened; recipientID is that mail) into the owner's
// active cart, creating it: each variant ends with at least the saved
// quantity (so opening the link again adds nothing), up to MaxLines. The
// owner is whoever opened the link (a guest token, or the signed-in
// customer): nobody is signed in and no other cart changes hands. The
// owner's cart remembers recipientID for attribution. Only an active
// cart can be restored: one checked out meanwhile is a Conflict.
func (s *Service) Restore(ctx context.Context, o Owner, fromID, recipientID string) error {
	return s.write(ctx, o, func(ctx context.Context, q bun.IDB, c *Cart) error {
		from, err := LoadIn(ctx, q, c.TenantID, fromID)
		if err != nil {
			return err
		}
		if from.Status == StatusConverted {
			return errs.E(errs.Conflict, "this cart was already checked out")
		}
		if from.ID != c.ID {
			for _, l := range from.Lines {
				cur := find(c, l.VariantID)
				switch {
				case cur != nil && cur.Quantity >= l.Quantity:
					continue
				case cur == nil && len(c.Lines) >= MaxLines:
					continue
				}
				if err := s.setLine(ctx, q, c, l.VariantID, min(l.Quantity, pricing.MaxQuantity)); err != nil {
					return err
				}
			}
		}
		_, err = q.NewUpdate().Model((*Cart)(nil)).Set("restored_from = ?, updated_at = ?", recipientID, s.now()).
			Where("tenant_id = ? AND id = ?", c.TenantID, c.ID).Exec(ctx)
		return err
	})
}

// RestoredFromIn returns, in q, the mail (recipient id) that restored the
// cart which became order orderID, or "".
func RestoredFromIn(ctx context.Context, q bun.IDB, tenant, orderID string) (string, error) {
	var ids []string
	err := q.NewSelect().Model((*Cart)(nil)).Column("restored_from").
		Where("tenant_id = ? AND order_id = ? AND status = ? AND restored_from <> ''", tenant, orderID, StatusConverted).Limit(1).Scan(ctx, &ids)
	if err != nil && !store.NoRows(err) {
		return "", errs.Wrap(err, "cart: restored from")
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0], nil
}
