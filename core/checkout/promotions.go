package checkout

import (
	"context"
	"strings"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/segment"
	"github.com/wasmart/wasmart/core/store"
)

// Promotions brings a shop's offers (core/promotion) into every priced
// cart, every checkout and every cancellation. The wiring sets it as the
// cart service's Offers, registers it as a StepPromotions hook and adds
// its Release to the order service's cancel hooks:
//
//   - Stage (cart.Offers) reads, in the pricing transaction, the shop's
//     promotion snapshot (the live offers come from core/promotion's
//     cache while the state the settings statement read is the one they
//     were read at) and the facts the live offers look at: the
//     signed-in customer's tags and e-mail (core/customer; the tags are
//     already on the input when the shop has a pricing plugin), the shopper's
//     earlier orders (core/order) for first-order offers, the products'
//     categories, tags, collections and publish time (core/catalog). It
//     reads only what some live offer needs, and nothing more than the
//     snapshot when no offer looks at them. The cart does not ask it at
//     all when the shop has no live offer (CartConfig's settings statement
//     tells) and no code was entered.
//   - Run (Hook) redeems the promotions the checkout's price used, in the
//     placing transaction: usage counts, per-customer uses, budgets and
//     flash-sale units move by conditional updates, so a one-use code or a
//     flash quota is never oversold; when a limit was reached meanwhile the
//     checkout fails with an errs.Conflict naming "codes", "lines" (flash
//     units) or "promotions" and nothing is written; the shopper's next
//     read of the cart shows the new price.
//   - Release (an order.CancelHook) gives it all back when an order is
//     cancelled (by staff or by the unpaid-order sweeper), in the
//     cancelling transaction.
//   - Refunded (a payment.RefundHook) lowers the promotions' revenue by a
//     partial refund, and gives it all back like Release when the refund
//     completes the order's; Returned (an aftersales.ResolveHook) takes
//     back the discount the returned units carried and the store credit
//     granted for them. core/promotion's reverse.go states the policy.
//
// With Members set, a signed-in shopper's loyalty tier (core/loyalty's
// Perks) joins the facts: Customer.Segments gets "tier:member" and
// "tier:<code>" (so a promotion with Conditions.Segments ["tier:gold"] is
// for gold members only, and a member day is such a promotion with dates),
// and the tier's own discount and free shipping join the offers as
// built-in promotions that claim no usage.
//
// With Segments set, a live offer whose Conditions.Segments names a saved
// segment ("segment:<id>") or an RFM group ("rfm:<group>") makes Stage
// ask core/segment which of those the signed-in shopper belongs to (two
// statements, only then).
type Promotions struct {
	Offers   *promotion.Service
	Members  *loyalty.Service // nil: no tiers
	Segments *segment.Service // nil: no customer segments
}

// Stage implements cart.Offers.
func (p *Promotions) Stage(ctx context.Context, q bun.IDB, in *pricing.Input, email, state string) (pricing.Promotions, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	email = strings.ToLower(strings.TrimSpace(email))
	snap, err := p.Offers.SnapshotIn(ctx, q, promotion.SnapshotInput{Codes: in.Codes, CustomerID: in.CustomerID, Email: email, State: state})
	if err != nil {
		return nil, err
	}
	var segments []string
	if p.Members != nil && in.CustomerID != "" {
		segs, perks, err := p.Members.Perks(ctx, q, tenant, in.CustomerID)
		if err != nil {
			return nil, err
		}
		segments = segs
		snap.Promotions = append(snap.Promotions, perks...)
	}
	if len(snap.Promotions) == 0 && len(in.Codes) == 0 {
		return nil, nil
	}
	// What the offers look at.
	var want catalog.FactsWanted
	products, customerTags, orders := false, false, false
	seen := map[string]bool{}
	var wantSegments []string
	seenSegment := map[string]bool{}
	for i := range snap.Promotions {
		pr := &snap.Promotions[i]
		t, c := &pr.Target, &pr.Conditions
		products = products || len(t.Categories) > 0 || len(t.Tags) > 0 || len(t.CollectionIDs) > 0 || c.NewWithinDays > 0
		want.Tags = want.Tags || len(t.Tags) > 0
		for _, id := range t.CollectionIDs {
			if !seen[id] {
				seen[id] = true
				want.Collections = append(want.Collections, id)
			}
		}
		// A guest never gets an offer for signed-in shoppers: its
		// other conditions are not worth a statement then.
		guestBarred := c.SignedIn && in.CustomerID == ""
		customerTags = customerTags || len(c.CustomerTags) > 0
		orders = orders || c.FirstOrder && !guestBarred
		for _, sg := range c.Segments {
			if segment.Wanted(sg) && !seenSegment[sg] {
				seenSegment[sg] = true
				wantSegments = append(wantSegments, sg)
			}
		}
	}
	if p.Segments != nil && in.CustomerID != "" && len(wantSegments) > 0 {
		got, err := p.Segments.MembershipsIn(ctx, q, tenant, in.CustomerID, wantSegments)
		if err != nil {
			return nil, err
		}
		segments = append(append([]string(nil), segments...), got...)
	}
	// With a pricing plugin the cart has read the customer's tags into in
	// (from their account); otherwise they are read here when an offer
	// looks at them, and put on in for the later stages.
	c := promotion.Customer{ID: in.CustomerID, Email: email, Tags: in.CustomerTags, Segments: segments}
	if in.CustomerID != "" && (customerTags && len(c.Tags) == 0 || orders && email == "") {
		f, err := customer.FactsIn(ctx, q, tenant, in.CustomerID)
		if err != nil {
			return nil, err
		}
		if f != nil {
			if len(c.Tags) == 0 {
				c.Tags, in.CustomerTags = f.Tags, f.Tags
			}
			if c.Email == "" {
				c.Email = f.Email
			}
		}
	}
	if orders {
		placed, err := order.HasPlaced(ctx, q, c.ID, c.Email)
		if err != nil {
			return nil, err
		}
		if placed {
			c.Orders = 1
		}
	}
	var facts map[string]promotion.ProductFacts
	if products {
		ids := make([]string, 0, len(in.Lines))
		have := map[string]bool{}
		for _, l := range in.Lines {
			if !have[l.ProductID] {
				have[l.ProductID] = true
				ids = append(ids, l.ProductID)
			}
		}
		pf, err := catalog.ProductFactsIn(ctx, q, tenant, ids, want)
		if err != nil {
			return nil, err
		}
		facts = make(map[string]promotion.ProductFacts, len(pf))
		for id, f := range pf {
			facts[id] = promotion.ProductFacts{Collections: f.Collections, PublishedAt: f.PublishedAt}
		}
		// Tags and categories go on the lines, where the pricing plugin
		// sees them too.
		for i := range in.Lines {
			if f := pf[in.Lines[i].ProductID]; f != nil {
				in.Lines[i].Tags, in.Lines[i].Categories = f.Tags, f.Categories
			}
		}
	}
	return snap.Stage(c, facts), nil
}

