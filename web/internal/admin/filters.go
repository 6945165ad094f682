package admin

import (
	"regexp"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/tenants"
)

// Query and path parameters that more than one area reads.

// AuditFilter reads the audit log's query: action, actor, object (an id
// or an object type), object_type, object_id, from, to (RFC 3339) and
// cursor.
func AuditFilter(c *fiber.Ctx) audit.Filter {
	f := audit.Filter{Action: c.Query("action"), ActorID: c.Query("actor"), Cursor: c.Query("cursor"), ObjectType: c.Query("object_type"), ObjectID: c.Query("object_id")}
	if o := c.Query("object"); o != "" {
		if idLike.MatchString(o) {
			f.ObjectID = o
		} else {
			f.ObjectType = o
		}
	}
	if v := c.Query("from"); v != "" {
		f.From, _ = time.Parse(time.RFC3339, v)
	}
	if v := c.Query("to"); v != "" {
		f.To, _ = time.Parse(time.RFC3339, v)
	}
	return f
}

var idLike = regexp.MustCompile(`^[0-9a-f]{8}-`)

// TenantFilter reads the platform's tenant list query: q, status, plan
// and cursor (the platform console and the platform API).
func TenantFilter(c *fiber.Ctx) tenants.TenantFilter {
	return tenants.TenantFilter{Query: c.Query("q"), Status: c.Query("status"), Plan: c.Query("plan"), Cursor: c.Query("cursor")}
}

// MailTopic is the route's :topic, one of the order mail topics.
func MailTopic(c *fiber.Ctx) (string, error) {
	t := c.Params("topic")
	if !slices.Contains(order.MailTopics, t) {
		return "", errs.NotFoundf("no mail template %q", t)
	}
	return t, nil
}
