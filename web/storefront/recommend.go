package storefront

import (
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/plugins"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// recommender picks the products a product page or the cart suggests.
type recommender struct {
	plugins *plugins.Service // nil: no recommendations shown
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
	skip := map[string]bool{productID: true}
	for _, id := range inCart {
		skip[id] = true
	}
	now := time.Now()
	var out []shopCard
	for _, rec := range recs {
		if skip[rec.ProductID] {
			continue
		}
		p, err := r.catalog.Get(c.UserContext(), rec.ProductID)
		if err != nil || !p.Visible(now) {
			continue
		}
		skip[rec.ProductID] = true
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
