package session

import (
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
	"github.com/wasmart/wasmart/core/design"
)

// A storefront page shows the shop's draft design instead of the published
// one when the request carries it: the console's builder preview calls the
// storefront in-process with the draft set (PreviewDraft), and a valid
// preview link sets it (SetDraft). Nothing a client sends can set it.

const draftLocal = "design_preview"

// PreviewDraft makes an in-process storefront request render doc.
func PreviewDraft(rc *fasthttp.RequestCtx, doc *design.Document) { rc.SetUserValue(draftLocal, doc) }

// SetDraft makes the rest of this request render doc.
func SetDraft(c *fiber.Ctx, doc *design.Document) { c.Locals(draftLocal, doc) }

// Draft is the draft design this request previews (nil: the published
// design).
func Draft(c *fiber.Ctx) *design.Document {
	d, _ := c.Locals(draftLocal).(*design.Document)
	return d
}
