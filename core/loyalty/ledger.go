package loyalty

import (
	"context"
	"crypto/rand"
	"strconv"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Entry kinds.
const (
	KindEarn    = "earn"    // orders, sign-up, reviews, referrals, birthdays
	KindRedeem  = "redeem"  // spent at checkout
	KindExpire  = "expire"  // a lot ran out of time
	KindReverse = "reverse" // an earn taken back (refund) or a redemption given back (cancellation)
	KindAdjust  = "adjust"  // staff, with a reason
)

// Entry is one line of the ledger. Entries are never changed or deleted.
type Entry struct {
	bun.BaseModel `bun:"table:loyalty_entries" json:"-"`
	TenantID      string    `bun:"tenant_id,pk" json:"-"`
	ID            string    `bun:"id,pk" json:"id"`
	CustomerID    string    `bun:"customer_id" json:"customer_id"`
	Kind          string    `bun:"kind" json:"kind"`
	Points        int64     `bun:"points" json:"points"`
	SourceKey     string    `bun:"source_key" json:"source"` // what it is for, once: "order:<id>", "signup", ...
	OrderID       string    `bun:"order_id" json:"order_id,omitempty"`
	Reason        string    `bun:"reason" json:"reason,omitempty"`
	Actor         string    `bun:"actor" json:"actor,omitempty"`
	CreatedAt     time.Time `bun:"created_at" json:"created_at"`
}

// Lot is what a positive entry left to spend.
type Lot struct {
	bun.BaseModel `bun:"table:loyalty_lots" json:"-"`
	TenantID      string     `bun:"tenant_id,pk" json:"-"`
	ID            string     `bun:"id,pk" json:"id"`
	CustomerID    string     `bun:"customer_id" json:"customer_id"`
	EntryID       string     `bun:"entry_id" json:"entry_id"`
	Points        int64      `bun:"points" json:"points"`
	Remaining     int64      `bun:"remaining" json:"remaining"`
	ExpiresAt     *time.Time `bun:"expires_at" json:"expires_at,omitempty"`
	NotifiedAt    *time.Time `bun:"notified_at" json:"-"`
	CreatedAt     time.Time  `bun:"created_at" json:"created_at"`
}

type spend struct {
	bun.BaseModel `bun:"table:loyalty_spends"`
	TenantID      string `bun:"tenant_id,pk"`
	EntryID       string `bun:"entry_id,pk"`
	LotID         string `bun:"lot_id,pk"`
	Points        int64  `bun:"points"`
}

type account struct {
	bun.BaseModel `bun:"table:loyalty_accounts"`
	TenantID      string     `bun:"tenant_id,pk"`
	CustomerID    string     `bun:"customer_id,pk"`
	ReferralCode  string     `bun:"referral_code"`
	TierCode      string     `bun:"tier_code"`
	TierSince     *time.Time `bun:"tier_since"`
	ReviewedAt    *time.Time `bun:"reviewed_at"`
	PreviewedAt   *time.Time `bun:"previewed_at"` // the pre-review check of this cycle ran
	NoticeAt      *time.Time `bun:"notice_at"`    // a downgrade notice was sent
	Version       int64      `bun:"version"`
	CreatedAt     time.Time  `bun:"created_at"`
}

const codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func newReferralCode() string {
	b := make([]byte, 8)
	rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

// lock makes sure the customer's account row exists and locks it for the
// rest of q's transaction (PostgreSQL row lock; SQLite writers are
// serialised already): every ledger write for a customer takes it first,
// so a plan read from the lots holds until the transaction ends.
func lock(ctx context.Context, q bun.IDB, tenant, customerID string, now time.Time) (*account, error) {
	if customerID == "" {
		return nil, errs.Field("customer_id", "points need a customer account")
	}
	a := &account{TenantID: tenant, CustomerID: customerID}
	for range 4 {
		res, err := q.NewUpdate().Model(a).Set("version = version + 1").WherePK().Exec(ctx)
		if err != nil {
			return nil, errs.Wrap(err, "loyalty: lock account")
		}
		if n, _ := res.RowsAffected(); n == 1 {
			if err := q.NewSelect().Model(a).WherePK().Scan(ctx); err != nil {
				return nil, errs.Wrap(err, "loyalty: lock account")
			}
			return a, nil
		}
		row := account{TenantID: tenant, CustomerID: customerID, ReferralCode: newReferralCode(), CreatedAt: now}
		if _, err := q.NewInsert().Model(&row).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return nil, errs.Wrap(err, "loyalty: open account")
		}
	}
	return nil, errs.E(errs.Conflict, "loyalty: could not open the account; try again")
}

// openAccount reads the customer's account, opening it (with its
// referral code) when there is none, without locking it.
func openAccount(ctx context.Context, q bun.IDB, tenant, customerID string, now time.Time) (*account, error) {
	a := &account{TenantID: tenant, CustomerID: customerID}
	for range 4 {
		err := q.NewSelect().Model(a).WherePK().Scan(ctx)
		if err == nil {
			return a, nil
		}
		if !store.NoRows(err) {
			return nil, errs.Wrap(err, "loyalty: account")
		}
		row := account{TenantID: tenant, CustomerID: customerID, ReferralCode: newReferralCode(), CreatedAt: now}
		if _, err := q.NewInsert().Model(&row).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return nil, errs.Wrap(err, "loyalty: open account")
		}
	}
	return nil, errs.E(errs.Conflict, "loyalty: could not open the account; try again")
}

