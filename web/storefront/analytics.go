package storefront

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Storefront analytics (core/analytics). Pages are counted where they
// leave the page cache (catalogPages.cached: served from the cache, freshly
// rendered or answered 304, a page view is a page view), never inside
// rendering; the purchase pages record cart, checkout and order events;
// POST /e is the first-party beacon for what only the browser sees. Track
// only queues the event (it never waits for the database), and everything
// the visitor id and the source are made from is copied out of the
// request here, since fasthttp reuses its buffers.

// pageFacts are what a cached page tells analytics about itself.
type pageFacts struct {
	kind      analytics.Kind
	productID string
	results   int
}

// factsOf describes a rendered catalog page.
func factsOf(v *shopView) pageFacts {
	switch {
	case v.Product != nil:
		return pageFacts{kind: analytics.ProductView, productID: v.Product.P.ID}
	case v.Search != nil:
		return pageFacts{kind: analytics.Search, results: v.Search.Count}
	}
	return pageFacts{kind: analytics.PageView}
}

// hitOf is an event of kind from the request (session.Kit.Hit, which the
// store API records through too).
func (l *layout) hitOf(c *fiber.Ctx, kind analytics.Kind) analytics.Hit { return l.Hit(c, kind) }

// track records an event of kind; with fill the caller adds its details.
func (l *layout) track(c *fiber.Ctx, kind analytics.Kind, fill func(h *analytics.Hit)) {
	if l.analytics == nil || isPreview(c) {
		return
	}
	h := l.hitOf(c, kind)
	if fill != nil {
		fill(&h)
	}
	l.analytics.Track(h)
}

// trackPage counts a catalog page leaving the cache.
func (s *catalogPages) trackPage(c *fiber.Ctx, p *cachedPage) {
	if p.facts.kind == "" {
		return // not a page (sitemaps, robots.txt)
	}
	s.track(c, p.facts.kind, func(h *analytics.Hit) {
		h.ProductID, h.Results = p.facts.productID, p.facts.results
		if p.facts.kind == analytics.Search {
			h.Query = strings.Clone(c.Query("q"))
		}
	})
}

// attribution is the traffic source of the shopper's session, for the
// order checkout places (none when analytics is off or cannot tell).
func (l *layout) attribution(c *fiber.Ctx) order.Attribution {
	if l.analytics == nil {
		return order.Attribution{}
	}
	a, err := l.analytics.Attribution(c.UserContext(), l.hitOf(c, analytics.OrderPlaced))
	if err != nil {
		l.log.Warn("analytics attribution", "request_id", httpx.RequestID(c), "err", err)
	}
	return a
}

// beaconPerMinute caps one client's beacon events a minute per shop.
const beaconPerMinute = 60

// beaconRequest is what the beacon posts (JSON or a form).
type beaconRequest struct {
	Kind      string `json:"kind" form:"kind"`
	Path      string `json:"path" form:"path"`
	ProductID string `json:"product_id" form:"product_id"`
}

// shopBeacon is POST /e: one client-only event (a wishlist add) from the
// shop's own pages. It answers 204 and never sets a cookie; a client over
// its rate gets 429.
func (s *catalogPages) shopBeacon(c *fiber.Ctx) error {
	if ok, wait := s.ipRate.Allow("beacon:"+s.Shop(c).ID+":"+c.IP(), beaconPerMinute); !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds()+1)))
		return errs.E(errs.RateLimited, "too many events from this address; try again later")
	}
	var in beaconRequest
	if err := c.BodyParser(&in); err != nil {
		return errs.Field("body", "must be JSON or a form with kind, path and product_id")
	}
	kind, err := analytics.BeaconKind(in.Kind)
	if err != nil {
		return err
	}
	for f, v := range map[string]string{"path": in.Path, "product_id": in.ProductID} {
		if len(v) > 512 || strings.ContainsAny(v, "\x00\r\n") {
			return errs.Field(f, "is too long or not text")
		}
	}
	s.track(c, kind, func(h *analytics.Hit) {
		h.Path, h.ProductID = strings.Clone(in.Path), strings.Clone(in.ProductID)
		if h.Path == "" {
			h.Path = "/"
		}
	})
	return c.SendStatus(fiber.StatusNoContent)
}
