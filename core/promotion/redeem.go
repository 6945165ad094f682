package promotion

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/store"
)

// SnapshotInput says whose cart a Snapshot is for.
type SnapshotInput struct {
	Codes      []string // as entered
	CustomerID string
	Email      string // normalised
}

// Snapshot is what pricing a cart needs from the database: the shop's
// live and scheduled promotions (and those the entered codes name, in any
// state, so a refused code gets its reason), the entered codes and the
// customer's earlier uses. It is read once per priced cart, before any
// write transaction.
type Snapshot struct {
	Promotions []Promotion
	Codes      map[string]Code  // by normalised code
	Uses       map[string]int64 // by promotion id
}

func customerKeys(customerID, email string) []string {
	var keys []string
	if customerID != "" {
		keys = append(keys, "c:"+customerID)
	}
	if email != "" {
		keys = append(keys, "e:"+strings.ToLower(email))
	}
	return keys
}

// LiveSQL is a boolean SQL expression telling whether the tenant (an SQL
// expression, usually "?") has a promotion that is active and not ended
// at now (another SQL expression): the same promotions SnapshotIn reads.
// Checkout's settings read carries it, so a cart of a shop without offers
// costs no statement more than one with none wired; the SQL stays this
// package's.
func LiveSQL(tenantExpr, nowExpr string) string {
	return "EXISTS (SELECT 1 FROM promotions WHERE tenant_id = " + tenantExpr + " AND status = 'active' AND (ends_at IS NULL OR ends_at > " + nowExpr + "))"
}

// Snapshot reads what pricing needs for one cart, in its own read
// transaction (a cart page); pricing inside a write transaction (checkout)
// uses SnapshotIn.
func (s *Service) Snapshot(ctx context.Context, in SnapshotInput) (*Snapshot, error) {
	var snap *Snapshot
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		snap, err = s.SnapshotIn(ctx, q, in)
		return err
	})
	return snap, err
}

// SnapshotIn is Snapshot in the caller's transaction q: one statement for
// the live promotions, plus one for flash-sale items when there are flash
// sales, two for entered codes when there are codes, and one for the
// customer's earlier uses when a promotion has a per-customer limit.
func (s *Service) SnapshotIn(ctx context.Context, q bun.IDB, in SnapshotInput) (*Snapshot, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	snap := &Snapshot{Codes: map[string]Code{}, Uses: map[string]int64{}}
	var codes []string
	for _, c := range in.Codes {
		if n := NormaliseCode(c); n != "" && len(n) <= 40 && len(codes) < 20 {
			codes = append(codes, n)
		}
	}
	var rows []promoRow
	if err := selectPromotions(q, &rows).Where("promo.tenant_id = ? AND promo.status = 'active' AND (promo.ends_at IS NULL OR promo.ends_at > ?)", tenant, now).
		OrderExpr("promo.id").Scan(ctx); err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "promotion.Snapshot")
	}
	have := map[string]bool{}
	for _, r := range rows {
		have[r.ID] = true
	}
	if len(codes) > 0 {
		var crs []codeRow
		if err := q.NewSelect().Model(&crs).Where("tenant_id = ? AND code IN (?)", tenant, bun.List(codes)).Scan(ctx); err != nil && !store.NoRows(err) {
			return nil, errs.Wrap(err, "promotion.Snapshot: codes")
		}
		var more []string
		for _, c := range crs {
			snap.Codes[c.Code] = Code{ID: c.ID, PromotionID: c.PromotionID, UsageLimit: c.UsageLimit, Used: c.Used}
			if !have[c.PromotionID] {
				have[c.PromotionID] = true
				more = append(more, c.PromotionID)
			}
		}
		if len(more) > 0 {
			var extra []promoRow
			if err := selectPromotions(q, &extra).Where("promo.tenant_id = ? AND promo.id IN (?)", tenant, bun.List(more)).Scan(ctx); err != nil && !store.NoRows(err) {
				return nil, errs.Wrap(err, "promotion.Snapshot")
			}
			rows = append(rows, extra...)
		}
	}
	if snap.Promotions, err = load(ctx, q, tenant, rows); err != nil {
		return nil, err
	}
	limited := false
	for i := range snap.Promotions {
		limited = limited || snap.Promotions[i].PerCustomerLimit > 0
	}
	if keys := customerKeys(in.CustomerID, in.Email); limited && len(keys) > 0 {
		var uses []struct {
			PromotionID string `bun:"promotion_id"`
			Uses        int64  `bun:"uses"`
		}
		if err := q.NewSelect().TableExpr("promotion_customer_uses").Column("promotion_id", "uses").
			Where("tenant_id = ? AND customer_key IN (?)", tenant, bun.List(keys)).Scan(ctx, &uses); err != nil && !store.NoRows(err) {
			return nil, errs.Wrap(err, "promotion.Snapshot: uses")
		}
		for _, u := range uses {
			snap.Uses[u.PromotionID] = max(snap.Uses[u.PromotionID], u.Uses)
		}
	}
	return snap, nil
}

