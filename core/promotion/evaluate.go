package promotion

import (
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/pricing"
)

// Line is a cart line with the facts promotions look at.
type Line struct {
	ID          string
	VariantID   string
	ProductID   string
	Quantity    int64
	UnitPrice   int64 // list price of one unit
	Tags        []string
	Categories  []string
	Collections []string
	PublishedAt time.Time // the product's; zero: unknown (never "new")
}

// Customer is what promotions know of the shopper.
type Customer struct {
	ID       string   // empty for a guest
	Email    string   // normalised; may be empty until checkout
	Tags     []string // the customer's tags
	Segments []string // memberships computed elsewhere (tiers, segments)
	Orders   int64    // orders placed before this one (checkout reads only whether there is one: 0 or 1)
	// Uses counts this customer's earlier orders per promotion id (by
	// account or e-mail, whichever is higher), for per-customer limits.
	Uses map[string]int64
}

// Code is a code the shopper entered, resolved against the shop's codes.
type Code struct {
	Text        string // as entered
	ID          string // the code's id; empty when unknown
	PromotionID string
	UsageLimit  int64
	Used        int64
	// CustomerID is the only account a personal code works for; empty:
	// anyone's. ExpiresAt (nil: never) ends a personal code.
	CustomerID string
	ExpiresAt  *time.Time
}

// Cart is everything Evaluate looks at.
type Cart struct {
	Currency string
	Lines    []Line
	Customer Customer
	Codes    []Code
	Country  string // delivery destination (ISO 3166-1 alpha-2), for shipping offers
	Now      time.Time
	// Location is the shop's time zone, in which recurring dates
	// (Conditions.MonthDays, Weekdays) are counted; nil is UTC.
	Location *time.Location
}

// Adjustment is one discount: on a line, or on the whole order when
// LineID is empty. Amount is negative.
type Adjustment struct {
	LineID      string
	Amount      int64
	Label       string
	PromotionID string
	Code        string
}

// Outcome is what Evaluate decided.
type Outcome struct {
	Adjustments []Adjustment
	Applied     []pricing.AppliedPromotion // merchandise promotions, with their amounts
	Shipping    []pricing.ShippingDiscount // delivery discounts, applied by pricing per option
	Gifts       []pricing.PromotionGift
	Notes       []pricing.PromotionNote // codes refused, offers not applied, with why
	Discount    int64                   // total merchandise discount, >= 0
}

// candidate is a promotion that may apply.
type candidate struct {
	p     *Promotion
	code  string // the normalised code it came with
	value int64  // standalone worth to the shopper, for choosing
	order int    // position in the input, for stable ties
}

// Evaluate decides which of promos apply to cart and for how much. It is
// a pure function: same input, same outcome; it reads no clock and no
// database (the counters it respects are in promos and cart.Codes; the
// redemption at checkout enforces them atomically).
func Evaluate(promos []Promotion, cart *Cart) *Outcome {
	return Prepare(promos).evaluate(cart)
}

func (pr *Prepared) evaluate(cart *Cart) *Outcome {
	e := pr.run(cart)
	defer e.release()
	if len(e.adjs) > 0 {
		e.out.Adjustments = make([]Adjustment, len(e.adjs))
		for i, a := range e.adjs {
			p := &pr.promos[a.promo]
			e.out.Adjustments[i] = Adjustment{Amount: a.amount, Label: p.Label, PromotionID: p.ID, Code: e.codes[a.promo]}
			if a.line >= 0 {
				e.out.Adjustments[i].LineID = cart.Lines[a.line].ID
			}
		}
	}
	return e.out
}

