package session

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/tenants"
)

// TenantFilter is the platform's shop search read from the query (q,
// status, plan, cursor), for the platform console's tenants page and the
// platform JSON API alike.
func TenantFilter(c *fiber.Ctx) tenants.TenantFilter {
	return tenants.TenantFilter{Query: c.Query("q"), Status: c.Query("status"), Plan: c.Query("plan"), Cursor: c.Query("cursor")}
}