// Stage returns the pricing stage for this snapshot and customer; the
// customer's earlier uses come from the snapshot.
func (sn *Snapshot) Stage(c Customer, products map[string]ProductFacts) *Stage {
	c.Uses = sn.Uses
	return &Stage{Promotions: sn.Promotions, Codes: sn.Codes, Customer: c, Products: products}
}

// Order is the order a redemption belongs to.
type Order struct {
	ID         string
	CustomerID string // empty for a guest
	Email      string
	Currency   string
	Total      int64 // what the shopper pays, for the promotion's revenue figures
}

type redemptionRow struct {
	bun.BaseModel `bun:"table:promotion_redemptions"`
	TenantID      string     `bun:"tenant_id,pk"`
	ID            string     `bun:"id,pk"`
	OrderID       string     `bun:"order_id"`
	PromotionID   string     `bun:"promotion_id"`
	CampaignID    string     `bun:"campaign_id"`
	CodeID        string     `bun:"code_id"`
	Code          string     `bun:"code"`
	CustomerID    string     `bun:"customer_id"`
	Email         string     `bun:"email"`
	Currency      string     `bun:"currency"`
	Amount        int64      `bun:"amount"`
	OrderTotal    int64      `bun:"order_total"`
	Reversed      int64      `bun:"reversed"` // discount given back by returns (reverse.go)
	Refunded      int64      `bun:"refunded"` // money the order gave back
	Units         string     `bun:"units"`
	CustomerKeys  string     `bun:"customer_keys"`
	CreatedAt     time.Time  `bun:"created_at"`
	ReleasedAt    *time.Time `bun:"released_at"`
}

// refused is the error of a redemption that cannot happen: the order must
// not be placed as priced (the shopper sees the new price on the next
// cart or checkout read). It names the field the shopper acted on: "codes"
// for a coded offer, "lines" for flash-sale units, else "promotions".
func refused(a *pricing.AppliedPromotion, what, why string) error {
	field := "promotions"
	switch {
	case a.Code != "":
		field = "codes"
	case len(a.Units) > 0:
		field = "lines"
	}
	return &errs.Error{Code: errs.Conflict, Field: field, Message: fmt.Sprintf("%q %s; the price has been updated", what, why)}
}

