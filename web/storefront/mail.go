package storefront

import (
	"encoding/base64"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/mailing"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// mailPages are the links in campaign mail, on the shop's host and without
// login (the signed token in the link is the proof): the unsubscribe page
// (GET shows a confirm button, POST unsubscribes, and a mail client's
// RFC 8058 one-click POST works directly), the open-tracking image and the
// click redirect, which goes only to a signed path on this shop.
type mailPages struct {
	*layout

	mailing *mailing.Service
}

func (s *mailPages) routes(t *httpx.Table) {
	shop := t.Group(httpx.ScopeStorefront, "storefront")
	shop.Page("GET", "/mail/unsubscribe/:token", httpx.Public, "Unsubscribe page of a campaign e-mail (a confirm button)", s.unsubscribeForm)
	shop.Page("POST", "/mail/unsubscribe/:token", httpx.Public, "Unsubscribe from the shop's marketing e-mail (form or RFC 8058 one-click)", s.unsubscribe)
	shop.Page("GET", "/mail/open/:token", httpx.Public, "Open-tracking image of a campaign e-mail (1×1 GIF)", s.open)
	shop.Page("GET", "/mail/click/:token", httpx.Public, "Tracked link of a campaign e-mail: redirects to a signed path on this shop", s.click)
}

func (s *mailPages) unsubscribeForm(c *fiber.Ctx) error {
	v := s.formView(c, "Unsubscribe")
	sub, err := s.mailing.Lookup(c.UserContext(), c.Params("token"))
	if errs.Is(err, errs.NotFound) {
		v.Status = fiber.StatusNotFound
		c.Status(fiber.StatusNotFound)
		return s.renderShop(c, "shop/unsubscribe", v)
	}
	if err != nil {
		return err
	}
	v.Form["token"] = c.Params("token")
	v.Form["email"] = sub.Email
	if sub.Unsubscribed {
		v.Form["done"] = "1"
	}
	return s.renderShop(c, "shop/unsubscribe", v)
}

func (s *mailPages) unsubscribe(c *fiber.Ctx) error {
	oneClick := c.FormValue("List-Unsubscribe") == "One-Click"
	source := "unsubscribe page"
	if oneClick {
		source = "one-click"
	}
	err := s.mailing.Unsubscribe(c.UserContext(), c.Params("token"), source)
	if oneClick {
		if err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusOK)
	}
	v := s.formView(c, "Unsubscribe")
	if errs.Is(err, errs.NotFound) {
		v.Status = fiber.StatusNotFound
		c.Status(fiber.StatusNotFound)
		return s.renderShop(c, "shop/unsubscribe", v)
	}
	if err != nil {
		return err
	}
	v.Form["done"] = "1"
	v.Form["token"] = c.Params("token")
	return s.renderShop(c, "shop/unsubscribe", v)
}

// pixel is a transparent 1×1 GIF.
var pixel, _ = base64.StdEncoding.DecodeString("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")

func (s *mailPages) open(c *fiber.Ctx) error {
	// The image answers the same whatever the token: a bad one records
	// nothing and tells nothing.
	if err := s.mailing.Open(c.UserContext(), c.Params("token")); err != nil && !errs.Is(err, errs.NotFound) {
		s.log.Warn("mail open", "request_id", httpx.RequestID(c), "err", err)
	}
	c.Set(fiber.HeaderContentType, "image/gif")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(pixel)
}

func (s *mailPages) click(c *fiber.Ctx) error {
	to, err := s.mailing.Click(c.UserContext(), c.Params("token"), c.Query("u"), c.Query("s"))
	if errs.Is(err, errs.NotFound) {
		return err // a forged or foreign link: a 404 page, never a redirect
	}
	if err != nil {
		s.log.Warn("mail click", "request_id", httpx.RequestID(c), "err", err)
		to = c.Query("u") // the signature held: go there even if recording failed
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect(httpx.SafeRedirect(to, "/"), fiber.StatusFound)
}
