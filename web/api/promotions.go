package api

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Promotions, coupon codes and campaigns on the console host
// (promotions.read / promotions.write; the owner, administrator and
// marketing roles hold them). core/promotion validates (errors name the
// field, e.g. "tiers[1].off"), audits and keeps the counters; this file
// maps its types to the API's. Amounts are integer minor units in the
// object's "currency"; percentages are basis points (2000 is 20%); times
// are RFC 3339. A promotion is never deleted, since orders and reports
// refer to it: "end" retires it.
//
// The envelope types are the API's own; the offer's rule values (target,
// conditions, tiers, buy_get) are core/promotion's plain value types,
// named here by alias.

type (
	// PromotionTarget says which lines an offer is about (empty: all).
	PromotionTarget = promotion.Target
	// PromotionConditions must all hold for an offer to apply.
	PromotionConditions = promotion.Conditions
	// PromotionTier is one spend X save Y step.
	PromotionTier = promotion.Tier
	// PromotionBuyGet parameterises buy X get Y.
	PromotionBuyGet = promotion.BuyGet
)

// FlashItemRequest is one variant of a flash sale: its price during the
// window and the promotional quantity.
type FlashItemRequest struct {
	VariantID string `json:"variant_id"`
	Price     int64  `json:"price"`
	Quota     int64  `json:"quota"`
}

// FlashItemJSON is a flash-sale variant with what it sold.
type FlashItemJSON struct {
	VariantID string `json:"variant_id"`
	Price     int64  `json:"price"`
	Quota     int64  `json:"quota"`
	Sold      int64  `json:"sold"`
	Left      int64  `json:"left"`
}

// PromotionRequest creates a promotion, or replaces one (PUT, with the
// version that was edited). Kind is percent_off, amount_off, spend_save,
// buy_get, gift, shipping or flash_sale; only the fields of the kind are
// kept. Status is draft (the default) or active.
type PromotionRequest struct {
	Version          int                 `json:"version,omitempty"`
	CampaignID       string              `json:"campaign_id,omitempty"`
	Name             string              `json:"name"`
	Label            string              `json:"label"`
	Kind             string              `json:"kind"`
	Status           string              `json:"status,omitempty"`
	StartsAt         *time.Time          `json:"starts_at,omitempty"`
	EndsAt           *time.Time          `json:"ends_at,omitempty"`
	Priority         int                 `json:"priority,omitempty"`
	CombinesWith     []string            `json:"combines_with,omitempty"`
	RequiresCode     bool                `json:"requires_code,omitempty"`
	Currency         string              `json:"currency,omitempty"`
	Target           PromotionTarget     `json:"target,omitzero"`
	Conditions       PromotionConditions `json:"conditions,omitzero"`
	PercentBP        int64               `json:"percent_bp,omitempty"`
	Amount           int64               `json:"amount,omitempty"`
	PerItem          bool                `json:"per_item,omitempty"`
	Tiers            []PromotionTier     `json:"tiers,omitempty"`
	BuyGet           *PromotionBuyGet    `json:"buy_get,omitempty"`
	GiftVariantID    string              `json:"gift_variant_id,omitempty"`
	GiftQuantity     int64               `json:"gift_quantity,omitempty"`
	ShippingMethods  []string            `json:"shipping_methods,omitempty"`
	Flash            []FlashItemRequest  `json:"flash,omitempty"`
	ShowRemaining    bool                `json:"show_remaining,omitempty"` // flash sale: shoppers see the units left
	MaxDiscount      int64               `json:"max_discount,omitempty"`
	UsageLimit       int64               `json:"usage_limit,omitempty"`
	PerCustomerLimit int64               `json:"per_customer_limit,omitempty"`
	Budget           int64               `json:"budget,omitempty"`
}