// run evaluates the cart: its answer is e.out, but for the adjustments,
// which are e.adjs. Release e once they are read.
func (pr *Prepared) run(cart *Cart) *evaluator {
	promos := pr.promos
	e := newEvaluator(pr, cart)
	byID := pr.byID
	// Entered codes: each unknown, refused or duplicate code gets a note;
	// the others unlock their promotion.
	var codeFor map[string]string // promotion id → code
	var seen map[string]bool
	if len(cart.Codes) > 0 {
		codeFor, seen = map[string]string{}, map[string]bool{}
	}
	for _, c := range cart.Codes {
		norm := NormaliseCode(c.Text)
		if norm == "" || seen[norm] {
			continue
		}
		seen[norm] = true
		p := byID[c.PromotionID]
		switch {
		case c.ID == "" || p == nil:
			e.note(norm, nil, "this code is not valid")
		case c.UsageLimit > 0 && c.Used >= c.UsageLimit:
			e.note(norm, p, "this code has already been used")
		case c.CustomerID != "" && cart.Customer.ID == "":
			e.note(norm, p, "this is a personal code: sign in to use it")
		case c.CustomerID != "" && c.CustomerID != cart.Customer.ID:
			e.note(norm, p, "this code belongs to another account")
		case c.ExpiresAt != nil && !cart.Now.Before(*c.ExpiresAt):
			e.note(norm, p, "this code has expired")
		case codeFor[p.ID] != "":
			e.note(norm, p, fmt.Sprintf("only one code per offer: %s is already applied", codeFor[p.ID]))
		default:
			codeFor[p.ID] = norm
		}
	}
	var cands []candidate
	// Order and delivery offers are judged on the totals the classes
	// applied before theirs leave: the amount such an offer misses is
	// restated at those totals once they are known (a shopper who sees
	// sale prices is told what to add to them), in the note kept in place.
	var short [3][]pending // by rank of class
	for i := range promos {
		p := &promos[i]
		code := codeFor[p.ID]
		if p.RequiresCode && code == "" {
			continue
		}
		why := e.refuse(p)
		if why == "" {
			if m := e.miss(p, e.qualifying(p)); m.what != missNone {
				if p.Class() != ClassProduct { // its reason is written by explain
					short[rank(p.Class())] = append(short[rank(p.Class())], pending{note: len(e.out.Notes), listed: m})
					e.note(code, p, "")
					continue
				}
				why = e.reason(p, m)
			}
		}
		if why != "" {
			if code != "" || (why != noItem && p.StatusAt(cart.Now) == StatusActive) {
				e.note(code, p, why)
			}
			continue
		}
		v := e.worth(p)
		if v <= 0 {
			if code != "" {
				e.note(code, p, "does not lower the price of this cart")
			}
			continue
		}
		cands = append(cands, candidate{p: p, code: code, value: v, order: i})
	}
	chosen := e.choose(cands)
	// Apply: product discounts, then order discounts, then shipping; by
	// priority within each class.
	sort.SliceStable(chosen, func(a, b int) bool {
		pa, pb := chosen[a].p, chosen[b].p
		if rank(pa.Class()) != rank(pb.Class()) {
			return rank(pa.Class()) < rank(pb.Class())
		}
		if pa.Priority != pb.Priority {
			return pa.Priority > pb.Priority
		}
		return chosen[a].order < chosen[b].order
	})
	explain := func(upTo int) {
		for _, cl := range []Class{ClassOrder, ClassShipping} {
			if rank(cl) > upTo {
				continue
			}
			for _, n := range short[rank(cl)] {
				p := byID[e.out.Notes[n.note].PromotionID]
				// None when it is only over a maximum at list prices:
				// the note keeps that reason, as the offer was not chosen.
				m := e.miss(p, e.qualifying(p))
				if m.what == missNone {
					m = n.listed
				}
				e.out.Notes[n.note].Reason = e.reason(p, m)
			}
			short[rank(cl)] = nil
		}
	}
	// At most one adjustment per qualifying line, or one for the order.
	size := 0
	for _, c := range chosen {
		switch {
		case c.p.Class() == ClassOrder && c.p.Target.Empty(), c.p.Kind == KindGift:
			size++
		case c.p.Kind != KindShipping:
			size += len(e.qualifying(c.p))
		}
	}
	e.adjs = slices.Grow(e.adjs[:0], size)
	for _, c := range chosen {
		explain(rank(c.p.Class()))
		e.apply(c)
	}
	explain(rank(ClassShipping))
	return e
}

// adj is an Adjustment as the evaluator records it: of promos[promo], on
// cart.Lines[line] or, line -1, on the order (its code is codes[promo]).
type adj struct {
	line, promo int32
	amount      int64
}

// rank orders the classes as they apply: product, order, shipping.
func rank(c Class) int {
	switch c {
	case ClassOrder:
		return 1
	case ClassShipping:
		return 2
	}
	return 0
}

