package admin

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/text"
)

// Insight answers the inventory insight (forecast, reorder, slow sellers)
// and the bought-together rules for the API and the console alike.
type Insight struct {
	inventory *inventory.Service
	analytics *analytics.Service // the shop's time zone and the rules; nil: UTC days, no rules
}

// NewInsight returns the insight reader over a's inventory and the
// shop's analytics.
func NewInsight(a *Admin, an *analytics.Service) *Insight {
	return &Insight{inventory: a.inventory, analytics: an}
}

// InsightViews are the row filters of the insight: every variant, those
// to reorder, the slow sellers.
var InsightViews = []string{"all", "reorder", "slow"}

// VariantInsightJSON is one variant's insight figures (definitions in
// core/inventory's insight.go and on the console page).
type VariantInsightJSON struct {
	VariantID    string     `json:"variant_id"`
	ProductID    string     `json:"product_id"`
	ProductTitle string     `json:"product_title"`
	SKU          string     `json:"sku"`
	Options      []string   `json:"options"`
	OnHand       int64      `json:"on_hand"`
	Available    int64      `json:"available"`
	UnitsSold    int64      `json:"units_sold"`
	Turnover     float64    `json:"turnover"`
	AvgDaily     float64    `json:"avg_daily_demand"`
	DaysOfCover  *float64   `json:"days_of_cover"`
	Forecast7    float64    `json:"forecast_7_days"`
	LeadTimeDays int        `json:"lead_time_days"`
	SafetyStock  int64      `json:"safety_stock"`
	SafetyFrom   string     `json:"safety_stock_from"`
	LeadDemand   float64    `json:"lead_time_demand"`
	ReorderPoint int64      `json:"reorder_point"`
	Reorder      bool       `json:"reorder"`
	SuggestedQty int64      `json:"suggested_quantity"`
	LastSoldAt   *time.Time `json:"last_sold_at"`
	SellThrough  float64    `json:"sell_through"`
	Slow         bool       `json:"slow"`
}

// InsightJSON is the insight of a shop at a moment: the settings and the
// window it used, the weekday index (Sunday first) and the variants of
// the view, sorted.
type InsightJSON struct {
	View         string                    `json:"view"`
	Sort         string                    `json:"sort"`
	Desc         bool                      `json:"desc"`
	Today        string                    `json:"today"`
	TimeZone     string                    `json:"time_zone"`
	From         time.Time                 `json:"history_from"`
	To           time.Time                 `json:"history_to"`
	Settings     inventory.ReorderSettings `json:"settings"`
	WeekdayIndex [7]float64                `json:"weekday_index"`
	Variants     []VariantInsightJSON      `json:"variants"`
}

// Inventory reads the insight with the request's view, sort and desc
// query parameters; an unknown view or sort is a 400 naming it.
func (s *Insight) Inventory(c *fiber.Ctx) (*InsightJSON, error) {
	view := c.Query("view", "all")
	if !contains(InsightViews, view) {
		return nil, errs.Field("view", "must be one of %s", strings.Join(InsightViews, ", "))
	}
	sortKey := c.Query("sort", "product")
	desc := c.QueryBool("desc")
	ctx := c.UserContext()
	loc, zone := time.UTC, "UTC"
	if s.analytics != nil {
		_, st, err := s.analytics.Today(ctx)
		if err != nil {
			return nil, err
		}
		if l, err := time.LoadLocation(st.TimeZone); err == nil {
			loc, zone = l, st.TimeZone
		}
	}
	in, err := s.inventory.InsightFor(ctx, time.Time{}, loc)
	if err != nil {
		return nil, err
	}
	vs := in.Variants[:0:0]
	for _, v := range in.Variants {
		if view == "all" || view == "reorder" && v.Reorder || view == "slow" && v.Slow {
			vs = append(vs, v)
		}
	}
	if err := inventory.Sort(vs, sortKey, desc); err != nil {
		return nil, err
	}
	out := &InsightJSON{View: view, Sort: sortKey, Desc: desc, Today: in.Today.Format(time.DateOnly), TimeZone: zone, From: in.From, To: in.To,
		Settings: in.Settings, WeekdayIndex: in.WeekdayIndex, Variants: make([]VariantInsightJSON, len(vs))}
	for i, v := range vs {
		out.Variants[i] = VariantInsightJSON{VariantID: v.VariantID, ProductID: v.ProductID, ProductTitle: v.ProductTitle, SKU: v.SKU, Options: trimOptions(v.Options),
			OnHand: v.OnHand, Available: v.Available, UnitsSold: v.UnitsSold, Turnover: v.Turnover, AvgDaily: v.AvgDaily, DaysOfCover: v.DaysOfCover,
			Forecast7: v.Forecast7, LeadTimeDays: v.LeadTimeDays, SafetyStock: v.SafetyStock, SafetyFrom: v.SafetyFrom, LeadDemand: v.LeadDemand,
			ReorderPoint: v.ReorderPoint, Reorder: v.Reorder, SuggestedQty: v.SuggestedQty, LastSoldAt: v.LastSoldAt, SellThrough: v.SellThrough, Slow: v.Slow}
	}
	return out, nil
}

