package session

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/analytics"
)

// Hit is an analytics event of kind from a shop-host request (the
// storefront's pages and the store API both record through it): what the
// visitor id and the traffic source are made from, copied out of the
// request, since fasthttp reuses its buffers.
func (k *Kit) Hit(c *fiber.Ctx, kind analytics.Kind) analytics.Hit {
	h := &c.Request().Header
	return analytics.Hit{TenantID: k.Shop(c).ID, Kind: kind, Path: string(c.Request().URI().Path()),
		IP: strings.Clone(c.IP()), UserAgent: string(h.UserAgent()), Referrer: string(h.Referer()), Host: string(c.Request().Host()),
		UTMSource: strings.Clone(c.Query("utm_source")), UTMMedium: strings.Clone(c.Query("utm_medium")), UTMCampaign: strings.Clone(c.Query("utm_campaign")),
		NoTrack: string(h.Peek("DNT")) == "1" || string(h.Peek("Sec-GPC")) == "1",
		Returning: len(h.Peek(fiber.HeaderIfNoneMatch)) > 0 || len(h.Peek(fiber.HeaderIfModifiedSince)) > 0 || len(h.Cookie(k.CookieName(CartCookie))) > 0 ||
			len(h.Cookie(k.CookieName(CustomerCookie))) > 0}
}
