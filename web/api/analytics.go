package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Storefront analytics and KPIs on the console host (analytics.read: the
// owner, administrator, analyst and marketing roles; analytics.manage
// for the settings). Every figure is read from core/analytics' rollups;
// ranges are the shop's local days (from and to included, YYYY-MM-DD, in
// the shop's time zone); money is integer minor units of the shop's
// currency; ratios are 0 to 1; a KPI that is undefined (a ratio over
// zero) is null. Bad input (a reversed range, one longer than the shop's
// retention, an unknown metric, grain or comparison) is a 400 naming the
// field.

// KPIJSON is one KPI over the range with its comparisons.
type KPIJSON = analytics.KPI

// KPIReport is every KPI over a range, with the figures per bucket.
type KPIReport struct {
	From     string              `json:"from"`
	To       string              `json:"to"`
	Grain    string              `json:"grain"`
	TimeZone string              `json:"time_zone"`
	KPIs     []KPIJSON           `json:"kpis"`
	Previous *analytics.RangeRef `json:"previous,omitempty"`
	LastYear *analytics.RangeRef `json:"last_year,omitempty"`
	Buckets  []KPIBucket         `json:"buckets"`
}

// KPIBucket is one bucket of the report: its days and every KPI's value.
type KPIBucket struct {
	Start  string              `json:"start"`
	End    string              `json:"end"`
	Values map[string]*float64 `json:"values"`
}

// SeriesJSON is one KPI bucket by bucket.
type SeriesJSON struct {
	Metric string            `json:"metric"`
	Grain  string            `json:"grain"`
	Points []analytics.Point `json:"points"`
}

// SourceJSON is one traffic source over a range.
type SourceJSON struct {
	Source         string   `json:"source"`
	Medium         string   `json:"medium"`
	Campaign       string   `json:"campaign,omitempty"`
	Visitors       int64    `json:"visitors"`
	Sessions       int64    `json:"sessions"`
	Pageviews      int64    `json:"pageviews"`
	Orders         int64    `json:"orders"`
	GMV            int64    `json:"gmv"`
	ConversionRate *float64 `json:"conversion_rate"`
}

// AnalyticsSettingsJSON are a shop's analytics settings.
type AnalyticsSettingsJSON struct {
	TimeZone         string `json:"time_zone"`
	RetentionDays    int    `json:"retention_days"`
	RawRetentionDays int    `json:"raw_retention_days"`
}

// Analytics serves the KPIs, series, sources, definitions and settings.
type Analytics struct {
	analytics *analytics.Service
	admin     *admin.Admin // report recipients are checked against the shop's staff
}

// Routes are the analytics API.
func (s *Analytics) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeTenant, "analytics")
	rng := []httpx.QueryParam{
		{Name: "from", Description: "first local day, YYYY-MM-DD (default: 29 days before to)"},
		{Name: "to", Description: "last local day, YYYY-MM-DD, included (default: today)"},
	}
	grain := httpx.QueryParam{Name: "grain", Enum: []string{"day", "week", "month"}, Description: "bucket size (default day; weeks start on Monday)"}
	api.API("GET", "/api/analytics/kpis", perm.AnalyticsRead, "Every KPI over a range, by bucket, with comparisons", nil, KPIReport{}, s.apiKPIs,
		append(rng, grain, httpx.QueryParam{Name: "compare", Description: "previous, year or previous,year"})...)
	api.API("GET", "/api/analytics/series", perm.AnalyticsRead, "One KPI bucket by bucket (hourly for the hourly KPIs, at most 31 days)", nil, SeriesJSON{}, s.apiSeries,
		append(rng, httpx.QueryParam{Name: "metric", Description: "a KPI name (see /api/analytics/definitions)"},
			httpx.QueryParam{Name: "grain", Enum: []string{"hour", "day", "week", "month"}})...)
	api.API("GET", "/api/analytics/sources", perm.AnalyticsRead, "Traffic and sales by source, medium and campaign, most sessions first", nil, []SourceJSON{}, s.apiSources, rng...)
	dims := make([]string, len(analytics.Dimensions))
	for i, d := range analytics.Dimensions {
		dims[i] = string(d)
	}
	api.API("GET", "/api/analytics/report", perm.AnalyticsRead, "A topic report: chosen KPIs by one dimension over a range, as JSON or CSV", nil, TopicReportJSON{}, s.apiReport,
		append(rng, httpx.QueryParam{Name: "metrics", Description: "comma-separated KPI names (see /api/analytics/definitions; each KPI's basis says by what it can be broken down)"},
			httpx.QueryParam{Name: "dimension", Enum: dims, Description: "what the rows are (default day)"},
			httpx.QueryParam{Name: "format", Enum: []string{"json", "csv"}, Description: "json (default) or csv (money in minor units, ratios 0 to 1)"})...)
	api.API("GET", "/api/analytics/cohorts", perm.AnalyticsRead, "Retention cohorts: customers by first-order month and the share ordering in each month since", nil, CohortsJSON{}, s.apiCohorts, rng...)
	api.API("GET", "/api/analytics/schedules", perm.AnalyticsRead, "The shop's daily, weekly and monthly report schedules", nil, []ScheduleJSON{}, s.apiSchedules)
	api.API("PUT", "/api/analytics/schedules/:frequency", perm.ReportsManage, "Create or replace the schedule of a frequency (daily, weekly, monthly)", ScheduleRequest{}, ScheduleJSON{}, s.apiSaveSchedule)
	api.API("DELETE", "/api/analytics/schedules/:schedule", perm.ReportsManage, "Delete a report schedule (its sent reports stay)", nil, nil, s.apiDeleteSchedule)
	api.API("GET", "/api/analytics/reports", perm.AnalyticsRead, "Reports the schedules sent, newest first", nil, []StoredReportJSON{}, s.apiStoredReports,
		httpx.QueryParam{Name: "limit", Description: "1 to 500 (default 50)"})
	api.API("GET", "/api/analytics/reports/:report", perm.AnalyticsRead, "One sent report with its figures", nil, StoredReportJSON{}, s.apiStoredReport)
	api.API("GET", "/api/analytics/definitions", perm.AnalyticsRead, "How every KPI is defined", nil, []analytics.Definition{}, s.apiDefinitions)
	api.API("GET", "/api/analytics/settings", perm.AnalyticsRead, "The shop's analytics time zone and retention", nil, AnalyticsSettingsJSON{}, s.apiSettings)
	api.API("PUT", "/api/analytics/settings", perm.AnalyticsManage, "Change the shop's analytics time zone and retention", AnalyticsSettingsJSON{}, AnalyticsSettingsJSON{}, s.apiSaveSettings)
	return t.Routes()
}

