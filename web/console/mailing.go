package console

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/experiment"
	"github.com/wasmart/wasmart/core/mailing"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// Mailing serves the e-mail campaign pages (mailing.read / mailing.write):
// the list with a new-campaign form and the shop's mailing settings, and a
// campaign's page (edit while draft or scheduled; send now, schedule,
// cancel, test send to the signed-in staff member; results).
type Mailing struct {
	base
	mailing *mailing.Service
}

func (s *Mailing) mailingPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/email", perm.MailingRead, "E-mail campaigns and mailing settings", s.list)
	html.Page("POST", "/console/email", perm.MailingWrite, "Create an e-mail campaign", s.create)
	html.Page("POST", "/console/email/settings", perm.MailingWrite, "Save the mailing settings", s.saveSettings)
	html.Page("POST", "/console/email/automations/:kind", perm.MailingWrite, "Save an e-mail automation", s.saveAutomation)
	html.Page("GET", "/console/email/:mailing", perm.MailingRead, "An e-mail campaign: content, sending and results", s.page)
	html.Page("POST", "/console/email/:mailing", perm.MailingWrite, "Save an e-mail campaign", s.save)
	html.Page("POST", "/console/email/:mailing/send", perm.MailingWrite, "Send an e-mail campaign now", s.send)
	html.Page("POST", "/console/email/:mailing/schedule", perm.MailingWrite, "Schedule an e-mail campaign", s.schedule)
	html.Page("POST", "/console/email/:mailing/cancel", perm.MailingWrite, "Cancel an e-mail campaign", s.cancel)
	html.Page("POST", "/console/email/:mailing/test", perm.MailingWrite, "Send a test of an e-mail campaign to yourself", s.test)
}

type emailForm struct {
	Name, Subject, Preheader, Body, Products, SegmentID string
	// An A/B test: variant B and the percent of the audience it goes to.
	VariantSubject, VariantBody, VariantPercent string
}

func readEmailForm(c *fiber.Ctx) emailForm {
	return emailForm{Name: c.FormValue("name"), Subject: c.FormValue("subject"), Preheader: c.FormValue("preheader"), Body: c.FormValue("body"),
		Products: c.FormValue("products"), SegmentID: c.FormValue("segment_id"),
		VariantSubject: c.FormValue("variant_subject"), VariantBody: c.FormValue("variant_body"), VariantPercent: c.FormValue("variant_percent")}
}