// PromotionJSON is a promotion. Status is the stored one (draft, active,
// paused, ended); State is what a shopper meets now: scheduled before the
// window, ended after it, budget_spent once its own or its campaign's
// budget is used up, limit_reached once UsageLimit orders used it.
// BudgetLeft is absent when neither it nor its campaign has a budget.
type PromotionJSON struct {
	ID               string              `json:"id"`
	CampaignID       string              `json:"campaign_id,omitempty"`
	Name             string              `json:"name"`
	Label            string              `json:"label"`
	Kind             string              `json:"kind"`
	Class            string              `json:"class"`
	Status           string              `json:"status"`
	State            string              `json:"state"`
	StartsAt         *time.Time          `json:"starts_at,omitempty"`
	EndsAt           *time.Time          `json:"ends_at,omitempty"`
	Priority         int                 `json:"priority"`
	CombinesWith     []string            `json:"combines_with"`
	RequiresCode     bool                `json:"requires_code"`
	Currency         string              `json:"currency,omitempty"`
	Target           PromotionTarget     `json:"target"`
	Conditions       PromotionConditions `json:"conditions"`
	PercentBP        int64               `json:"percent_bp,omitempty"`
	Amount           int64               `json:"amount,omitempty"`
	PerItem          bool                `json:"per_item,omitempty"`
	Tiers            []PromotionTier     `json:"tiers,omitempty"`
	BuyGet           *PromotionBuyGet    `json:"buy_get,omitempty"`
	GiftVariantID    string              `json:"gift_variant_id,omitempty"`
	GiftQuantity     int64               `json:"gift_quantity,omitempty"`
	ShippingMethods  []string            `json:"shipping_methods,omitempty"`
	Flash            []FlashItemJSON     `json:"flash,omitempty"`
	ShowRemaining    bool                `json:"show_remaining,omitempty"`
	MaxDiscount      int64               `json:"max_discount,omitempty"`
	UsageLimit       int64               `json:"usage_limit,omitempty"`
	PerCustomerLimit int64               `json:"per_customer_limit,omitempty"`
	Budget           int64               `json:"budget,omitempty"`
	BudgetLeft       *int64              `json:"budget_left,omitempty"`
	Used             int64               `json:"used"`
	Spent            int64               `json:"spent"`
	Version          int                 `json:"version"`
	CreatedAt        time.Time           `json:"created_at"`
	UpdatedAt        time.Time           `json:"updated_at"`
}

// PromotionPage is a page of promotions, newest first; Next is the cursor
// of the following page ("" on the last).
type PromotionPage struct {
	Promotions []PromotionJSON `json:"promotions"`
	Next       string          `json:"next,omitempty"`
}

// CodeRequest adds one coupon code (case-insensitive; stored upper-case).
// UsageLimit 0: only the promotion's own limits apply.
type CodeRequest struct {
	Code       string `json:"code"`
	UsageLimit int64  `json:"usage_limit,omitempty"`
}

// GenerateRequest makes Count (1 to 10,000) unique random codes: Prefix
// then Length random characters (6 to 20, default 10), each usable
// UsageLimit times (default 1).
type GenerateRequest struct {
	Count      int    `json:"count"`
	Prefix     string `json:"prefix,omitempty"`
	Length     int    `json:"length,omitempty"`
	UsageLimit int64  `json:"usage_limit,omitempty"`
}

// GenerateJSON is a generated batch: its id names it in the code list and
// the CSV export (?batch=).
type GenerateJSON struct {
	Batch string `json:"batch"`
	Count int    `json:"count"`
}

// CodeJSON is a coupon code with its uses.
type CodeJSON struct {
	ID         string    `json:"id"`
	Code       string    `json:"code"`
	Batch      string    `json:"batch,omitempty"`
	UsageLimit int64     `json:"usage_limit"`
	Used       int64     `json:"used"`
	CreatedAt  time.Time `json:"created_at"`
}

// CodePage is a page of a promotion's codes, oldest first.
type CodePage struct {
	Codes []CodeJSON `json:"codes"`
	Next  string     `json:"next,omitempty"`
}

// CampaignRequest creates a campaign or replaces one (PUT, with the
// version edited). Budget (minor units of Currency; 0: none) is shared by
// the campaign's promotions: once they gave that much, none applies.
type CampaignRequest struct {
	Version  int        `json:"version,omitempty"`
	Name     string     `json:"name"`
	Theme    string     `json:"theme,omitempty"`
	StartsAt *time.Time `json:"starts_at,omitempty"`
	EndsAt   *time.Time `json:"ends_at,omitempty"`
	Currency string     `json:"currency,omitempty"`
	Budget   int64      `json:"budget,omitempty"`
}

