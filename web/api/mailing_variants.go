package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/experiment"
	"github.com/wasmart/wasmart/core/mailing"
)

// EmailVariantResults are an A/B tested campaign's figures per variant
// (A first) and two tests against A, each by core/experiment's method
// with the visitors "exposed" being the recipients sent: Clicks counts
// recipients who clicked, Orders those with an attributed order.
type EmailVariantResults struct {
	Variants []mailing.VariantResult `json:"variants"`
	Clicks   *experiment.Results     `json:"clicks"`
	Orders   *experiment.Results     `json:"orders"`
}

func (s *Mailing) apiVariants(c *fiber.Ctx) error {
	vs, err := s.mailing.VariantResults(c.UserContext(), c.Params("mailing"))
	if err != nil {
		return err
	}
	out := EmailVariantResults{Variants: vs}
	out.Clicks, out.Orders = mailing.VariantTests(vs)
	return c.JSON(out)
}
