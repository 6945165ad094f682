package promotion

import (
	"strings"
	"time"

	"github.com/wasmart/wasmart/core/extension"
)

// Kind is what a promotion offers.
type Kind string

// Kinds of offer.
const (
	// KindPercentOff takes a percentage (PercentBP) off the target lines,
	// or off the whole order when the target is empty.
	KindPercentOff Kind = "percent_off"
	// KindAmountOff takes Amount off the target lines (once, or per unit
	// with PerItem), or off the whole order when the target is empty.
	KindAmountOff Kind = "amount_off"
	// KindSpendSave is spend X save Y with tiers (满减): the highest tier
	// whose Spend the target lines reach takes its Off.
	KindSpendSave Kind = "spend_save"
	// KindBuyGet is buy X get Y: for every BuyGet.Buy + BuyGet.Get target
	// units, the cheapest BuyGet.Get get BuyGet.PercentBP off (10000:
	// free), repeated up to BuyGet.MaxRepeats times (0: no limit).
	KindBuyGet Kind = "buy_get"
	// KindGift adds GiftQuantity of GiftVariantID at zero when the
	// conditions hold.
	KindGift Kind = "gift"
	// KindShipping takes PercentBP (10000: free) or Amount off delivery
	// options (ShippingMethods, or all), by destination country.
	KindShipping Kind = "shipping"
	// KindFlashSale sells each Flash item's variant at its Price during
	// the window, for at most its Quota units in all, then at the normal
	// price.
	KindFlashSale Kind = "flash_sale"
)

var kinds = []Kind{KindPercentOff, KindAmountOff, KindSpendSave, KindBuyGet, KindGift, KindShipping, KindFlashSale}

// Class is what a promotion discounts, for the combination rules: product
// (line) discounts, order discounts and shipping discounts. It is
// core/extension's Class, which a pricing plugin's adjustments declare too,
// so the pricing pipeline checks both against the same rules.
type Class = extension.Class

// Classes.
const (
	ClassProduct  = extension.ClassProduct
	ClassOrder    = extension.ClassOrder
	ClassShipping = extension.ClassShipping
)

// Status is a promotion's stored state. The state a shopper meets also
// depends on the clock: see Promotion.StatusAt.
type Status string

// Statuses. StatusScheduled is never stored: an active promotion whose
// window has not opened yet reads as scheduled, and one whose window has
// closed as ended.
const (
	StatusDraft     Status = "draft"
	StatusActive    Status = "active"
	StatusScheduled Status = "scheduled"
	StatusPaused    Status = "paused"
	StatusEnded     Status = "ended"
)

// Target says which cart lines a promotion is about. A line matches when
// it is any of the products or variants, or in any of the collections or
// categories, or carries any of the tags (ids compared exactly, an empty
// id naming nothing; categories and tags as strings.EqualFold compares
// them). An empty target is every line (and, for percent and amount off,
// the whole order). Prepared indexes targets by these keys.
type Target struct {
	ProductIDs    []string `json:"product_ids,omitempty"`
	VariantIDs    []string `json:"variant_ids,omitempty"`
	CollectionIDs []string `json:"collection_ids,omitempty"`
	Categories    []string `json:"categories,omitempty"`
	Tags          []string `json:"tags,omitempty"`
}

// Empty reports whether the target is every line.
func (t *Target) Empty() bool {
	return len(t.ProductIDs)+len(t.VariantIDs)+len(t.CollectionIDs)+len(t.Categories)+len(t.Tags) == 0
}

// Conditions must all hold for a promotion to apply. Amounts and
// quantities are of the target lines (amounts after the discounts applied
// before this promotion, see the package doc); zero means no limit.
type Conditions struct {
	MinSubtotal int64 `json:"min_subtotal,omitempty"`
	MaxSubtotal int64 `json:"max_subtotal,omitempty"`
	MinQuantity int64 `json:"min_quantity,omitempty"`
	MaxQuantity int64 `json:"max_quantity,omitempty"`
	// Audience. SignedIn needs a customer account; CustomerTags and
	// Segments need any one of theirs (Customer.Tags, Customer.Segments).
	SignedIn     bool     `json:"signed_in,omitempty"`
	CustomerTags []string `json:"customer_tags,omitempty"`
	Segments     []string `json:"segments,omitempty"`
	FirstOrder   bool     `json:"first_order,omitempty"`
	// NewWithinDays keeps only lines of products published at most this
	// many days ago (a launch offer).
	NewWithinDays int `json:"new_within_days,omitempty"`
	// Countries limits a shipping promotion to these destinations.
	Countries []string `json:"countries,omitempty"`
	// Recurring dates (member days): when either list is set the
	// promotion applies only on a day that is one of MonthDays (1–31) or
	// one of Weekdays (1 Monday … 7 Sunday, ISO 8601), counted in the
	// shop's time zone (Cart.Location). With Segments "tier:<code>" this
	// is a member day.
	MonthDays []int `json:"month_days,omitempty"`
	Weekdays  []int `json:"weekdays,omitempty"`
}

// Dated reports whether the conditions limit the promotion to recurring
// dates.
func (c *Conditions) Dated() bool { return len(c.MonthDays)+len(c.Weekdays) > 0 }

// OnDay reports whether the local date t (already in the shop's zone) is
// one of the promotion's days; always true without recurring dates.
func (c *Conditions) OnDay(t time.Time) bool {
	if !c.Dated() {
		return true
	}
	wd := int(t.Weekday())
	if wd == 0 {
		wd = 7
	}
	for _, d := range c.MonthDays {
		if d == t.Day() {
			return true
		}
	}
	for _, d := range c.Weekdays {
		if d == wd {
			return true
		}
	}
	return false
}

