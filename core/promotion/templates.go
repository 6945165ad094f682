package promotion

import (
	"context"
	"strconv"
	"time"

	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
)

// Template is a festival campaign preset for one year: the campaign
// (name, theme, its window in the shop's time zone, no budget) and the
// promotions suggested for it, as drafts in the shop's currency, for the
// merchant to adjust before anything is saved.
type Template struct {
	Key        string      `json:"key"`
	Campaign   Campaign    `json:"campaign"`
	Promotions []Promotion `json:"promotions"`
}

// TemplateKeys are the festivals Templates knows, in calendar order.
var TemplateKeys = []string{"chinese-new-year", "618", "singles-day", "black-friday", "christmas"}

// chineseNewYear is the first day of the lunar year, for the years the
// Chinese New Year template covers.
var chineseNewYear = map[int]struct {
	m time.Month
	d int
}{
	2025: {1, 29}, 2026: {2, 17}, 2027: {2, 6}, 2028: {1, 26}, 2029: {2, 13}, 2030: {2, 3},
	2031: {1, 23}, 2032: {2, 11}, 2033: {1, 31}, 2034: {2, 19}, 2035: {2, 8},
}

// Templates returns the festival presets of a year (2000 to 2100) in the
// shop's time zone loc (nil: UTC) with amounts in currency; Chinese New
// Year only for the years its table covers (2025 to 2035).
func Templates(year int, loc *time.Location, currency string) ([]Template, error) {
	if year < 2000 || year > 2100 {
		return nil, errs.Field("year", "must be between 2000 and 2100, not %d", year)
	}
	if !money.Known(currency) {
		return nil, errs.Field("currency", "is not a known ISO 4217 currency (%q)", currency)
	}
	if loc == nil {
		loc = time.UTC
	}
	major := int64(1)
	for range money.Digits(currency) {
		major *= 10
	}
	at := func(m time.Month, d int) time.Time { return time.Date(year, m, d, 0, 0, 0, 0, loc) }
	tiers := func(pairs ...int64) []Tier {
		var out []Tier
		for i := 0; i+1 < len(pairs); i += 2 {
			out = append(out, Tier{Spend: pairs[i] * major, Off: pairs[i+1] * major})
		}
		return out
	}
	draft := func(p Promotion) Promotion {
		p.Status, p.Currency = StatusDraft, currency
		return p
	}
	freeDelivery := func(label string, over int64) Promotion {
		return draft(Promotion{Name: label, Label: label, Kind: KindShipping, PercentBP: 10_000,
			Conditions: Conditions{MinSubtotal: over * major}, CombinesWith: []Class{ClassProduct, ClassOrder}})
	}
	var out []Template
	if md, ok := chineseNewYear[year]; ok {
		ny := at(md.m, md.d)
		out = append(out, Template{Key: "chinese-new-year",
			Campaign: Campaign{Name: "Chinese New Year " + strconv.Itoa(year), Theme: "春节 · New Year goods for the family", StartsAt: ny.AddDate(0, 0, -14), EndsAt: ny},
			Promotions: []Promotion{draft(Promotion{Name: "New Year spend and save", Label: "新春满减", Kind: KindSpendSave, Tiers: tiers(188, 18, 388, 48, 888, 128),
				CombinesWith: []Class{ClassShipping}})}})
	}
	// 618: JD's anniversary sale, from 1 June to the peak on the 18th.
	out = append(out, Template{Key: "618",
		Campaign: Campaign{Name: "618 " + strconv.Itoa(year), Theme: "Mid-year shopping festival", StartsAt: at(time.June, 1), EndsAt: at(time.June, 19)},
		Promotions: []Promotion{draft(Promotion{Name: "618 spend and save", Label: "618 满减", Kind: KindSpendSave, Tiers: tiers(300, 40, 600, 100),
			CombinesWith: []Class{ClassShipping}}), freeDelivery("618 free delivery", 99)}})
	// Singles' Day: the 24 hours of 11 November.
	out = append(out, Template{Key: "singles-day",
		Campaign: Campaign{Name: "11.11 " + strconv.Itoa(year), Theme: "Singles' Day", StartsAt: at(time.November, 11), EndsAt: at(time.November, 12)},
		Promotions: []Promotion{draft(Promotion{Name: "11.11 spend and save", Label: "双11 满减", Kind: KindSpendSave, Tiers: tiers(200, 20, 300, 40, 500, 80),
			CombinesWith: []Class{ClassShipping}}), freeDelivery("11.11 free delivery", 0)}})
	// Black Friday to Cyber Monday: the Friday after the fourth Thursday
	// of November, four days.
	thursday := at(time.November, 1)
	for thursday.Weekday() != time.Thursday {
		thursday = thursday.AddDate(0, 0, 1)
	}
	friday := thursday.AddDate(0, 0, 22)
	out = append(out, Template{Key: "black-friday",
		Campaign: Campaign{Name: "Black Friday " + strconv.Itoa(year), Theme: "Black Friday to Cyber Monday", StartsAt: friday, EndsAt: friday.AddDate(0, 0, 4)},
		Promotions: []Promotion{draft(Promotion{Name: "Black Friday 25% off", Label: "Black Friday: 25% off", Kind: KindPercentOff, PercentBP: 2500,
			CombinesWith: []Class{ClassShipping}})}})
	// Christmas: 1 December to Christmas Eve.
	out = append(out, Template{Key: "christmas",
		Campaign: Campaign{Name: "Christmas " + strconv.Itoa(year), Theme: "Christmas gifts", StartsAt: at(time.December, 1), EndsAt: at(time.December, 25)},
		Promotions: []Promotion{draft(Promotion{Name: "Christmas 15% off", Label: "Christmas: 15% off", Kind: KindPercentOff, PercentBP: 1500,
			CombinesWith: []Class{ClassShipping}}), freeDelivery("Christmas free delivery", 50)}})
	for i := range out {
		c := &out[i].Campaign
		c.StartsAt, c.EndsAt, c.Currency = c.StartsAt.UTC(), c.EndsAt.UTC(), currency
	}
	return out, nil
}

