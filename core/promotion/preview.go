package promotion

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/store"
)

// Limits of a preview's sample cart.
const (
	MaxPreviewLines    = 100
	MaxPreviewQuantity = 10_000
)

// PreviewLine is one line of a sample cart.
type PreviewLine struct {
	VariantID string
	Quantity  int64
}

// PreviewCustomer is what a preview assumes of the shopper.
type PreviewCustomer struct {
	SignedIn bool
	Tags     []string
	// FirstOrder: the sample cart is the shopper's first order; otherwise
	// the shopper has ordered before.
	FirstOrder bool
}

// PreviewInput is a promotion to try on a sample cart: a stored one
// (PromotionID) or a draft not saved yet (Draft, checked like Create;
// with the id of a stored promotion it stands in for that one's saved
// settings).
type PreviewInput struct {
	PromotionID string
	Draft       *Promotion
	Lines       []PreviewLine
	Codes       []string // entered codes, as a shopper would type them
	Customer    PreviewCustomer
	Country     string    // delivery destination, for shipping offers; "" for none
	At          time.Time // when the cart is priced; zero: now, or the promotion's start if it is later
}

// PreviewLineResult is a sample line priced.
type PreviewLineResult struct {
	VariantID    string
	ProductID    string
	Title        string // the product's title and the variant's options
	Quantity     int64
	UnitPrice    int64
	Subtotal     int64
	Discount     int64 // this line's share of product discounts, >= 0
	Total        int64
	Adjustments  []Adjustment
	PromotionIDs []string
}

// PreviewRun is the sample cart priced under one set of promotions.
type PreviewRun struct {
	Lines         []PreviewLineResult
	Subtotal      int64
	LineDiscount  int64 // product discounts
	OrderDiscount int64 // order discounts
	Total         int64 // merchandise after discounts, before delivery and tax
	Applied       []pricing.AppliedPromotion
	Shipping      []pricing.ShippingDiscount // delivery discounts the cart would get
	Gifts         []pricing.PromotionGift
	Notes         []pricing.PromotionNote // why offers and codes did not apply
	// Applies tells whether the previewed promotion is among Applied, for
	// Amount; Reason is why not, when a note says.
	Applies bool
	Amount  int64
	Reason  string
}

// Preview is what a sample cart would be charged with the promotion alone
// and with the shop's other live promotions beside it (stacking, priority
// and best-for-the-shopper choice included): Evaluate on the cart, twice.
type Preview struct {
	Promotion  Promotion // as previewed (status treated as active)
	Currency   string
	At         time.Time
	Alone      PreviewRun
	WithOthers PreviewRun
}

// Preview prices a sample cart with a promotion, alone and among the
// shop's live promotions, at in.At. A draft, paused or ended promotion is
// previewed as if it were active (its window still counts); a promotion
// that needs a code is previewed as if the shopper entered one of its
// codes, unless an entered code already names it. The customer is a
// made-up one with no earlier use of any promotion. Nothing is written.
// Unknown or foreign variants are refused naming lines[i].variant_id, a
// draft's settings naming promotion.<field>.
func (s *Service) Preview(ctx context.Context, in PreviewInput) (*Preview, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if (in.PromotionID == "") == (in.Draft == nil) {
		return nil, errs.Field("promotion_id", "give either a stored promotion's id or a draft promotion")
	}
	if len(in.Lines) == 0 || len(in.Lines) > MaxPreviewLines {
		return nil, errs.Field("lines", "needs 1 to %d lines", MaxPreviewLines)
	}
	ids := make([]string, 0, len(in.Lines))
	for i, l := range in.Lines {
		if l.VariantID == "" {
			return nil, errs.Field(fmt.Sprintf("lines[%d].variant_id", i), "is required")
		}
		if l.Quantity < 1 || l.Quantity > MaxPreviewQuantity {
			return nil, errs.Field(fmt.Sprintf("lines[%d].quantity", i), "must be between 1 and %d", MaxPreviewQuantity)
		}
		ids = append(ids, l.VariantID)
	}
	if len(in.Customer.Tags) > MaxListItems {
		return nil, errs.Field("customer.tags", "may list at most %d tags", MaxListItems)
	}
	var draft Promotion
	if in.Draft != nil {
		draft = *in.Draft
		if err := normalise(&draft); err != nil {
			return nil, errs.Under("promotion", err)
		}
		if draft.ID == "" {
			draft.ID = "draft"
		}
	}
	now := s.now()
	var out *Preview
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		p := &draft
		if in.Draft != nil {
			if err := s.checkRefs(ctx, q, tenant, p); err != nil {
				return errs.Under("promotion", err)
			}
		} else if p, err = get(ctx, q, tenant, in.PromotionID); err != nil {
			return err
		}
		variants, err := catalog.SaleVariants(ctx, q, tenant, ids, now, inventory.AvailableSQL)
		if err != nil {
			return err
		}
		var products []string
		currency := ""
		for i, l := range in.Lines {
			v, ok := variants[l.VariantID]
			if !ok {
				return errs.Field(fmt.Sprintf("lines[%d].variant_id", i), "no variant %q in this shop", l.VariantID)
			}
			if currency == "" {
				currency = v.Currency
			} else if v.Currency != currency {
				return errs.Field(fmt.Sprintf("lines[%d].variant_id", i), "is priced in %s, the other lines in %s", v.Currency, currency)
			}
			products = append(products, v.ProductID)
		}
		snap, err := s.SnapshotIn(ctx, q, SnapshotInput{Codes: in.Codes})
		if err != nil {
			return err
		}
		if p.Conditions.Dated() && snap.Location == nil {
			if snap.Location, err = analytics.LocationIn(ctx, q, tenant); err != nil {
				return errs.Wrap(err, "promotion.Preview: time zone")
			}
		}
		var want catalog.FactsWanted
		for _, x := range append([]Promotion{*p}, snap.Promotions...) {
			want.Tags = want.Tags || len(x.Target.Tags) > 0
			want.Collections = append(want.Collections, x.Target.CollectionIDs...)
		}
		facts, err := catalog.ProductFactsIn(ctx, q, tenant, products, want)
		if err != nil {
			return err
		}
		out = preview(p, snap, variants, facts, &in, currency, now)
		return nil
	})
	return out, err
}