const noItem = "no item in your cart qualifies"

// evaluators keeps evaluators' buffers from one cart to the next: a
// cart of many lines needs several of its size.
var evaluators = sync.Pool{New: func() any { return new(evaluator) }}

func newEvaluator(pr *Prepared, cart *Cart) *evaluator {
	e := evaluators.Get().(*evaluator)
	n, np := len(cart.Lines), len(pr.promos)
	e.pr, e.cart, e.out = pr, cart, &Outcome{}
	e.fmt = func(a int64) string { return money.Formatter{}.Display(a, cart.Currency) }
	e.rem = resize(e.rem, n)
	for i := range cart.Lines {
		e.rem[i] = cart.Lines[i].Quantity * cart.Lines[i].UnitPrice
	}
	e.lines, e.byPrice = resize(e.lines, np), resize(e.byPrice, np)
	e.done, e.codes = resize(e.done, np), resize(e.codes, np)
	e.targets, e.every, e.arena, e.adjs = e.targets[:0], e.every[:0], e.arena[:0], e.adjs[:0]
	e.indexed, e.numbered = false, false
	return e
}

// release gives e back to the pool, keeping none of the cart's data.
func (e *evaluator) release() {
	clear(e.lines)
	clear(e.byPrice)
	clear(e.codes)
	e.pr, e.cart, e.out, e.fmt = nil, nil, nil, nil
	evaluators.Put(e)
}

// resize returns s with length n, cleared, reusing its array if it can.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

type evaluator struct {
	pr   *Prepared
	cart *Cart
	out  *Outcome
	rem  []int64 // each line's total after the discounts applied so far
	fmt  func(int64) string
	// lines memoises qualifying by promotion position (done tells which
	// are known): which lines a promotion is about does not change while
	// one cart is evaluated. byPrice memoises buyGet's order of them.
	lines, byPrice [][]int
	done           []bool
	targets        []uint64 // the promotions each line is a target of (Prepared.targets)
	arena          []int    // backs lines
	every          []int    // every line, for the targets without a filter
	indexed        bool     // targets is this cart's
	numbered       bool     // every is this cart's
	adjs           []adj    // the adjustments made
	codes          []string // by promotion position: the code it applied with
	buf            []int64  // discounts' answer, reused
	left           []int64  // discounts' flash units left per item, reused
	val            []int64  // choose's scratch
	ok             []bool   // choose's scratch
}

func (e *evaluator) note(code string, p *Promotion, reason string) {
	n := pricing.PromotionNote{Code: code, Reason: reason}
	if p != nil {
		n.PromotionID, n.Label = p.ID, p.Label
	}
	e.out.Notes = append(e.out.Notes, n)
}

// qualifying lists the indexes of the lines a promotion is about.
func (e *evaluator) qualifying(p *Promotion) []int {
	k := e.pr.at[p]
	if !e.done[k] {
		e.lines[k], e.done[k] = e.match(k), true
	}
	return e.lines[k]
}

// match lists the lines promotion k is about (its Target, through the
// prepared index; for a flash sale its items' variants).
func (e *evaluator) match(k int) []int {
	p, in := &e.pr.promos[k], &e.pr.info[k]
	lines := e.cart.Lines
	start := len(e.arena)
	if in.all && p.Kind != KindGift && p.Conditions.NewWithinDays == 0 && p.Kind != KindFlashSale {
		if !e.numbered { // read-only, like every answer of match
			for i := range lines {
				e.every = append(e.every, i)
			}
			e.numbered = true
		}
		return e.every
	}
	if !in.all && p.Kind != KindFlashSale && !e.indexed {
		e.targets, e.indexed = e.pr.targets(lines, e.targets), true
	}
	w, bit := e.pr.words, uint64(1)<<(k%64)
	for i := range lines {
		l := &lines[i]
		if p.Kind == KindFlashSale {
			if _, ok := in.flash[l.VariantID]; ok {
				e.arena = append(e.arena, i)
			}
			continue
		}
		if p.Kind == KindGift && l.VariantID == p.GiftVariantID {
			continue // the gift does not qualify for itself
		}
		if !in.all && e.targets[i*w+k/64]&bit == 0 {
			continue
		}
		if d := p.Conditions.NewWithinDays; d > 0 && (l.PublishedAt.IsZero() || e.cart.Now.Sub(l.PublishedAt) > time.Duration(d)*24*time.Hour) {
			continue
		}
		e.arena = append(e.arena, i)
	}
	return e.arena[start:len(e.arena):len(e.arena)]
}

