package api

import (
	"bytes"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Topic reports and retention cohorts (analytics.read): routes declared in
// Analytics.Routes.

// TopicReportJSON is a topic report: metrics by a dimension over a range;
// each row's values are in the order of metrics (null when undefined).
type TopicReportJSON = analytics.TopicReport

// CohortsJSON is the retention cohort table over the months a range
// touches.
type CohortsJSON struct {
	From     string             `json:"from"`
	To       string             `json:"to"`
	TimeZone string             `json:"time_zone"`
	Cohorts  []analytics.Cohort `json:"cohorts"`
}

// TopicFromQuery reads a topic report's parameters (metrics, dimension,
// from, to) from the query and builds it: bad ones are a 400 naming the
// field.
func topicFromQuery(c *fiber.Ctx, an *analytics.Service) (*analytics.TopicReport, error) {
	x, err := analytics.ParseDimension(c.Query("dimension"))
	if err != nil {
		return nil, err
	}
	ms, err := analytics.ParseMetrics(c.Query("metrics"), x)
	if err != nil {
		return nil, err
	}
	r, _, err := an.ParseRange(c.UserContext(), c.Query("from"), c.Query("to"))
	if err != nil {
		return nil, err
	}
	return an.Topic(c.UserContext(), ms, x, r)
}

func (s *Analytics) apiReport(c *fiber.Ctx) error {
	format := c.Query("format", "json")
	if format != "json" && format != "csv" {
		return errs.Field("format", "must be json or csv")
	}
	rep, err := topicFromQuery(c, s.analytics)
	if err != nil {
		return err
	}
	if format == "json" {
		return c.JSON(rep)
	}
	var buf bytes.Buffer
	if err := rep.WriteCSV(&buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="report-`+string(rep.Dimension)+`-`+rep.From+`-`+rep.To+`.csv"`)
	return c.Send(buf.Bytes())
}

func (s *Analytics) apiCohorts(c *fiber.Ctx) error {
	r, st, err := s.analytics.ParseRange(c.UserContext(), c.Query("from"), c.Query("to"))
	if err != nil {
		return err
	}
	cs, err := s.analytics.Cohorts(c.UserContext(), r)
	if err != nil {
		return err
	}
	return c.JSON(CohortsJSON{From: r.From.Format("2006-01-02"), To: r.To.Format("2006-01-02"), TimeZone: st.TimeZone, Cohorts: cs})
}

// ScheduleRequest creates or replaces the shop's schedule of a frequency
// (PUT /api/analytics/schedules/:frequency).
type ScheduleRequest struct {
	// Metrics are KPI names (default: the headline KPIs).
	Metrics []string `json:"metrics"`
	// Recipients are e-mail addresses of the shop's staff who may read
	// analytics (1 to 20).
	Recipients []string `json:"recipients"`
}

// ScheduleJSON is a report schedule.
type ScheduleJSON = analytics.Schedule

// StoredReportJSON is a report a schedule sent, with its figures when
// read alone.
type StoredReportJSON = analytics.StoredReport

func (s *Analytics) apiSchedules(c *fiber.Ctx) error {
	scs, err := s.analytics.Schedules(c.UserContext())
	if err != nil {
		return err
	}
	if scs == nil {
		scs = []*analytics.Schedule{}
	}
	return c.JSON(scs)
}

func (s *Analytics) apiSaveSchedule(c *fiber.Ctx) error {
	var in ScheduleRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	sc, err := s.admin.SaveReportSchedule(c, s.analytics, analytics.ScheduleInput{Frequency: analytics.Frequency(c.Params("frequency")),
		Metrics: in.Metrics, Recipients: in.Recipients})
	if err != nil {
		return err
	}
	return c.JSON(sc)
}

func (s *Analytics) apiDeleteSchedule(c *fiber.Ctx) error {
	if err := s.analytics.DeleteSchedule(c.UserContext(), c.Params("schedule")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Analytics) apiStoredReports(c *fiber.Ctx) error {
	limit := c.QueryInt("limit", 50)
	rs, err := s.analytics.Reports(c.UserContext(), limit)
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []analytics.StoredReport{}
	}
	return c.JSON(rs)
}

func (s *Analytics) apiStoredReport(c *fiber.Ctx) error {
	r, err := s.analytics.Report(c.UserContext(), c.Params("report"))
	if err != nil {
		return err
	}
	return c.JSON(r)
}
