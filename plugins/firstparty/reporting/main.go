// Command reporting is Wasmart's first-party reporting plugin:
//   - "rfm": RFM customer segments from the "customers" dataset, whose
//     rows the host has scored (r, f, m 1-5 and the group) against the
//     shop's absolute thresholds;
//   - "sales": sales by category or by product role (hero, traffic,
//     profit, ...) from the "sales" dataset, with a bar and a pie chart;
//   - "topic": the topic report the merchant's parameters chose (from,
//     to, dimension, metrics) from the "topic" and "topic_params"
//     datasets, as a table and a chart of its first metric.
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
	case "topic":
		return topic(in)
	}
	return nil, fmt.Errorf("unknown report %q (want rfm, sales or topic)", in.Report)
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

// rfm reports the customers' RFM scores and groups. The host scores them
// (columns r, f, m and group) against the shop's absolute thresholds, so
// a shop's one customer who ordered today is "New customers", not ranked
// against the others; the report lists them and charts customers and
// revenue per group, the largest revenue first.
func rfm(in *sdk.ReportInput) (*sdk.ReportOutput, error) {
	ds := in.Dataset("customers")
	if ds == nil {
		return nil, errors.New(`rfm needs a "customers" dataset`)
	}
	c, err := cols(ds, "customer_id", "last_order_ms", "orders", "spent", "r", "f", "m", "group")
	if err != nil {
		return nil, err
	}
	count := map[string]int64{}
	revenue := map[string]int64{}
	var groups []string
	out := &sdk.ReportOutput{
		Title: "RFM segments",
		Columns: []sdk.Column{
			{Name: "customer_id", Type: sdk.ColString}, {Name: "recency_days", Type: sdk.ColInt},
			{Name: "orders", Type: sdk.ColInt}, {Name: "spent", Type: sdk.ColInt},
			{Name: "r", Type: sdk.ColInt}, {Name: "f", Type: sdk.ColInt}, {Name: "m", Type: sdk.ColInt},
			{Name: "segment", Type: sdk.ColString},
		},
	}
	for _, row := range ds.Rows {
		g := row[c[7]].Str
		if _, ok := count[g]; !ok {
			groups = append(groups, g)
		}
		count[g]++
		revenue[g] += row[c[3]].Int
		days := (in.NowMs - row[c[1]].Int) / 86_400_000
		if days < 0 {
			days = 0
		}
		out.Rows = append(out.Rows, []sdk.Cell{row[c[0]], {Int: days}, row[c[2]], row[c[3]], row[c[4]], row[c[5]], row[c[6]], {Str: g}})
	}
	sort.SliceStable(groups, func(i, j int) bool {
		if revenue[groups[i]] != revenue[groups[j]] {
			return revenue[groups[i]] > revenue[groups[j]]
		}
		return groups[i] < groups[j]
	})
	counts, revs := make([]int64, len(groups)), make([]int64, len(groups))
	for i, g := range groups {
		counts[i], revs[i] = count[g], revenue[g]
	}
	out.Charts = []sdk.Chart{
		{Kind: "bar", Title: "Customers by segment", Labels: groups, Series: []sdk.Series{{Name: "customers", Values: counts}}},
		{Kind: "pie", Title: "Revenue by segment (" + in.Currency + ")", Labels: groups, Series: []sdk.Series{{Name: "revenue", Values: revs}}},
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

// topic passes the host's topic report through: its rows (the total
// last) as the table, and its first metric per row (the total left out)
// as a line by time or bars otherwise.
func topic(in *sdk.ReportInput) (*sdk.ReportOutput, error) {
	ds, info := in.Dataset("topic"), in.Dataset("topic_params")
	if ds == nil || info == nil || len(info.Rows) != 1 {
		return nil, errors.New(`topic needs the "topic" and "topic_params" datasets`)
	}
	c, err := cols(info, "from", "to", "dimension")
	if err != nil {
		return nil, err
	}
	if len(ds.Columns) < 3 {
		return nil, errors.New(`the "topic" dataset has no metric`)
	}
	p := info.Rows[0]
	dim := p[c[2]].Str
	out := &sdk.ReportOutput{Title: "Report by " + dim + ", " + p[c[0]].Str + " to " + p[c[1]].Str, Columns: ds.Columns, Rows: ds.Rows}
	kind := "bar"
	if dim == "day" || dim == "week" || dim == "month" {
		kind = "line"
	}
	ch := sdk.Chart{Kind: kind, Title: ds.Columns[2].Name + " by " + dim, Series: []sdk.Series{{Name: ds.Columns[2].Name}}}
	for _, row := range ds.Rows {
		if row[0].Str == "total" || len(ch.Labels) == 1000 {
			continue
		}
		ch.Labels = append(ch.Labels, row[1].Str)
		ch.Series[0].Values = append(ch.Series[0].Values, row[2].Int)
	}
	if len(ch.Labels) > 0 {
		out.Charts = []sdk.Chart{ch}
	}
	return out, nil
}
