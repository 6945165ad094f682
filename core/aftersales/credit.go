package aftersales

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
)

// Store credit
//
// Returns grant it (Credit), signed-in shoppers spend it at checkout (the
// StepTenders hook CreditTender), a cancelled order gives back what it
// spent (ReleaseCredit, an order.CancelHook) and a return refunded on an
// order partly paid with credit puts the credit part back (Refund).
//
// The ledger stays here, beside the returns that grant it, rather than in
// core/customer: grants happen inside a return's transaction and spends
// inside the checkout's, both of which this package already joins, and
// guests' credit is keyed by e-mail, which is not a customer row.
//
// store_credits holds the entries (positive: granted; negative: spent),
// one per source ("return:<id>", "order:<id>", "cancel:<order id>",
// "refund:<return id>"), so a retried grant or give-back cannot count
// twice. store_credit_accounts holds each key's balance per currency,
// moved in the same statement group as its entry: spending is a
// conditional UPDATE (balance >= amount), so concurrent checkouts never
// spend more than there is and the balance never goes below zero (the
// column's CHECK is a second wall).
//
// Who may spend: a signed-in customer, from "customer:<id>". Credit granted
// on a guest order ("email:<address>") is shown to nobody and spent by
// nobody until a later issue joins guest orders to verified accounts: a
// typed e-mail address proves nothing.

// TenderStoreCredit is the source name of store credit on an order's
// timeline (Placement.Take).
const TenderStoreCredit = "store_credit"

// Credit is one store-credit ledger entry (positive: granted; negative:
// spent).
type Credit struct {
	bun.BaseModel `bun:"table:store_credits"`

	TenantID    string    `bun:"tenant_id,pk" json:"-"`
	ID          string    `bun:"id,pk" json:"id"`
	CustomerKey string    `bun:"customer_key" json:"customer_key"`
	Amount      int64     `bun:"amount" json:"amount"`
	Currency    string    `bun:"currency" json:"currency"`
	Source      string    `bun:"source" json:"source"`
	Note        string    `bun:"note" json:"note,omitempty"`
	CreatedAt   time.Time `bun:"created_at" json:"created_at"`
}

// creditAccount is a key's balance in one currency: the sum of its
// entries.
type creditAccount struct {
	bun.BaseModel `bun:"table:store_credit_accounts"`

	TenantID    string    `bun:"tenant_id,pk"`
	CustomerKey string    `bun:"customer_key,pk"`
	Currency    string    `bun:"currency,pk"`
	Balance     int64     `bun:"balance"`
	UpdatedAt   time.Time `bun:"updated_at"`
}

// CustomerCreditKey is the ledger key of a signed-in customer's credit.
func CustomerCreditKey(customerID string) string { return "customer:" + customerID }

func customerKey(o *order.Order) string {
	if o.CustomerID != "" {
		return CustomerCreditKey(o.CustomerID)
	}
	return "email:" + strings.ToLower(o.Email)
}

// grant adds a positive entry and its balance in q. It reports false (and
// writes nothing) when an entry of the same source exists already.
func grant(ctx context.Context, q bun.IDB, c Credit) (bool, error) {
	if c.Amount <= 0 {
		return false, nil
	}
	if c.ID == "" {
		c.ID = store.NewID()
	}
	res, err := q.NewInsert().Model(&c).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return false, errs.Wrap(err, "store credit")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, nil
	}
	_, err = q.NewInsert().Model(&creditAccount{TenantID: c.TenantID, CustomerKey: c.CustomerKey, Currency: c.Currency, Balance: c.Amount, UpdatedAt: c.CreatedAt}).
		On("CONFLICT (tenant_id, customer_key, currency) DO UPDATE").
		Set("balance = credit_account.balance + EXCLUDED.balance").Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
	return err == nil, errs.Wrap(err, "store credit balance")
}

