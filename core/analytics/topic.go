package analytics

import (
	"context"
	"encoding/csv"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
)

// Topic reports: chosen KPIs broken down by one dimension over a range,
// each figure computed by the KPI's own definition (kpi.go) from counts
// summed per dimension value. What a KPI can be broken down by follows
// from its Basis: by time (day, week, month) every KPI; by traffic source,
// medium or campaign those of the visits and the orders (the rollups
// carry the source); by shipping country those of the orders (read from
// the orders, see order.Facts); by product, category or product role only
// orders, units and sales, which there are the order lines' (orders with
// the product, its units, its line totals: shipping and tax are not
// split over products).

// Dimension is what a topic report groups by.
type Dimension string

// Dimensions.
const (
	DimDay      Dimension = "day"
	DimWeek     Dimension = "week"
	DimMonth    Dimension = "month"
	DimSource   Dimension = "source"
	DimMedium   Dimension = "medium"
	DimCampaign Dimension = "campaign"
	DimCountry  Dimension = "country"
	DimProduct  Dimension = "product"
	DimCategory Dimension = "category"
	DimRole     Dimension = "role"
)

// Dimensions lists every dimension, in the order the console offers them.
var Dimensions = []Dimension{DimDay, DimWeek, DimMonth, DimSource, DimMedium, DimCampaign, DimCountry, DimProduct, DimCategory, DimRole}

// MaxTopicMetrics bounds a topic report's metrics; MaxTopicRows its rows
// (the largest first, for the dimensions that are not time).
const (
	MaxTopicMetrics = 8
	MaxTopicRows    = 500
)

// lineMetrics are the KPIs a product, category or role row carries.
var lineMetrics = map[Dimension][]string{
	DimProduct:  {"orders", "units", "gmv"},
	DimCategory: {"units", "gmv"},
	DimRole:     {"units", "gmv"},
}

// Supports says whether metric d can be broken down by dimension x.
func (x Dimension) Supports(d *Definition) bool {
	if !d.Scalar() {
		return false
	}
	switch x {
	case DimDay, DimWeek, DimMonth:
		return true
	case DimSource, DimMedium, DimCampaign:
		return d.Basis == BasisVisits || d.Basis == BasisOrders
	case DimCountry:
		return d.Basis == BasisOrders
	}
	for _, n := range lineMetrics[x] {
		if n == d.Name {
			return true
		}
	}
	return false
}

// Time says whether the dimension is time (its rows are chronological).
func (x Dimension) Time() bool { return x == DimDay || x == DimWeek || x == DimMonth }

// ParseDimension reads a dimension ("" is day).
func ParseDimension(s string) (Dimension, error) {
	if s == "" {
		return DimDay, nil
	}
	for _, d := range Dimensions {
		if string(d) == s {
			return d, nil
		}
	}
	names := make([]string, len(Dimensions))
	for i, d := range Dimensions {
		names[i] = string(d)
	}
	return "", errs.Field("dimension", "unknown dimension %q: must be one of %s", s, strings.Join(names, ", "))
}

// defaultMetrics are what a topic report shows when no metric is named
// (those of them the dimension supports).
var defaultMetrics = []string{"visitors", "sessions", "conversion_rate", "orders", "units", "gmv", "net_sales", "aov"}

// ParseMetrics reads a comma-separated list of KPI names that can all be
// broken down by x (at most MaxTopicMetrics, none twice); an empty list
// is the default metrics the dimension supports.
func ParseMetrics(s string, x Dimension) ([]*Definition, error) {
	if strings.TrimSpace(s) == "" {
		var names []string
		for _, n := range defaultMetrics {
			if d, _ := Lookup(n); x.Supports(d) {
				names = append(names, n)
			}
		}
		s = strings.Join(names, ",")
	}
	var out []*Definition
	seen := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		name := strings.TrimSpace(p)
		if name == "" {
			continue
		}
		d, ok := Lookup(name)
		switch {
		case !ok:
			return nil, errs.Field("metrics", "unknown metric %q (see /api/analytics/definitions)", name)
		case !d.Scalar():
			return nil, errs.Field("metrics", "%s is a table, not a figure (see /api/analytics/cohorts)", name)
		case !x.Supports(d):
			return nil, errs.Field("metrics", "%s cannot be broken down by %s", name, x)
		case seen[name]:
			return nil, errs.Field("metrics", "%s is listed twice", name)
		}
		seen[name] = true
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, errs.Field("metrics", "name at least one metric (see /api/analytics/definitions)")
	}
	if len(out) > MaxTopicMetrics {
		return nil, errs.Field("metrics", "at most %d metrics", MaxTopicMetrics)
	}
	return out, nil
}