// flashItem is p's flash item for the variant: the first with units left.
func (e *evaluator) flashItem(p *Promotion, variant string) *FlashItem {
	if k, ok := e.pr.info[e.pr.at[p]].flash[variant]; ok {
		return &p.Flash[k]
	}
	return nil
}

// refuse says why p cannot apply to this cart, or "".
func (e *evaluator) refuse(p *Promotion) string {
	c := e.cart
	switch p.StatusAt(c.Now) {
	case StatusDraft, StatusPaused:
		return "this offer is not available"
	case StatusScheduled:
		return "this offer starts on " + p.StartsAt.UTC().Format("2 Jan 2006 15:04 UTC")
	case StatusEnded:
		return "this offer has expired"
	}
	if p.Currency != "" && p.Currency != c.Currency {
		return "this offer is not available in " + c.Currency
	}
	if p.UsageLimit > 0 && p.Used >= p.UsageLimit {
		return "this offer has reached its usage limit"
	}
	if p.PerCustomerLimit > 0 && c.Customer.Uses[p.ID] >= p.PerCustomerLimit {
		return "you have already used this offer"
	}
	if p.BudgetLeft() == 0 {
		return "this offer has ended: its budget is spent"
	}
	cond := &p.Conditions
	if cond.SignedIn && c.Customer.ID == "" {
		return "sign in to use this offer"
	}
	if len(cond.CustomerTags) > 0 && !anyFold(cond.CustomerTags, c.Customer.Tags) ||
		len(cond.Segments) > 0 && !anyFold(cond.Segments, c.Customer.Segments) {
		return "this offer is for selected customers only"
	}
	if cond.FirstOrder && c.Customer.Orders > 0 {
		return "this offer is for a first order only"
	}
	if cond.Dated() {
		loc := c.Location
		if loc == nil {
			loc = time.UTC
		}
		if !cond.OnDay(c.Now.In(loc)) {
			return "this offer is only on " + describeDays(cond)
		}
	}
	if p.Kind == KindShipping && len(cond.Countries) > 0 && !anyFold(cond.Countries, []string{c.Country}) {
		if c.Country == "" {
			return "enter a delivery address to use this offer"
		}
		return "this offer does not deliver to " + strings.ToUpper(c.Country)
	}
	if len(e.qualifying(p)) == 0 && p.Kind != KindShipping {
		return noItem
	}
	return "" // the amounts are checked by thresholds
}

// thresholds checks the amount and quantity conditions on the target
// lines at their current totals, and says what is missed.
func (e *evaluator) thresholds(p *Promotion, q []int) string {
	return e.reason(p, e.miss(p, q))
}

// A shortfall is the amount or quantity condition an offer misses (what),
// with the target lines' totals it was judged on. It is put in words
// (reason) only when a shopper will read it.
type shortfall struct {
	what     int
	sub, qty int64
}

// What a shortfall misses.
const (
	missNone = iota
	missMinSpend
	missMaxSpend
	missMinQuantity
	missMaxQuantity
	missTier
	missBuyGet
)

// pending is an order or delivery offer's note, its reason written once
// the classes before it have applied; listed is its miss at list prices.
type pending struct {
	note   int // index in Outcome.Notes
	listed shortfall
}

func (e *evaluator) miss(p *Promotion, q []int) shortfall {
	cond := &p.Conditions
	var sub, qty int64
	for _, i := range q {
		sub += e.rem[i]
		qty += e.cart.Lines[i].Quantity
	}
	m := shortfall{sub: sub, qty: qty}
	switch {
	case cond.MinSubtotal > 0 && sub < cond.MinSubtotal:
		m.what = missMinSpend
	case cond.MaxSubtotal > 0 && sub > cond.MaxSubtotal:
		m.what = missMaxSpend
	case cond.MinQuantity > 0 && qty < cond.MinQuantity:
		m.what = missMinQuantity
	case cond.MaxQuantity > 0 && qty > cond.MaxQuantity:
		m.what = missMaxQuantity
	case p.Kind == KindSpendSave && len(p.Tiers) > 0 && sub < p.Tiers[0].Spend:
		m.what = missTier
	case p.Kind == KindBuyGet && qty < p.BuyGet.Buy+p.BuyGet.Get:
		m.what = missBuyGet
	}
	return m
}