// Tier is one step of a spend X save Y promotion.
type Tier struct {
	Spend int64 `json:"spend"`
	Off   int64 `json:"off"`
}

// BuyGet parameterises KindBuyGet.
type BuyGet struct {
	Buy        int64 `json:"buy"`
	Get        int64 `json:"get"`
	PercentBP  int64 `json:"percent_bp"`            // off the "get" units; 10000 is free
	MaxRepeats int64 `json:"max_repeats,omitempty"` // 0: as often as the cart allows
}

// FlashItem is one variant in a flash sale. Sold is kept by redemptions.
type FlashItem struct {
	VariantID string `json:"variant_id"`
	Price     int64  `json:"price"`
	Quota     int64  `json:"quota"`
	Sold      int64  `json:"sold"`
}

// Left is the promotional quantity still to sell.
func (f *FlashItem) Left() int64 { return max(0, f.Quota-f.Sold) }

// Promotion is an offer with its conditions, window, combination rules,
// limits and counters.
type Promotion struct {
	ID         string `json:"id"`
	CampaignID string `json:"campaign_id,omitempty"`
	Name       string `json:"name"`  // for the merchant
	Label      string `json:"label"` // for the shopper ("−20% on summer dresses")
	Kind       Kind   `json:"kind"`
	Status     Status `json:"status"`
	// The window: StartsAt inclusive, EndsAt exclusive; zero is open.
	StartsAt time.Time `json:"starts_at,omitzero"`
	EndsAt   time.Time `json:"ends_at,omitzero"`
	// Priority orders promotions (higher first) when choosing and applying.
	Priority int `json:"priority"`
	// CombinesWith lists the classes this promotion may be used with. Two
	// promotions apply together only if each lists the other's class.
	CombinesWith []Class `json:"combines_with,omitempty"`
	RequiresCode bool    `json:"requires_code"`
	// Currency of every amount below; a cart in another currency does not
	// get amount-based offers.
	Currency   string     `json:"currency,omitempty"`
	Target     Target     `json:"target"`
	Conditions Conditions `json:"conditions"`

	PercentBP       int64       `json:"percent_bp,omitempty"` // basis points: 2000 is 20%
	Amount          int64       `json:"amount,omitempty"`
	PerItem         bool        `json:"per_item,omitempty"`
	Tiers           []Tier      `json:"tiers,omitempty"`
	BuyGet          BuyGet      `json:"buy_get,omitzero"`
	GiftVariantID   string      `json:"gift_variant_id,omitempty"`
	GiftQuantity    int64       `json:"gift_quantity,omitempty"`
	ShippingMethods []string    `json:"shipping_methods,omitempty"`
	Flash           []FlashItem `json:"flash,omitempty"`
	// ShowRemaining lets shoppers see a flash sale's promotional units
	// left on product pages and cards.
	ShowRemaining bool `json:"show_remaining,omitempty"`

	// Limits: MaxDiscount per order; UsageLimit orders in all;
	// PerCustomerLimit orders per customer (by account and by e-mail);
	// Budget total discount money. Zero means none.
	MaxDiscount      int64 `json:"max_discount,omitempty"`
	UsageLimit       int64 `json:"usage_limit,omitempty"`
	PerCustomerLimit int64 `json:"per_customer_limit,omitempty"`
	Budget           int64 `json:"budget,omitempty"`

	// Usage: orders that used it and the discount they kept;
	// CampaignBudget and CampaignSpent are its campaign's (0 when none).
	// Get and List read them from the redemption records; a Snapshot
	// carries the limit counters instead, exact where a limit needs
	// them (usage.go).
	Used           int64 `json:"used"`
	Spent          int64 `json:"spent"`
	CampaignBudget int64 `json:"campaign_budget,omitempty"`
	CampaignSpent  int64 `json:"campaign_spent,omitempty"`

	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Class is the promotion's combination class, from its kind and target.
func (p *Promotion) Class() Class {
	switch p.Kind {
	case KindShipping:
		return ClassShipping
	case KindSpendSave:
		return ClassOrder
	case KindPercentOff, KindAmountOff:
		if p.Target.Empty() {
			return ClassOrder
		}
	}
	return ClassProduct
}

// StatusAt is the status a shopper meets at now: stored draft, paused and
// ended stand; an active promotion is scheduled before its window and
// ended after it.
func (p *Promotion) StatusAt(now time.Time) Status {
	if p.Status != StatusActive {
		return p.Status
	}
	if !p.StartsAt.IsZero() && now.Before(p.StartsAt) {
		return StatusScheduled
	}
	if !p.EndsAt.IsZero() && !now.Before(p.EndsAt) {
		return StatusEnded
	}
	return StatusActive
}

// BudgetLeft is what the promotion may still give away under its own and
// its campaign's budget; -1 when neither has one.
func (p *Promotion) BudgetLeft() int64 {
	left := int64(-1)
	if p.Budget > 0 {
		left = max(0, p.Budget-p.Spent)
	}
	if p.CampaignBudget > 0 {
		c := max(0, p.CampaignBudget-p.CampaignSpent)
		if left < 0 || c < left {
			left = c
		}
	}
	return left
}

func (p *Promotion) combinesWith(c Class) bool {
	for _, x := range p.CombinesWith {
		if x == c {
			return true
		}
	}
	return false
}

// compatible reports whether a and b may apply together.
func compatible(a, b *Promotion) bool {
	return a.combinesWith(b.Class()) && b.combinesWith(a.Class())
}

// NormaliseCode is a coupon code's stored and compared form: trimmed and
// upper-cased, so codes are case-insensitive.
func NormaliseCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

func anyFold(want, got []string) bool {
	for _, g := range got {
		for _, w := range want {
			if strings.EqualFold(w, g) {
				return true
			}
		}
	}
	return false
}