// spend takes exactly amount from key's balance in q, with a conditional
// UPDATE, and writes the negative entry; ok is false (nothing written) when
// the balance is short, and have is the balance then.
func spend(ctx context.Context, q bun.IDB, c Credit) (ok bool, have int64, err error) {
	res, err := q.NewUpdate().Model((*creditAccount)(nil)).Set("balance = balance - ?", c.Amount).Set("updated_at = ?", c.CreatedAt).
		Where("tenant_id = ? AND customer_key = ? AND currency = ? AND balance >= ?", c.TenantID, c.CustomerKey, c.Currency, c.Amount).Exec(ctx)
	if err != nil {
		return false, 0, errs.Wrap(err, "store credit spend")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		have, err := balanceIn(ctx, q, c.TenantID, c.CustomerKey, c.Currency)
		return false, have, err
	}
	c.ID, c.Amount = store.NewID(), -c.Amount
	if _, err := q.NewInsert().Model(&c).Exec(ctx); err != nil {
		if store.IsUniqueViolation(err) {
			return false, 0, errs.E(errs.Conflict, "store credit: %s was spent already", c.Source)
		}
		return false, 0, errs.Wrap(err, "store credit entry")
	}
	return true, 0, nil
}

func balanceIn(ctx context.Context, q bun.IDB, tenant, key, currency string) (int64, error) {
	var n int64
	err := q.NewSelect().Model((*creditAccount)(nil)).Column("balance").Where("tenant_id = ? AND customer_key = ? AND currency = ?", tenant, key, currency).Scan(ctx, &n)
	if store.NoRows(err) {
		return 0, nil
	}
	return n, errs.Wrap(err, "store credit balance")
}

// CreditStatement is a key's store credit: its balance per currency (only
// currencies with credit) and its latest entries, newest first.
type CreditStatement struct {
	Balances []CreditBalance `json:"balances"`
	Entries  []Credit        `json:"entries"`
}

// CreditBalance is a balance in one currency (minor units).
type CreditBalance struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Balance is the balance in currency (0 without one).
func (st *CreditStatement) Balance(currency string) int64 {
	for _, b := range st.Balances {
		if b.Currency == currency {
			return b.Amount
		}
	}
	return 0
}

// StoreCredit reads key's statement ("customer:<id>", CustomerCreditKey),
// with at most limit entries (default 50).
func (s *Service) StoreCredit(ctx context.Context, key string, limit int) (*CreditStatement, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	st := &CreditStatement{}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var accs []creditAccount
		if err := q.NewSelect().Model(&accs).Where("tenant_id = ? AND customer_key = ? AND balance > 0", tenant, key).OrderExpr("currency").Scan(ctx); err != nil {
			return err
		}
		for _, a := range accs {
			st.Balances = append(st.Balances, CreditBalance{Amount: a.Balance, Currency: a.Currency})
		}
		return q.NewSelect().Model(&st.Entries).Where("tenant_id = ? AND customer_key = ?", tenant, key).OrderExpr("id DESC").Limit(int64(limit)).Scan(ctx)
	})
	return st, errs.Wrap(err, "aftersales.StoreCredit")
}

// CreditTender is the checkout's StepTenders hook that pays with store
// credit: when the shopper asks for it (checkout.Input.StoreCredit), it
// takes that much (at most what is left to pay) from the signed-in
// customer's credit in the order's currency, in the placing transaction.
// A guest, or a balance that is short (also because a concurrent checkout
// spent it meanwhile), is refused on "store_credit" and nothing is written.
func (s *Service) CreditTender() checkout.Hook { return creditTender{s} }

type creditTender struct{ s *Service }

func (creditTender) Step() checkout.Step { return checkout.StepTenders }