// Step implements Hook: promotions claim their usage at StepPromotions.
func (p *Promotions) Step() Step { return StepPromotions }

// Run implements Hook: it redeems the promotions the price used, in the
// placing transaction.
func (p *Promotions) Run(ctx context.Context, q bun.IDB, pl *Placement) error {
	o := pl.Order
	used := make([]pricing.AppliedPromotion, 0, len(pl.Price.Promotions))
	for _, a := range pl.Price.Promotions {
		if !strings.HasPrefix(a.ID, loyalty.PerkPrefix) { // tier perks have no usage to claim
			used = append(used, a)
		}
	}
	return p.Offers.Redeem(ctx, q, promotion.Order{ID: o.ID, CustomerID: o.CustomerID, Email: o.Email, Currency: o.Currency, Total: o.Total}, used)
}

// Release is an order.CancelHook: it gives back what the order's
// promotions took, in the cancelling transaction.
func (p *Promotions) Release(ctx context.Context, q bun.IDB, o *order.Order) error {
	_, err := p.Offers.Release(ctx, q, o.ID)
	return err
}

// Refunded is a payment.RefundHook: a refund that completes the order's
// gives back everything its promotions took, like a cancellation; a
// partial one lowers the revenue they count for it.
func (p *Promotions) Refunded(ctx context.Context, q bun.IDB, o *order.Order, amount int64) error {
	if o.Status == order.Refunded {
		_, err := p.Offers.Release(ctx, q, o.ID)
		return err
	}
	return p.Offers.Reverse(ctx, q, o.ID, promotion.Reversal{Revenue: amount})
}

// Returned is an aftersales.ResolveHook: the returned units' part of each
// promotion's discount, and the store credit granted for them, are taken
// back from the promotions' figures (money refunded reaches them through
// Refunded).
func (p *Promotions) Returned(ctx context.Context, q bun.IDB, o *order.Order, units []order.Returned, credited int64) error {
	return p.Offers.Reverse(ctx, q, o.ID, promotion.Reversal{Discounts: o.ReturnedDiscounts(units), Revenue: credited})
}

// refusedCode is the error for the first code the shopper entered that the
// price does not use, with the offer's reason ("this code has expired",
// "minimum spend 50.00 EUR not reached"), or nil when every code applied.
// Placing the order without a discount the shopper asked for would be
// charging a price they did not expect.
func refusedCode(codes []string, p *pricing.Result) error {
	for _, text := range codes {
		code := promotion.NormaliseCode(text)
		if code == "" {
			continue
		}
		used := false
		for _, a := range p.Promotions {
			used = used || a.Code == code
		}
		if used {
			continue
		}
		why := "this code does not apply to this order"
		for _, n := range p.PromotionNotes {
			if promotion.NormaliseCode(n.Code) == code {
				why = n.Reason
				break
			}
		}
		return &errs.Error{Code: errs.Unprocessable, Field: "codes", Message: code + ": " + why}
	}
	return nil
}
