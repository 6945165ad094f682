//go:build !wasip1

package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/sdktest"
)

const day = 86_400_000

func customers(now int64) *sdk.ReportInput {
	ds := sdk.Dataset{Name: "customers", Columns: []sdk.Column{
		{Name: "customer_id", Type: sdk.ColString}, {Name: "last_order_ms", Type: sdk.ColInt},
		{Name: "orders", Type: sdk.ColInt}, {Name: "spent", Type: sdk.ColInt},
		{Name: "r", Type: sdk.ColInt}, {Name: "f", Type: sdk.ColInt}, {Name: "m", Type: sdk.ColInt}, {Name: "group", Type: sdk.ColString}}}
	groups := []string{"Champions", "New customers", "Lost"}
	for i := 0; i < 10; i++ {
		// customer 9 is the most recent, frequent and valuable.
		ds.Rows = append(ds.Rows, []sdk.Cell{{Str: "c" + strconv.Itoa(i)}, {Int: now - int64(10-i)*30*day},
			{Int: int64(i + 1)}, {Int: int64(i+1) * 1000}, {Int: int64(i/2 + 1)}, {Int: int64(i/2 + 1)}, {Int: int64(i/2 + 1)}, {Str: groups[i%3]}})
	}
	return &sdk.ReportInput{Report: "rfm", Currency: "EUR", NowMs: now, Datasets: []sdk.Dataset{ds}}
}

// TestRFM: the host's scores and groups pass through; the charts count
// customers and revenue per group, the largest revenue first.
func TestRFM(t *testing.T) {
	now := int64(1_790_000_000_000)
	out, err := sdktest.New().Report(customers(now))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Rows) != 10 || len(out.Columns) != 8 || len(out.Charts) != 2 {
		t.Fatalf("%+v", out)
	}
	best := out.Rows[9]
	if best[0].Str != "c9" || best[1].Int != 30 || best[2].Int != 10 || best[3].Int != 10000 || best[4].Int != 5 || best[5].Int != 5 || best[6].Int != 5 || best[7].Str != "Champions" {
		t.Fatalf("best %+v", best)
	}
	// Champions: c0, c3, c6, c9 → 1+4+7+10 = 22 thousand; New: 2+5+8 = 15; Lost: 3+6+9 = 18.
	ch := out.Charts[1]
	if got := fmt.Sprint(ch.Labels, ch.Series[0].Values, out.Charts[0].Series[0].Values); got != "[Champions Lost New customers] [22000 18000 15000] [4 3 3]" {
		t.Fatalf("charts %s", got)
	}
	in := customers(now)
	in.Datasets[0].Columns = in.Datasets[0].Columns[:4]
	if _, err := sdktest.New().Report(in); err == nil || !strings.Contains(err.Error(), `lacks column "r"`) {
		t.Fatalf("unscored dataset: %v", err)
	}
}

func salesInput(group string) *sdk.ReportInput {
	ds := sdk.Dataset{Name: "sales", Columns: []sdk.Column{
		{Name: "category", Type: sdk.ColString}, {Name: "role", Type: sdk.ColString},
		{Name: "units", Type: sdk.ColInt}, {Name: "revenue", Type: sdk.ColInt}},
		Rows: [][]sdk.Cell{
			{{Str: "shoes"}, {Str: "hero"}, {Int: 10}, {Int: 60000}},
			{{Str: "socks"}, {Str: "traffic"}, {Int: 100}, {Int: 30000}},
			{{Str: "shoes"}, {Str: "profit"}, {Int: 2}, {Int: 10000}},
		}}
	return &sdk.ReportInput{Report: "sales", Currency: "EUR", Params: []sdk.Param{{Key: "group", Value: group}}, Datasets: []sdk.Dataset{ds}}
}

func TestSalesByCategoryAndRole(t *testing.T) {
	h := sdktest.New()
	out, err := h.Report(salesInput("category"))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Rows) != 2 || out.Rows[0][0].Str != "shoes" || out.Rows[0][2].Int != 70000 || out.Rows[0][3].Int != 7000 {
		t.Fatalf("%+v", out.Rows)
	}
	if out.Charts[0].Kind != "bar" || out.Charts[1].Kind != "pie" || len(out.Charts[1].Labels) != 3 {
		t.Fatalf("%+v", out.Charts)
	}
	out, err = h.Report(salesInput("role"))
	if err != nil || out.Title != "Sales by role" || out.Rows[0][0].Str != "hero" {
		t.Fatalf("%+v %v", out, err)
	}
	if _, err := h.Report(salesInput("colour")); !sdktest.IsGuestError(err) {
		t.Fatalf("want guest error, got %v", err)
	}
	if _, err := h.Report(&sdk.ReportInput{Report: "nope"}); !sdktest.IsGuestError(err) {
		t.Fatalf("want guest error, got %v", err)
	}
}

// TestTopic: the host's topic rows pass through as the table; the chart
// draws the first metric per row without the total, as a line by time.
func TestTopic(t *testing.T) {
	topic := sdk.Dataset{Name: "topic", Columns: []sdk.Column{{Name: "key", Type: sdk.ColString}, {Name: "label", Type: sdk.ColString},
		{Name: "orders", Type: sdk.ColInt}, {Name: "conversion_rate_e6", Type: sdk.ColInt}},
		Rows: [][]sdk.Cell{{{Str: "2026-11-23"}, {Str: "2026-11-23 – 2026-11-29"}, {Int: 2}, {Int: 250000}},
			{{Str: "2026-11-30"}, {Str: "2026-11-30 – 2026-12-01"}, {Int: 1}, {Int: -1}},
			{{Str: "total"}, {Str: "Total"}, {Int: 3}, {Int: 200000}}}}
	info := sdk.Dataset{Name: "topic_params", Columns: []sdk.Column{{Name: "from", Type: sdk.ColString}, {Name: "to", Type: sdk.ColString},
		{Name: "dimension", Type: sdk.ColString}, {Name: "metrics", Type: sdk.ColString}, {Name: "time_zone", Type: sdk.ColString}},
		Rows: [][]sdk.Cell{{{Str: "2026-11-23"}, {Str: "2026-12-01"}, {Str: "week"}, {Str: "orders,conversion_rate"}, {Str: "UTC"}}}}
	out, err := sdktest.New().Report(&sdk.ReportInput{Report: "topic", Currency: "EUR", Datasets: []sdk.Dataset{topic, info}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Title != "Report by week, 2026-11-23 to 2026-12-01" || len(out.Rows) != 3 || len(out.Charts) != 1 {
		t.Fatalf("%+v", out)
	}
	ch := out.Charts[0]
	if got := fmt.Sprint(ch.Kind, " ", ch.Labels, ch.Series[0].Values); got != "line [2026-11-23 – 2026-11-29 2026-11-30 – 2026-12-01] [2 1]" {
		t.Fatalf("chart %s", got)
	}
	if _, err := sdktest.New().Report(&sdk.ReportInput{Report: "topic", Datasets: []sdk.Dataset{topic}}); err == nil {
		t.Fatal("a topic report without its parameters")
	}
}
