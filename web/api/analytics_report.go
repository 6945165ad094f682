package api

import (
	"bytes"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/errs"
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
