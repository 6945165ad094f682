// Command reporting is Wasmart's first-party reporting plugin:
//   - "rfm": RFM customer segmentation (recency, frequency, monetary
//     quintile scores and named segments) from the "customers" dataset;
//   - "sales": sales by category or by product role (hero, traffic,
//     profit, ...) from the "sales" dataset, with a bar and a pie chart.
package main

import (
	"errors"
	"fmt"
	"sort"

	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/reporting"
)

func init() { reporting.Handle(Report) }

func main() {}

// Report builds the requested report.
func Report(in *sdk.ReportInput) (*sdk.ReportOutput, error) {
	switch in.Report {
	case "rfm":
		return rfm(in)
	case "sales", "sales-by-category", "sales-by-role":
		return sales(in)
	}
	return nil, fmt.Errorf("unknown report %q (want rfm or sales)", in.Report)
}

func cols(ds *sdk.Dataset, names ...string) ([]int, error) {
	idx := make([]int, len(names))
	for i, n := range names {
		idx[i] = ds.Col(n)
		if idx[i] < 0 {
			return nil, fmt.Errorf("dataset %q lacks column %q", ds.Name, n)
		}
	}
	return idx, nil
}

type customer struct {
	id                  string
	last, orders, spent int64
	r, f, m             int64
	segment             string
}

// quintiles assigns scores 1..5 by rank of key (higher key, higher score);
// equal keys get equal scores.
func quintiles(cs []customer, key func(*customer) int64, set func(*customer, int64)) {
	idx := make([]int, len(cs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return key(&cs[idx[a]]) < key(&cs[idx[b]]) })
	n := int64(len(cs))
	var score int64
	for rank, i := range idx {
		if rank == 0 || key(&cs[i]) != key(&cs[idx[rank-1]]) {
			score = 1 + int64(rank)*5/n
		}
		set(&cs[i], score)
	}
}

// Segment names a customer from its R, F and M scores.
func Segment(r, f, m int64) string {
	switch {
	case r >= 4 && f >= 4 && m >= 4:
		return "Champions"
	case r >= 4 && f <= 1:
		return "New customers"
	case r <= 2 && f >= 3:
		return "At risk"
	case f >= 4:
		return "Loyal"
	case r >= 3 && f <= 3:
		return "Promising"
	case r <= 2:
		return "Hibernating"
	}
	return "Needs attention"
}

var segmentOrder = []string{"Champions", "Loyal", "Promising", "New customers", "Needs attention", "At risk", "Hibernating"}

func rfm(in *sdk.ReportInput) (*sdk.ReportOutput, error) {
	ds := in.Dataset("customers")
	if ds == nil {
		return nil, errors.New(`rfm needs a "customers" dataset`)
	}
	c, err := cols(ds, "customer_id", "last_order_ms", "orders", "spent")
	if err != nil {
		return nil, err
	}
	cs := make([]customer, 0, len(ds.Rows))
	for _, row := range ds.Rows {
		cs = append(cs, customer{id: row[c[0]].Str, last: row[c[1]].Int, orders: row[c[2]].Int, spent: row[c[3]].Int})
	}
	if len(cs) > 0 {
		quintiles(cs, func(x *customer) int64 { return x.last }, func(x *customer, s int64) { x.r = s })
		quintiles(cs, func(x *customer) int64 { return x.orders }, func(x *customer, s int64) { x.f = s })
		quintiles(cs, func(x *customer) int64 { return x.spent }, func(x *customer, s int64) { x.m = s })
	}
	count := map[string]int64{}
	revenue := map[string]int64{}
	out := &sdk.ReportOutput{
		Title: "RFM segments",
		Columns: []sdk.Column{
			{Name: "customer_id", Type: sdk.ColString}, {Name: "recency_days", Type: sdk.ColInt},
			{Name: "orders", Type: sdk.ColInt}, {Name: "spent", Type: sdk.ColInt},
			{Name: "r", Type: sdk.ColInt}, {Name: "f", Type: sdk.ColInt}, {Name: "m", Type: sdk.ColInt},
			{Name: "segment", Type: sdk.ColString},
		},
	}
	for i := range cs {
		x := &cs[i]
		x.segment = Segment(x.r, x.f, x.m)
		count[x.segment]++
		revenue[x.segment] += x.spent
		days := (in.NowMs - x.last) / 86_400_000
		if days < 0 {
			days = 0
		}
		out.Rows = append(out.Rows, []sdk.Cell{{Str: x.id}, {Int: days}, {Int: x.orders}, {Int: x.spent},
			{Int: x.r}, {Int: x.f}, {Int: x.m}, {Str: x.segment}})
	}
	var labels []string
	var counts, revs []int64
	for _, s := range segmentOrder {
		if count[s] > 0 {
			labels = append(labels, s)
			counts = append(counts, count[s])
			revs = append(revs, revenue[s])
		}
	}
	out.Charts = []sdk.Chart{
		{Kind: "bar", Title: "Customers by segment", Labels: labels, Series: []sdk.Series{{Name: "customers", Values: counts}}},
		{Kind: "pie", Title: "Revenue by segment (" + in.Currency + ")", Labels: labels, Series: []sdk.Series{{Name: "revenue", Values: revs}}},
	}
	return out, nil
}

