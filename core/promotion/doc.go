// Package promotion is a shop's offers: promotions (percentage or amount
// off products, variants, collections, categories, tags or the whole
// order; spend X save Y tiers; buy X get Y; gift with purchase; free or
// discounted delivery; flash sales with a promotional quantity per
// variant), the coupon codes that unlock them, and campaigns that group
// promotions under a theme, a window and a shared budget.
//
// # Evaluation
//
// Evaluate is a pure function from a cart (lines with their product,
// variant, category, collection and tag facts, the customer's facts, the
// codes entered, the time) to discounts per line and per order, delivery
// discounts, gifts to add, and a shopper-facing reason for every entered
// code that did not apply and every live automatic offer the cart misses
// ("minimum spend 50.00 EUR not reached (add 12.50 EUR)", "this offer has
// expired"). Stage plugs it into core/pricing as the promotions stage
// (pricing.ExplainedPromotions); Service.Snapshot reads what it needs once
// per priced cart.
//
// Choosing: every promotion that may apply is valued on its own; priority
// tiers are taken from the highest, and within a tier the compatible set
// worth most to the shopper wins (exhaustively up to 12 candidates, then
// greedily). Two promotions are compatible when each lists the other's
// class (product, order, shipping) in CombinesWith; an empty CombinesWith
// is exclusive. Applying: product discounts first, then order discounts on
// what remains, then delivery; amount conditions and tiers are checked
// against the totals at that point. Every discount is capped by what its
// lines still cost (no line and no order goes below zero, and a fixed
// amount off a cheap cart gives at most the cart), by the promotion's
// MaxDiscount and by what its own and its campaign's budgets have left.
//
// Cost: Prepare works out once per set of promotions what does not depend
// on the cart (an index from every key a target names to the promotions
// naming it, flash items by variant), so a cart's lines are matched to
// every promotion in one pass; the subset search is bounded (at most 2^12
// subsets, each from a smaller one in constant time); evaluators' buffers
// are pooled. SnapshotIn keeps a shop's live offers, decoded and
// prepared, under the state token StateSQL reads (cache.go), while none
// of them has a counting limit.
//
// # Sale prices and previews
//
// Snapshot.Sales picks the automatic, unconditional product offers a
// shopper gets on one unit, and Sales.UnitPrice prices a unit under them
// (Evaluate on a one-line cart): the storefront shows these sale prices on
// product pages and product cards before the cart, and LastChange keeps
// its page cache right. Service.Preview tries a stored or draft promotion
// on a merchant's sample cart, alone and beside the shop's live
// promotions (Evaluate twice), writing nothing.
//
// # Personal codes and recurring dates
//
// A personal code (IssuePersonalCode, for core/loyalty's monthly coupons
// and coupons bought with points) belongs to one customer account and
// may end: Evaluate refuses it for anyone else ("this code belongs to
// another account") or after its end, and Redeem's read of the code
// takes only a code of the order's customer that has not ended. Conditions
// MonthDays and Weekdays limit a promotion to recurring days (a member
// day), counted in the shop's time zone (core/analytics' setting, read by
// SnapshotIn only when a live promotion has such days); such a promotion
// never shows as a sale price on cached pages.
//
// # Redemption
//
// Service.Redeem runs in the caller's order transaction: a code's and the
// promotion's usage counts, the per-customer counts (by account and by
// e-mail), the promotion's and campaign's budgets and flash-sale quotas
// move there by conditional updates, so they are never oversold under any
// concurrency; a limit reached meanwhile is an errs.Conflict and the order
// is not placed at the stale price. Service.Release gives everything back
// when an order is cancelled or expires, or is refunded in full;
// Service.Reverse takes back the discount returned goods carried (and
// gives it back to the budgets) and the money refunded, while a partial
// return keeps the use (reverse.go states the policy). Stats judges a
// promotion or campaign afterwards from the redemption records, net of
// returns and refunds; CampaignReport judges a campaign against the shop's
// orders, net of refunds and returns too (new customers, average order
// against the stretch before, incremental gross margin from the cost each
// order line kept, ROI, a daily series; definitions on Report), asking
// core/order for its figures. Templates are festival presets (11.11, 618,
// Black Friday, Christmas, Chinese New Year) that fill in a new campaign;
// CreateFromTemplate (through CreateCampaignWith) creates the campaign
// with its suggested promotions in one transaction.
//
// Counters only where a limit needs them (usage.go): the redemption
// records are the truth, and the usage people see (orders, discount
// given, a campaign's spend, a code's uses) is counted from them. The
// counters in the rows are the reservations that enforce limits, kept
// only while there is a limit — a promotion's usage limit or budget, a
// campaign's budget, a code's usage limit, a per-customer limit — and
// zero otherwise. So an order using the shop's everyday offers updates
// no offer's row (a row every such order would otherwise wait on until
// the one before commits) and moves no cache token (LastChange); it holds
// a shared lock against a change of the offers' limits instead. Release
// and Reverse give back only the counters kept. Update and UpdateCampaign
// take that lock exclusively and recount the counters from the
// redemptions when a limit is set, so a limit set while orders are being
// placed counts every order before it and holds for every order after.
//
// Tables: the package owns promotions, promotion_codes,
// promotion_flash_items, promotion_customer_uses, promotion_redemptions
// and promotion_campaigns. It checks the products, variants and
// collections a promotion names through core/catalog, and a gift's stock
// through core/inventory's stock column.
package promotion