func (t creditTender) Run(ctx context.Context, q bun.IDB, p *checkout.Placement) error {
	want := p.Input.StoreCredit
	switch {
	case want == 0:
		return nil
	case want < 0:
		return errs.Field("store_credit", "must be a positive amount")
	case p.Owner.CustomerID == "":
		return errs.Field("store_credit", "sign in to use your store credit")
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	o := p.Order
	amount := min(want, o.Balance())
	if amount <= 0 {
		return nil
	}
	ok, have, err := spend(ctx, q, Credit{TenantID: tenant, CustomerKey: CustomerCreditKey(p.Owner.CustomerID), Amount: amount, Currency: o.Currency,
		Source: "order:" + o.ID, CreatedAt: t.s.Now().UTC().Truncate(time.Microsecond)})
	if err != nil {
		return err
	}
	if !ok {
		if have == 0 {
			return &errs.Error{Code: errs.Unprocessable, Field: "store_credit", Message: "you have no store credit to use"}
		}
		return &errs.Error{Code: errs.Unprocessable, Field: "store_credit", Message: "you have " + money.Formatter{}.Display(have, o.Currency) + " of store credit; use at most that"}
	}
	p.Take(TenderStoreCredit, "store credit", amount)
	return nil
}

// creditOnOrder is how much store credit an order spent, and how much of
// it was given back already (cancellation, refunds).
func creditOnOrder(ctx context.Context, q bun.IDB, tenant, orderID string, returnIDs []string) (spent, back int64, key, currency string, err error) {
	var es []Credit
	sources := append([]string{"order:" + orderID, "cancel:" + orderID}, returnIDs...)
	if err := q.NewSelect().Model(&es).Where("tenant_id = ? AND source IN (?)", tenant, bun.List(sources)).Scan(ctx); err != nil {
		return 0, 0, "", "", errs.Wrap(err, "store credit of order")
	}
	for _, e := range es {
		if e.Amount < 0 {
			spent, key, currency = -e.Amount, e.CustomerKey, e.Currency
		} else {
			back += e.Amount
		}
	}
	return spent, back, key, currency, nil
}

// giveBack returns up to amount of the store credit order o spent (less
// what was given back already) to its owner as an entry of source, counts
// it as refunded on the order and says so on its timeline. It returns
// what it gave back (0 when the order spent none, or source was done).
func giveBack(ctx context.Context, q bun.IDB, o *order.Order, amount int64, source, why string, refundSources []string, now time.Time) (int64, error) {
	spent, back, key, currency, err := creditOnOrder(ctx, q, o.TenantID, o.ID, refundSources)
	if err != nil || spent == 0 {
		return 0, err
	}
	amount = min(amount, spent-back)
	if amount <= 0 {
		return 0, nil
	}
	done, err := grant(ctx, q, Credit{TenantID: o.TenantID, CustomerKey: key, Amount: amount, Currency: currency, Source: source, Note: why, CreatedAt: now})
	if err != nil || !done {
		return 0, err
	}
	if err := order.AddRefunded(ctx, q, o.TenantID, o.ID, amount, now); err != nil {
		return 0, err
	}
	_, err = order.AddEvent(ctx, q, o.TenantID, o.ID, order.EventPayment, "Refunded "+money.Formatter{}.Display(amount, currency)+" to store credit",
		map[string]any{"source": TenderStoreCredit, "amount": amount, "reason": why})
	return amount, err
}

// refundSourcesOf lists the ledger sources of the credit given back by
// returns of an order.
func refundSourcesOf(ctx context.Context, q bun.IDB, tenant, orderID string) ([]string, error) {
	var ids []string
	if err := q.NewSelect().Model((*Return)(nil)).Column("id").Where("tenant_id = ? AND order_id = ?", tenant, orderID).Scan(ctx, &ids); err != nil {
		return nil, errs.Wrap(err, "returns of order")
	}
	for i, id := range ids {
		ids[i] = "refund:" + id
	}
	return ids, nil
}

// ReleaseCredit is an order.CancelHook: a cancelled order's store credit
// (what it spent, less what returns gave back) goes back to the customer's
// credit in the cancelling transaction. Card payments are refunded by staff
// as before; the credit part never goes to a card.
func (s *Service) ReleaseCredit(ctx context.Context, q bun.IDB, o *order.Order) error {
	refunds, err := refundSourcesOf(ctx, q, o.TenantID, o.ID)
	if err != nil {
		return err
	}
	_, err = giveBack(ctx, q, o, o.Total, "cancel:"+o.ID, "order cancelled", refunds, s.Now().UTC().Truncate(time.Microsecond))
	return err
}
