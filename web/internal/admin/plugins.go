package admin

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/plugins"
	"github.com/wasmart/wasmart/tenants"
)

// Plugin installations: the plan checks before an install or a private
// upload, and the run and report queries.

// ConfigBytes is a plugin configuration as the plugin host takes it (nil
// for none).
func ConfigBytes(m map[string]any) []byte {
	if m == nil {
		return nil
	}
	b, _ := json.Marshal(m)
	return b
}

// CheckPrivateUploads refuses a private upload on a plan without them.
func (a *Admin) CheckPrivateUploads(c *fiber.Ctx) error {
	p := a.kit.Current(c)
	if p.TenantID == "" {
		return nil // platform publish
	}
	return a.tenants.CheckQuota(c.UserContext(), p.TenantID, tenants.QuotaPrivatePlugins, 0)
}

// CheckInstallQuota refuses another installation beyond the shop's plan.
func (a *Admin) CheckInstallQuota(c *fiber.Ctx) error {
	n, err := a.plugins.CountInstalled(c.UserContext())
	if err != nil {
		return err
	}
	return a.tenants.CheckQuota(c.UserContext(), a.kit.Current(c).TenantID, tenants.QuotaPlugins, n)
}

// RunFilter reads the plugin run list's query: installation, point,
// failed, cursor and limit.
func RunFilter(c *fiber.Ctx) plugins.RunFilter {
	f := plugins.RunFilter{InstallationID: c.Query("installation"), Point: extension.Point(c.Query("point")),
		FailedOnly: c.Query("failed") == "1" || c.Query("failed") == "true", Cursor: c.Query("cursor")}
	f.Limit, _ = strconv.Atoi(c.Query("limit"))
	return f
}

// ReportParams reads a report run's query: report (default sales) and its
// param.<name> parameters.
func ReportParams(c *fiber.Ctx) (string, map[string]string) {
	report := c.Query("report", "sales")
	params := map[string]string{}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if key, ok := strings.CutPrefix(string(k), "param."); ok {
			params[key] = string(v)
		}
	})
	return report, params
}