// TemplateFor returns one festival preset (see Templates); an unknown key
// is an error naming the field "template".
func TemplateFor(key string, year int, loc *time.Location, currency string) (*Template, error) {
	all, err := Templates(year, loc, currency)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].Key == key {
			return &all[i], nil
		}
	}
	return nil, errs.Field("template", "must be one of the festivals offered for %d, not %q", year, key)
}

// FromTemplate asks CreateFromTemplate for a festival's campaign.
type FromTemplate struct {
	Key      string         // one of TemplateKeys
	Year     int            // 2000 to 2100
	Loc      *time.Location // the shop's time zone; nil is UTC
	Currency string         // the shop's currency, for the suggested amounts
	// Suggestions creates the template's suggested promotions in the
	// campaign too, as drafts for the merchant to review, or active
	// (within the campaign's window) with Activate.
	Suggestions bool
	Activate    bool
}

// CreateFromTemplate creates a festival's campaign (TemplateFor) and, when
// asked, its suggested promotions, all in one transaction through
// CreateCampaignWith: nothing is created unless everything is.
func (s *Service) CreateFromTemplate(ctx context.Context, in FromTemplate) (*Campaign, []Promotion, error) {
	tp, err := TemplateFor(in.Key, in.Year, in.Loc, in.Currency)
	if err != nil {
		return nil, nil, err
	}
	return s.CreateCampaignWith(ctx, tp.Campaign, tp.Suggested(in.Suggestions, in.Activate))
}

// Suggested is the template's promotions to create with its campaign:
// none unless include, drafts, or active with activate.
func (tp *Template) Suggested(include, activate bool) []Promotion {
	if !include {
		return nil
	}
	out := append([]Promotion(nil), tp.Promotions...)
	for i := range out {
		if activate {
			out[i].Status = StatusActive
		}
	}
	return out
}
