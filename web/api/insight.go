package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Insight over JSON: the inventory insight (turnover, days of cover, the
// weekday-seasonal demand forecast, reorder suggestions, slow sellers)
// with its CSV export and reorder settings, and the bought-together
// association rules with their thresholds.

// Insight serves the insight routes.
type Insight struct {
	insight *admin.Insight
}

// Routes are the insight API.
func (s *Insight) Routes() []httpx.Route {
	var t httpx.Table
	inv := t.Group(httpx.ScopeTenant, "inventory")
	q := []httpx.QueryParam{
		{Name: "view", Enum: admin.InsightViews, Description: "all variants (default), those to reorder, or the slow sellers"},
		{Name: "sort", Enum: inventory.InsightSorts, Description: "column to sort by (default product)"},
		{Name: "desc", Type: "boolean", Description: "sort descending"},
	}
	inv.API("GET", "/api/inventory/insight", perm.InsightRead, "Per variant turnover, days of cover, demand forecast, reorder suggestion and slow-seller flag", nil, InsightJSON{}, s.apiInsight, q...)
	inv.API("GET", "/api/inventory/insight.csv", perm.InsightRead, "The inventory insight as CSV", nil, nil, s.apiInsightCSV, q...)
	inv.API("GET", "/api/inventory/reorder-settings", perm.InsightRead, "The shop's lead time, review period, safety days, history window and slow-seller days", nil, inventory.ReorderSettings{}, s.apiReorderSettings)
	inv.API("PUT", "/api/inventory/reorder-settings", perm.InventoryWrite, "Change the shop's reorder settings", inventory.ReorderSettings{}, inventory.ReorderSettings{}, s.apiSaveReorderSettings)
	inv.API("PUT", "/api/variants/:variant/reorder", perm.InventoryWrite, "Set a variant's own lead time and reorder safety stock (null: inherit)", inventory.VariantReorder{}, inventory.VariantReorder{}, s.apiVariantReorder)
	an := t.Group(httpx.ScopeTenant, "analytics")
	an.API("GET", "/api/analytics/bought-together", perm.InsightRead, "Association rules between products (support, confidence, lift), with the thresholds and last run", nil, BasketRulesJSON{}, s.apiRules,
		httpx.QueryParam{Name: "sort", Enum: []string{"lift", "confidence", "support"}, Description: "default lift"},
		httpx.QueryParam{Name: "limit", Type: "integer", Description: "1–1000, default 100"},
		httpx.QueryParam{Name: "product", Description: "only the rules from this product"})
	an.API("PUT", "/api/analytics/bought-together/settings", perm.AnalyticsManage, "Change the rules' thresholds and mine them again now", analytics.BasketSettings{}, analytics.BasketRun{}, s.apiSaveRuleSettings)
	return t.Routes()
}

func (s *Insight) apiInsight(c *fiber.Ctx) error {
	out, err := s.insight.Inventory(c)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Insight) apiInsightCSV(c *fiber.Ctx) error { return s.insight.SendInsightCSV(c) }

func (s *Insight) apiReorderSettings(c *fiber.Ctx) error {
	st, err := s.insight.ReorderSettings(c)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (s *Insight) apiSaveReorderSettings(c *fiber.Ctx) error {
	var b inventory.ReorderSettings
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	if err := s.insight.SaveReorderSettings(c, b); err != nil {
		return err
	}
	return s.apiReorderSettings(c)
}

func (s *Insight) apiVariantReorder(c *fiber.Ctx) error {
	var b inventory.VariantReorder
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	if err := s.insight.SetVariantReorder(c, b); err != nil {
		return err
	}
	return c.JSON(b)
}

func (s *Insight) apiRules(c *fiber.Ctx) error {
	out, err := s.insight.Rules(c)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Insight) apiSaveRuleSettings(c *fiber.Ctx) error {
	var b analytics.BasketSettings
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	run, err := s.insight.SaveRuleSettings(c, b)
	if err != nil {
		return err
	}
	return c.JSON(run)
}