// post is one ledger write inside q, after lock.
type post struct {
	tenant, customer string
	kind             string
	key              string // unique per shop: a second post with the key does nothing
	orderID, reason  string
	actor            string
	now              time.Time
}

// credit adds points as a new lot expiring after expiryDays (0: never).
// It returns the entry, or nil when the key was posted before.
func credit(ctx context.Context, q bun.IDB, p post, points int64, expiryDays int64) (*Entry, error) {
	if points <= 0 {
		return nil, nil
	}
	e := &Entry{TenantID: p.tenant, ID: store.NewID(), CustomerID: p.customer, Kind: p.kind, Points: points, SourceKey: p.key,
		OrderID: p.orderID, Reason: p.reason, Actor: p.actor, CreatedAt: p.now}
	res, err := q.NewInsert().Model(e).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return nil, errs.Wrap(err, "loyalty: credit")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, nil
	}
	lot := &Lot{TenantID: p.tenant, ID: store.NewID(), CustomerID: p.customer, EntryID: e.ID, Points: points, Remaining: points, CreatedAt: p.now}
	if expiryDays > 0 {
		t := p.now.Add(time.Duration(expiryDays) * 24 * time.Hour)
		lot.ExpiresAt = &t
	}
	if _, err := q.NewInsert().Model(lot).Exec(ctx); err != nil {
		return nil, errs.Wrap(err, "loyalty: lot")
	}
	return e, nil
}

// posted reports whether key is in the ledger.
func posted(ctx context.Context, q bun.IDB, tenant, key string) (bool, error) {
	n, err := q.NewSelect().Model((*Entry)(nil)).Where("tenant_id = ? AND source_key = ?", tenant, key).Count(ctx)
	return n > 0, errs.Wrap(err, "loyalty: posted")
}

// debit takes points from the customer's open lots, first earned first
// spent (or, with lotID, that lot only). With strict, fewer points than
// asked is a 422 on "points"; without, it takes what there is (a refund
// reversing points already spent). It returns the points taken (0 and no
// entry when there was nothing, or the key was posted before).
func debit(ctx context.Context, q bun.IDB, p post, points int64, strict bool, lotID string) (int64, error) {
	if points <= 0 {
		return 0, nil
	}
	if done, err := posted(ctx, q, p.tenant, p.key); err != nil || done {
		return 0, err
	}
	var lots []Lot
	sel := q.NewSelect().Model(&lots).Where("tenant_id = ? AND customer_id = ? AND remaining > 0", p.tenant, p.customer)
	if lotID != "" {
		sel.Where("id = ?", lotID)
	}
	if err := sel.Order("created_at", "id").Scan(ctx); err != nil && !store.NoRows(err) {
		return 0, errs.Wrap(err, "loyalty: lots")
	}
	var have int64
	for _, l := range lots {
		have += l.Remaining
	}
	if strict && have < points {
		return 0, &errs.Error{Code: errs.Unprocessable, Field: "points", Message: "only " + itoa(have) + " points are available"}
	}
	take := min(points, have)
	if take == 0 {
		return 0, nil
	}
	e := &Entry{TenantID: p.tenant, ID: store.NewID(), CustomerID: p.customer, Kind: p.kind, Points: -take, SourceKey: p.key,
		OrderID: p.orderID, Reason: p.reason, Actor: p.actor, CreatedAt: p.now}
	if _, err := q.NewInsert().Model(e).Exec(ctx); err != nil {
		if store.IsUniqueViolation(err) {
			return 0, errs.E(errs.Conflict, "loyalty: posted twice")
		}
		return 0, errs.Wrap(err, "loyalty: debit")
	}
	left := take
	for _, l := range lots {
		if left == 0 {
			break
		}
		n := min(left, l.Remaining)
		res, err := q.NewUpdate().Model((*Lot)(nil)).Set("remaining = remaining - ?", n).
			Where("tenant_id = ? AND id = ? AND remaining >= ?", p.tenant, l.ID, n).Exec(ctx)
		if err != nil {
			return 0, errs.Wrap(err, "loyalty: spend lot")
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return 0, errs.E(errs.Conflict, "points changed meanwhile; try again")
		}
		if _, err := q.NewInsert().Model(&spend{TenantID: p.tenant, EntryID: e.ID, LotID: l.ID, Points: n}).Exec(ctx); err != nil {
			return 0, errs.Wrap(err, "loyalty: spend")
		}
		left -= n
	}
	return take, nil
}

