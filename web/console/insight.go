package console

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// Insight serves the inventory insight and bought-together pages
// (insight.go).
type Insight struct {
	base
	insight *admin.Insight
}

func (s *Insight) insightPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/insight", perm.InsightRead, "Inventory insight: turnover, cover, forecast, reorder, slow sellers", s.inventoryPage)
	html.Page("GET", "/console/insight/inventory.csv", perm.InsightRead, "Inventory insight as CSV", s.inventoryCSV)
	html.Page("POST", "/console/insight/settings", perm.InventoryWrite, "Save the reorder settings", s.saveSettings)
	html.Page("GET", "/console/insight/bought-together", perm.InsightRead, "Bought together: association rules", s.rulesPage)
	html.Page("POST", "/console/insight/bought-together/settings", perm.AnalyticsManage, "Save the rules' thresholds and mine them again", s.saveRuleSettings)
}

// insightColumn is a sortable column header.
type insightColumn struct {
	Label, Href, Sort string // Sort: aria-sort value or ""
}

type insightData struct {
	In       *admin.InsightJSON
	Rows     []insightRow
	Index    []string        // the weekday index, Sunday first, formatted
	Views    []insightColumn // the view tabs (Sort "page" marks the current)
	Columns  []insightColumn
	CSV      string
	CanWrite bool
	Form     inventory.ReorderSettings
	Total    int // variants in the view; the page lists the first maxInsightRows
}

// maxInsightRows caps the page's table (the CSV export has every row).
const maxInsightRows = 500

// insightRow is a variant's figures as the page prints them.
type insightRow struct {
	admin.VariantInsightJSON
	Variant, Turnover, Cover, Forecast, LeadDemand, LastSold, SellThrough string
}

// pct writes a share as a percentage with digits decimals.
func pct(x float64, digits int) string { return strconv.FormatFloat(100*x, 'f', digits, 64) + "%" }