func (s *Analytics) apiKPIs(c *fiber.Ctx) error {
	g, err := analytics.ParseGrain(c.Query("grain"))
	if err != nil {
		return err
	}
	if g == analytics.Hour {
		return errs.Field("grain", "must be day, week or month")
	}
	cmp, err := analytics.ParseCompare(c.Query("compare"))
	if err != nil {
		return err
	}
	r, _, err := s.analytics.ParseRange(c.UserContext(), c.Query("from"), c.Query("to"))
	if err != nil {
		return err
	}
	rep, err := s.analytics.KPIs(c.UserContext(), r, g, cmp)
	if err != nil {
		return err
	}
	out := KPIReport{From: rep.From, To: rep.To, Grain: string(rep.Grain), TimeZone: rep.TimeZone, KPIs: rep.KPIs, Previous: rep.Previous, LastYear: rep.LastYear,
		Buckets: make([]KPIBucket, len(rep.Buckets))}
	defs := analytics.Definitions()
	for i, b := range rep.Buckets {
		vals := make(map[string]*float64, len(defs))
		for j := range defs {
			if !defs[j].Scalar() {
				continue
			}
			if v, ok := defs[j].Value(&b.Counts); ok {
				vals[defs[j].Name] = &v
			} else {
				vals[defs[j].Name] = nil
			}
		}
		out.Buckets[i] = KPIBucket{Start: b.Start, End: b.End, Values: vals}
	}
	return c.JSON(out)
}

func (s *Analytics) apiSeries(c *fiber.Ctx) error {
	metric := c.Query("metric")
	if metric == "" {
		return errs.Field("metric", "is required (see /api/analytics/definitions)")
	}
	if _, ok := analytics.Lookup(metric); !ok {
		return errs.Field("metric", "unknown metric %q (see /api/analytics/definitions)", metric)
	}
	g, err := analytics.ParseGrain(c.Query("grain"))
	if err != nil {
		return err
	}
	r, _, err := s.analytics.ParseRange(c.UserContext(), c.Query("from"), c.Query("to"))
	if err != nil {
		return err
	}
	pts, err := s.analytics.Series(c.UserContext(), metric, r, g)
	if err != nil {
		return err
	}
	return c.JSON(SeriesJSON{Metric: metric, Grain: string(g), Points: pts})
}

func (s *Analytics) apiSources(c *fiber.Ctx) error {
	r, _, err := s.analytics.ParseRange(c.UserContext(), c.Query("from"), c.Query("to"))
	if err != nil {
		return err
	}
	rows, err := s.analytics.Sources(c.UserContext(), r)
	if err != nil {
		return err
	}
	conv, _ := analytics.Lookup("conversion_rate")
	out := make([]SourceJSON, len(rows))
	for i := range rows {
		x := &rows[i]
		sj := SourceJSON{Source: x.SourceKey.Source, Medium: x.Medium, Campaign: x.Campaign, Visitors: x.Visitors, Sessions: x.Sessions,
			Pageviews: x.Pageviews, Orders: x.Orders, GMV: x.GMV}
		if v, ok := conv.Value(&x.Counts); ok {
			sj.ConversionRate = &v
		}
		out[i] = sj
	}
	return c.JSON(out)
}

func (s *Analytics) apiDefinitions(c *fiber.Ctx) error { return c.JSON(analytics.Definitions()) }

func settingsJSON(st analytics.Settings) AnalyticsSettingsJSON {
	return AnalyticsSettingsJSON{TimeZone: st.TimeZone, RetentionDays: st.RetentionDays, RawRetentionDays: st.RawRetentionDays}
}

func (s *Analytics) apiSettings(c *fiber.Ctx) error {
	st, err := s.analytics.Settings(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(settingsJSON(st))
}

func (s *Analytics) apiSaveSettings(c *fiber.Ctx) error {
	var in AnalyticsSettingsJSON
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	st, err := s.analytics.SaveSettings(c.UserContext(), analytics.Settings{TimeZone: in.TimeZone, RetentionDays: in.RetentionDays, RawRetentionDays: in.RawRetentionDays})
	if err != nil {
		return err
	}
	return c.JSON(settingsJSON(st))
}