func (f emailForm) input() mailing.Input {
	ids := strings.FieldsFunc(f.Products, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' })
	pct := 0
	if p := strings.TrimSpace(f.VariantPercent); p != "" {
		if n, err := strconv.Atoi(p); err == nil {
			pct = n
		} else {
			pct = -1 // refused naming variant_percent
		}
	}
	return mailing.Input{Name: f.Name, Subject: f.Subject, Preheader: f.Preheader, Body: f.Body, ProductIDs: ids, SegmentID: f.SegmentID,
		VariantSubject: f.VariantSubject, VariantBody: f.VariantBody, VariantPercent: pct}
}

func emailFormOf(c *mailing.Campaign) emailForm {
	f := emailForm{Name: c.Name, Subject: c.Subject, Preheader: c.Preheader, Body: c.Body, Products: strings.Join(c.ProductIDs(), ", "), SegmentID: c.SegmentID,
		VariantSubject: c.VariantSubject, VariantBody: c.VariantBody}
	if c.VariantPercent > 0 {
		f.VariantPercent = strconv.Itoa(c.VariantPercent)
	}
	return f
}

type emailListData struct {
	Campaigns   []*mailing.Campaign
	Settings    mailing.Settings
	Automations []mailing.Automation
	// AutoResults are each automation's figures, by kind.
	AutoResults map[string]autoFigures
	F           emailForm
	CanWrite    bool
}

func (s *Mailing) listData(c *fiber.Ctx) (emailListData, error) {
	d := emailListData{CanWrite: s.Can(c, perm.MailingWrite), F: emailForm{SegmentID: mailing.AllSubscribers}}
	var err error
	if d.Campaigns, err = s.mailing.List(c.UserContext()); err != nil {
		return d, err
	}
	if d.Settings, err = s.mailing.Settings(c.UserContext()); err != nil {
		return d, err
	}
	if d.Automations, err = s.mailing.AutomationSettings(c.UserContext()); err != nil {
		return d, err
	}
	d.AutoResults = map[string]autoFigures{}
	for _, a := range d.Automations {
		r, err := s.mailing.AutomationResults(c.UserContext(), a.Kind)
		if err != nil {
			return d, err
		}
		f := autoFigures{Sent: r.Sent, Opened: r.Opened, Clicked: r.Clicked, Orders: r.Orders}
		var rev []string
		for _, v := range r.Revenue {
			rev = append(rev, view.Money(v.Amount, v.Currency))
		}
		f.Revenue = strings.Join(rev, ", ")
		d.AutoResults[a.Kind] = f
	}
	return d, nil
}

// autoFigures are an automation's results over all its mails.
type autoFigures struct {
	Sent, Opened, Clicked, Orders int
	Revenue                       string
}

func (s *Mailing) list(c *fiber.Ctx) error {
	d, err := s.listData(c)
	if err != nil {
		return err
	}
	return s.PageWithError(c, "console/email", "E-mail campaigns", "email", d)
}

func (s *Mailing) create(c *fiber.Ctx) error {
	f := readEmailForm(c)
	x, err := s.mailing.Create(c.UserContext(), f.input())
	if err != nil {
		return s.PageError(c, err, func() error {
			d, lerr := s.listData(c)
			if lerr != nil {
				return lerr
			}
			d.F = f
			return s.PageWithError(c, "console/email", "E-mail campaigns", "email", d)
		})
	}
	return view.Done(c, "/console/email/"+x.ID)
}

func (s *Mailing) saveSettings(c *fiber.Ctx) error {
	in := mailing.Settings{RatePerSecond: atoiForm(c, "rate_per_second"), AttributionDays: atoiForm(c, "attribution_days"), MailtoUnsub: c.FormValue("unsubscribe_mailto")}
	if _, err := s.mailing.SaveSettings(c.UserContext(), in); err != nil {
		return s.PageError(c, err, func() error {
			d, lerr := s.listData(c)
			if lerr != nil {
				return lerr
			}
			d.Settings = in
			return s.PageWithError(c, "console/email", "E-mail campaigns", "email", d)
		})
	}
	return view.Done(c, "/console/email")
}

func (s *Mailing) saveAutomation(c *fiber.Ctx) error {
	in := mailing.Automation{Kind: c.Params("kind"), Enabled: c.FormValue("enabled") == "on", DelayMinutes: atoiForm(c, "delay_minutes"),
		Subject: c.FormValue("subject"), Body: c.FormValue("body"), SegmentID: c.FormValue("segment_id"), PromotionID: c.FormValue("promotion_id")}
	if _, err := s.mailing.SaveAutomation(c.UserContext(), in); err != nil {
		return s.PageError(c, err, func() error {
			d, lerr := s.listData(c)
			if lerr != nil {
				return lerr
			}
			return s.PageWithError(c, "console/email", "E-mail campaigns", "email", d)
		})
	}
	return view.Done(c, "/console/email")
}

func atoiForm(c *fiber.Ctx, name string) int {
	n := 0
	for _, r := range strings.TrimSpace(c.FormValue(name)) {
		if r < '0' || r > '9' || n > 1_000_000 {
			return -1
		}
		n = n*10 + int(r-'0')
	}
	return n
}

type emailPageData struct {
	C        *mailing.Campaign
	F        emailForm
	R        *mailing.Results
	Editable bool
	CanWrite bool
	// The A/B test's figures per variant and its comparisons (a test only).
	Variants       []mailing.VariantResult
	Clicks, Orders *experiment.Results
}

func (s *Mailing) pageData(c *fiber.Ctx) (emailPageData, error) {
	ctx := c.UserContext()
	x, err := s.mailing.Get(ctx, c.Params("mailing"))
	if err != nil {
		return emailPageData{}, err
	}
	r, err := s.mailing.Results(ctx, x.ID)
	if err != nil {
		return emailPageData{}, err
	}
	d := emailPageData{C: x, F: emailFormOf(x), R: r, Editable: x.Status == mailing.Draft || x.Status == mailing.Scheduled, CanWrite: s.Can(c, perm.MailingWrite)}
	if x.VariantPercent > 0 {
		if d.Variants, err = s.mailing.VariantResults(ctx, x.ID); err != nil {
			return d, err
		}
		d.Clicks, d.Orders = mailing.VariantTests(d.Variants)
	}
	return d, nil
}

func (s *Mailing) render(c *fiber.Ctx, d emailPageData) error {
	return s.PageWithError(c, "console/email_campaign", d.C.Subject, "email", d)
}

func (s *Mailing) page(c *fiber.Ctx) error {
	d, err := s.pageData(c)
	if err != nil {
		return err
	}
	return s.render(c, d)
}

// act runs a campaign action and shows the page again, with the error on
// it when the action was refused.
func (s *Mailing) act(c *fiber.Ctx, fn func(d *emailPageData) error) error {
	d, err := s.pageData(c)
	if err != nil {
		return err
	}
	if err := fn(&d); err != nil {
		return s.PageError(c, err, func() error { return s.render(c, d) })
	}
	return view.Done(c, "/console/email/"+d.C.ID)
}

func (s *Mailing) save(c *fiber.Ctx) error {
	return s.act(c, func(d *emailPageData) error {
		d.F = readEmailForm(c)
		_, err := s.mailing.Update(c.UserContext(), d.C.ID, d.F.input())
		return err
	})
}

func (s *Mailing) send(c *fiber.Ctx) error {
	return s.act(c, func(d *emailPageData) error { _, err := s.mailing.Send(c.UserContext(), d.C.ID); return err })
}

func (s *Mailing) schedule(c *fiber.Ctx) error {
	return s.act(c, func(d *emailPageData) error {
		at, err := time.Parse("2006-01-02T15:04", c.FormValue("send_at"))
		if err != nil {
			return errs.Field("send_at", "must be a date and time (UTC)")
		}
		_, err = s.mailing.Schedule(c.UserContext(), d.C.ID, at)
		return err
	})
}

func (s *Mailing) cancel(c *fiber.Ctx) error {
	return s.act(c, func(d *emailPageData) error { _, err := s.mailing.Cancel(c.UserContext(), d.C.ID); return err })
}

func (s *Mailing) test(c *fiber.Ctx) error {
	return s.act(c, func(d *emailPageData) error {
		to := s.Current(c).Email
		if to == "" {
			return errs.Field("email", "your account has no e-mail address")
		}
		return s.mailing.SendTest(c.UserContext(), d.C.ID, to)
	})
}