func trimOptions(o [3]string) []string {
	out := []string{}
	for _, x := range o {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// SendInsightCSV answers with the insight as a CSV attachment (one line
// per variant, the columns of VariantInsightJSON).
func (s *Insight) SendInsightCSV(c *fiber.Ctx) error {
	in, err := s.Inventory(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="inventory-insight-`+in.View+"-"+in.Today+`.csv"`)
	return WriteInsightCSV(c.Response().BodyWriter(), in)
}

// WriteInsightCSV writes the insight's variants as CSV.
func WriteInsightCSV(w io.Writer, in *InsightJSON) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"variant_id", "product_id", "product", "sku", "options", "on_hand", "available", "units_sold", "turnover",
		"avg_daily_demand", "days_of_cover", "forecast_7_days", "lead_time_days", "safety_stock", "safety_stock_from", "lead_time_demand",
		"reorder_point", "reorder", "suggested_quantity", "last_sold_at", "sell_through", "slow"})
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) }
	for _, v := range in.Variants {
		cover, last := "", ""
		if v.DaysOfCover != nil {
			cover = f(*v.DaysOfCover)
		}
		if v.LastSoldAt != nil {
			last = v.LastSoldAt.Format(time.RFC3339)
		}
		_ = cw.Write([]string{v.VariantID, v.ProductID, text.CSVCell(v.ProductTitle), text.CSVCell(v.SKU), text.CSVCell(strings.Join(v.Options, " / ")),
			strconv.FormatInt(v.OnHand, 10), strconv.FormatInt(v.Available, 10), strconv.FormatInt(v.UnitsSold, 10), f(v.Turnover),
			f(v.AvgDaily), cover, f(v.Forecast7), strconv.Itoa(v.LeadTimeDays), strconv.FormatInt(v.SafetyStock, 10), v.SafetyFrom, f(v.LeadDemand),
			strconv.FormatInt(v.ReorderPoint, 10), strconv.FormatBool(v.Reorder), strconv.FormatInt(v.SuggestedQty, 10), last, f(v.SellThrough), strconv.FormatBool(v.Slow)})
	}
	cw.Flush()
	return cw.Error()
}

// BasketRuleJSON is one bought-together rule: who buys the antecedent also buys
// the consequent, with its counts and measures.
type BasketRuleJSON struct {
	ProductID        string  `json:"product_id"`
	ProductTitle     string  `json:"product_title"`
	WithProductID    string  `json:"with_product_id"`
	WithProductTitle string  `json:"with_product_title"`
	Orders           int64   `json:"orders"`         // baskets with both
	ProductOrders    int64   `json:"product_orders"` // baskets with the product
	WithOrders       int64   `json:"with_orders"`    // baskets with the other
	Baskets          int64   `json:"baskets"`
	Support          float64 `json:"support"`
	Confidence       float64 `json:"confidence"`
	Lift             float64 `json:"lift"`
}

// BasketRulesJSON are the shop's rules with its thresholds and last run.
type BasketRulesJSON struct {
	Settings analytics.BasketSettings `json:"settings"`
	Run      *analytics.BasketRun     `json:"run"`
	Sort     string                   `json:"sort"`
	Rules    []BasketRuleJSON         `json:"rules"`
}

// Rules reads the stored rules with the request's sort, limit and
// product query parameters.
func (s *Insight) Rules(c *fiber.Ctx) (*BasketRulesJSON, error) {
	if s.analytics == nil {
		return nil, errs.E(errs.Unavailable, "analytics is not running")
	}
	ctx := c.UserContext()
	st, run, err := s.analytics.BasketState(ctx)
	if err != nil {
		return nil, err
	}
	sortKey := c.Query("sort", "lift")
	limit := c.QueryInt("limit", 100)
	if limit < 1 || limit > 1000 {
		return nil, errs.Field("limit", "must be between 1 and 1000")
	}
	rs, err := s.analytics.Rules(ctx, c.Query("product"), sortKey, limit)
	if err != nil {
		return nil, err
	}
	out := &BasketRulesJSON{Settings: st, Run: run, Sort: sortKey, Rules: make([]BasketRuleJSON, len(rs))}
	for i, r := range rs {
		out.Rules[i] = BasketRuleJSON{ProductID: r.AntecedentID, ProductTitle: r.AntecedentTitle, WithProductID: r.ConsequentID, WithProductTitle: r.ConsequentTitle,
			Orders: r.PairOrders, ProductOrders: r.AntecedentOrders, WithOrders: r.ConsequentOrders, Baskets: r.Baskets,
			Support: r.Support, Confidence: r.Confidence, Lift: r.Lift}
	}
	return out, nil
}

// SaveRuleSettings stores the thresholds and re-mines the shop's rules.
func (s *Insight) SaveRuleSettings(c *fiber.Ctx, st analytics.BasketSettings) (*analytics.BasketRun, error) {
	if s.analytics == nil {
		return nil, errs.E(errs.Unavailable, "analytics is not running")
	}
	return s.analytics.SaveBasketSettings(c.UserContext(), st)
}

// ReorderSettings are the shop's reorder defaults.
func (s *Insight) ReorderSettings(c *fiber.Ctx) (inventory.ReorderSettings, error) {
	return s.inventory.ReorderSettingsOf(c.UserContext())
}

// SaveReorderSettings stores the shop's reorder defaults.
func (s *Insight) SaveReorderSettings(c *fiber.Ctx, st inventory.ReorderSettings) error {
	return s.inventory.SaveReorderSettings(c.UserContext(), st)
}

// SetVariantReorder stores the :variant's own lead time and safety stock.
func (s *Insight) SetVariantReorder(c *fiber.Ctx, in inventory.VariantReorder) error {
	return s.inventory.SetVariantReorder(c.UserContext(), c.Params("variant"), in)
}
