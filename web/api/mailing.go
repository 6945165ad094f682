package api

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/mailing"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/session"
)

// Mailing is the shop's e-mail campaigns on the console host
// (mailing.read: owner, administrator, marketing and the read-only
// analyst; mailing.write: owner, administrator, marketing): campaigns
// (subject, preheader, body HTML sanitised on save, product picks, an
// audience segment id — "all" is every customer who accepts marketing),
// send now, schedule, cancel, a test send to the signed-in staff member,
// results, and the shop's mailing settings. core/mailing validates (errors
// name the field) and audits.

// EmailCampaignRequest creates or replaces a draft or scheduled campaign.
type EmailCampaignRequest struct {
	Name       string   `json:"name,omitempty"`
	Subject    string   `json:"subject"`
	Preheader  string   `json:"preheader,omitempty"`
	Body       string   `json:"body"`
	ProductIDs []string `json:"product_ids,omitempty"`
	SegmentID  string   `json:"segment_id"`
	// An A/B test: variant_percent percent of the audience (1-99; 0: no
	// test) get variant B's subject and body ("" keeps A's).
	VariantSubject string `json:"variant_subject,omitempty"`
	VariantBody    string `json:"variant_body,omitempty"`
	VariantPercent int    `json:"variant_percent,omitempty"`
}