// CampaignJSON is a campaign with what its promotions gave so far.
type CampaignJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Theme      string     `json:"theme,omitempty"`
	StartsAt   *time.Time `json:"starts_at,omitempty"`
	EndsAt     *time.Time `json:"ends_at,omitempty"`
	Currency   string     `json:"currency,omitempty"`
	Budget     int64      `json:"budget,omitempty"`
	BudgetLeft *int64     `json:"budget_left,omitempty"`
	Spent      int64      `json:"spent"`
	Version    int        `json:"version"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// FiguresJSON are a report's figures in one currency: orders that used
// the offers, distinct customers, what those orders paid, the discount
// given and the average order.
type FiguresJSON struct {
	PromotionID  string `json:"promotion_id,omitempty"`
	Currency     string `json:"currency"`
	Orders       int64  `json:"orders"`
	Customers    int64  `json:"customers"`
	Revenue      int64  `json:"revenue"`
	Discount     int64  `json:"discount"`
	AverageOrder int64  `json:"average_order"`
}

// StatsJSON judges a promotion or a campaign from the orders that used it
// (cancelled orders are left out): totals per currency and per promotion.
type StatsJSON struct {
	From        *time.Time    `json:"from,omitempty"`
	To          *time.Time    `json:"to,omitempty"`
	Totals      []FiguresJSON `json:"totals"`
	ByPromotion []FiguresJSON `json:"by_promotion"`
}

// Promotions serves promotions, coupon codes and campaigns.
type Promotions struct {
	promotions *promotion.Service
}

// Routes are promotions, codes, campaigns and their reports over JSON.
func (s *Promotions) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeTenant, "promotions")
	list := []httpx.QueryParam{
		{Name: "status", Enum: []string{"draft", "scheduled", "active", "paused", "ended"}, Description: "as a shopper meets it now"},
		{Name: "kind", Enum: kindNames()},
		{Name: "campaign", Description: "a campaign id"},
		{Name: "q", Description: "in the name or label"},
		{Name: "cursor", Description: "next of the previous page"},
		{Name: "limit", Type: "integer", Description: "1 to 200 (default 50)"},
	}
	period := []httpx.QueryParam{{Name: "from", Description: "RFC 3339, inclusive"}, {Name: "to", Description: "RFC 3339, exclusive"}}
	api.API("GET", "/api/promotions", perm.PromotionsRead, "Promotions, newest first", nil, PromotionPage{}, s.apiList, list...)
	api.API("POST", "/api/promotions", perm.PromotionsWrite, "Create a promotion (draft unless status is active)", PromotionRequest{}, PromotionJSON{}, s.apiCreate)
	api.API("POST", "/api/promotions/preview", perm.PromotionsRead, "Try a stored or draft promotion on a sample cart, alone and with the shop's live promotions (nothing is saved)", PreviewRequest{}, PreviewJSON{}, s.apiPreview)
	api.API("GET", "/api/promotions/:promotion", perm.PromotionsRead, "A promotion with its counters", nil, PromotionJSON{}, s.apiGet)
	api.API("PUT", "/api/promotions/:promotion", perm.PromotionsWrite, "Replace a promotion's settings (version: the one edited; a stale one is 409)", PromotionRequest{}, PromotionJSON{}, s.apiUpdate)
	for _, st := range []struct{ verb, summary string }{
		{"activate", "Publish or resume a promotion (it applies within its window)"},
		{"pause", "Pause a promotion"},
		{"end", "End a promotion for good (promotions are never deleted: orders refer to them)"},
	} {
		api.API("POST", "/api/promotions/:promotion/"+st.verb, perm.PromotionsWrite, st.summary, nil, PromotionJSON{}, s.apiStatus(st.verb))
	}
	api.API("GET", "/api/promotions/:promotion/stats", perm.PromotionsRead, "What a promotion did: orders, customers, revenue, discount", nil, StatsJSON{}, s.apiPromotionStats, period...)
	api.API("GET", "/api/promotions/:promotion/codes", perm.PromotionsRead, "A promotion's coupon codes, oldest first", nil, CodePage{}, s.apiCodes,
		httpx.QueryParam{Name: "batch"}, httpx.QueryParam{Name: "cursor"}, httpx.QueryParam{Name: "limit", Type: "integer", Description: "1 to 1000 (default 100)"})
	api.API("POST", "/api/promotions/:promotion/codes", perm.PromotionsWrite, "Add a coupon code (409 when the shop already has it)", CodeRequest{}, CodeJSON{}, s.apiAddCode)
	api.API("POST", "/api/promotions/:promotion/codes/generate", perm.PromotionsWrite, "Generate up to 10,000 unique codes in one batch (all or none)", GenerateRequest{}, GenerateJSON{}, s.apiGenerate)
	api.API("GET", "/api/promotions/:promotion/codes/export", perm.PromotionsRead, "A promotion's codes as CSV (code, usage_limit, used, created_at; streamed)", nil, nil, s.apiExport,
		httpx.QueryParam{Name: "batch", Description: "only this batch"})

	s.campaignRoutes(api)
	api.API("GET", "/api/campaigns", perm.PromotionsRead, "Campaigns, newest first", nil, []CampaignJSON{}, s.apiCampaigns)
	api.API("POST", "/api/campaigns", perm.PromotionsWrite, "Create a campaign", CampaignRequest{}, CampaignJSON{}, s.apiCampaignCreate)
	api.API("GET", "/api/campaigns/:campaign", perm.PromotionsRead, "A campaign with its budget", nil, CampaignJSON{}, s.apiCampaign)
	api.API("PUT", "/api/campaigns/:campaign", perm.PromotionsWrite, "Replace a campaign's settings (version: the one edited)", CampaignRequest{}, CampaignJSON{}, s.apiCampaignUpdate)
	api.API("GET", "/api/campaigns/:campaign/stats", perm.PromotionsRead, "What a campaign's promotions did, in total and per promotion", nil, StatsJSON{}, s.apiCampaignStats, period...)
	return t.Routes()
}

func kindNames() []string {
	return []string{string(promotion.KindPercentOff), string(promotion.KindAmountOff), string(promotion.KindSpendSave), string(promotion.KindBuyGet),
		string(promotion.KindGift), string(promotion.KindShipping), string(promotion.KindFlashSale)}
}

// decodeWithTimes decodes a JSON body strictly, first checking that the
// named time fields are RFC 3339 (the decoder's own error would not name
// the field).
func decodeWithTimes(c *fiber.Ctx, v any, fields ...string) error {
	var raw map[string]json.RawMessage
	if json.Unmarshal(c.Body(), &raw) == nil {
		for _, f := range fields {
			b := raw[f]
			if len(b) == 0 || bytes.Equal(b, []byte("null")) {
				continue
			}
			var s string
			if json.Unmarshal(b, &s) != nil {
				return errs.Field(f, "must be an RFC 3339 time such as 2026-11-11T00:00:00Z")
			}
			if _, err := time.Parse(time.RFC3339, s); err != nil {
				return errs.Field(f, "must be an RFC 3339 time such as 2026-11-11T00:00:00Z, not %q", s)
			}
		}
	}
	return httpx.DecodeJSON(c, v)
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func timeRef(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// domain is the promotion the request describes.
func (r *PromotionRequest) domain() (promotion.Promotion, error) {
	p := promotion.Promotion{CampaignID: r.CampaignID, Name: r.Name, Label: r.Label, Kind: promotion.Kind(r.Kind),
		Status: promotion.Status(r.Status), StartsAt: timeOf(r.StartsAt), EndsAt: timeOf(r.EndsAt), Priority: r.Priority,
		RequiresCode: r.RequiresCode, Currency: r.Currency, Target: r.Target, Conditions: r.Conditions,
		PercentBP: r.PercentBP, Amount: r.Amount, PerItem: r.PerItem, Tiers: r.Tiers, GiftVariantID: r.GiftVariantID,
		GiftQuantity: r.GiftQuantity, ShippingMethods: r.ShippingMethods, ShowRemaining: r.ShowRemaining, MaxDiscount: r.MaxDiscount,
		UsageLimit: r.UsageLimit, PerCustomerLimit: r.PerCustomerLimit, Budget: r.Budget}
	switch p.Status {
	case "":
		p.Status = promotion.StatusDraft
	case promotion.StatusDraft, promotion.StatusActive:
	default:
		return p, errs.Field("status", "must be draft or active (pause and end it with its own routes)")
	}
	for i, cl := range r.CombinesWith {
		switch c := promotion.Class(cl); c {
		case promotion.ClassProduct, promotion.ClassOrder, promotion.ClassShipping:
			p.CombinesWith = append(p.CombinesWith, c)
		default:
			return p, errs.Field("combines_with["+strconv.Itoa(i)+"]", "must be product, order or shipping")
		}
	}
	if r.BuyGet != nil {
		p.BuyGet = *r.BuyGet
	}
	for _, f := range r.Flash {
		p.Flash = append(p.Flash, promotion.FlashItem{VariantID: f.VariantID, Price: f.Price, Quota: f.Quota})
	}
	return p, nil
}

// promotionJSON is p as the API shows it at now.
func promotionJSON(p *promotion.Promotion, now time.Time) PromotionJSON {
	j := PromotionJSON{ID: p.ID, CampaignID: p.CampaignID, Name: p.Name, Label: p.Label, Kind: string(p.Kind), Class: string(p.Class()),
		Status: string(p.Status), State: string(p.StatusAt(now)), StartsAt: timeRef(p.StartsAt), EndsAt: timeRef(p.EndsAt), Priority: p.Priority,
		CombinesWith: []string{}, RequiresCode: p.RequiresCode, Currency: p.Currency, Target: p.Target, Conditions: p.Conditions,
		PercentBP: p.PercentBP, Amount: p.Amount, PerItem: p.PerItem, Tiers: p.Tiers, GiftVariantID: p.GiftVariantID,
		GiftQuantity: p.GiftQuantity, ShippingMethods: p.ShippingMethods, ShowRemaining: p.ShowRemaining, MaxDiscount: p.MaxDiscount, UsageLimit: p.UsageLimit,
		PerCustomerLimit: p.PerCustomerLimit, Budget: p.Budget, Used: p.Used, Spent: p.Spent, Version: p.Version,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	for _, c := range p.CombinesWith {
		j.CombinesWith = append(j.CombinesWith, string(c))
	}
	if p.Kind == promotion.KindBuyGet {
		bg := p.BuyGet
		j.BuyGet = &bg
	}
	for i := range p.Flash {
		f := &p.Flash[i]
		j.Flash = append(j.Flash, FlashItemJSON{VariantID: f.VariantID, Price: f.Price, Quota: f.Quota, Sold: f.Sold, Left: f.Left()})
	}
	if left := p.BudgetLeft(); left >= 0 {
		j.BudgetLeft = &left
		if left == 0 && j.State == string(promotion.StatusActive) {
			j.State = "budget_spent"
		}
	}
	if p.UsageLimit > 0 && p.Used >= p.UsageLimit && j.State == string(promotion.StatusActive) {
		j.State = "limit_reached"
	}
	return j
}

func (s *Promotions) apiList(c *fiber.Ctx) error {
	f := promotion.Filter{Status: promotion.Status(c.Query("status")), Kind: promotion.Kind(c.Query("kind")), CampaignID: c.Query("campaign"),
		Query: c.Query("q"), Cursor: c.Query("cursor")}
	if f.Kind != "" && !strings.Contains(","+strings.Join(kindNames(), ",")+",", ","+string(f.Kind)+",") {
		return errs.Field("kind", "must be one of %s", strings.Join(kindNames(), ", "))
	}
	n, err := limitParam(c)
	if err != nil {
		return err
	}
	f.Limit = n
	pg, err := s.promotions.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	now := time.Now()
	out := PromotionPage{Promotions: make([]PromotionJSON, 0, len(pg.Promotions)), Next: pg.Next}
	for i := range pg.Promotions {
		out.Promotions = append(out.Promotions, promotionJSON(&pg.Promotions[i], now))
	}
	return c.JSON(out)
}

func (s *Promotions) apiCreate(c *fiber.Ctx) error {
	var in PromotionRequest
	if err := decodeWithTimes(c, &in, "starts_at", "ends_at"); err != nil {
		return err
	}
	if in.Version != 0 {
		return errs.Field("version", "is set by the server on create")
	}
	p, err := in.domain()
	if err != nil {
		return err
	}
	out, err := s.promotions.Create(c.UserContext(), p)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(promotionJSON(out, time.Now()))
}

func (s *Promotions) apiGet(c *fiber.Ctx) error {
	p, err := s.promotions.Get(c.UserContext(), c.Params("promotion"))
	if err != nil {
		return err
	}
	return c.JSON(promotionJSON(p, time.Now()))
}

func (s *Promotions) apiUpdate(c *fiber.Ctx) error {
	var in PromotionRequest
	if err := decodeWithTimes(c, &in, "starts_at", "ends_at"); err != nil {
		return err
	}
	if in.Version < 1 {
		return errs.Field("version", "is required: the version of the promotion you edited")
	}
	p, err := in.domain()
	if err != nil {
		return err
	}
	out, err := s.promotions.Update(c.UserContext(), c.Params("promotion"), in.Version, p)
	if err != nil {
		return err
	}
	return c.JSON(promotionJSON(out, time.Now()))
}

func (s *Promotions) apiStatus(verb string) fiber.Handler {
	st := map[string]promotion.Status{"activate": promotion.StatusActive, "pause": promotion.StatusPaused, "end": promotion.StatusEnded}[verb]
	return func(c *fiber.Ctx) error {
		p, err := s.promotions.SetStatus(c.UserContext(), c.Params("promotion"), st)
		if err != nil {
			return err
		}
		return c.JSON(promotionJSON(p, time.Now()))
	}
}

// period reads the from and to query parameters.
func period(c *fiber.Ctx) (from, to time.Time, err error) {
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := c.Query(p.name); v != "" {
			if *p.t, err = time.Parse(time.RFC3339, v); err != nil {
				return from, to, errs.Field(p.name, "must be an RFC 3339 time such as 2026-11-11T00:00:00Z")
			}
		}
	}
	return from, to, nil
}

func (s *Promotions) stats(c *fiber.Ctx, f promotion.StatsFilter) error {
	var err error
	if f.From, f.To, err = period(c); err != nil {
		return err
	}
	st, err := s.promotions.Stats(c.UserContext(), f)
	if err != nil {
		return err
	}
	figures := func(fs []promotion.Figures) []FiguresJSON {
		out := make([]FiguresJSON, 0, len(fs))
		for _, x := range fs {
			j := FiguresJSON{PromotionID: x.PromotionID, Currency: x.Currency, Orders: x.Orders, Customers: x.Customers, Revenue: x.Revenue, Discount: x.Discount}
			if x.Orders > 0 {
				j.AverageOrder = x.Revenue / x.Orders
			}
			out = append(out, j)
		}
		return out
	}
	return c.JSON(StatsJSON{From: timeRef(f.From), To: timeRef(f.To), Totals: figures(st.Totals), ByPromotion: figures(st.ByPromotion)})
}

func (s *Promotions) apiPromotionStats(c *fiber.Ctx) error {
	id := c.Params("promotion")
	if _, err := s.promotions.Get(c.UserContext(), id); err != nil {
		return err
	}
	return s.stats(c, promotion.StatsFilter{PromotionID: id})
}

func (s *Promotions) apiCampaignStats(c *fiber.Ctx) error {
	id := c.Params("campaign")
	if _, err := s.promotions.Campaign(c.UserContext(), id); err != nil {
		return err
	}
	return s.stats(c, promotion.StatsFilter{CampaignID: id})
}

func codeJSON(x *promotion.CouponCode) CodeJSON {
	return CodeJSON{ID: x.ID, Code: x.Code, Batch: x.Batch, UsageLimit: x.UsageLimit, Used: x.Used, CreatedAt: x.CreatedAt}
}

func (s *Promotions) apiCodes(c *fiber.Ctx) error {
	id := c.Params("promotion")
	f := promotion.CodeFilter{Batch: c.Query("batch"), Cursor: c.Query("cursor")}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return errs.Field("limit", "must be between 1 and 1000")
		}
		f.Limit = n
	}
	if _, err := s.promotions.Get(c.UserContext(), id); err != nil {
		return err
	}
	pg, err := s.promotions.Codes(c.UserContext(), id, f)
	if err != nil {
		return err
	}
	out := CodePage{Codes: make([]CodeJSON, 0, len(pg.Codes)), Next: pg.Next}
	for i := range pg.Codes {
		out.Codes = append(out.Codes, codeJSON(&pg.Codes[i]))
	}
	return c.JSON(out)
}

func (s *Promotions) apiAddCode(c *fiber.Ctx) error {
	var in CodeRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	x, err := s.promotions.AddCode(c.UserContext(), c.Params("promotion"), in.Code, in.UsageLimit)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(codeJSON(x))
}

func (s *Promotions) apiGenerate(c *fiber.Ctx) error {
	var in GenerateRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	batch, err := s.promotions.GenerateCodes(c.UserContext(), c.Params("promotion"),
		promotion.Generate{Count: in.Count, Prefix: in.Prefix, Length: in.Length, UsageLimit: in.UsageLimit})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(GenerateJSON{Batch: batch, Count: in.Count})
}

// apiExport writes the codes as CSV. The promotion is looked up first, so
// an unknown one is a JSON 404 rather than an empty file; the file is
// built before the answer starts, so a failure halfway is an error, not a
// truncated file (10,000 codes are about 400 KB).
func (s *Promotions) apiExport(c *fiber.Ctx) error {
	ctx, id := c.UserContext(), c.Params("promotion")
	p, err := s.promotions.Get(ctx, id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.promotions.ExportCodes(ctx, id, c.Query("batch"), &buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="codes-`+p.ID+`.csv"`)
	return c.Send(buf.Bytes())
}

