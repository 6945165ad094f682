package promotion

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/store"
)

// SnapshotInput says whose cart a Snapshot is for.
type SnapshotInput struct {
	Codes      []string // as entered
	CustomerID string
	Email      string // normalised
	// State is the shop's StateSQL token, read in the caller's
	// transaction before SnapshotIn: with one, the live promotions come
	// from the cache when they are kept under that token (cache.go).
	State string
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
	// Location is the shop's time zone, read only when a promotion has
	// recurring dates (nil otherwise: UTC).
	Location *time.Location
	// cached is the cache entry Promotions came from or went to; its
	// prepared promotions serve Stage while Promotions are its own.
	cached *cachedOffers
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
// the live promotions (none when in.State finds them in the cache), plus
// one for flash-sale items when there are flash sales, two for entered
// codes when there are codes (one when the cache holds their promotions),
// and one for the customer's earlier uses when a promotion has a
// per-customer limit.
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
	snap.cached = s.offers.get(tenant, in.State)
	if snap.cached == nil {
		if err := selectPromotions(q, &rows).Where("promo.tenant_id = ? AND promo.status = 'active' AND (promo.ends_at IS NULL OR promo.ends_at > ?)", tenant, now).
			OrderExpr("promo.id").Scan(ctx); err != nil && !store.NoRows(err) {
			return nil, errs.Wrap(err, "promotion.Snapshot")
		}
	}
	live := len(rows)
	have := map[string]bool{}
	for _, r := range rows {
		have[r.ID] = true
	}
	if snap.cached != nil {
		for i := range snap.cached.promos {
			have[snap.cached.promos[i].ID] = true
		}
	}
	if len(codes) > 0 {
		var crs []codeRow
		if err := q.NewSelect().Model(&crs).Where("tenant_id = ? AND code IN (?)", tenant, bun.List(codes)).Scan(ctx); err != nil && !store.NoRows(err) {
			return nil, errs.Wrap(err, "promotion.Snapshot: codes")
		}
		var more []string
		for _, c := range crs {
			snap.Codes[c.Code] = Code{ID: c.ID, PromotionID: c.PromotionID, UsageLimit: c.UsageLimit, Used: c.Used, CustomerID: c.CustomerID, ExpiresAt: c.ExpiresAt}
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
	if snap.cached == nil {
		if snap.Promotions, err = load(ctx, q, tenant, rows); err != nil {
			return nil, err
		}
		snap.cached = s.offers.put(tenant, in.State, snap.Promotions[:live])
	} else {
		snap.Promotions = snap.cached.promos
		if len(rows) > 0 { // the promotions of entered codes that are not live
			extra, err := load(ctx, q, tenant, rows)
			if err != nil {
				return nil, err
			}
			snap.Promotions = append(snap.Promotions, extra...) // a copy: the cached slice is clipped
		}
	}
	limited, dated := false, false
	for i := range snap.Promotions {
		limited = limited || snap.Promotions[i].PerCustomerLimit > 0
		dated = dated || snap.Promotions[i].Conditions.Dated()
	}
	if dated {
		if snap.Location, err = analytics.LocationIn(ctx, q, tenant); err != nil {
			return nil, errs.Wrap(err, "promotion.Snapshot: time zone")
		}
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
	st := &Stage{Promotions: sn.Promotions, Codes: sn.Codes, Customer: c, Products: products, Location: sn.Location}
	if e := sn.cached; e != nil && len(sn.Promotions) == len(e.promos) && (len(e.promos) == 0 || &sn.Promotions[0] == &e.promos[0]) {
		st.prepared = e.prepare()
		st.once.Do(func() {}) // prepared already
	}
	return st
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

// hold takes, in the caller's transaction q, a transaction-scoped lock
// on each of the promotions (kind "p") or campaigns ("c") named by ids
// against a change of their limits: shared for orders, so they never wait
// for each other, exclusive for Update and UpdateCampaign, which thus wait
// for the orders redeeming the offer to commit before they recount it,
// and make the orders after them wait until their limits are in place.
// PostgreSQL's advisory locks queue in order, so a merchant's change is
// not starved by a stream of orders (shared row locks, FOR SHARE, would
// let it wait for a moment without any order, measured: a limit set
// after 10 of 50 concurrent orders waited for all 50). SQLite runs one
// writing transaction at a time and needs none.
func (s *Service) hold(ctx context.Context, q bun.IDB, exclusive bool, kind, tenant string, ids []string) error {
	if s.db.Dialect() != store.Postgres || len(ids) == 0 {
		return nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = "promotion:" + kind + ":" + tenant + ":" + id
	}
	sort.Strings(keys)
	fn := "pg_advisory_xact_lock_shared"
	if exclusive {
		fn = "pg_advisory_xact_lock"
	}
	// One key at a time, in order (the volatile call is evaluated after
	// the sort).
	_, err := q.NewRaw("SELECT "+fn+"(hashtextextended(k, 0))::text FROM unnest(ARRAY[?]::text[]) AS k ORDER BY k", bun.List(keys)).Exec(ctx)
	return errs.Wrap(err, "promotion: lock")
}

// Redeem records that order o used the applied promotions (a priced
// cart's pricing.Result.Promotions), in the caller's transaction q, so
// they count exactly when the order commits. Every limit is a conditional
// update — a code's and the promotion's usage limits, the per-customer
// limit (by account and by e-mail), the promotion's and its campaign's
// budgets, flash-sale quotas — so concurrent orders can never take more
// than the limits allow. When one does not hold (another order took the
// last use meanwhile, the offer ended) Redeem returns an errs.Conflict
// naming the offer and the caller rolls back and re-prices.
//
// Only what has a limit moves a counter (usage.go): the promotions,
// codes and campaigns without one are only read, under a shared lock
// against a change of their limits (hold), so the orders using a shop's
// everyday offers do not queue on the offer's row. The statements: the
// lock (PostgreSQL); one read of the live promotions with the codes they
// were applied with; an UPDATE per promotion with a usage limit or budget
// and per code with a usage limit; when a promotion is in a campaign, the
// lock and a read of the campaigns and an UPDATE per campaign with a
// budget; the per-customer uses and flash-sale units of the promotions
// that have them; one INSERT of the redemption records — on PostgreSQL
// made by the read of the live promotions, in the same statement.
func (s *Service) Redeem(ctx context.Context, q bun.IDB, o Order, applied []pricing.AppliedPromotion) error {
	if len(applied) == 0 {
		return nil
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	// One entry per promotion (a promotion has one class, but be safe),
	// in id order: concurrent orders take their locks in the same order.
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
	sort.Slice(merged, func(i, j int) bool { return merged[i].ID < merged[j].ID })
	ids := make([]string, len(merged))
	for i := range merged {
		ids[i] = merged[i].ID
	}
	if err := s.hold(ctx, q, false, "p", tenant, ids); err != nil {
		return err
	}
	// The redemption records, but for their campaign and code ids, which
	// the read of the live promotions gives.
	rows := make([]redemptionRow, len(merged))
	keys := customerKeys(o.CustomerID, o.Email)
	for i := range merged {
		a := &merged[i]
		rows[i] = redemptionRow{TenantID: tenant, ID: store.NewID(), OrderID: o.ID, PromotionID: a.ID, Code: NormaliseCode(a.Code),
			CustomerID: o.CustomerID, Email: strings.ToLower(o.Email), Currency: o.Currency, Amount: a.Amount, OrderTotal: max(0, o.Total),
			CustomerKeys: strings.Join(keys, " "), CreatedAt: now}
		if len(a.Units) > 0 {
			b, _ := json.Marshal(a.Units)
			rows[i].Units = string(b)
		}
	}
	// One read of the live promotions, with the codes they were applied
	// with; on PostgreSQL the same statement inserts the records of the
	// live ones (the checks below refuse the order, rolling them back, if
	// one is missing or may not be used).
	lives, inserted, err := s.readLive(ctx, q, tenant, now, o.CustomerID, merged, rows)
	if err != nil {
		return err
	}
	at = make(map[string]int, len(lives))
	for i := range lives {
		at[lives[i].ID] = i
	}
	for i := range merged {
		a := &merged[i]
		k, ok := at[a.ID]
		if !ok {
			return refused(a, a.Label, "is no longer available (it has ended)")
		}
		l := &lives[k]
		if l.CampaignID != nil {
			rows[i].CampaignID = *l.CampaignID
		}
		if l.UsageLimit > 0 || l.Budget > 0 {
			res, err := q.NewRaw(`UPDATE promotions SET used = used + 1, spent = spent + ?
				WHERE tenant_id = ? AND id = ? AND (usage_limit = 0 OR used < usage_limit) AND (budget = 0 OR spent + ? <= budget)`,
				a.Amount, tenant, a.ID, a.Amount).Exec(ctx)
			if err != nil {
				return errs.Wrap(err, "promotion.Redeem")
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return refused(a, a.Label, "is no longer available (its usage limit or budget is reached)")
			}
		}
		if rows[i].Code == "" {
			continue
		}
		// A code's limit never changes once it is made: only the codes
		// with one count their uses.
		if l.CodeID == nil || l.Code == nil || *l.Code != rows[i].Code {
			return refused(a, rows[i].Code, "has already been used")
		}
		rows[i].CodeID = *l.CodeID
		if l.CodeLimit != nil && *l.CodeLimit > 0 {
			res, err := q.NewRaw(`UPDATE promotion_codes SET used = used + 1 WHERE tenant_id = ? AND id = ? AND used < usage_limit`, tenant, rows[i].CodeID).Exec(ctx)
			if err != nil {
				return errs.Wrap(err, "promotion.Redeem: code")
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return refused(a, rows[i].Code, "has already been used")
			}
		}
	}
	if err := s.redeemCampaigns(ctx, q, tenant, merged, rows); err != nil {
		return err
	}
	for i := range merged {
		a := &merged[i]
		if limit := lives[at[a.ID]].PerCustomerLimit; limit > 0 {
			if len(keys) == 0 {
				return refused(a, a.Label, "needs an account or an e-mail address")
			}
			for _, k := range keys {
				res, err := q.NewRaw(`INSERT INTO promotion_customer_uses (tenant_id, promotion_id, customer_key, uses) VALUES (?, ?, ?, 1)
					ON CONFLICT (tenant_id, promotion_id, customer_key) DO UPDATE SET uses = promotion_customer_uses.uses + 1
					WHERE promotion_customer_uses.uses < ?`, tenant, a.ID, k, limit).Exec(ctx)
				if err != nil {
					return errs.Wrap(err, "promotion.Redeem: customer uses")
				}
				if n, _ := res.RowsAffected(); n != 1 {
					return refused(a, a.Label, "has already been used by this customer")
				}
			}
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
				return refused(a, a.Label, "is sold out at the promotional price")
			}
		}
	}
	if inserted {
		return nil
	}
	if _, err := q.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return redeemInsertError(err)
	}
	return nil
}

func redeemInsertError(err error) error {
	if store.IsUniqueViolation(err) {
		return errs.E(errs.Conflict, "the order has already redeemed its promotions")
	}
	return errs.Wrap(err, "promotion.Redeem")
}

// liveRow is a promotion Redeem found live, with the code it was applied
// with when there is one.
type liveRow struct {
	ID               string  `bun:"id"`
	CampaignID       *string `bun:"campaign_id"`
	UsageLimit       int64   `bun:"usage_limit"`
	Budget           int64   `bun:"budget"`
	PerCustomerLimit int64   `bun:"per_customer_limit"`
	CodeID           *string `bun:"code_id"`
	Code             *string `bun:"code"`
	CodeLimit        *int64  `bun:"code_limit"`
}

// readLive reads which of the merged applied promotions are live at now,
// with their limits, campaign and code. On PostgreSQL one statement also
// inserts the redemption records rows of the live ones, with their
// campaign and code ids (inserted reports it): a data-modifying WITH,
// which SQLite has not, so there Redeem inserts them after its checks.
func (s *Service) readLive(ctx context.Context, q bun.IDB, tenant string, now time.Time, customerID string, merged []pricing.AppliedPromotion, rows []redemptionRow) (lives []liveRow, inserted bool, err error) {
	const live = "p.tenant_id = ? AND p.status = 'active' AND (p.starts_at IS NULL OR p.starts_at <= ?) AND (p.ends_at IS NULL OR p.ends_at > ?)"
	// A personal code is its owner's only, and ends.
	const personal = "(c.customer_id = '' OR c.customer_id = ?) AND (c.expires_at IS NULL OR c.expires_at > ?)"
	if s.db.Dialect() == store.Postgres {
		values := make([]string, len(rows))
		args := make([]any, 0, 5*len(rows)+12)
		for i := range rows {
			r := &rows[i]
			values[i] = "(?, ?, ?, ?::bigint, ?)"
			args = append(args, r.ID, r.PromotionID, r.Code, r.Amount, r.Units)
		}
		args = append(args, tenant, now, now, customerID, now,
			tenant, rows[0].OrderID, rows[0].CustomerID, rows[0].Email, rows[0].Currency, rows[0].OrderTotal, rows[0].CustomerKeys, now)
		err = q.NewRaw(`WITH v (rid, promotion_id, code, amount, units) AS (VALUES `+strings.Join(values, ", ")+`),
			live AS (SELECT v.*, p.id, p.campaign_id, p.usage_limit, p.budget, p.per_customer_limit,
				c.id AS code_id, c.code AS found_code, c.usage_limit AS code_limit
				FROM v JOIN promotions AS p ON p.id = v.promotion_id AND `+live+`
				LEFT JOIN promotion_codes AS c ON c.tenant_id = p.tenant_id AND c.promotion_id = p.id AND c.code = v.code AND v.code <> '' AND `+personal+`),
			ins AS (INSERT INTO promotion_redemptions (tenant_id, id, order_id, promotion_id, campaign_id, code_id, code, customer_id, email,
				currency, amount, order_total, units, customer_keys, created_at)
				SELECT ?, rid, ?, promotion_id, COALESCE(campaign_id, ''), COALESCE(code_id, ''), code, ?, ?, ?, amount, ?, units, ?, ?::timestamp FROM live)
			SELECT id, campaign_id, usage_limit, budget, per_customer_limit, code_id, found_code AS code, code_limit FROM live`, args...).Scan(ctx, &lives)
		if err != nil && !store.NoRows(err) {
			return nil, false, redeemInsertError(err)
		}
		return lives, true, nil
	}
	ids := make([]string, len(merged))
	var codes []string
	for i := range merged {
		ids[i] = merged[i].ID
		if c := NormaliseCode(merged[i].Code); c != "" {
			codes = append(codes, c)
		}
	}
	sel := q.NewSelect().TableExpr("promotions AS p").
		ColumnExpr("p.id, p.campaign_id, p.usage_limit, p.budget, p.per_customer_limit").
		Where("p.id IN (?) AND "+live, bun.List(ids), tenant, now, now)
	if len(codes) > 0 {
		sel.ColumnExpr("c.id AS code_id, c.code, c.usage_limit AS code_limit").
			Join("LEFT JOIN promotion_codes AS c ON c.tenant_id = p.tenant_id AND c.promotion_id = p.id AND c.code IN (?) AND "+personal, bun.List(codes), customerID, now)
	}
	if err := sel.Scan(ctx, &lives); err != nil && !store.NoRows(err) {
		return nil, false, errs.Wrap(err, "promotion.Redeem")
	}
	return lives, false, nil
}

// redeemCampaigns takes the discount of the promotions in a campaign with
// a budget from that budget (a conditional update per campaign); a budget
// set meanwhile (UpdateCampaign) waits for this order and counts it
// (hold).
func (s *Service) redeemCampaigns(ctx context.Context, q bun.IDB, tenant string, merged []pricing.AppliedPromotion, rows []redemptionRow) error {
	spend := map[string]int64{}
	first := map[string]int{}
	var ids []string
	for i := range rows {
		c := rows[i].CampaignID
		if c == "" {
			continue
		}
		if _, ok := first[c]; !ok {
			first[c] = i
			ids = append(ids, c)
		}
		spend[c] += rows[i].Amount
	}
	if len(ids) == 0 {
		return nil
	}
	sort.Strings(ids)
	if err := s.hold(ctx, q, false, "c", tenant, ids); err != nil {
		return err
	}
	var free []string
	if err := q.NewRaw(`SELECT id FROM promotion_campaigns WHERE tenant_id = ? AND id IN (?) AND budget = 0 ORDER BY id`,
		tenant, bun.List(ids)).Scan(ctx, &free); err != nil && !store.NoRows(err) {
		return errs.Wrap(err, "promotion.Redeem: campaign")
	}
	for _, c := range ids {
		if slices.Contains(free, c) {
			continue
		}
		res, err := q.NewRaw(`UPDATE promotion_campaigns SET spent = spent + ?
			WHERE tenant_id = ? AND id = ? AND (budget = 0 OR spent + ? <= budget)`, spend[c], tenant, c, spend[c]).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "promotion.Redeem: campaign")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			a := &merged[first[c]]
			return refused(a, a.Label, "has ended: its campaign's budget is spent")
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
// returns how many were. Counters move only where a limit keeps them
// (usage.go): each promotion's and campaign's row is locked and its
// limits read in the statement that gives back, so a limit set meanwhile
// either waits for this release (and its recount sees it) or comes first
// (and the counter it recounted is given back here). Orders hold no row
// lock on an offer without limits, so this waits for none of them.
func (s *Service) Release(ctx context.Context, q bun.IDB, orderID string) (int, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return 0, err
	}
	now := s.now()
	var rows []redemptionRow
	if err := q.NewSelect().Model(&rows).Where("tenant_id = ? AND order_id = ? AND released_at IS NULL", tenant, orderID).
		OrderExpr("promotion_id").Scan(ctx); err != nil && !store.NoRows(err) {
		return 0, errs.Wrap(err, "promotion.Release")
	}
	var released []redemptionRow
	for _, r := range rows {
		res, err := q.NewUpdate().Model((*redemptionRow)(nil)).Set("released_at = ?", now).
			Where("tenant_id = ? AND id = ? AND released_at IS NULL", tenant, r.ID).Exec(ctx)
		if err != nil {
			return 0, errs.Wrap(err, "promotion.Release")
		}
		if n, _ := res.RowsAffected(); n == 1 {
			released = append(released, r)
		} // else released meanwhile
	}
	// Promotions first, in id order, as Redeem takes them.
	perCustomer := make([]int64, len(released))
	for i, r := range released {
		back := max(0, r.Amount-r.Reversed)
		if err := q.NewRaw(`UPDATE promotions SET
			used = CASE WHEN (usage_limit > 0 OR budget > 0) AND used > 0 THEN used - 1 ELSE used END,
			spent = CASE WHEN (usage_limit > 0 OR budget > 0) AND spent >= ? THEN spent - ? ELSE spent END
			WHERE tenant_id = ? AND id = ? RETURNING per_customer_limit`, back, back, tenant, r.PromotionID).Scan(ctx, &perCustomer[i]); err != nil {
			return 0, errs.Wrap(err, "promotion.Release")
		}
	}
	var stmts []stmt
	for i, r := range released {
		back := max(0, r.Amount-r.Reversed)
		if r.CodeID != "" {
			stmts = append(stmts, stmt{`UPDATE promotion_codes SET used = used - 1 WHERE tenant_id = ? AND id = ? AND usage_limit > 0 AND used > 0`, []any{tenant, r.CodeID}})
		}
		if r.CampaignID != "" {
			stmts = append(stmts, stmt{`UPDATE promotion_campaigns SET spent = CASE WHEN budget > 0 AND spent >= ? THEN spent - ? ELSE spent END WHERE tenant_id = ? AND id = ?`,
				[]any{back, back, tenant, r.CampaignID}})
		}
		if keys := customerKeys(r.CustomerID, r.Email); perCustomer[i] > 0 && len(keys) > 0 {
			stmts = append(stmts, stmt{`UPDATE promotion_customer_uses SET uses = uses - 1 WHERE tenant_id = ? AND promotion_id = ? AND customer_key IN (?) AND uses > 0`,
				[]any{tenant, r.PromotionID, bun.List(keys)}})
		}
		if r.Units != "" {
			var units []pricing.PromotionUnits
			if err := json.Unmarshal([]byte(r.Units), &units); err != nil {
				return 0, errs.Wrap(err, "promotion.Release: units")
			}
			for _, u := range units {
				stmts = append(stmts, stmt{`UPDATE promotion_flash_items SET sold = sold - ? WHERE tenant_id = ? AND promotion_id = ? AND variant_id = ? AND sold >= ?`,
					[]any{u.Quantity, tenant, r.PromotionID, u.VariantID, u.Quantity}})
			}
		}
	}
	for _, st := range stmts {
		if _, err := q.NewRaw(st.sql, st.args...).Exec(ctx); err != nil {
			return 0, errs.Wrap(err, "promotion.Release")
		}
	}
	return len(released), nil
}