// EmailCampaignJSON is a campaign.
type EmailCampaignJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Subject    string     `json:"subject"`
	Preheader  string     `json:"preheader"`
	Body       string     `json:"body"`
	ProductIDs []string   `json:"product_ids"`
	SegmentID  string     `json:"segment_id"`
	Status     string     `json:"status"`
	SendAt     *time.Time `json:"send_at,omitempty"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	// The A/B test, when variant_percent > 0.
	VariantSubject string `json:"variant_subject,omitempty"`
	VariantBody    string `json:"variant_body,omitempty"`
	VariantPercent int    `json:"variant_percent"`
}

// EmailCampaignList is the shop's campaigns, newest first.
type EmailCampaignList struct {
	Campaigns []EmailCampaignJSON `json:"campaigns"`
}

// EmailScheduleRequest schedules a campaign (RFC 3339, in the future).
type EmailScheduleRequest struct {
	SendAt time.Time `json:"send_at"`
}

// EmailCampaignResults are a campaign's figures. Delivered is what the SMTP
// server accepted; opened is approximate (image loads).
type EmailCampaignResults struct {
	Recipients   int                    `json:"recipients"`
	Queued       int                    `json:"queued"`
	Sent         int                    `json:"sent"`
	Delivered    int                    `json:"delivered"`
	Bounced      int                    `json:"bounced"`
	Failed       int                    `json:"failed"`
	Skipped      int                    `json:"skipped"`
	Opened       int                    `json:"opened"`
	Clicked      int                    `json:"clicked"`
	Unsubscribed int                    `json:"unsubscribed"`
	Orders       int                    `json:"orders"`
	Revenue      []EmailCampaignRevenue `json:"revenue"`
}

// EmailCampaignRevenue is attributed revenue in one currency (minor units).
type EmailCampaignRevenue struct {
	Currency string `json:"currency"`
	Amount   int64  `json:"amount"`
}

// MailingSettings are the shop's mailing settings.
type MailingSettings struct {
	RatePerSecond     int    `json:"rate_per_second"`
	AttributionDays   int    `json:"attribution_days"`
	UnsubscribeMailto string `json:"unsubscribe_mailto"`
}

// MailingAutomation is one e-mail automation's setting: tier_upgrade
// (when the loyalty programme moves a customer up), abandoned_cart (a cart
// with an e-mail and no activity for the delay: its lines and a restore
// link), win_back (members of a dormant segment, once per dormancy,
// optionally with a personal single-use code of a coded promotion) or
// birthday (on the day, in the shop's time zone, with the tier's birthday
// points). Subject and body may use {name}, and {tier}; {points} and
// {gift} (birthday); {code} and {coupon} (win-back); empty means the
// built-in text. segment_id and promotion_id are the win-back's (empty
// segment: the RFM groups at risk and hibernating).
type MailingAutomation struct {
	Kind         string `json:"kind"`
	Enabled      bool   `json:"enabled"`
	DelayMinutes int    `json:"delay_minutes"`
	Subject      string `json:"subject"`
	Body         string `json:"body"`
	SegmentID    string `json:"segment_id,omitempty"`
	PromotionID  string `json:"promotion_id,omitempty"`
	// Results are the automation's figures over all its mails (answers
	// only; ignored in a request).
	Results *EmailCampaignResults `json:"results,omitempty"`
}

// MailingAutomations are the shop's automation settings.
type MailingAutomations struct {
	Automations []MailingAutomation `json:"automations"`
}

// EmailTestSendJSON says where a test mail went.
type EmailTestSendJSON struct {
	SentTo string `json:"sent_to"`
}

// Routes are the campaign routes.
func (s *Mailing) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeTenant, "mailing")
	api.API("GET", "/api/email-campaigns", perm.MailingRead, "E-mail campaigns, newest first", nil, EmailCampaignList{}, s.apiList)
	api.API("POST", "/api/email-campaigns", perm.MailingWrite, "Create a draft e-mail campaign", EmailCampaignRequest{}, EmailCampaignJSON{}, s.apiCreate)
	api.API("GET", "/api/email-campaigns/:mailing", perm.MailingRead, "An e-mail campaign", nil, EmailCampaignJSON{}, s.apiGet)
	api.API("PUT", "/api/email-campaigns/:mailing", perm.MailingWrite, "Edit a draft or scheduled campaign", EmailCampaignRequest{}, EmailCampaignJSON{}, s.apiUpdate)
	api.API("POST", "/api/email-campaigns/:mailing/send", perm.MailingWrite, "Send a campaign now (422 when the audience has nobody who accepts marketing)", nil, EmailCampaignJSON{}, s.apiSend)
	api.API("POST", "/api/email-campaigns/:mailing/schedule", perm.MailingWrite, "Schedule a campaign", EmailScheduleRequest{}, EmailCampaignJSON{}, s.apiSchedule)
	api.API("POST", "/api/email-campaigns/:mailing/cancel", perm.MailingWrite, "Cancel a scheduled or sending campaign (queued mail is not sent)", nil, EmailCampaignJSON{}, s.apiCancel)
	api.API("POST", "/api/email-campaigns/:mailing/test", perm.MailingWrite, "Send a test of the campaign to the signed-in staff member", nil, EmailTestSendJSON{}, s.apiTest)
	api.API("GET", "/api/email-campaigns/:mailing/results", perm.MailingRead, "A campaign's results: sent, delivered, bounced, opened, clicked, orders and revenue", nil, EmailCampaignResults{}, s.apiResults)
	api.API("GET", "/api/email-campaigns/:mailing/variants", perm.MailingRead, "An A/B tested campaign's figures per variant, with the z-tests of clicks and orders against variant A", nil, EmailVariantResults{}, s.apiVariants)
	api.API("GET", "/api/mailing/settings", perm.MailingRead, "The shop's mailing settings", nil, MailingSettings{}, s.apiSettings)
	api.API("PUT", "/api/mailing/settings", perm.MailingWrite, "Replace the shop's mailing settings", MailingSettings{}, MailingSettings{}, s.apiSaveSettings)
	api.API("GET", "/api/mailing/automations", perm.MailingRead, "The shop's e-mail automations (tier upgrade, abandoned cart, win-back, birthday)", nil, MailingAutomations{}, s.apiAutomations)
	api.API("PUT", "/api/mailing/automations/:kind", perm.MailingWrite, "Turn an e-mail automation on or off, with its delay and text", MailingAutomation{}, MailingAutomation{}, s.apiSaveAutomation)
	return t.Routes()
}

// Mailing handles the campaign routes.
type Mailing struct {
	*session.Kit
	mailing *mailing.Service
}

func emailCampaignJSON(c *mailing.Campaign) EmailCampaignJSON {
	ids := c.ProductIDs()
	if ids == nil {
		ids = []string{}
	}
	return EmailCampaignJSON{ID: c.ID, Name: c.Name, Subject: c.Subject, Preheader: c.Preheader, Body: c.Body, ProductIDs: ids, SegmentID: c.SegmentID,
		Status: c.Status, SendAt: c.SendAt, StartedAt: c.StartedAt, FinishedAt: c.FinishedAt, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		VariantSubject: c.VariantSubject, VariantBody: c.VariantBody, VariantPercent: c.VariantPercent}
}

func (r EmailCampaignRequest) input() mailing.Input {
	return mailing.Input{Name: r.Name, Subject: r.Subject, Preheader: r.Preheader, Body: r.Body, ProductIDs: r.ProductIDs, SegmentID: r.SegmentID,
		VariantSubject: r.VariantSubject, VariantBody: r.VariantBody, VariantPercent: r.VariantPercent}
}

func (s *Mailing) apiList(c *fiber.Ctx) error {
	list, err := s.mailing.List(c.UserContext())
	if err != nil {
		return err
	}
	out := EmailCampaignList{Campaigns: []EmailCampaignJSON{}}
	for _, x := range list {
		out.Campaigns = append(out.Campaigns, emailCampaignJSON(x))
	}
	return c.JSON(out)
}

func (s *Mailing) apiCreate(c *fiber.Ctx) error {
	var in EmailCampaignRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	x, err := s.mailing.Create(c.UserContext(), in.input())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(emailCampaignJSON(x))
}

func (s *Mailing) apiGet(c *fiber.Ctx) error {
	x, err := s.mailing.Get(c.UserContext(), c.Params("mailing"))
	if err != nil {
		return err
	}
	return c.JSON(emailCampaignJSON(x))
}

func (s *Mailing) apiUpdate(c *fiber.Ctx) error {
	var in EmailCampaignRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	x, err := s.mailing.Update(c.UserContext(), c.Params("mailing"), in.input())
	if err != nil {
		return err
	}
	return c.JSON(emailCampaignJSON(x))
}

func (s *Mailing) respond(c *fiber.Ctx, x *mailing.Campaign, err error) error {
	if err != nil {
		return err
	}
	return c.JSON(emailCampaignJSON(x))
}

func (s *Mailing) apiSend(c *fiber.Ctx) error {
	x, err := s.mailing.Send(c.UserContext(), c.Params("mailing"))
	return s.respond(c, x, err)
}

func (s *Mailing) apiSchedule(c *fiber.Ctx) error {
	var in EmailScheduleRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if in.SendAt.IsZero() {
		return errs.Field("send_at", "is required")
	}
	x, err := s.mailing.Schedule(c.UserContext(), c.Params("mailing"), in.SendAt)
	return s.respond(c, x, err)
}

func (s *Mailing) apiCancel(c *fiber.Ctx) error {
	x, err := s.mailing.Cancel(c.UserContext(), c.Params("mailing"))
	return s.respond(c, x, err)
}

func (s *Mailing) apiTest(c *fiber.Ctx) error {
	to := s.Current(c).Email
	if to == "" {
		return errs.Field("email", "a test send needs a signed-in staff member with an e-mail address")
	}
	if err := s.mailing.SendTest(c.UserContext(), c.Params("mailing"), to); err != nil {
		return err
	}
	return c.JSON(EmailTestSendJSON{SentTo: to})
}

func (s *Mailing) apiResults(c *fiber.Ctx) error {
	r, err := s.mailing.Results(c.UserContext(), c.Params("mailing"))
	if err != nil {
		return err
	}
	return c.JSON(resultsJSON(r))
}

func resultsJSON(r *mailing.Results) EmailCampaignResults {
	out := EmailCampaignResults{Recipients: r.Recipients, Queued: r.Queued, Sent: r.Sent, Delivered: r.Delivered, Bounced: r.Bounced, Failed: r.Failed,
		Skipped: r.Skipped, Opened: r.Opened, Clicked: r.Clicked, Unsubscribed: r.Unsubscribed, Orders: r.Orders, Revenue: []EmailCampaignRevenue{}}
	for _, v := range r.Revenue {
		out.Revenue = append(out.Revenue, EmailCampaignRevenue{Currency: v.Currency, Amount: v.Amount})
	}
	return out
}

func (s *Mailing) apiSettings(c *fiber.Ctx) error {
	v, err := s.mailing.Settings(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(MailingSettings{RatePerSecond: v.RatePerSecond, AttributionDays: v.AttributionDays, UnsubscribeMailto: v.MailtoUnsub})
}

func (s *Mailing) apiSaveSettings(c *fiber.Ctx) error {
	var in MailingSettings
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	v, err := s.mailing.SaveSettings(c.UserContext(), mailing.Settings{RatePerSecond: in.RatePerSecond, AttributionDays: in.AttributionDays, MailtoUnsub: in.UnsubscribeMailto})
	if err != nil {
		return err
	}
	return c.JSON(MailingSettings{RatePerSecond: v.RatePerSecond, AttributionDays: v.AttributionDays, UnsubscribeMailto: v.MailtoUnsub})
}

func automationJSON(a mailing.Automation) MailingAutomation {
	return MailingAutomation{Kind: a.Kind, Enabled: a.Enabled, DelayMinutes: a.DelayMinutes, Subject: a.Subject, Body: a.Body, SegmentID: a.SegmentID, PromotionID: a.PromotionID}
}

func (s *Mailing) apiAutomations(c *fiber.Ctx) error {
	list, err := s.mailing.AutomationSettings(c.UserContext())
	if err != nil {
		return err
	}
	out := MailingAutomations{Automations: []MailingAutomation{}}
	for _, a := range list {
		j := automationJSON(a)
		r, err := s.mailing.AutomationResults(c.UserContext(), a.Kind)
		if err != nil {
			return err
		}
		res := resultsJSON(r)
		j.Results = &res
		out.Automations = append(out.Automations, j)
	}
	return c.JSON(out)
}

func (s *Mailing) apiSaveAutomation(c *fiber.Ctx) error {
	var in MailingAutomation
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	a, err := s.mailing.SaveAutomation(c.UserContext(), mailing.Automation{Kind: c.Params("kind"), Enabled: in.Enabled, DelayMinutes: in.DelayMinutes, Subject: in.Subject, Body: in.Body,
		SegmentID: in.SegmentID, PromotionID: in.PromotionID})
	if err != nil {
		return err
	}
	return c.JSON(automationJSON(a))
}
