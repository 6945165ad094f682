package console

import (
	"errors"
	"fmt"
	"html"
	"html/template"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// campaignPages are the console's campaign pages: the list with each
// campaign's state and budget left, the form (blank or from a festival
// template), and the report (figures, a chart of the days, CSV, the
// campaign's promotions). Times are UTC, as on the promotion pages.
func (s *Promotions) campaignPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/campaigns", perm.PromotionsRead, "Campaigns", s.campaignList)
	html.Page("GET", "/console/campaigns/new", perm.PromotionsWrite, "A new campaign, blank or from a festival template", s.campaignNew)
	html.Page("POST", "/console/campaigns", perm.PromotionsWrite, "Create a campaign", s.campaignCreate)
	html.Page("GET", "/console/campaigns/:campaign", perm.PromotionsRead, "A campaign's settings and promotions", s.campaignPage)
	html.Page("POST", "/console/campaigns/:campaign", perm.PromotionsWrite, "Save a campaign", s.campaignSave)
	html.Page("GET", "/console/campaigns/:campaign/report", perm.PromotionsRead, "A campaign's report with its chart", s.campaignReport)
}

// campaignRow is a campaign as the list shows it.
type campaignRow struct {
	ID, Name, Theme, State, Starts, Ends string
	Budget, Spent, Left                  string // "" without a budget
}

// campaignState is a campaign as the merchant meets it now.
func campaignState(x *promotion.Campaign, now time.Time) string {
	switch {
	case x.Budget > 0 && x.Spent >= x.Budget:
		return "budget spent"
	case !x.EndsAt.IsZero() && !now.Before(x.EndsAt):
		return "ended"
	case !x.StartsAt.IsZero() && now.Before(x.StartsAt):
		return "scheduled"
	}
	return "active"
}

func campaignRowOf(x *promotion.Campaign, currency string, now time.Time) campaignRow {
	if x.Currency != "" {
		currency = x.Currency
	}
	r := campaignRow{ID: x.ID, Name: x.Name, Theme: x.Theme, State: campaignState(x, now), Starts: windowEnd(x.StartsAt, "open"),
		Ends: windowEnd(x.EndsAt, "open-ended"), Spent: view.Money(x.Spent, currency)}
	if x.Budget > 0 {
		r.Budget, r.Left = view.Money(x.Budget, currency), view.Money(max(0, x.Budget-x.Spent), currency)
	}
	return r
}

type campaignsData struct {
	Campaigns []campaignRow
	Templates []promotion.Template
	Year      int
	CanWrite  bool
}

func (s *Promotions) campaignList(c *fiber.Ctx) error {
	now := time.Now()
	d := campaignsData{CanWrite: s.Can(c, perm.PromotionsWrite), Year: now.UTC().Year()}
	cur := s.admin.ShopCurrency(c)
	d.Templates, _ = promotion.Templates(d.Year, time.UTC, cur)
	cs, err := s.promotions.Campaigns(c.UserContext())
	if err != nil {
		return err
	}
	for i := range cs {
		d.Campaigns = append(d.Campaigns, campaignRowOf(&cs[i], cur, now))
	}
	return s.Page(c, "console/campaigns", "Campaigns", "campaigns", d)
}

// campaignForm is the campaign form as the merchant typed it.
type campaignForm struct {
	Name, Theme, StartsAt, EndsAt, Budget string
	Version                               int
	// From a festival template: its key and year, and whether to create
	// its suggested promotions with the campaign (as drafts, or active).
	Template              string
	Year                  int
	Suggestions, Activate bool
}

type campaignData struct {
	C           *promotion.Campaign
	Row         campaignRow
	F           campaignForm
	New         bool
	Template    *promotion.Template
	Suggestions []string
	Currency    string
	Promotions  []promotionRow
	CanWrite    bool
}

// suggestions describe a template's promotions in the merchant's words.
func suggestions(tp *promotion.Template) []string {
	var out []string
	for _, p := range tp.Promotions {
		var what string
		switch p.Kind {
		case promotion.KindSpendSave:
			var tiers []string
			for _, t := range p.Tiers {
				tiers = append(tiers, "spend "+view.Money(t.Spend, p.Currency)+" save "+view.Money(t.Off, p.Currency))
			}
			what = strings.Join(tiers, "; ")
		case promotion.KindPercentOff:
			what = percentText(p.PercentBP) + "% off the order"
		case promotion.KindShipping:
			what = "free delivery"
			if p.Conditions.MinSubtotal > 0 {
				what += " over " + view.Money(p.Conditions.MinSubtotal, p.Currency)
			}
		}
		out = append(out, p.Label+": "+what)
	}
	return out
}

