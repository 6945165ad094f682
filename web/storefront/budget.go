package storefront

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"golang.org/x/time/rate"
)

// Per-shop storefront budget. Every shop's storefront draws on a token
// bucket of its own, so a flood of one shop, from however many addresses
// (the per-IP limit does not see those), is answered 429 before it takes
// the capacity all shops share. Requests cost units by what they make the
// server do:
//
//   - a page from the page cache, a 304, a static asset or an image: 1
//   - any other read (a page rendered, a JSON read, an error page): 5
//   - the cart, checkout, and every write (POST, PUT, PATCH, DELETE): 20
//
// The bucket refills at Config.Budget units a second times the plan's
// StorefrontBudgetFactor and holds BudgetBurst units (times the same
// factor). A request is let in when the bucket holds its up-front cost (1
// for a read, 20 for the cart, checkout or a write); a read that turns out
// not to come from the cache is charged the rest when it is done, so the
// bucket can go briefly into debt, which later requests wait out. Refused
// requests cost nothing and are answered without touching the database:
// 429 with Retry-After, JSON under /api/, a short page in the shop's name
// otherwise. The buckets live in each server process: with several
// processes a shop's budget is per process.
const (
	costCached   = 1
	costRendered = 5
	costDear     = 20
)

const (
	defaultShopBudget      = 500 // units a second
	defaultShopBudgetBurst = 30  // seconds of budget
	budgetCheapLocal       = "budget_cheap"
)

type shopBudgets struct {
	m sync.Map // tenant id -> *rate.Limiter
}

// limiter returns the shop's bucket, set to the given rate and burst (a
// plan change takes effect on the next request).
func (b *shopBudgets) limiter(tenantID string, perSecond float64, burst int) *rate.Limiter {
	if v, ok := b.m.Load(tenantID); ok {
		l := v.(*rate.Limiter)
		if l.Limit() != rate.Limit(perSecond) {
			l.SetLimit(rate.Limit(perSecond))
		}
		if l.Burst() != burst {
			l.SetBurst(burst)
		}
		return l
	}
	v, _ := b.m.LoadOrStore(tenantID, rate.NewLimiter(rate.Limit(perSecond), burst))
	return v.(*rate.Limiter)
}

// markCheap records that a storefront request was served without
// rendering (from the page cache, a 304, an asset or an image).
func markCheap(c *fiber.Ctx) { c.Locals(budgetCheapLocal, true) }

// dearPath reports whether a storefront path is part of the cart or
// checkout, which cost the most whatever the method.
func dearPath(p string) bool {
	for _, prefix := range []string{"/cart", "/checkout", "/api/store/cart", "/api/store/checkout"} {
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			return true
		}
	}
	return false
}

// Budget is the shop host's second middleware (after ResolveShop): it
// charges the request to its shop's storefront budget.
func (s *Handler) Budget(c *fiber.Ctx) error {
	if s.cfg.Budget < 0 {
		return c.Next()
	}
	t := s.Shop(c)
	factor := int64(1)
	if p, ok := tenants.LookupPlan(t.Plan); ok && p.StorefrontBudgetFactor > 1 {
		factor = p.StorefrontBudgetFactor
	}
	lim := s.budgets.limiter(t.ID, s.cfg.Budget*float64(factor), int(int64(s.cfg.BudgetBurst)*factor))
	dear := !httpx.SafeMethod(c.Method()) || dearPath(c.Path())
	cost := costCached
	if dear {
		cost = costDear
	}
	now := time.Now()
	r := lim.ReserveN(now, cost)
	if wait := r.DelayFrom(now); !r.OK() || wait > 0 {
		r.CancelAt(now)
		return s.shopBusy(c, t, wait)
	}
	err := c.Next()
	if cheap, _ := c.Locals(budgetCheapLocal).(bool); !dear && !cheap {
		lim.ReserveN(time.Now(), costRendered-costCached) // may go into debt
	}
	return err
}

// shopBusy answers a request over its shop's budget: 429, Retry-After, and
// nothing read from the database.
func (s *Handler) shopBusy(c *fiber.Ctx, t tenants.Tenant, wait time.Duration) error {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Status(fiber.StatusTooManyRequests)
	msg := "this shop is receiving more requests than it can serve right now; retry in " + strconv.Itoa(secs) + " s"
	if httpx.WantsJSON(c) {
		return c.JSON(httpx.ErrorBody{Error: httpx.ErrorDetail{Code: string(errs.RateLimited), Message: msg, RequestID: httpx.RequestID(c)}})
	}
	v := &shopView{Shop: t, Status: fiber.StatusTooManyRequests, Head: shopHead{Title: "Very busy · " + t.Name, NoIndex: true},
		Form: map[string]string{"title": t.Name + " is very busy right now",
			"message": "Too many people are visiting at the moment. Please try again in " + plural(secs, "second") + "."}}
	b, err := s.renderShopBytes("shop/error", v)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(b)
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