func (e *evaluator) reason(p *Promotion, m shortfall) string {
	cond, sub, qty := &p.Conditions, m.sub, m.qty
	switch m.what {
	case missMinSpend:
		return fmt.Sprintf("minimum spend %s not reached (add %s)", e.fmt(cond.MinSubtotal), e.fmt(cond.MinSubtotal-sub))
	case missMaxSpend:
		return fmt.Sprintf("only for a spend up to %s", e.fmt(cond.MaxSubtotal))
	case missMinQuantity:
		return fmt.Sprintf("buy at least %d qualifying items (you have %d)", cond.MinQuantity, qty)
	case missMaxQuantity:
		return fmt.Sprintf("only for up to %d qualifying items", cond.MaxQuantity)
	case missTier:
		return fmt.Sprintf("spend %s to save %s (add %s)", e.fmt(p.Tiers[0].Spend), e.fmt(p.Tiers[0].Off), e.fmt(p.Tiers[0].Spend-sub))
	case missBuyGet:
		return fmt.Sprintf("buy %d qualifying items to get %d (you have %d)", p.BuyGet.Buy+p.BuyGet.Get, p.BuyGet.Get, qty)
	}
	return ""
}

// worth is p's standalone value on the cart at list prices. Gift and
// shipping offers, whose value is not known here, count 1.
func (e *evaluator) worth(p *Promotion) int64 {
	switch p.Kind {
	case KindShipping:
		return 1
	case KindGift:
		return max(1, -sum(e.discounts(p, e.qualifying(p))))
	}
	return -sum(e.discounts(p, e.qualifying(p)))
}

// choose picks the promotions to apply: priority tiers from the highest;
// within a tier, the compatible set worth most to the shopper (every set
// when the tier has at most 12 candidates, otherwise greedily by worth),
// each joining only if it combines with every promotion already chosen.
func (e *evaluator) choose(cands []candidate) []candidate {
	sort.SliceStable(cands, func(a, b int) bool {
		if cands[a].p.Priority != cands[b].p.Priority {
			return cands[a].p.Priority > cands[b].p.Priority
		}
		return cands[a].value > cands[b].value
	})
	var chosen []candidate
	fits := func(c candidate, set []candidate) bool {
		for _, o := range set {
			if !compatible(c.p, o.p) {
				return false
			}
		}
		return true
	}
	for start := 0; start < len(cands); {
		end := start
		for end < len(cands) && cands[end].p.Priority == cands[start].p.Priority {
			end++
		}
		var tier []candidate
		for _, c := range cands[start:end] {
			if fits(c, chosen) {
				tier = append(tier, c)
			} else {
				e.notCombined(c, chosen)
			}
		}
		start = end
		var pick []candidate
		if len(tier) <= 12 {
			// with[i] is the set of tier members i combines with (itself
			// included), so a subset is valid when every member's with
			// covers it.
			with := make([]int, len(tier))
			for i := range tier {
				with[i] = 1 << i
				for j := range tier {
					if j != i && compatible(tier[i].p, tier[j].p) {
						with[i] |= 1 << j
					}
				}
			}
			// Every subset in turn, each from the one without its lowest
			// member: valid when that one is and the member combines
			// with all of it (compatibility is symmetric).
			size := 1 << len(tier)
			if cap(e.val) < size {
				e.val, e.ok = make([]int64, size), make([]bool, size)
			}
			val, ok := e.val[:size], e.ok[:size]
			val[0], ok[0] = 0, true
			best, bestMask := int64(-1), 0
			for mask := 1; mask < size; mask++ {
				low := bits.TrailingZeros(uint(mask))
				rest := mask & (mask - 1)
				if ok[mask] = ok[rest] && rest&^with[low] == 0; !ok[mask] {
					continue
				}
				v := val[rest] + tier[low].value
				val[mask] = v
				if v > best {
					best, bestMask = v, mask
				}
			}
			for i := range tier {
				if bestMask&(1<<i) != 0 {
					pick = append(pick, tier[i])
				}
			}
		} else {
			for _, c := range tier {
				if fits(c, pick) {
					pick = append(pick, c)
				}
			}
		}
		for _, c := range tier {
			in := false
			for _, x := range pick {
				in = in || x.p == c.p
			}
			if !in {
				e.notCombined(c, pick)
			}
		}
		chosen = append(chosen, pick...)
	}
	return chosen
}