func num(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

var insightColumns = []struct{ key, label string }{
	{"product", "Product"}, {"sku", "SKU"}, {"available", "Available"}, {"sold", "Sold"}, {"turnover", "Turnover"},
	{"cover", "Days of cover"}, {"forecast", "Forecast 7 days"}, {"reorder_point", "Reorder point"}, {"suggested", "Suggested order"},
	{"last_sold", "Last sale"}, {"sell_through", "Sell-through"},
}

func (s *Insight) inventoryPage(c *fiber.Ctx) error {
	in, err := s.insight.Inventory(c)
	if err != nil {
		return err
	}
	d := insightData{In: in, CanWrite: s.Can(c, perm.InventoryWrite), Form: in.Settings}
	link := func(view, sort string, desc bool) string {
		v := url.Values{"view": {view}, "sort": {sort}}
		if desc {
			v.Set("desc", "true")
		}
		return "?" + v.Encode()
	}
	for _, v := range admin.InsightViews {
		label := map[string]string{"all": "All variants", "reorder": "To reorder", "slow": "Slow sellers"}[v]
		col := insightColumn{Label: label, Href: link(v, in.Sort, in.Desc)}
		if v == in.View {
			col.Sort = "page"
		}
		d.Views = append(d.Views, col)
	}
	for _, col := range insightColumns {
		x := insightColumn{Label: col.label, Href: link(in.View, col.key, false)}
		if col.key == in.Sort {
			x.Sort = "ascending"
			if in.Desc {
				x.Sort = "descending"
			} else {
				x.Href = link(in.View, col.key, true)
			}
		}
		d.Columns = append(d.Columns, x)
	}
	d.Total = len(in.Variants)
	for _, v := range in.Variants[:min(len(in.Variants), maxInsightRows)] {
		r := insightRow{VariantInsightJSON: v, Variant: strings.Join(v.Options, " / "), Turnover: num(v.Turnover), Forecast: num(v.Forecast7),
			LeadDemand: num(v.LeadDemand), SellThrough: pct(v.SellThrough, 1), Cover: "—", LastSold: "none in the window"}
		if v.DaysOfCover != nil {
			r.Cover = strconv.FormatFloat(*v.DaysOfCover, 'f', 1, 64)
		}
		if v.LastSoldAt != nil {
			r.LastSold = v.LastSoldAt.Format("2006-01-02")
		}
		d.Rows = append(d.Rows, r)
	}
	for _, x := range in.WeekdayIndex {
		d.Index = append(d.Index, num(x))
	}
	d.CSV = "/console/insight/inventory.csv" + link(in.View, in.Sort, in.Desc)
	return s.PageWithError(c, "console/insight", "Inventory insight", "insight", d)
}

func (s *Insight) inventoryCSV(c *fiber.Ctx) error { return s.insight.SendInsightCSV(c) }

func (s *Insight) saveSettings(c *fiber.Ctx) error {
	var st inventory.ReorderSettings
	for _, f := range []struct {
		name string
		to   *int
	}{{"lead_time_days", &st.LeadTimeDays}, {"review_days", &st.ReviewDays}, {"safety_days", &st.SafetyDays}, {"history_weeks", &st.HistoryWeeks}, {"slow_days", &st.SlowDays}} {
		n, err := strconv.Atoi(strings.TrimSpace(c.FormValue(f.name)))
		if err != nil {
			return s.PageError(c, errs.Field(f.name, "must be a whole number of days"), func() error { return s.inventoryPage(c) })
		}
		*f.to = n
	}
	if err := s.insight.SaveReorderSettings(c, st); err != nil {
		return s.PageError(c, err, func() error { return s.inventoryPage(c) })
	}
	return view.Done(c, "/console/insight")
}

type rulesData struct {
	R                         *admin.BasketRulesJSON
	Rows                      []basketRuleRow
	MinSupport, MinConfidence string // percentages for the form
	Sorts                     []insightColumn
	CanManage                 bool
}

// basketRuleRow is a rule as the page prints it.
type basketRuleRow struct {
	admin.BasketRuleJSON
	Support, Confidence, Lift string
}

func (s *Insight) rulesPage(c *fiber.Ctx) error {
	r, err := s.insight.Rules(c)
	if err != nil {
		return err
	}
	d := rulesData{R: r, CanManage: s.Can(c, perm.AnalyticsManage),
		MinSupport: strconv.FormatFloat(100*r.Settings.MinSupport, 'f', -1, 64), MinConfidence: strconv.FormatFloat(100*r.Settings.MinConfidence, 'f', -1, 64)}
	for _, x := range r.Rules {
		d.Rows = append(d.Rows, basketRuleRow{BasketRuleJSON: x, Support: pct(x.Support, 1), Confidence: pct(x.Confidence, 1), Lift: num(x.Lift)})
	}
	for _, k := range []string{"lift", "confidence", "support"} {
		col := insightColumn{Label: strings.ToUpper(k[:1]) + k[1:], Href: "?sort=" + k}
		if k == r.Sort {
			col.Sort = "descending"
		}
		d.Sorts = append(d.Sorts, col)
	}
	return s.PageWithError(c, "console/bought_together", "Bought together", "insight", d)
}

func (s *Insight) saveRuleSettings(c *fiber.Ctx) error {
	var st analytics.BasketSettings
	var err error
	again := func() error { return s.rulesPage(c) }
	// The form takes percentages, as the page shows them.
	if st.MinSupport, err = strconv.ParseFloat(strings.TrimSpace(c.FormValue("min_support")), 64); err != nil {
		return s.PageError(c, errs.Field("min_support", "must be a number (a percentage of the orders)"), again)
	}
	if st.MinConfidence, err = strconv.ParseFloat(strings.TrimSpace(c.FormValue("min_confidence")), 64); err != nil {
		return s.PageError(c, errs.Field("min_confidence", "must be a number (a percentage)"), again)
	}
	if st.WindowDays, err = strconv.Atoi(strings.TrimSpace(c.FormValue("window_days"))); err != nil {
		return s.PageError(c, errs.Field("window_days", "must be a whole number of days"), again)
	}
	st.MinSupport /= 100
	st.MinConfidence /= 100
	if _, err := s.insight.SaveRuleSettings(c, st); err != nil {
		return s.PageError(c, err, again)
	}
	return view.Done(c, "/console/insight/bought-together")
}