func (s *Promotions) campaignNew(c *fiber.Ctx) error {
	d := campaignData{New: true, Currency: s.admin.ShopCurrency(c), CanWrite: true}
	if key := c.Query("template"); key != "" {
		year, err := strconv.Atoi(c.Query("year", strconv.Itoa(time.Now().UTC().Year())))
		if err != nil {
			return s.PageError(c, errs.Field("Year", "must be a year such as 2026"), func() error { return s.renderCampaign(c, d) })
		}
		tp, err := promotion.TemplateFor(key, year, time.UTC, d.Currency)
		if err != nil {
			return s.PageError(c, errs.Field("Template", "choose one of the festivals listed"), func() error { return s.renderCampaign(c, d) })
		}
		d.Template, d.Suggestions = tp, suggestions(tp)
		d.F = campaignForm{Name: tp.Campaign.Name, Theme: tp.Campaign.Theme, StartsAt: localTime(tp.Campaign.StartsAt), EndsAt: localTime(tp.Campaign.EndsAt),
			Template: key, Year: year, Suggestions: true}
	}
	return s.renderCampaign(c, d)
}

func (s *Promotions) renderCampaign(c *fiber.Ctx, d campaignData) error {
	title := "New campaign"
	if d.C != nil {
		title = d.C.Name
	}
	return s.PageWithError(c, "console/campaign", title, "campaigns", d)
}

func readCampaignForm(c *fiber.Ctx) campaignForm {
	f := campaignForm{Name: c.FormValue("name"), Theme: c.FormValue("theme"), StartsAt: c.FormValue("starts_at"), EndsAt: c.FormValue("ends_at"),
		Budget: c.FormValue("budget"), Template: c.FormValue("template"), Suggestions: c.FormValue("suggestions") == "on",
		Activate: c.FormValue("activate") == "on"}
	f.Version, _ = strconv.Atoi(c.FormValue("version"))
	f.Year, _ = strconv.Atoi(c.FormValue("year"))
	return f
}

// campaignLabels name the service's fields as the form labels them.
var campaignLabels = map[string]string{"name": "Name", "theme": "Theme", "starts_at": "Starts", "ends_at": "Ends", "budget": "Budget", "currency": "Budget"}

// apply reads the form into a campaign; errors name the form's fields.
func (f *campaignForm) apply(currency string) (promotion.Campaign, error) {
	x := promotion.Campaign{Name: f.Name, Theme: f.Theme, Currency: currency}
	var err error
	if x.StartsAt, err = formTime("Starts", f.StartsAt); err != nil {
		return x, err
	}
	if x.EndsAt, err = formTime("Ends", f.EndsAt); err != nil {
		return x, err
	}
	if v := strings.TrimSpace(f.Budget); v != "" {
		if x.Budget, err = money.Parse("Budget", v, currency); err != nil {
			return x, err
		}
	}
	return x, nil
}

// suggestedField is a service error's field about one of the suggested
// promotions created with the campaign.
var suggestedField = regexp.MustCompile(`^promotions\[(\d+)\]\.`)

// campaignWords renames a service error's field to the form's label.
func campaignWords(err error) error {
	var e *errs.Error
	if !errors.As(err, &e) {
		return err
	}
	label := campaignLabels[e.Field]
	if m := suggestedField.FindStringSubmatch(e.Field); m != nil {
		i, _ := strconv.Atoi(m[1])
		label = fmt.Sprintf("Suggested promotion %d (%s)", i+1, strings.TrimPrefix(e.Field, m[0]))
	}
	if label == "" {
		return err
	}
	cp := *e
	cp.Field = label
	return &cp
}

func (s *Promotions) campaignCreate(c *fiber.Ctx) error {
	f := readCampaignForm(c)
	cur := s.admin.ShopCurrency(c)
	d := campaignData{New: true, F: f, Currency: cur, CanWrite: true}
	again := func() error { return s.renderCampaign(c, d) }
	var ps []promotion.Promotion
	if f.Template != "" {
		tp, err := promotion.TemplateFor(f.Template, f.Year, time.UTC, cur)
		if err != nil {
			return s.PageError(c, errs.Field("Template", "choose one of the festivals listed"), func() error {
				d.F.Template = ""
				return again()
			})
		}
		d.Template, d.Suggestions = tp, suggestions(tp)
		ps = tp.Suggested(f.Suggestions, f.Activate)
	}
	in, err := f.apply(cur)
	if err != nil {
		return s.PageError(c, err, again)
	}
	// The campaign and the suggested promotions are created together or
	// not at all.
	x, _, err := s.promotions.CreateCampaignWith(c.UserContext(), in, ps)
	if err != nil {
		return s.PageError(c, campaignWords(err), again)
	}
	return view.Done(c, "/console/campaigns/"+x.ID)
}

