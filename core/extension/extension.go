// Package extension declares the four extension points of the commerce core:
// pricing, recommendations, logistics and reporting.
//
// They are plain Go interfaces over plain Go types so that core packages
// (checkout, catalog, console reports) can call them without knowing how they
// are implemented. The Wasm plugin host (package plugins/sandbox) provides
// adapters that implement these interfaces by running a tenant's installed
// plugin in a sandbox, with fallbacks; built-in implementations can
// implement them directly. This package imports nothing from the rest of the project.
//
// Conventions shared by every extension point:
//   - Money is an int64 amount in minor units (cents) plus an ISO 4217
//     currency code. No floats.
//   - Time is passed in explicitly ("Now", UTC) so an implementation never
//     reads a wall clock and every run can be replayed from its input.
//   - Implementations must be safe for concurrent use and must honour ctx.
package extension

import (
	"context"
	"time"
)

// Point names an extension point. The string values are stable: they appear
// in plugin manifests and run records.
type Point string

// The four extension points.
const (
	PointPricing         Point = "pricing"
	PointRecommendations Point = "recommendations"
	PointLogistics       Point = "logistics"
	PointReporting       Point = "reporting"
)

// Points lists every extension point in a stable order.
var Points = []Point{PointPricing, PointRecommendations, PointLogistics, PointReporting}

// Valid reports whether p is a known extension point.
func (p Point) Valid() bool {
	switch p {
	case PointPricing, PointRecommendations, PointLogistics, PointReporting:
		return true
	}
	return false
}

// ---------------------------------------------------------------- pricing

// PricingLine is one cart line as seen by a pricing implementation.
type PricingLine struct {
	LineID     string   // unique within the cart; adjustments refer to it
	VariantID  string   // the product variant being bought
	ProductID  string   // the variant's product
	SKU        string   // stock keeping unit of the variant
	Quantity   int64    // > 0
	UnitPrice  int64    // list price of one unit, minor units, >= 0
	Tags       []string // product tags
	Categories []string // category slugs or ids, most specific last
}

// PricingRequest is a cart to price.
type PricingRequest struct {
	Currency     string // ISO 4217, shared by every line
	Lines        []PricingLine
	CustomerID   string   // empty for a guest
	CustomerTags []string // e.g. "vip", "member-gold"; read from the signed-in customer's account
	Now          time.Time
	// Codes are the promotion codes the shopper entered, as entered.
	Codes []string
	// Promotions are the promotions the promotions stage applied before
	// the pricing point runs (merchandise ones; a delivery promotion is
	// decided later, with the delivery option).
	Promotions []AppliedPromotion
}

// SignedIn reports whether the cart belongs to a signed-in customer.
func (r *PricingRequest) SignedIn() bool { return r.CustomerID != "" }

// AppliedPromotion is a promotion already applied to the cart, as a
// pricing implementation sees it.
type AppliedPromotion struct {
	ID     string
	Code   string // the coupon code it was applied with, normalised; "" for an automatic offer
	Label  string
	Class  Class // what it discounts (product, order, shipping)
	Amount int64 // discount given, minor units, >= 0
	// Lines are its amounts on each line (negative deltas): a line
	// promotion's own, an order promotion's share of each line.
	Lines []LineAmount
}

// LineAmount is an amount on one line.
type LineAmount struct {
	LineID string
	Amount int64
}

// Class is an offer's combination class: what it discounts. Promotions
// list the classes they combine with; a pricing adjustment declares its
// class so the same rules apply to it.
type Class string

// Classes.
const (
	ClassProduct  Class = "product"
	ClassOrder    Class = "order"
	ClassShipping Class = "shipping"
)

// Valid reports whether c is a known class.
func (c Class) Valid() bool {
	return c == ClassProduct || c == ClassOrder || c == ClassShipping
}