// Redeem records that order o used the applied promotions (a priced
// cart's pricing.Result.Promotions), in the caller's transaction q, so the
// counts move exactly when the order commits. Every limit is a conditional
// update — a code's and the promotion's usage limits, the per-customer
// limit (by account and by e-mail), the promotion's and its campaign's
// budgets, flash-sale quotas — so concurrent orders can never take more
// than the limits allow. When one does not hold (another order took the
// last use meanwhile, the offer ended) Redeem returns an errs.Conflict
// naming the offer and the caller rolls back and re-prices.
func (s *Service) Redeem(ctx context.Context, q bun.IDB, o Order, applied []pricing.AppliedPromotion) error {
	if len(applied) == 0 {
		return nil
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	// One entry per promotion (a promotion has one class, but be safe).
	merged := make([]pricing.AppliedPromotion, 0, len(applied))
	at := map[string]int{}
	for _, a := range applied {
		if a.Amount < 0 || a.ID == "" {
			return errs.Wrap(fmt.Errorf("bad applied promotion %+v", a), "promotion.Redeem")
		}
		if i, ok := at[a.ID]; ok {
			merged[i].Amount += a.Amount
			merged[i].Units = append(merged[i].Units, a.Units...)
			continue
		}
		at[a.ID] = len(merged)
		a.Units = append([]pricing.PromotionUnits(nil), a.Units...)
		merged = append(merged, a)
	}
	for _, a := range merged {
		r := redemptionRow{TenantID: tenant, ID: store.NewID(), OrderID: o.ID, PromotionID: a.ID, CustomerID: o.CustomerID,
			Email: strings.ToLower(o.Email), Currency: o.Currency, Amount: a.Amount, OrderTotal: max(0, o.Total), CreatedAt: now}
		if a.Code != "" {
			r.Code = NormaliseCode(a.Code)
			var ids []string
			if err := q.NewRaw(`UPDATE promotion_codes SET used = used + 1
				WHERE tenant_id = ? AND code = ? AND promotion_id = ? AND (usage_limit = 0 OR used < usage_limit) RETURNING id`,
				tenant, r.Code, a.ID).Scan(ctx, &ids); err != nil && !store.NoRows(err) {
				return errs.Wrap(err, "promotion.Redeem: code")
			}
			if len(ids) == 0 {
				return refused(&a, r.Code, "has already been used")
			}
			r.CodeID = ids[0]
		}
		var got []struct {
			CampaignID       *string `bun:"campaign_id"`
			PerCustomerLimit int64   `bun:"per_customer_limit"`
		}
		if err := q.NewRaw(`UPDATE promotions SET used = used + 1, spent = spent + ?
			WHERE tenant_id = ? AND id = ? AND status = 'active'
			  AND (starts_at IS NULL OR starts_at <= ?) AND (ends_at IS NULL OR ends_at > ?)
			  AND (usage_limit = 0 OR used < usage_limit) AND (budget = 0 OR spent + ? <= budget)
			RETURNING campaign_id, per_customer_limit`,
			a.Amount, tenant, a.ID, now, now, a.Amount).Scan(ctx, &got); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "promotion.Redeem")
		}
		if len(got) == 0 {
			return refused(&a, a.Label, "is no longer available (ended, or its usage limit or budget is reached)")
		}
		if c := got[0].CampaignID; c != nil {
			r.CampaignID = *c
			res, err := q.NewRaw(`UPDATE promotion_campaigns SET spent = spent + ?
				WHERE tenant_id = ? AND id = ? AND (budget = 0 OR spent + ? <= budget)`, a.Amount, tenant, *c, a.Amount).Exec(ctx)
			if err != nil {
				return errs.Wrap(err, "promotion.Redeem: campaign")
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return refused(&a, a.Label, "has ended: its campaign's budget is spent")
			}
		}
		if limit := got[0].PerCustomerLimit; limit > 0 {
			keys := customerKeys(o.CustomerID, o.Email)
			if len(keys) == 0 {
				return refused(&a, a.Label, "needs an account or an e-mail address")
			}
			for _, k := range keys {
				res, err := q.NewRaw(`INSERT INTO promotion_customer_uses (tenant_id, promotion_id, customer_key, uses) VALUES (?, ?, ?, 1)
					ON CONFLICT (tenant_id, promotion_id, customer_key) DO UPDATE SET uses = promotion_customer_uses.uses + 1
					WHERE promotion_customer_uses.uses < ?`, tenant, a.ID, k, limit).Exec(ctx)
				if err != nil {
					return errs.Wrap(err, "promotion.Redeem: customer uses")
				}
				if n, _ := res.RowsAffected(); n != 1 {
					return refused(&a, a.Label, "has already been used by this customer")
				}
			}
			r.CustomerKeys = strings.Join(keys, " ")
		}
		for _, u := range a.Units {
			if u.Quantity <= 0 {
				continue
			}
			res, err := q.NewRaw(`UPDATE promotion_flash_items SET sold = sold + ?
				WHERE tenant_id = ? AND promotion_id = ? AND variant_id = ? AND sold + ? <= quota`,
				u.Quantity, tenant, a.ID, u.VariantID, u.Quantity).Exec(ctx)
			if err != nil {
				return errs.Wrap(err, "promotion.Redeem: flash")
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return refused(&a, a.Label, "is sold out at the promotional price")
			}
		}
		if len(a.Units) > 0 {
			b, _ := json.Marshal(a.Units)
			r.Units = string(b)
		}
		if _, err := q.NewInsert().Model(&r).Exec(ctx); err != nil {
			if store.IsUniqueViolation(err) {
				return errs.E(errs.Conflict, "the order has already redeemed %q", a.Label)
			}
			return errs.Wrap(err, "promotion.Redeem")
		}
	}
	return nil
}

