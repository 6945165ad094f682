package promotion

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wasmart/wasmart/core/money"
)

// Names turns the ids a promotion refers to into what a merchant reads
// (a product's title, a collection's or variant's name); kind is
// "product", "variant" or "collection". It returns "" for an id it does
// not know, and may be nil.
type Names func(kind, id string) string

// Describe says what a promotion offers as one sentence a merchant reads
// ("Buy 2 from Summer, get 1 free", "Spend 200.00 CNY, save 20.00 CNY;
// spend 300.00 CNY, save 40.00 CNY", "20% off Linen Shirt for customers
// tagged vip"). The console shows it beside the form, so the editor reads
// like the offer.
func Describe(p *Promotion, names Names) string {
	m := func(a int64) string { return money.Formatter{}.Display(a, p.Currency) }
	target := describeTarget(&p.Target, names)
	var s string
	switch p.Kind {
	case KindPercentOff:
		s = percent(p.PercentBP) + " off " + orWhole(target)
	case KindAmountOff:
		s = m(p.Amount) + " off " + orWhole(target)
		if p.PerItem {
			s = m(p.Amount) + " off each item of " + orWhole(target)
		}
	case KindSpendSave:
		parts := make([]string, len(p.Tiers))
		for i, t := range p.Tiers {
			parts[i] = "spend " + m(t.Spend) + ", save " + m(t.Off)
		}
		s = strings.Join(parts, "; ")
		if target != "" {
			s += " on " + target
		}
	case KindBuyGet:
		from := ""
		if target != "" {
			from = " from " + target
		}
		get := "free"
		if p.BuyGet.PercentBP < 10_000 {
			get = "at " + percent(p.BuyGet.PercentBP) + " off"
		}
		s = fmt.Sprintf("buy %d%s, get %d %s", p.BuyGet.Buy, from, p.BuyGet.Get, get)
		if p.BuyGet.MaxRepeats > 0 {
			s += fmt.Sprintf(" (up to %s)", times(p.BuyGet.MaxRepeats))
		}
	case KindGift:
		what := name(names, "variant", p.GiftVariantID, "a gift")
		s = fmt.Sprintf("a free gift: %d × %s", max(1, p.GiftQuantity), what)
		if target != "" {
			s += " with " + target
		}
	case KindShipping:
		switch {
		case p.PercentBP >= 10_000:
			s = "free delivery"
		case p.PercentBP > 0:
			s = percent(p.PercentBP) + " off delivery"
		default:
			s = m(p.Amount) + " off delivery"
		}
		if len(p.ShippingMethods) > 0 {
			s += " by " + strings.Join(p.ShippingMethods, " or ")
		}
		if len(p.Conditions.Countries) > 0 {
			s += " to " + strings.Join(p.Conditions.Countries, ", ")
		}
	case KindFlashSale:
		var units int64
		for _, f := range p.Flash {
			units += f.Quota
		}
		if len(p.Flash) == 1 {
			f := p.Flash[0]
			s = fmt.Sprintf("flash sale: %s at %s, %d at this price", name(names, "variant", f.VariantID, "one item"), m(f.Price), f.Quota)
		} else {
			s = fmt.Sprintf("flash sale: %d items at special prices, %d units in all", len(p.Flash), units)
		}
	default:
		s = string(p.Kind)
	}
	if c := describeConditions(&p.Conditions, m); c != "" {
		s += " " + c
	}
	if p.MaxDiscount > 0 {
		s += ", at most " + m(p.MaxDiscount) + " per order"
	}
	if p.RequiresCode {
		s += ", with a code"
	}
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func describeTarget(t *Target, names Names) string {
	var parts []string
	unknown := 0
	for _, ref := range []struct {
		kind string
		ids  []string
	}{{"product", t.ProductIDs}, {"variant", t.VariantIDs}, {"collection", t.CollectionIDs}} {
		for _, id := range ref.ids {
			if n := name(names, ref.kind, id, ""); n != "" {
				parts = append(parts, n)
			} else {
				unknown++
			}
		}
	}
	if unknown > 0 {
		other := ""
		if len(parts) > 0 {
			other = "other "
		}
		parts = append(parts, plural(unknown, other+"chosen item", other+"chosen items"))
	}
	for _, c := range t.Categories {
		parts = append(parts, "the "+c+" category")
	}
	for _, tag := range t.Tags {
		parts = append(parts, "items tagged "+tag)
	}
	return joinOr(parts)
}

func describeConditions(c *Conditions, m func(int64) string) string {
	var parts []string
	switch {
	case c.MinSubtotal > 0 && c.MaxSubtotal > 0:
		parts = append(parts, "for orders of "+m(c.MinSubtotal)+" to "+m(c.MaxSubtotal))
	case c.MinSubtotal > 0:
		parts = append(parts, "when the order reaches "+m(c.MinSubtotal))
	case c.MaxSubtotal > 0:
		parts = append(parts, "for orders up to "+m(c.MaxSubtotal))
	}
	switch {
	case c.MinQuantity > 0 && c.MaxQuantity > 0:
		parts = append(parts, fmt.Sprintf("for %d to %d items", c.MinQuantity, c.MaxQuantity))
	case c.MinQuantity > 1:
		parts = append(parts, fmt.Sprintf("for %d or more items", c.MinQuantity))
	case c.MaxQuantity > 0:
		parts = append(parts, "for up to "+plural(int(c.MaxQuantity), "item", "items"))
	}
	if c.NewWithinDays > 0 {
		parts = append(parts, "on products published in the last "+plural(c.NewWithinDays, "day", "days"))
	}
	var who []string
	if len(c.CustomerTags) > 0 {
		who = append(who, "customers tagged "+joinOr(c.CustomerTags))
	}
	if len(c.Segments) > 0 {
		who = append(who, "members of "+joinOr(c.Segments))
	}
	if len(who) == 0 && c.SignedIn {
		who = append(who, "signed-in customers")
	}
	if len(who) > 0 {
		parts = append(parts, "for "+joinOr(who))
	}
	if c.FirstOrder {
		parts = append(parts, "on a first order")
	}
	if c.Dated() {
		parts = append(parts, "only on "+describeDays(c))
	}
	return strings.Join(parts, ", ")
}

var weekdayNames = [...]string{"", "Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays"}

// describeDays says a promotion's recurring dates in words ("the 8th and
// 18th of each month or Fridays").
func describeDays(c *Conditions) string {
	var parts []string
	if len(c.MonthDays) > 0 {
		days := make([]string, len(c.MonthDays))
		for i, d := range c.MonthDays {
			days[i] = ordinal(d)
		}
		s := "the " + days[0]
		if len(days) > 1 {
			s = "the " + strings.Join(days[:len(days)-1], ", ") + " and " + days[len(days)-1]
		}
		parts = append(parts, s+" of each month")
	}
	for _, d := range c.Weekdays {
		if d >= 1 && d <= 7 {
			parts = append(parts, weekdayNames[d])
		}
	}
	return joinOr(parts)
}

func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}

func name(names Names, kind, id, unknown string) string {
	if names != nil {
		if n := names(kind, id); n != "" {
			return n
		}
	}
	return unknown
}

func orWhole(target string) string {
	if target == "" {
		return "the whole order"
	}
	return target
}

func percent(bp int64) string {
	return strconv.FormatFloat(float64(bp)/100, 'f', -1, 64) + "%"
}

func times(n int64) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func joinOr(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}
