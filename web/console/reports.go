package console

import (
	"html/template"
	"math"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Reports: the topic report page (chosen KPIs by a dimension over a
// range, as a table, one chart per KPI drawn by the reports' chart code,
// and the same report as CSV from /api/analytics/report) and the KPI help
// page, listed from analytics.Definitions, the definitions the figures
// are computed by.

func (s *Shop) reportPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/reports", perm.AnalyticsRead, "Topic reports: KPIs by a dimension over a range, with charts and CSV", s.reportsPage)
	html.Page("GET", "/console/reports/kpis", perm.AnalyticsRead, "How every KPI is defined", s.kpiHelpPage)
	s.scheduledReportPages(t)
}

type reportMetric struct {
	Name, Label, Basis string
	Checked            bool
}

type reportRow struct {
	Key, Label string
	Values     []string
}

type reportsData struct {
	Metrics    []reportMetric
	Dimensions []reportOption
	From, To   string
	TimeZone   string
	Ran        bool
	Columns    []string
	Rows       []reportRow
	Total      []string
	Truncated  int
	Charts     []template.HTML
	CSV        string
}

type reportOption struct {
	Value   string
	Current bool
}

func (s *Shop) reportsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	if s.analytics == nil {
		return fiber.ErrNotFound
	}
	chosen := map[string]bool{}
	for _, m := range strings.Split(c.Query("metrics"), ",") {
		chosen[strings.TrimSpace(m)] = true
	}
	// A form posts one metrics= per box; join them.
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if string(k) == "metric" {
			chosen[string(v)] = true
		}
	})
	var names []string
	d := reportsData{From: c.Query("from"), To: c.Query("to")}
	for _, def := range analytics.Definitions() {
		if !def.Scalar() {
			continue
		}
		d.Metrics = append(d.Metrics, reportMetric{Name: def.Name, Label: def.Label, Basis: string(def.Basis), Checked: chosen[def.Name]})
		if chosen[def.Name] {
			names = append(names, def.Name)
		}
	}
	dim := c.Query("dimension")
	for _, x := range analytics.Dimensions {
		d.Dimensions = append(d.Dimensions, reportOption{Value: string(x), Current: string(x) == dim || (dim == "" && x == analytics.DimDay)})
	}
	_, st, err := s.analytics.Today(ctx)
	if err != nil {
		return err
	}
	d.TimeZone = st.TimeZone
	if len(names) == 0 && c.Query("run") == "" {
		return s.Page(c, "console/reports", "Reports", "reports", d)
	}
	fail := func(err error) error {
		return s.PageError(c, err, func() error { return s.PageWithError(c, "console/reports", "Reports", "reports", d) })
	}
	x, err := analytics.ParseDimension(dim)
	if err != nil {
		return fail(err)
	}
	ms, err := analytics.ParseMetrics(strings.Join(names, ","), x)
	if err != nil {
		return fail(err)
	}
	r, _, err := s.analytics.ParseRange(ctx, d.From, d.To)
	if err != nil {
		return fail(err)
	}
	rep, err := s.analytics.Topic(ctx, ms, x, r)
	if err != nil {
		return fail(err)
	}
	currency := s.admin.ShopCurrency(c)
	d.Ran, d.From, d.To, d.Truncated = true, rep.From, rep.To, rep.Truncated
	q := url.Values{"metrics": {strings.Join(names, ",")}, "dimension": {string(x)}, "from": {rep.From}, "to": {rep.To}, "format": {"csv"}}
	d.CSV = "/api/analytics/report?" + q.Encode()
	for _, m := range rep.Metrics {
		d.Columns = append(d.Columns, m.Label)
	}
	for _, row := range rep.Rows {
		rr := reportRow{Key: row.Key, Label: row.Label}
		for i, m := range rep.Metrics {
			rr.Values = append(rr.Values, formatFigure(m.Unit, row.Values[i], currency))
		}
		d.Rows = append(d.Rows, rr)
	}
	for i, m := range rep.Metrics {
		d.Total = append(d.Total, formatFigure(m.Unit, rep.Total[i], currency))
	}
	d.Charts = topicCharts(rep, currency)
	return s.Page(c, "console/reports", "Reports", "reports", d)
}

// topicCharts draws one chart per metric of a topic report (a line by
// time, bars otherwise) with the reports' chart code, whose values are
// integers: counts as they are, money in major units of the currency,
// ratios in percent and other numbers in hundredths, each said in the
// chart's title. The table beside it has the exact figures.
func topicCharts(rep *analytics.TopicReport, currency string) []template.HTML {
	kind := "bar"
	if rep.Dimension.Time() {
		kind = "line"
	}
	var out []template.HTML
	for i, m := range rep.Metrics {
		title, scale := m.Label, 1.0
		switch m.Unit {
		case analytics.UnitMoney:
			title += " (" + currency + ")"
			scale = 1 / math.Pow10(money.Digits(currency))
		case analytics.UnitRatio:
			title, scale = title+" (%)", 100
		case analytics.UnitValue:
			title, scale = title+" (×100)", 100
		}
		ch := extension.Chart{Kind: kind, Title: title + " by " + string(rep.Dimension), Series: []extension.Series{{Name: m.Label}}}
		for _, row := range rep.Rows {
			ch.Labels = append(ch.Labels, row.Label)
			var v int64
			if f := row.Values[i]; f != nil {
				v = int64(math.Round(*f * scale))
			}
			ch.Series[0].Values = append(ch.Series[0].Values, v)
		}
		out = append(out, chartSVG(ch))
	}
	return out
}

type kpiHelp struct {
	Name, Label, Unit, Formula, Help, Basis, By string
}

func (s *Shop) kpiHelpPage(c *fiber.Ctx) error {
	var out []kpiHelp
	for _, d := range analytics.Definitions() {
		var by []string
		for _, x := range analytics.Dimensions {
			if x.Supports(&d) {
				by = append(by, string(x))
			}
		}
		h := kpiHelp{Name: d.Name, Label: d.Label, Unit: string(d.Unit), Formula: d.Formula, Help: d.Help, Basis: string(d.Basis),
			By: strings.Join(by, ", ")}
		if !d.Scalar() {
			h.By = "a table of its own (/api/analytics/cohorts)"
		}
		out = append(out, h)
	}
	return s.Page(c, "console/kpis", "KPI definitions", "reports", out)
}
