package api

import (
	"bytes"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Campaign reports and festival templates (promotions.read). The report's
// definitions (window, baseline, margins, ROI) are core/promotion.Report's;
// amounts are minor units of its currency; roi is a plain ratio, null
// when the campaign gave no discount.

// CampaignReportJSON is a campaign's report.
type CampaignReportJSON = promotion.Report

// CampaignTemplateJSON is a festival preset: the campaign and the
// promotions suggested for it (drafts, in the asked currency).
type CampaignTemplateJSON = promotion.Template

// FromTemplateRequest creates a festival's campaign from its template:
// the festival (one of GET /api/campaigns/templates' keys), the year
// (default this year in tz), the shop's currency and time zone, and
// whether to create the suggested promotions too (suggestions), as drafts
// for review or active within the campaign's window (activate).
type FromTemplateRequest struct {
	Template    string `json:"template"`
	Year        int    `json:"year,omitempty"`
	Currency    string `json:"currency"`
	TZ          string `json:"tz,omitempty"`
	Suggestions bool   `json:"suggestions,omitempty"`
	Activate    bool   `json:"activate,omitempty"`
}

// FromTemplateJSON is the campaign created and its promotions.
type FromTemplateJSON struct {
	Campaign   CampaignJSON    `json:"campaign"`
	Promotions []PromotionJSON `json:"promotions"`
}

// campaignRoutes adds the report and template routes; they come before
// /api/campaigns/:campaign, which would take "templates" as an id.
func (s *Promotions) campaignRoutes(api httpx.Group) {
	tz := httpx.QueryParam{Name: "tz", Description: "the shop's IANA time zone for days and windows, e.g. Asia/Shanghai (default UTC)"}
	api.API("GET", "/api/campaigns/templates", perm.PromotionsRead, "Festival campaign presets of a year (11.11, 618, Black Friday, Christmas, Chinese New Year)",
		nil, []CampaignTemplateJSON{}, s.apiCampaignTemplates,
		httpx.QueryParam{Name: "currency", Description: "ISO 4217, for the suggested amounts (required)"},
		httpx.QueryParam{Name: "year", Type: "integer", Description: "default: this year"}, tz)
	api.API("POST", "/api/campaigns/from-template", perm.PromotionsWrite,
		"Create a festival campaign from its template, with its suggested promotions (drafts, or active) when asked: all in one transaction",
		FromTemplateRequest{}, FromTemplateJSON{}, s.apiCampaignFromTemplate)
	api.API("GET", "/api/campaigns/:campaign/report", perm.PromotionsRead,
		"A campaign's report: orders, revenue, discount, customers, new customers, AOV vs the stretch before, incremental margin, ROI, per day",
		nil, CampaignReportJSON{}, s.apiCampaignReport, tz)
	api.API("GET", "/api/campaigns/:campaign/report.csv", perm.PromotionsRead, "A campaign's report per day and in total as CSV (date, orders, revenue, discount, currency)",
		nil, nil, s.apiCampaignReportCSV, tz)
}

// zone reads the tz query parameter.
func zone(c *fiber.Ctx) (*time.Location, error) {
	return zoneNamed(c.Query("tz"))
}

// zoneNamed is the IANA time zone name (UTC when empty).
func zoneNamed(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil, errs.Field("tz", "must be an IANA time zone such as Asia/Shanghai or Europe/Berlin, not %q", name)
	}
	return loc, nil
}

func (s *Promotions) apiCampaignTemplates(c *fiber.Ctx) error {
	loc, err := zone(c)
	if err != nil {
		return err
	}
	year := time.Now().In(loc).Year()
	if v := c.Query("year"); v != "" {
		if year, err = strconv.Atoi(v); err != nil {
			return errs.Field("year", "must be a year such as 2026, not %q", v)
		}
	}
	if c.Query("currency") == "" {
		return errs.Field("currency", "is required: the shop's currency, e.g. EUR")
	}
	all, err := promotion.Templates(year, loc, c.Query("currency"))
	if err != nil {
		return err
	}
	return c.JSON(all)
}

func (s *Promotions) apiCampaignFromTemplate(c *fiber.Ctx) error {
	var in FromTemplateRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	loc, err := zoneNamed(in.TZ)
	if err != nil {
		return err
	}
	if in.Year == 0 {
		in.Year = time.Now().In(loc).Year()
	}
	if in.Currency == "" {
		return errs.Field("currency", "is required: the shop's currency, e.g. EUR")
	}
	x, ps, err := s.promotions.CreateFromTemplate(c.UserContext(), promotion.FromTemplate{Key: in.Template, Year: in.Year, Loc: loc,
		Currency: in.Currency, Suggestions: in.Suggestions, Activate: in.Activate})
	if err != nil {
		return err
	}
	out := FromTemplateJSON{Campaign: campaignJSON(x), Promotions: make([]PromotionJSON, 0, len(ps))}
	now := time.Now()
	for i := range ps {
		out.Promotions = append(out.Promotions, promotionJSON(&ps[i], now))
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Promotions) report(c *fiber.Ctx) (*promotion.Report, error) {
	loc, err := zone(c)
	if err != nil {
		return nil, err
	}
	return s.promotions.CampaignReport(c.UserContext(), c.Params("campaign"), loc)
}

func (s *Promotions) apiCampaignReport(c *fiber.Ctx) error {
	r, err := s.report(c)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// apiCampaignReportCSV builds the file before answering, so a failure is
// a JSON error rather than a truncated file.
func (s *Promotions) apiCampaignReportCSV(c *fiber.Ctx) error {
	r, err := s.report(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="campaign-`+r.CampaignID+`-report.csv"`)
	return c.Send(buf.Bytes())
}