// Subtotal returns the sum of quantity × unit price over the lines.
func (r *PricingRequest) Subtotal() int64 {
	var s int64
	for i := range r.Lines {
		s += r.Lines[i].Quantity * r.Lines[i].UnitPrice
	}
	return s
}

// AdjustmentLevel says whether an adjustment applies to one line or to the
// whole order.
type AdjustmentLevel uint8

// Adjustment levels.
const (
	LevelLine  AdjustmentLevel = 1
	LevelOrder AdjustmentLevel = 2
)

// String returns "line" or "order".
func (l AdjustmentLevel) String() string {
	switch l {
	case LevelLine:
		return "line"
	case LevelOrder:
		return "order"
	}
	return "unknown"
}

// Adjustment changes the price of one line (the line's total, not its unit
// price) or of the order. Amount is a signed delta in minor units: negative
// is a discount, positive a surcharge.
type Adjustment struct {
	Level  AdjustmentLevel
	LineID string // set for LevelLine, empty for LevelOrder
	Amount int64
	Label  string // shown to the shopper, e.g. "Buy 10, save 5%"
	Code   string // the rule that produced it, chosen by the implementation
	Source string // who produced it, e.g. "plugin:pricing-rules@1.2.0" or "builtin"
	// Class is the offer's combination class for a pricing
	// implementation's discount ("" means product); see core/pricing.
	Class Class
}

// Pricing computes price adjustments for a cart. It never sees or changes
// list prices directly; it returns adjustments the checkout applies after
// validating them (see the plugin host for the rules).
type Pricing interface {
	Price(ctx context.Context, req *PricingRequest) ([]Adjustment, error)
}

// -------------------------------------------------------- recommendations

// Placement says where recommendations are shown.
type Placement string

// Placements.
const (
	PlacementProduct Placement = "product" // a product page: ProductID is set
	PlacementCart    Placement = "cart"    // the cart: CartProductIDs is set
	PlacementHome    Placement = "home"    // storefront home or a generic slot
)

// Candidate is a product the implementation may recommend, with the data
// needed to rank it. Only candidates can be recommended.
type Candidate struct {
	ProductID  string
	Categories []string
	Tags       []string
	Price      int64 // minor units, lowest variant price
	SoldUnits  int64 // units sold in the reporting window (popularity)
	InStock    bool
}

// CoPurchase says how many orders contained both products.
type CoPurchase struct {
	ProductID     string
	WithProductID string
	Orders        int64
}

// RecommendationRequest is the context for a recommendation slot. The host
// supplies shop data (candidates, co-purchase counts) in the request.
type RecommendationRequest struct {
	Placement      Placement
	ProductID      string   // the product being viewed, if any
	CartProductIDs []string // products in the cart, if any
	CustomerID     string
	CustomerTags   []string
	Limit          int // maximum number of results wanted, > 0
	Candidates     []Candidate
	CoPurchases    []CoPurchase
	Now            time.Time
}

// NewRecommendationRequest is the request of a slot that shows a product
// (productID, a product page) or a cart (the products in it): the
// placement follows from which is given, home when neither is.
func NewRecommendationRequest(productID string, cart []string, limit int) *RecommendationRequest {
	placement := PlacementHome
	switch {
	case productID != "":
		placement = PlacementProduct
	case len(cart) > 0:
		placement = PlacementCart
	}
	return &RecommendationRequest{Placement: placement, ProductID: productID, CartProductIDs: cart, Limit: limit}
}

// Recommendation is one ranked result; results are returned best first.
type Recommendation struct {
	ProductID string
	Score     int64  // implementation-defined, higher is better
	Reason    string // e.g. "frequently-bought-together", "similar"
}

// Recommendations ranks candidate products for a slot.
type Recommendations interface {
	Recommend(ctx context.Context, req *RecommendationRequest) ([]Recommendation, error)
}

// ---------------------------------------------------------------- logistics