// restore gives back to their lots what the entry with key `of` took, as
// a positive entry under p.key. It returns the points given back.
func restore(ctx context.Context, q bun.IDB, p post, of string) (int64, error) {
	if done, err := posted(ctx, q, p.tenant, p.key); err != nil || done {
		return 0, err
	}
	var took []spend
	err := q.NewRaw(`SELECT s.tenant_id, s.entry_id, s.lot_id, s.points FROM loyalty_spends s
		JOIN loyalty_entries e ON e.tenant_id = s.tenant_id AND e.id = s.entry_id
		WHERE e.tenant_id = ? AND e.source_key = ? ORDER BY s.lot_id`, p.tenant, of).Scan(ctx, &took)
	if err != nil && !store.NoRows(err) {
		return 0, errs.Wrap(err, "loyalty: restore")
	}
	var total int64
	for _, s := range took {
		total += s.Points
	}
	if total <= 0 {
		return 0, nil
	}
	e := &Entry{TenantID: p.tenant, ID: store.NewID(), CustomerID: p.customer, Kind: p.kind, Points: total, SourceKey: p.key,
		OrderID: p.orderID, Reason: p.reason, Actor: p.actor, CreatedAt: p.now}
	if _, err := q.NewInsert().Model(e).Exec(ctx); err != nil {
		return 0, errs.Wrap(err, "loyalty: restore")
	}
	for _, s := range took {
		if _, err := q.NewUpdate().Model((*Lot)(nil)).Set("remaining = remaining + ?", s.Points).
			Where("tenant_id = ? AND id = ?", p.tenant, s.LotID).Exec(ctx); err != nil {
			return 0, errs.Wrap(err, "loyalty: restore lot")
		}
		if _, err := q.NewInsert().Model(&spend{TenantID: p.tenant, EntryID: e.ID, LotID: s.LotID, Points: -s.Points}).Exec(ctx); err != nil {
			return 0, errs.Wrap(err, "loyalty: restore")
		}
	}
	return total, nil
}

// balanceIn is the sum of the customer's entries.
func balanceIn(ctx context.Context, q bun.IDB, tenant, customerID string) (int64, error) {
	var sum int64
	err := q.NewSelect().Model((*Entry)(nil)).ColumnExpr("COALESCE(SUM(points), 0)").
		Where("tenant_id = ? AND customer_id = ?", tenant, customerID).Scan(ctx, &sum)
	return sum, errs.Wrap(err, "loyalty: balance")
}

// expireDue expires the customer's lots whose time has come (in q, after
// lock) and returns the points expired.
func expireDue(ctx context.Context, q bun.IDB, tenant, customerID string, now time.Time) (int64, error) {
	var lots []Lot
	if err := q.NewSelect().Model(&lots).Where("tenant_id = ? AND customer_id = ? AND remaining > 0 AND expires_at <= ?", tenant, customerID, now).
		Order("created_at", "id").Scan(ctx); err != nil && !store.NoRows(err) {
		return 0, errs.Wrap(err, "loyalty: due lots")
	}
	var total int64
	for _, l := range lots {
		n, err := debit(ctx, q, post{tenant: tenant, customer: customerID, kind: KindExpire, key: "expire:" + l.ID + ":" + store.NewID(),
			reason: "expired", now: now}, l.Remaining, false, l.ID)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
