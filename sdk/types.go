package sdk

import "time"

// Level says whether an adjustment applies to a line or to the order.
type Level uint8

// Adjustment levels (wire values).
const (
	LevelLine  Level = 1
	LevelOrder Level = 2
)

// PricingInput is the cart handed to a pricing plugin.
type PricingInput struct {
	Currency     string
	NowMs        int64 // Unix milliseconds, UTC; the only clock a plugin has
	CustomerID   string
	CustomerTags []string // the signed-in customer's tags, from their account
	Lines        []Line

	// The context sections (ABI.md §5.2.1) follow the lines on the wire
	// when the plugin's manifest asks for them ("pricing_input"). Sections
	// says which were sent: the host encodes those, a decoder sets it
	// from what it read.
	Sections   Sections
	Codes      []string           // SectionCodes: promotion codes entered, as typed
	SignedIn   bool               // SectionCustomer: the shopper is signed in
	Promotions []AppliedPromotion // SectionPromotions: promotions applied before the plugin
}

// Sections is a set of optional pricing input sections.
type Sections uint8

// Pricing input sections (the manifest names them "codes", "customer",
// "promotions"); the wire kind of each is its bit position + 1.
const (
	SectionCodes Sections = 1 << iota
	SectionCustomer
	SectionPromotions
)

// SectionNames are the manifest names of the sections, by bit position.
var SectionNames = [...]string{"codes", "customer", "promotions"}

// Class is an offer's combination class (wire values). An adjustment
// without a class (ClassNone) is a product discount.
type Class uint8

// Classes.
const (
	ClassNone     Class = 0
	ClassProduct  Class = 1
	ClassOrder    Class = 2
	ClassShipping Class = 3
)

// AppliedPromotion is a promotion the shop's promotions applied to the
// cart before the plugin runs.
type AppliedPromotion struct {
	ID     string
	Code   string // the coupon code it was applied with (normalised), "" for an automatic offer
	Label  string
	Class  Class
	Amount int64 // discount given, minor units, >= 0
	Lines  []LineAmount
}

// LineAmount is a promotion's amount on one line (a negative delta; for
// an order-level promotion, its share of the line).
type LineAmount struct {
	LineID string
	Amount int64
}

// Now returns NowMs as a time.Time in UTC.
func (in *PricingInput) Now() time.Time { return time.UnixMilli(in.NowMs).UTC() }

// Line is one cart line.
type Line struct {
	ID         string
	VariantID  string
	ProductID  string
	SKU        string
	Quantity   int64
	UnitPrice  int64 // minor units
	Tags       []string
	Categories []string
}

// PricingOutput is what a pricing plugin returns.
type PricingOutput struct {
	Adjustments []Adjustment
}

// Adjustment is a signed change (negative = discount) to a line total or to
// the order total, in minor units.
type Adjustment struct {
	Level  Level
	LineID string // required for LevelLine, empty for LevelOrder
	Amount int64
	Label  string
	Code   string
	// Class is the combination class the adjustment is checked under
	// against the promotions applied (ABI.md §6); ClassNone is product.
	Class Class
}

// RecommendInput is the context of a recommendation slot.
type RecommendInput struct {
	Placement      string // "product", "cart" or "home"
	ProductID      string
	CartProductIDs []string
	CustomerID     string
	CustomerTags   []string
	Limit          int64
	NowMs          int64
	Candidates     []Candidate
	CoPurchases    []CoPurchase
}

// Candidate is a product that may be recommended.
type Candidate struct {
	ProductID  string
	Categories []string
	Tags       []string
	Price      int64
	SoldUnits  int64
	InStock    bool
}

// CoPurchase counts the orders that contained both products.
type CoPurchase struct {
	ProductID     string
	WithProductID string
	Orders        int64
}

// RecommendOutput is the ranked result, best first.
type RecommendOutput struct {
	Items []Recommendation
}

// Recommendation is one ranked product.
type Recommendation struct {
	ProductID string
	Score     int64
	Reason    string
}

// LogisticsInput describes one parcel and its destination.
type LogisticsInput struct {
	Country     string
	Region      string
	PostalCode  string
	WeightGrams int64
	LengthMM    int64
	WidthMM     int64
	HeightMM    int64
	Value       int64
	Currency    string
	Items       int64
	NowMs       int64
}

// LogisticsOutput lists delivery options.
type LogisticsOutput struct {
	Options []DeliveryOption
}

// DeliveryOption is one way to deliver; Price is in the input's currency.
type DeliveryOption struct {
	Code    string
	Label   string
	Price   int64
	MinDays int64
	MaxDays int64
}

// Column types (wire values).
const (
	ColInt    byte = 1
	ColString byte = 2
)

// Column describes a dataset or table column.
type Column struct {
	Name string
	Type byte // ColInt or ColString
}

// Cell is one value: Int for ColInt columns, Str for ColString columns.
type Cell struct {
	Int int64
	Str string
}

// Dataset is a named table supplied by the host.
type Dataset struct {
	Name    string
	Columns []Column
	Rows    [][]Cell
}

// Col returns the index of the named column, or -1.
func (d *Dataset) Col(name string) int {
	for i, c := range d.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Param is a report parameter.
type Param struct {
	Key, Value string
}

// ReportInput asks for one report.
type ReportInput struct {
	Report   string
	Currency string
	NowMs    int64
	Params   []Param
	Datasets []Dataset
}

// Param returns the value of the named parameter, or "".
func (in *ReportInput) Param(key string) string {
	for _, p := range in.Params {
		if p.Key == key {
			return p.Value
		}
	}
	return ""
}

// Dataset returns the named dataset, or nil.
func (in *ReportInput) Dataset(name string) *Dataset {
	for i := range in.Datasets {
		if in.Datasets[i].Name == name {
			return &in.Datasets[i]
		}
	}
	return nil
}

// ReportOutput is a table plus charts.
type ReportOutput struct {
	Title   string
	Columns []Column
	Rows    [][]Cell
	Charts  []Chart
}

// Chart is a declarative chart: one value per label in every series.
type Chart struct {
	Kind   string // "bar", "line" or "pie"
	Title  string
	Labels []string
	Series []Series
}

// Series is a named list of values.
type Series struct {
	Name   string
	Values []int64
}