type stmt struct {
	sql  string
	args []any
}

// Release gives back what an order's redemptions took (usage counts,
// per-customer uses, budgets, flash-sale units), in the caller's
// transaction q: call it when an order is cancelled or expires, or is
// refunded in full (reverse.go says why). Budgets get back what returns
// have not already given back. Each redemption is released once; it
// returns how many were.
func (s *Service) Release(ctx context.Context, q bun.IDB, orderID string) (int, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return 0, err
	}
	now := s.now()
	var rows []redemptionRow
	if err := q.NewSelect().Model(&rows).Where("tenant_id = ? AND order_id = ? AND released_at IS NULL", tenant, orderID).Scan(ctx); err != nil && !store.NoRows(err) {
		return 0, errs.Wrap(err, "promotion.Release")
	}
	released := 0
	for _, r := range rows {
		res, err := q.NewUpdate().Model((*redemptionRow)(nil)).Set("released_at = ?", now).
			Where("tenant_id = ? AND id = ? AND released_at IS NULL", tenant, r.ID).Exec(ctx)
		if err != nil {
			return released, errs.Wrap(err, "promotion.Release")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			continue // released meanwhile
		}
		back := max(0, r.Amount-r.Reversed)
		stmts := []stmt{
			{`UPDATE promotions SET used = used - 1, spent = spent - ? WHERE tenant_id = ? AND id = ? AND used > 0 AND spent >= ?`, []any{back, tenant, r.PromotionID, back}},
		}
		if r.CodeID != "" {
			stmts = append(stmts, stmt{`UPDATE promotion_codes SET used = used - 1 WHERE tenant_id = ? AND id = ? AND used > 0`, []any{tenant, r.CodeID}})
		}
		if r.CampaignID != "" {
			stmts = append(stmts, stmt{`UPDATE promotion_campaigns SET spent = spent - ? WHERE tenant_id = ? AND id = ? AND spent >= ?`, []any{back, tenant, r.CampaignID, back}})
		}
		if r.CustomerKeys != "" {
			stmts = append(stmts, stmt{`UPDATE promotion_customer_uses SET uses = uses - 1 WHERE tenant_id = ? AND promotion_id = ? AND customer_key IN (?) AND uses > 0`,
				[]any{tenant, r.PromotionID, bun.List(strings.Fields(r.CustomerKeys))}})
		}
		if r.Units != "" {
			var units []pricing.PromotionUnits
			if err := json.Unmarshal([]byte(r.Units), &units); err != nil {
				return released, errs.Wrap(err, "promotion.Release: units")
			}
			for _, u := range units {
				stmts = append(stmts, stmt{`UPDATE promotion_flash_items SET sold = sold - ? WHERE tenant_id = ? AND promotion_id = ? AND variant_id = ? AND sold >= ?`,
					[]any{u.Quantity, tenant, r.PromotionID, u.VariantID, u.Quantity}})
			}
		}
		for _, st := range stmts {
			if _, err := q.NewRaw(st.sql, st.args...).Exec(ctx); err != nil {
				return released, errs.Wrap(err, "promotion.Release")
			}
		}
		released++
	}
	return released, nil
}
