package storefront

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/experiment"
	"github.com/wasmart/wasmart/core/order"
)

// A/B tests of product pages (core/experiment). ResolveShop puts the
// visitor's experiment id (its first-party cookie) in the request context,
// so the carts' prices see it (experiment.Prices) on every page; the
// product page picks the visitor's arm of the product's running test
// (setting the cookie the first time), shows it, keys the page cache by
// the arm (armLocal, read by cachedWith) and logs the exposure; adding to
// the cart and placing an order count as the visitor's conversions.

// armLocal holds the arm id a product page is cached under.
const armLocal = "experiment_arm"

// cacheVary is what a page's cache key adds for this request ("" for
// most pages; the arm of a page under test).
func cacheVary(c *fiber.Ctx) string {
	if v, ok := c.Locals(armLocal).(string); ok && v != "" {
		return "\x00arm=" + v
	}
	return ""
}

// withVisitor puts the visitor's cookie (when valid) in the request
// context.
func (l *layout) withVisitor(c *fiber.Ctx) {
	if l.experiments == nil {
		return
	}
	if v := c.Cookies(l.CookieName(experiment.VisitorCookie)); experiment.ValidVisitor(v) {
		c.SetUserContext(experiment.WithVisitor(c.UserContext(), strings.Clone(v)))
	}
}

// productArm is the visitor's arm of the running test on the product
// with handle (nil, nil when none). A visitor without the cookie gets one,
// unless they ask not to be tracked (DNT, Sec-GPC), are a bot or are a
// staff preview: they see the control, and are not counted.
func (s *catalogPages) productArm(c *fiber.Ctx, handle string) (*experiment.Experiment, *experiment.Arm, string, error) {
	if s.experiments == nil || isPreview(c) {
		return nil, nil, "", nil
	}
	e, err := s.experiments.ForHandle(c.UserContext(), handle)
	if err != nil || e == nil {
		return nil, nil, "", err
	}
	h := &c.Request().Header
	visitor := experiment.VisitorFrom(c.UserContext())
	optOut := string(h.Peek("DNT")) == "1" || string(h.Peek("Sec-GPC")) == "1" || analytics.IsBot(string(h.UserAgent()))
	if visitor == "" && !optOut {
		visitor = experiment.NewVisitor()
		name := s.CookieName(experiment.VisitorCookie)
		c.Cookie(&fiber.Cookie{Name: name, Value: visitor, Path: "/", HTTPOnly: true, Secure: strings.HasPrefix(name, "__Host-"),
			SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Now().Add(180 * 24 * time.Hour)})
		c.SetUserContext(experiment.WithVisitor(c.UserContext(), visitor))
	}
	if optOut {
		visitor = ""
	}
	arm := e.Assign(visitor)
	c.Locals(armLocal, arm.ID)
	// A shared cache in front must not give one visitor's arm to another.
	c.Vary(fiber.HeaderCookie)
	return e, arm, visitor, nil
}

// exposed logs the visitor's exposure once the page was served.
func (s *catalogPages) exposed(c *fiber.Ctx, e *experiment.Experiment, arm *experiment.Arm, visitor string) {
	if e != nil && visitor != "" && c.Response().StatusCode() < 400 {
		s.experiments.Expose(s.Shop(c).ID, e, arm, visitor)
	}
}

// applyArm shows the arm on the product the page renders.
func applyArm(p *catalog.Product, e *experiment.Experiment, arm *experiment.Arm) {
	if e != nil && arm != nil && p.ID == e.SubjectID {
		arm.ApplyTo(p)
	}
}

// convertedCart counts an add to cart of variant for the visitor's tests.
func (l *layout) convertedCart(c *fiber.Ctx, v *cart.View, variant string) {
	visitor := experiment.VisitorFrom(c.UserContext())
	if l.experiments == nil || visitor == "" || v == nil {
		return
	}
	for _, ln := range v.Lines {
		if ln.VariantID == variant && ln.ProductID != "" {
			l.experiments.Convert(l.Shop(c).ID, visitor, experiment.ConvAddToCart, "", map[string]int64{ln.ProductID: 0})
			return
		}
	}
}

// convertedOrder counts an order for the visitor's tests, with the
// revenue of each product's lines.
func (l *layout) convertedOrder(c *fiber.Ctx, o *order.Order) {
	visitor := experiment.VisitorFrom(c.UserContext())
	if l.experiments == nil || visitor == "" || o == nil {
		return
	}
	rev := map[string]int64{}
	for _, ln := range o.Lines {
		if ln.ProductID != "" {
			rev[ln.ProductID] += ln.Total
		}
	}
	if len(rev) > 0 {
		l.experiments.Convert(l.Shop(c).ID, visitor, experiment.ConvOrder, o.ID, rev)
	}
}