// loadCampaign fills d with the campaign, its row and its promotions.
func (s *Promotions) loadCampaign(c *fiber.Ctx, d *campaignData) error {
	ctx := c.UserContext()
	x, err := s.promotions.Campaign(ctx, c.Params("campaign"))
	if err != nil {
		return err
	}
	now := time.Now()
	d.C, d.Currency, d.CanWrite = x, s.admin.ShopCurrency(c), s.Can(c, perm.PromotionsWrite)
	if x.Currency != "" {
		d.Currency = x.Currency
	}
	d.Row = campaignRowOf(x, d.Currency, now)
	pg, err := s.promotions.List(ctx, promotion.Filter{CampaignID: x.ID, Limit: 200})
	if err != nil {
		return err
	}
	for i := range pg.Promotions {
		d.Promotions = append(d.Promotions, rowOf(&pg.Promotions[i], d.Currency, now, nil))
	}
	return nil
}

func (s *Promotions) campaignPage(c *fiber.Ctx) error {
	var d campaignData
	if err := s.loadCampaign(c, &d); err != nil {
		return err
	}
	d.F = campaignForm{Name: d.C.Name, Theme: d.C.Theme, StartsAt: localTime(d.C.StartsAt), EndsAt: localTime(d.C.EndsAt), Version: d.C.Version}
	if d.C.Budget > 0 {
		d.F.Budget = money.Format(d.C.Budget, d.Currency)
	}
	return s.renderCampaign(c, d)
}

func (s *Promotions) campaignSave(c *fiber.Ctx) error {
	var d campaignData
	if err := s.loadCampaign(c, &d); err != nil {
		return err
	}
	d.F = readCampaignForm(c)
	again := func() error { return s.renderCampaign(c, d) }
	in, err := d.F.apply(d.Currency)
	if err != nil {
		return s.PageError(c, err, again)
	}
	if _, err := s.promotions.UpdateCampaign(c.UserContext(), d.C.ID, d.F.Version, in); err != nil {
		return s.PageError(c, campaignWords(err), again)
	}
	return view.Done(c, "/console/campaigns/"+d.C.ID)
}

// reportFigure is one line of the report's table.
type reportFigure struct{ Name, Value, Note string }

type reportData struct {
	campaignData
	R       *promotion.Report
	Figures []reportFigure
	Days    []reportDayRow
	Chart   template.HTML
}

type reportDayRow struct {
	Date              string
	Orders            int64
	Revenue, Discount string
}

func (s *Promotions) campaignReport(c *fiber.Ctx) error {
	var d reportData
	if err := s.loadCampaign(c, &d.campaignData); err != nil {
		return err
	}
	r, err := s.promotions.CampaignReport(c.UserContext(), d.C.ID, time.UTC)
	if err != nil {
		return err
	}
	cur := r.Currency
	if cur == "" {
		cur = d.Currency
	}
	m := func(v int64) string { return view.Money(v, cur) }
	d.R = r
	roi := "not defined: no discount was given"
	if r.ROI != nil {
		roi = strconv.FormatFloat(*r.ROI*100, 'f', 1, 64) + "%"
	}
	window := "not started"
	if !r.From.IsZero() {
		window = windowEnd(r.From, "") + " → " + windowEnd(r.To, "")
	}
	d.Figures = []reportFigure{
		{"Window judged", window, "until now while the campaign runs"},
		{"Orders", strconv.FormatInt(r.Orders, 10), "orders that used the campaign's promotions, cancelled ones left out"},
		{"Revenue", m(r.Revenue), "what those orders charged"},
		{"Discount given", m(r.Discount), "of which delivery " + m(r.ShippingDiscount)},
		{"Customers", strconv.FormatInt(r.Customers, 10), ""},
		{"New customers", strconv.FormatInt(r.NewCustomers, 10), "their first order in the shop was a campaign order"},
		{"Average order", m(r.AverageOrder), "before the campaign: " + m(r.BaselineAverage) + " over " + strconv.FormatInt(r.BaselineOrders, 10) + " orders"},
		{"Gross margin of campaign orders", m(r.Margin), "after discounts, less the goods' cost " + m(r.Cost)},
		{"Incremental gross margin", m(r.IncrementalMargin), "the shop's margin in the window plus the goods discounts, less its margin in the stretch as long just before (" + m(r.BaselineMargin) + ")"},
		{"Return on the discount (ROI)", roi, "(incremental gross margin − discount given) ÷ discount given"},
	}
	if r.UncostedLines > 0 {
		d.Figures = append(d.Figures, reportFigure{"Lines without a cost", strconv.FormatInt(r.UncostedLines, 10), "counted as costing nothing: record variant costs for a truer margin"})
	}
	for _, x := range r.Days {
		d.Days = append(d.Days, reportDayRow{Date: x.Date, Orders: x.Orders, Revenue: m(x.Revenue), Discount: m(x.Discount)})
	}
	d.Chart = daysChart(d.C.Name, r, cur)
	return s.Page(c, "console/campaign_report", d.C.Name+": report", "campaigns", d)
}