// preview builds the sample cart and evaluates it twice.
func preview(p *Promotion, snap *Snapshot, variants map[string]catalog.SaleVariant, facts map[string]*catalog.ProductFacts,
	in *PreviewInput, currency string, now time.Time) *Preview {
	promo := *p
	if promo.Status != StatusActive {
		promo.Status = StatusActive
	}
	at := in.At.UTC()
	if at.IsZero() {
		at = now
		if promo.StartsAt.After(at) {
			at = promo.StartsAt
		}
	}
	cart := Cart{Currency: currency, Country: in.Country, Now: at, Location: snap.Location,
		Customer: Customer{Tags: in.Customer.Tags, Orders: 1, Uses: map[string]int64{}}}
	if in.Customer.SignedIn {
		cart.Customer.ID = "preview-customer"
	}
	if in.Customer.FirstOrder {
		cart.Customer.Orders = 0
	}
	for i, l := range in.Lines {
		v := variants[l.VariantID]
		line := Line{ID: fmt.Sprintf("line-%d", i+1), VariantID: v.ID, ProductID: v.ProductID, Quantity: l.Quantity, UnitPrice: v.Price}
		if f := facts[v.ProductID]; f != nil {
			line.Tags, line.Categories, line.Collections, line.PublishedAt = f.Tags, f.Categories, f.Collections, f.PublishedAt
		}
		cart.Lines = append(cart.Lines, line)
	}
	// The entered codes, and one standing for the promotion's own codes
	// when it needs one and none entered names it.
	codes := map[string]Code{}
	for k, c := range snap.Codes {
		codes[k] = c
	}
	named := false
	for _, text := range in.Codes {
		c := codes[NormaliseCode(text)]
		named = named || c.PromotionID == promo.ID
		c.Text = text
		cart.Codes = append(cart.Codes, c)
	}
	if promo.RequiresCode && !named {
		cart.Codes = append(cart.Codes, Code{Text: "PREVIEW", ID: "preview", PromotionID: promo.ID})
	}
	others := []Promotion{promo}
	for _, x := range snap.Promotions {
		if x.ID != promo.ID {
			others = append(others, x)
		}
	}
	res := &Preview{Promotion: promo, Currency: currency, At: at}
	res.Alone = run([]Promotion{promo}, cart, variants, promo.ID)
	res.WithOthers = run(others, cart, variants, promo.ID)
	return res
}

// run evaluates the cart under promos and totals it.
func run(promos []Promotion, cart Cart, variants map[string]catalog.SaleVariant, previewed string) PreviewRun {
	o := Evaluate(promos, &cart)
	r := PreviewRun{Applied: o.Applied, Shipping: o.Shipping, Gifts: o.Gifts, Notes: o.Notes}
	at := map[string]int{}
	for i, l := range cart.Lines {
		v := variants[l.VariantID]
		title := v.Title
		if vt := v.VariantTitle(); vt != "" {
			title += " — " + vt
		}
		sub := l.Quantity * l.UnitPrice
		r.Lines = append(r.Lines, PreviewLineResult{VariantID: l.VariantID, ProductID: l.ProductID, Title: title, Quantity: l.Quantity,
			UnitPrice: l.UnitPrice, Subtotal: sub, Total: sub})
		r.Subtotal += sub
		at[l.ID] = i
	}
	for _, a := range o.Adjustments {
		if a.LineID == "" {
			r.OrderDiscount -= a.Amount
			continue
		}
		pl := &r.Lines[at[a.LineID]]
		pl.Discount -= a.Amount
		pl.Total += a.Amount
		pl.Adjustments = append(pl.Adjustments, a)
		pl.PromotionIDs = append(pl.PromotionIDs, a.PromotionID)
		r.LineDiscount -= a.Amount
	}
	r.Total = max(0, r.Subtotal-r.LineDiscount-r.OrderDiscount)
	for _, a := range o.Applied {
		if a.ID == previewed {
			r.Applies, r.Amount = true, a.Amount
		}
	}
	for _, s := range o.Shipping {
		r.Applies = r.Applies || s.PromotionID == previewed
	}
	for _, g := range o.Gifts {
		r.Applies = r.Applies || g.PromotionID == previewed
	}
	if !r.Applies {
		r.Reason = "no item in the sample cart qualifies"
		switch p := &promos[0]; p.StatusAt(cart.Now) { // the previewed promotion comes first
		case StatusScheduled:
			r.Reason = "its window opens on " + p.StartsAt.UTC().Format("2 Jan 2006 15:04 UTC")
		case StatusEnded:
			r.Reason = "its window closed on " + p.EndsAt.UTC().Format("2 Jan 2006 15:04 UTC")
		}
		for _, n := range o.Notes {
			if n.PromotionID == previewed {
				r.Reason = n.Reason
				break
			}
		}
	}
	return r
}