func (e *evaluator) notCombined(c candidate, set []candidate) {
	for _, o := range set {
		if !compatible(c.p, o.p) {
			e.note(c.code, c.p, fmt.Sprintf("cannot be combined with %q, which saves you more", o.p.Label))
			return
		}
	}
}

// apply re-checks p's conditions on the current totals and records its
// discounts.
func (e *evaluator) apply(c candidate) {
	p := c.p
	q := e.qualifying(p)
	if why := e.thresholds(p, q); why != "" {
		e.note(c.code, p, why+" after other discounts")
		return
	}
	if p.Kind == KindShipping {
		e.out.Shipping = append(e.out.Shipping, pricing.ShippingDiscount{PromotionID: p.ID, Code: c.code, Label: p.Label,
			Methods: p.ShippingMethods, PercentBP: p.PercentBP, AmountOff: p.Amount, CombinesWith: p.CombinesWith})
		return
	}
	d := e.discounts(p, q)
	limit := p.BudgetLeft()
	if p.MaxDiscount > 0 && (limit < 0 || p.MaxDiscount < limit) {
		limit = p.MaxDiscount
	}
	if limit >= 0 && -sum(d) > limit {
		shrink(d, limit)
	}
	if p.Kind == KindGift {
		g := pricing.PromotionGift{PromotionID: p.ID, VariantID: p.GiftVariantID, Quantity: max(1, p.GiftQuantity), Label: p.Label}
		for i := range e.cart.Lines {
			g.InCart = g.InCart || e.cart.Lines[i].VariantID == p.GiftVariantID
		}
		e.out.Gifts = append(e.out.Gifts, g)
	}
	total := -sum(d)
	if total == 0 {
		if p.Kind != KindGift {
			e.note(c.code, p, "does not lower the price of this cart")
		}
		return
	}
	ap := pricing.AppliedPromotion{ID: p.ID, Code: c.code, Label: p.Label, Amount: total, Class: p.Class(), CombinesWith: p.CombinesWith}
	orderLevel := p.Class() == ClassOrder && p.Target.Empty()
	k := int32(e.pr.at[p])
	e.codes[k] = c.code
	for i, a := range d {
		if a == 0 {
			continue
		}
		e.rem[i] += a
		if !orderLevel {
			e.adjs = append(e.adjs, adj{line: int32(i), promo: k, amount: a})
		}
		if p.Kind == KindFlashSale {
			l := &e.cart.Lines[i]
			if f := e.flashItem(p, l.VariantID); f != nil && l.UnitPrice > f.Price {
				ap.Units = append(ap.Units, pricing.PromotionUnits{VariantID: l.VariantID, Quantity: -a / (l.UnitPrice - f.Price)})
			}
		}
	}
	if orderLevel {
		e.adjs = append(e.adjs, adj{line: -1, promo: k, amount: -total})
	}
	e.out.Applied = append(e.out.Applied, ap)
	e.out.Discount += total
}