// TopicMetric is one column of a topic report.
type TopicMetric struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Unit  Unit   `json:"unit"`
}

// TopicRow is one value of the dimension with each metric's figure (nil
// when undefined), in the order of the report's metrics.
type TopicRow struct {
	Key    string   `json:"key"`   // the day a time bucket starts, the source, the product id, ...
	Label  string   `json:"label"` // what the console shows
	Values []Figure `json:"values"`
	Counts Counts   `json:"-"`
}

// TopicReport is a topic report.
type TopicReport struct {
	From      string        `json:"from"`
	To        string        `json:"to"`
	TimeZone  string        `json:"time_zone"`
	Dimension Dimension     `json:"dimension"`
	Metrics   []TopicMetric `json:"metrics"`
	Rows      []TopicRow    `json:"rows"`
	// Truncated is how many rows past MaxTopicRows were left out.
	Truncated int `json:"truncated,omitempty"`
	// Total is each metric over the whole range (for the dimensions that
	// split order lines, the sum of the rows).
	Total []Figure `json:"total"`
}

// Topic builds a topic report of the context shop: metrics by x over r.
func (s *Service) Topic(ctx context.Context, metrics []*Definition, x Dimension, r Range) (*TopicReport, error) {
	for _, d := range metrics {
		if !x.Supports(d) {
			return nil, errs.Field("metrics", "%s cannot be broken down by %s", d.Name, x)
		}
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	rep := &TopicReport{From: r.fromDay(), To: r.toDay(), TimeZone: st.TimeZone, Dimension: x}
	for _, d := range metrics {
		rep.Metrics = append(rep.Metrics, TopicMetric{Name: d.Name, Label: d.Label, Unit: d.Unit})
	}
	var rows []TopicRow
	var total Counts
	switch x {
	case DimDay, DimWeek, DimMonth:
		var buckets []Bucket
		side := false
		for _, d := range metrics {
			side = side || d.Basis == BasisOther
		}
		if buckets, total, err = s.buckets(ctx, r, Grain(x), side); err != nil {
			return nil, err
		}
		for _, b := range buckets {
			label := b.Start
			if b.End != b.Start {
				label += " – " + b.End
			}
			rows = append(rows, TopicRow{Key: b.Start, Label: label, Counts: b.Counts})
		}
	case DimSource, DimMedium, DimCampaign:
		srcs, err := s.Sources(ctx, r)
		if err != nil {
			return nil, err
		}
		at := map[string]int{}
		for i := range srcs {
			k := srcs[i].SourceKey
			key := map[Dimension]string{DimSource: k.Source, DimMedium: k.Medium, DimCampaign: k.Campaign}[x]
			label := key
			if label == "" {
				label = "(none)"
			}
			j, ok := at[key]
			if !ok {
				j = len(rows)
				at[key] = j
				rows = append(rows, TopicRow{Key: key, Label: label})
			}
			rows[j].Counts.Add(&srcs[i].Counts)
			total.Add(&srcs[i].Counts)
		}
	case DimCountry:
		if rows, total, err = s.byCountry(ctx, r); err != nil {
			return nil, err
		}
	default:
		if rows, total, err = s.byLines(ctx, r, x); err != nil {
			return nil, err
		}
	}
	for i := range rows {
		for _, d := range metrics {
			rows[i].Values = append(rows[i].Values, figure(d, &rows[i].Counts))
		}
	}
	if !x.Time() {
		sort.SliceStable(rows, func(i, j int) bool {
			a, b := rows[i].Values[0], rows[j].Values[0]
			switch {
			case a != nil && b != nil && *a != *b:
				return *a > *b
			case (a == nil) != (b == nil):
				return a != nil
			}
			return rows[i].Label < rows[j].Label
		})
		if len(rows) > MaxTopicRows {
			rep.Truncated = len(rows) - MaxTopicRows
			rows = rows[:MaxTopicRows]
		}
	}
	rep.Rows = rows
	for _, d := range metrics {
		rep.Total = append(rep.Total, figure(d, &total))
	}
	return rep, nil
}

// byCountry sums the counted orders of r by their shipping country.
func (s *Service) byCountry(ctx context.Context, r Range) ([]TopicRow, Counts, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, Counts{}, err
	}
	var rows []TopicRow
	var total Counts
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		facts, err := order.Facts(ctx, q, tenant, r.From.UTC(), r.To.AddDate(0, 0, 1).UTC())
		if err != nil {
			return err
		}
		ids := make([]string, len(facts))
		for i := range facts {
			ids[i] = facts[i].ID
		}
		countries, err := order.Countries(ctx, q, tenant, ids)
		if err != nil {
			return err
		}
		at := map[string]int{}
		for i := range facts {
			key := countries[facts[i].ID]
			j, ok := at[key]
			if !ok {
				label := key
				if label == "" {
					label = "(none)"
				}
				j = len(rows)
				at[key] = j
				rows = append(rows, TopicRow{Key: key, Label: label})
			}
			f := newDayFold() // one order's counts, as the rollup counts it
			f.addOrder(&facts[i], r.From.Location())
			for _, c := range f.daily {
				rows[j].Counts.Add(c)
				total.Add(c)
			}
		}
		return nil
	})
	if err != nil {
		return nil, Counts{}, errs.Wrap(err, "analytics: by country")
	}
	return rows, total, nil
}

