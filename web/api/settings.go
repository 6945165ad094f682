package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Shop checkout settings (currency, tax rates, shipping zones and methods,
// hold hours for unpaid orders, return window) and the notification
// e-mail templates, as JSON on the console host.

// MailTemplateRequest edits a notification template.
type MailTemplateRequest struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html,omitempty"`
}

// CheckoutSettings are a shop's checkout settings.
type CheckoutSettings = checkout.Settings

// Settings serves checkout settings and mail templates.
type Settings struct {
	db *store.DB
}

// Routes are checkout settings and mail templates over JSON.
func (s *Settings) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeTenant, "settings")
	api.API("GET", "/api/settings/checkout", perm.ShopRead, "Checkout settings: taxes, shipping zones and methods, hold hours, return window", nil, CheckoutSettings{}, s.apiCheckoutSettings)
	api.API("PUT", "/api/settings/checkout", perm.ShopManage, "Replace the checkout settings", CheckoutSettings{}, CheckoutSettings{}, s.apiCheckoutSettingsSave)
	api.API("GET", "/api/settings/mail-templates", perm.ShopRead, "Notification e-mail templates (the shop's edits, else the defaults)", nil, []order.MailTemplate{}, s.apiMailTemplates)
	api.API("PUT", "/api/settings/mail-templates/:topic", perm.ShopManage, "Edit a notification template (checked by rendering it)", MailTemplateRequest{}, order.MailTemplate{}, s.apiMailTemplateSave)
	api.API("DELETE", "/api/settings/mail-templates/:topic", perm.ShopManage, "Go back to the built-in template", nil, nil, s.apiMailTemplateReset)
	return t.Routes()
}

func (s *Settings) apiCheckoutSettings(c *fiber.Ctx) error {
	st, err := checkout.GetSettings(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (s *Settings) apiCheckoutSettingsSave(c *fiber.Ctx) error {
	var in CheckoutSettings
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := checkout.SaveSettings(c.UserContext(), s.db, in); err != nil {
		return err
	}
	return s.apiCheckoutSettings(c)
}

func (s *Settings) apiMailTemplates(c *fiber.Ctx) error {
	ts, err := order.MailTemplates(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	return c.JSON(ts)
}

func (s *Settings) apiMailTemplateSave(c *fiber.Ctx) error {
	topic, err := admin.MailTopic(c)
	if err != nil {
		return err
	}
	var in MailTemplateRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := order.SaveMailTemplate(c.UserContext(), s.db, order.MailTemplate{Topic: topic, Subject: in.Subject, Text: in.Text, HTML: in.HTML}); err != nil {
		return err
	}
	ts, err := order.MailTemplates(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.Topic == topic {
			return c.JSON(t)
		}
	}
	return errs.NotFoundf("no mail template %q", topic)
}

func (s *Settings) apiMailTemplateReset(c *fiber.Ctx) error {
	topic, err := admin.MailTopic(c)
	if err != nil {
		return err
	}
	if err := order.ResetMailTemplate(c.UserContext(), s.db, topic); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