// daysChart draws the report's days as paired bars, revenue (solid) and
// discount (hatched), with a legend in words, money labels through
// core/money and a title and description for screen readers (the table
// under it holds the same figures).
func daysChart(name string, r *promotion.Report, currency string) template.HTML {
	const w, h, left, right, top, bottom = 720, 300, 90, 16, 36, 60
	var b strings.Builder
	esc := html.EscapeString
	var peak int64
	for _, x := range r.Days {
		peak = max(peak, x.Revenue, x.Discount)
	}
	desc := fmt.Sprintf("Revenue and discount per day over %d days: %s revenue and %s discount in total.", len(r.Days),
		view.Money(r.Revenue, currency), view.Money(r.Discount, currency))
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" aria-labelledby="chart-title chart-desc" class="chart">`, w, h)
	fmt.Fprintf(&b, `<title id="chart-title">%s: revenue and discount per day</title><desc id="chart-desc">%s</desc>`, esc(name), esc(desc))
	b.WriteString(`<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
		`<rect width="6" height="6" fill="#fde68a"/><line x1="0" y1="0" x2="0" y2="6" stroke="#92400e" stroke-width="3"/></pattern></defs>`)
	// Legend: words and shapes, not colour alone.
	fmt.Fprintf(&b, `<rect x="%d" y="8" width="14" height="14" fill="#2563eb"/><text x="%d" y="20" font-size="12">Revenue (solid)</text>`, left, left+20)
	fmt.Fprintf(&b, `<rect x="%d" y="8" width="14" height="14" fill="url(#hatch)" stroke="#92400e"/><text x="%d" y="20" font-size="12">Discount given (hatched)</text>`, left+150, left+170)
	if len(r.Days) == 0 || peak == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#555">No campaign orders yet.</text></svg>`, left, h/2)
		return template.HTML(b.String())
	}
	top2 := niceMax(peak)
	plotH := float64(h - top - bottom)
	y := func(v int64) float64 { return float64(top) + plotH - plotH*float64(v)/float64(top2) }
	// Axis with money labels (major units through core/money).
	for i := 0; i <= 4; i++ {
		v := top2 * int64(i) / 4
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" font-size="11" text-anchor="end">%s</text>`,
			left, w-right, y(v), y(v), left-6, y(v)+4, esc(view.Money(v, currency)))
	}
	slot := float64(w-left-right) / float64(len(r.Days))
	bar := slot * 0.38
	every := max(1, len(r.Days)/12)
	for i, x := range r.Days {
		x0 := float64(left) + slot*float64(i) + slot*0.1
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#2563eb"><title>%s revenue %s</title></rect>`,
			x0, y(x.Revenue), bar, float64(top)+plotH-y(x.Revenue), esc(x.Date), esc(view.Money(x.Revenue, currency)))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="url(#hatch)" stroke="#92400e"><title>%s discount %s</title></rect>`,
			x0+bar, y(x.Discount), bar, float64(top)+plotH-y(x.Discount), esc(x.Date), esc(view.Money(x.Discount, currency)))
		if i%every == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle">%s</text>`, x0+bar, h-bottom+16, esc(x.Date[5:]))
		}
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="middle">Day (UTC, month-day)</text></svg>`, left+(w-left-right)/2, h-12)
	return template.HTML(b.String())
}