// byLines sums the order lines of r by product, category or role.
func (s *Service) byLines(ctx context.Context, r Range, x Dimension) ([]TopicRow, Counts, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, Counts{}, err
	}
	var rows []TopicRow
	var total Counts
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		limit := MaxTopicRows + 1
		if x != DimProduct {
			limit = 1_000_000 // every product, to be summed by category or role
		}
		top, err := order.TopProducts(ctx, q, tenant, r.From.UTC(), r.To.AddDate(0, 0, 1).UTC(), limit)
		if err != nil {
			return err
		}
		var briefs map[string]catalog.ProductBrief
		if x != DimProduct {
			ids := make([]string, len(top))
			for i := range top {
				ids[i] = top[i].ProductID
			}
			if briefs, err = catalog.ProductBriefs(ctx, q, tenant, ids); err != nil {
				return err
			}
		}
		at := map[string]int{}
		for _, p := range top {
			key, label := p.ProductID, p.Title
			switch x {
			case DimCategory:
				key, label = briefs[p.ProductID].CategorySlug, briefs[p.ProductID].CategoryName
				if key == "" {
					label = "uncategorised"
				}
			case DimRole:
				key = string(briefs[p.ProductID].Role)
				if label = key; key == "" {
					label = "unassigned"
				}
			}
			j, ok := at[key]
			if !ok {
				j = len(rows)
				at[key] = j
				rows = append(rows, TopicRow{Key: key, Label: label})
			}
			c := Counts{Units: p.Units, GMV: p.Revenue, Orders: p.Orders}
			if x != DimProduct {
				c.Orders = 0 // an order with two products of a category is one order: not summed
			}
			rows[j].Counts.Add(&c)
			total.Add(&c)
		}
		return nil
	})
	if err != nil {
		return nil, Counts{}, errs.Wrap(err, "analytics: by order lines")
	}
	if x == DimProduct {
		// The total's orders are the range's orders, not the sum of the
		// products' (an order of two products is one order).
		_, all, err := s.buckets(ctx, r, Month, false)
		if err != nil {
			return nil, Counts{}, err
		}
		total.Orders = all.Orders
	}
	return rows, total, nil
}

// FormatValue writes a figure for CSV and plugins: counts and money (minor
// units) as integers, ratios and numbers with up to six decimals, "" when
// undefined.
func FormatValue(u Unit, v Figure) string {
	if v == nil {
		return ""
	}
	switch u {
	case UnitCount, UnitMoney:
		return strconv.FormatInt(int64(*v), 10)
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// WriteCSV writes the report as CSV: a header (the dimension, then each
// metric's name), one line per row, and a last line "total". Money is in
// minor units of the shop's currency, ratios are 0 to 1.
func (t *TopicReport) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{string(t.Dimension), "label"}
	for _, m := range t.Metrics {
		head = append(head, m.Name)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	line := func(key, label string, vals []Figure) error {
		rec := []string{csvSafe(key), csvSafe(label)}
		for i, m := range t.Metrics {
			rec = append(rec, FormatValue(m.Unit, vals[i]))
		}
		return cw.Write(rec)
	}
	for _, r := range t.Rows {
		if err := line(r.Key, r.Label, r.Values); err != nil {
			return err
		}
	}
	if err := line("total", "", t.Total); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula (a product
// title or campaign name starting with =, +, - or @).
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