type agg struct {
	key            string
	units, revenue int64
}

func group(ds *sdk.Dataset, keyCol, unitsCol, revCol int) []agg {
	m := map[string]*agg{}
	var order []*agg
	for _, row := range ds.Rows {
		k := row[keyCol].Str
		if k == "" {
			k = "(none)"
		}
		a := m[k]
		if a == nil {
			a = &agg{key: k}
			m[k] = a
			order = append(order, a)
		}
		a.units += row[unitsCol].Int
		a.revenue += row[revCol].Int
	}
	res := make([]agg, len(order))
	for i, a := range order {
		res[i] = *a
	}
	sort.SliceStable(res, func(i, j int) bool {
		if res[i].revenue != res[j].revenue {
			return res[i].revenue > res[j].revenue
		}
		return res[i].key < res[j].key
	})
	return res
}

func sales(in *sdk.ReportInput) (*sdk.ReportOutput, error) {
	ds := in.Dataset("sales")
	if ds == nil {
		return nil, errors.New(`sales needs a "sales" dataset`)
	}
	c, err := cols(ds, "category", "role", "units", "revenue")
	if err != nil {
		return nil, err
	}
	by := in.Param("group")
	if in.Report == "sales-by-role" {
		by = "role"
	}
	if by == "" {
		by = "category"
	}
	if by != "category" && by != "role" {
		return nil, fmt.Errorf("group must be category or role, not %q", by)
	}
	byCat := group(ds, c[0], c[2], c[3])
	byRole := group(ds, c[1], c[2], c[3])
	rows := byCat
	if by == "role" {
		rows = byRole
	}
	var total int64
	for _, a := range rows {
		total += a.revenue
	}
	out := &sdk.ReportOutput{
		Title: "Sales by " + by,
		Columns: []sdk.Column{{Name: by, Type: sdk.ColString}, {Name: "units", Type: sdk.ColInt},
			{Name: "revenue", Type: sdk.ColInt}, {Name: "share_bp", Type: sdk.ColInt}},
	}
	for _, a := range rows {
		var share int64
		if total > 0 {
			share = a.revenue * 10000 / total
		}
		out.Rows = append(out.Rows, []sdk.Cell{{Str: a.key}, {Int: a.units}, {Int: a.revenue}, {Int: share}})
	}
	chart := func(kind, title string, as []agg) sdk.Chart {
		ch := sdk.Chart{Kind: kind, Title: title, Series: []sdk.Series{{Name: "revenue"}}}
		for _, a := range as {
			ch.Labels = append(ch.Labels, a.key)
			ch.Series[0].Values = append(ch.Series[0].Values, a.revenue)
		}
		return ch
	}
	out.Charts = []sdk.Chart{
		chart("bar", "Revenue by category ("+in.Currency+")", byCat),
		chart("pie", "Revenue by product role ("+in.Currency+")", byRole),
	}
	return out, nil
}
