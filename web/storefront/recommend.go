package storefront

import (
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/plugins"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// recommender picks the products a product page or the cart suggests.
type recommender struct {
	plugins *plugins.Service   // nil: no recommendations shown
	baskets *analytics.Service // the bought-together rules; nil: none shown
	catalog *catalog.Service
	sales   sales
	log     *slog.Logger
}

// cards are up to four published products the shop's recommendations
// rank for a product page (productID) or a cart (the products in it),
// leaving out what is already there, at their sale prices under the
// request's offers. Recommendations are never worth
// failing a page: on error they are left out (the plugin service already
// fell back to best sellers and recorded the failed run).
func (r recommender) cards(c *fiber.Ctx, productID string, inCart []string) []shopCard {
	if r.plugins == nil {
		return nil
	}
	recs, err := r.plugins.Recommend(c.UserContext(), extension.NewRecommendationRequest(productID, inCart, 4))
	if err != nil {
		r.log.Warn("recommendations", "request_id", httpx.RequestID(c), "err", err)
		return nil
	}
	ids := make([]string, len(recs))
	for i, rec := range recs {
		ids[i] = rec.ProductID
	}
	return r.cardsOf(c, ids, append([]string{productID}, inCart...))
}

// boughtTogether are up to four published products the shop's
// bought-together rules (core/analytics) pair with productID, strongest
// lift first, at their sale prices; none on error.
func (r recommender) boughtTogether(c *fiber.Ctx, productID string) []shopCard {
	if r.baskets == nil {
		return nil
	}
	rules, err := r.baskets.BoughtWith(c.UserContext(), productID, 8)
	if err != nil {
		r.log.Warn("bought together", "request_id", httpx.RequestID(c), "err", err)
		return nil
	}
	ids := make([]string, len(rules))
	for i, x := range rules {
		ids[i] = x.ConsequentID
	}
	out := r.cardsOf(c, ids, []string{productID})
	if len(out) > 4 {
		out = out[:4]
	}
	return out
}

// cardsOf are the cards of the products ids that are visible now, in
// order, each once, leaving out skip, at the request's sale prices.
func (r recommender) cardsOf(c *fiber.Ctx, ids, skipIDs []string) []shopCard {
	skip := map[string]bool{}
	for _, id := range skipIDs {
		skip[id] = true
	}
	now := time.Now()
	var out []shopCard
	for _, id := range ids {
		if skip[id] {
			continue
		}
		p, err := r.catalog.Get(c.UserContext(), id)
		if err != nil || !p.Visible(now) {
			continue
		}
		skip[id] = true
		out = append(out, shopCardOf(p))
	}
	cards := make([]*shopCard, len(out))
	for i := range out {
		cards[i] = &out[i]
	}
	if err := r.sales.priceCards(c, cards); err != nil {
		r.log.Warn("recommendations: sale prices", "request_id", httpx.RequestID(c), "err", err)
	}
	return out
}