// Parcel describes what is shipped.
type Parcel struct {
	WeightGrams int64
	LengthMM    int64
	WidthMM     int64
	HeightMM    int64
	Value       int64 // goods value, minor units
	Currency    string
	Items       int64 // number of units in the parcel
}

// Destination is where a parcel goes.
type Destination struct {
	Country    string // ISO 3166-1 alpha-2
	Region     string // ISO 3166-2 subdivision code or free text
	PostalCode string
}

// LogisticsRequest asks for delivery options for one parcel.
type LogisticsRequest struct {
	Parcel      Parcel
	Destination Destination
	Now         time.Time
}

// DeliveryOption is one way to deliver, with its price and estimate.
type DeliveryOption struct {
	Code     string // stable id, e.g. "standard"
	Label    string
	Price    int64 // minor units, >= 0
	Currency string
	MinDays  int32 // business days, 0 <= MinDays <= MaxDays
	MaxDays  int32
}

// Logistics quotes delivery options for a parcel.
type Logistics interface {
	Quote(ctx context.Context, req *LogisticsRequest) ([]DeliveryOption, error)
}

// ---------------------------------------------------------------- reporting

// ColumnType is the type of a dataset or table column.
type ColumnType uint8

// Column types. Money and times are ints (minor units, Unix milliseconds).
const (
	ColumnInt    ColumnType = 1
	ColumnString ColumnType = 2
)

// Column describes one column.
type Column struct {
	Name string
	Type ColumnType
}

// Cell is one value; Int is used for ColumnInt, Str for ColumnString.
type Cell struct {
	Int int64
	Str string
}

// Dataset is a named table of rows supplied by the host.
type Dataset struct {
	Name    string
	Columns []Column
	Rows    [][]Cell
}

// ReportRequest asks a reporting implementation to build a report.
type ReportRequest struct {
	Report   string            // which report, e.g. "rfm", "sales-by-category"
	Currency string            // shop currency
	Params   map[string]string // report parameters chosen by the merchant
	Datasets []Dataset
	Now      time.Time
}

// Table is the tabular part of a report.
type Table struct {
	Columns []Column
	Rows    [][]Cell
}

// Series is one named series of a chart; it has one value per chart label.
type Series struct {
	Name   string
	Values []int64
}

// Chart is a declarative chart: the console renders it (SVG).
type Chart struct {
	Kind   string // "bar", "line" or "pie"
	Title  string
	Labels []string
	Series []Series
}

// Report is a table plus zero or more charts.
type Report struct {
	Title  string
	Table  Table
	Charts []Chart
}

// Reporting builds a report from datasets.
type Reporting interface {
	Report(ctx context.Context, req *ReportRequest) (*Report, error)
}

// ------------------------------------------------------------- func adapters

// PricingFunc adapts a function to Pricing.
type PricingFunc func(ctx context.Context, req *PricingRequest) ([]Adjustment, error)

// Price calls f.
func (f PricingFunc) Price(ctx context.Context, req *PricingRequest) ([]Adjustment, error) {
	return f(ctx, req)
}

// RecommendationsFunc adapts a function to Recommendations.
type RecommendationsFunc func(ctx context.Context, req *RecommendationRequest) ([]Recommendation, error)

// Recommend calls f.
func (f RecommendationsFunc) Recommend(ctx context.Context, req *RecommendationRequest) ([]Recommendation, error) {
	return f(ctx, req)
}

// LogisticsFunc adapts a function to Logistics.
type LogisticsFunc func(ctx context.Context, req *LogisticsRequest) ([]DeliveryOption, error)

// Quote calls f.
func (f LogisticsFunc) Quote(ctx context.Context, req *LogisticsRequest) ([]DeliveryOption, error) {
	return f(ctx, req)
}

// ReportingFunc adapts a function to Reporting.
type ReportingFunc func(ctx context.Context, req *ReportRequest) (*Report, error)

// Report calls f.
func (f ReportingFunc) Report(ctx context.Context, req *ReportRequest) (*Report, error) {
	return f(ctx, req)
}