func (r *CampaignRequest) domain() promotion.Campaign {
	return promotion.Campaign{Name: r.Name, Theme: r.Theme, StartsAt: timeOf(r.StartsAt), EndsAt: timeOf(r.EndsAt), Currency: r.Currency, Budget: r.Budget}
}

func campaignJSON(x *promotion.Campaign) CampaignJSON {
	j := CampaignJSON{ID: x.ID, Name: x.Name, Theme: x.Theme, StartsAt: timeRef(x.StartsAt), EndsAt: timeRef(x.EndsAt), Currency: x.Currency,
		Budget: x.Budget, Spent: x.Spent, Version: x.Version, CreatedAt: x.CreatedAt, UpdatedAt: x.UpdatedAt}
	if x.Budget > 0 {
		left := max(0, x.Budget-x.Spent)
		j.BudgetLeft = &left
	}
	return j
}

func (s *Promotions) apiCampaigns(c *fiber.Ctx) error {
	cs, err := s.promotions.Campaigns(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]CampaignJSON, 0, len(cs))
	for i := range cs {
		out = append(out, campaignJSON(&cs[i]))
	}
	return c.JSON(out)
}

func (s *Promotions) apiCampaignCreate(c *fiber.Ctx) error {
	var in CampaignRequest
	if err := decodeWithTimes(c, &in, "starts_at", "ends_at"); err != nil {
		return err
	}
	if in.Version != 0 {
		return errs.Field("version", "is set by the server on create")
	}
	x, err := s.promotions.CreateCampaign(c.UserContext(), in.domain())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(campaignJSON(x))
}

func (s *Promotions) apiCampaign(c *fiber.Ctx) error {
	x, err := s.promotions.Campaign(c.UserContext(), c.Params("campaign"))
	if err != nil {
		return err
	}
	return c.JSON(campaignJSON(x))
}

func (s *Promotions) apiCampaignUpdate(c *fiber.Ctx) error {
	var in CampaignRequest
	if err := decodeWithTimes(c, &in, "starts_at", "ends_at"); err != nil {
		return err
	}
	if in.Version < 1 {
		return errs.Field("version", "is required: the version of the campaign you edited")
	}
	x, err := s.promotions.UpdateCampaign(c.UserContext(), c.Params("campaign"), in.Version, in.domain())
	if err != nil {
		return err
	}
	return c.JSON(campaignJSON(x))
}