// discounts computes p's discount on each line (negative, indexed like
// the cart's lines), at most each line's current total.
func (e *evaluator) discounts(p *Promotion, q []int) []int64 {
	// One buffer serves every call: its callers (worth, apply) are done
	// with the answer before the next call.
	n := len(e.cart.Lines)
	if cap(e.buf) < n {
		e.buf = make([]int64, n)
	}
	d := e.buf[:n]
	clear(d)
	lines := e.cart.Lines
	var base int64
	for _, i := range q {
		base += e.rem[i]
	}
	switch p.Kind {
	case KindPercentOff:
		for _, i := range q {
			d[i] = -money.RoundDiv(e.rem[i], p.PercentBP, 10_000)
		}
		if p.Target.Empty() { // one order amount, rounded once
			spread(d, q, e.rem, money.RoundDiv(base, p.PercentBP, 10_000))
		}
	case KindAmountOff:
		if p.PerItem {
			for _, i := range q {
				d[i] = -min(e.rem[i], mulCap(p.Amount, lines[i].Quantity))
			}
		} else {
			spread(d, q, e.rem, min(p.Amount, base))
		}
	case KindSpendSave:
		var off int64
		for _, t := range p.Tiers {
			if base >= t.Spend {
				off = t.Off
			}
		}
		spread(d, q, e.rem, min(off, base))
	case KindBuyGet:
		e.buyGet(p, q, d)
	case KindGift:
		for i := range lines {
			if lines[i].VariantID == p.GiftVariantID {
				d[i] = -min(e.rem[i], mulCap(lines[i].UnitPrice, max(1, p.GiftQuantity)))
				break
			}
		}
	case KindFlashSale:
		// Units left per flash item (an item is its variant's), -1 until
		// a line of it is met.
		left := e.left[:0]
		for range p.Flash {
			left = append(left, -1)
		}
		e.left = left
		flash := e.pr.info[e.pr.at[p]].flash
		for _, i := range q {
			l := &lines[i]
			k := flash[l.VariantID]
			f := &p.Flash[k]
			if left[k] < 0 {
				left[k] = f.Left()
			}
			units := min(l.Quantity, left[k])
			if l.UnitPrice <= f.Price || units == 0 {
				continue
			}
			left[k] -= units
			d[i] = -min(e.rem[i], (l.UnitPrice-f.Price)*units)
		}
	}
	return d
}

// buyGet discounts the cheapest "get" units of every Buy+Get group.
func (e *evaluator) buyGet(p *Promotion, q []int, d []int64) {
	bg := p.BuyGet
	var units int64
	for _, i := range q {
		units += e.cart.Lines[i].Quantity
	}
	groups := units / (bg.Buy + bg.Get)
	if bg.MaxRepeats > 0 {
		groups = min(groups, bg.MaxRepeats)
	}
	free := groups * bg.Get
	k := e.pr.at[p]
	order := e.byPrice[k]
	if order == nil { // the same q every time: qualifying's
		order = append([]int(nil), q...)
		sort.SliceStable(order, func(a, b int) bool { return e.cart.Lines[order[a]].UnitPrice < e.cart.Lines[order[b]].UnitPrice })
		e.byPrice[k] = order
	}
	for _, i := range order {
		if free == 0 {
			break
		}
		l := &e.cart.Lines[i]
		n := min(free, l.Quantity)
		free -= n
		d[i] = -min(e.rem[i], money.RoundDiv(l.UnitPrice*n, bg.PercentBP, 10_000))
	}
}

// spread sets d over lines q to -amount in proportion to their current
// totals (largest remainder), never more than a line's total.
func spread(d []int64, q []int, rem []int64, amount int64) {
	for _, i := range q {
		d[i] = 0
	}
	var base int64
	for _, i := range q {
		base += rem[i]
	}
	if amount <= 0 || base == 0 {
		return
	}
	amount = min(amount, base)
	given := int64(0)
	for _, i := range q {
		share := money.RoundDiv(rem[i], amount, base)
		share = min(share, rem[i], amount-given)
		d[i] = -share
		given += share
	}
	// Rounding may leave a unit or two: give them to lines with room.
	for k := 0; given < amount && k < len(q); k++ {
		i := q[k]
		room := rem[i] + d[i]
		add := min(room, amount-given)
		d[i] -= add
		given += add
	}
}

// shrink scales discounts d down so they total -limit.
func shrink(d []int64, limit int64) {
	var q []int
	rem := make([]int64, len(d))
	for i, a := range d {
		if a != 0 {
			q = append(q, i)
			rem[i] = -a
		}
	}
	spread(d, q, rem, limit)
}

func sum(d []int64) int64 {
	var s int64
	for _, a := range d {
		s += a
	}
	return s
}

// mulCap is a*b, saturating at money.MaxAmount.
func mulCap(a, b int64) int64 {
	if a != 0 && b > money.MaxAmount/a {
		return money.MaxAmount
	}
	return a * b
}
