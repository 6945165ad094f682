package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// promotionPages are the console's promotion pages: the list, the form
// for every kind (percent or amount off, spend X save Y, free or cheaper
// shipping, buy X get Y, a free gift, a flash sale), status changes,
// coupon codes and the promotion's figures.
func (s *Promotions) promotionPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/promotions", perm.PromotionsRead, "Promotions", s.listPage)
	html.Page("GET", "/console/promotions/new", perm.PromotionsWrite, "A new promotion", s.newPage)
	html.Page("POST", "/console/promotions", perm.PromotionsWrite, "Create a promotion", s.create)
	html.Page("GET", "/console/promotions/:promotion", perm.PromotionsRead, "A promotion with its codes and figures", s.page)
	html.Page("POST", "/console/promotions/:promotion", perm.PromotionsWrite, "Save a promotion", s.save)
	for _, st := range []struct {
		verb    string
		status  promotion.Status
		summary string
	}{
		{"activate", promotion.StatusActive, "Publish or resume a promotion"},
		{"pause", promotion.StatusPaused, "Pause a promotion"},
		{"end", promotion.StatusEnded, "End a promotion"},
	} {
		html.Page("POST", "/console/promotions/:promotion/"+st.verb, perm.PromotionsWrite, st.summary, s.setStatus(st.status))
	}
	html.Page("POST", "/console/promotions/:promotion/codes", perm.PromotionsWrite, "Add a coupon code", s.addCode)
	html.Page("POST", "/console/promotions/:promotion/codes/generate", perm.PromotionsWrite, "Generate coupon codes", s.generate)
	html.Page("GET", "/console/promotions/:promotion/codes.csv", perm.PromotionsRead, "Download a promotion's codes (CSV)", s.exportCodes)
	html.Page("GET", "/console/promotions/:promotion/preview", perm.PromotionsRead, "A promotion tried on a sample cart", s.previewPage)
}

// formKinds are the kinds the console's form edits, with their names.
var formKinds = []struct{ Kind, Name string }{
	{string(promotion.KindPercentOff), "Percent off"},
	{string(promotion.KindAmountOff), "Amount off"},
	{string(promotion.KindSpendSave), "Spend X, save Y"},
	{string(promotion.KindShipping), "Shipping discount"},
	{string(promotion.KindBuyGet), "Buy X, get Y"},
	{string(promotion.KindGift), "Free gift"},
	{string(promotion.KindFlashSale), "Flash sale"},
}

func formCovers(k promotion.Kind) bool {
	for _, x := range formKinds {
		if x.Kind == string(k) {
			return true
		}
	}
	return false
}

// kindName is a kind as the merchant reads it.
func kindName(k promotion.Kind) string {
	for _, x := range formKinds {
		if x.Kind == string(k) {
			return x.Name
		}
	}
	return string(k)
}

// promotionRow is a promotion as the list and the page show it.
type promotionRow struct {
	ID, Name, Label, Kind, KindName, State string
	Offer                                  string // the offer as a sentence (promotion.Describe)
	Starts, Ends                           string
	Used                                   int64
	Given                                  string
}

func rowOf(p *promotion.Promotion, currency string, now time.Time, names promotion.Names) promotionRow {
	r := promotionRow{ID: p.ID, Name: p.Name, Label: p.Label, Kind: string(p.Kind), KindName: kindName(p.Kind), State: string(p.StatusAt(now)),
		Offer:  promotion.Describe(p, names),
		Starts: windowEnd(p.StartsAt, "now"), Ends: windowEnd(p.EndsAt, "open-ended"), Used: p.Used}
	if p.Currency != "" {
		currency = p.Currency
	}
	r.Given = view.Money(p.Spent, currency)
	return r
}

func windowEnd(t time.Time, open string) string {
	if t.IsZero() {
		return open
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

type promotionsData struct {
	Promotions      []promotionRow
	Status, Kind, Q string
	States          []string
	Kinds           []struct{ Kind, Name string }
	Next            string
	CanWrite        bool
}

func (s *Promotions) listPage(c *fiber.Ctx) error {
	f := promotion.Filter{Status: promotion.Status(c.Query("status")), Kind: promotion.Kind(c.Query("kind")), Query: c.Query("q"), Cursor: c.Query("cursor")}
	d := promotionsData{Status: string(f.Status), Kind: string(f.Kind), Q: f.Query, Kinds: formKinds,
		CanWrite: s.Can(c, perm.PromotionsWrite), States: []string{"active", "scheduled", "paused", "ended", "draft"}}
	pg, err := s.promotions.List(c.UserContext(), f)
	if err != nil {
		return s.PageError(c, err, func() error { return s.PageWithError(c, "console/promotions", "Promotions", "promotions", d) })
	}
	cur, now := s.admin.ShopCurrency(c), time.Now()
	for i := range pg.Promotions {
		d.Promotions = append(d.Promotions, rowOf(&pg.Promotions[i], cur, now, nil))
	}
	if pg.Next != "" {
		q := url.Values{"cursor": {pg.Next}}
		for k, v := range map[string]string{"status": d.Status, "kind": d.Kind, "q": d.Q} {
			if v != "" {
				q.Set(k, v)
			}
		}
		d.Next = "/console/promotions?" + q.Encode()
	}
	return s.PageWithError(c, "console/promotions", "Promotions", "promotions", d)
}

// promotionForm is the form's fields as the merchant typed them.
type promotionForm struct {
	Name, Label, Kind, Status          string
	CampaignID                         string
	Percent, Amount                    string
	PerItem                            bool
	Applies, ProductIDs, CollectionIDs string
	Tiers                              string
	Buy, Get, GetPercent, MaxRepeats   string
	StartsAt, EndsAt                   string
	Priority                           string
	Combines                           map[string]bool
	UsageLimit, PerCustomer            string
	MaxDiscount, Budget, MinSubtotal   string
	MinQuantity                        string
	// Members and days: segments ("tier:gold"), days of the month
	// ("8, 18") and weekdays (1 Monday … 7 Sunday) of a member day.
	Segments, MonthDays       string
	Weekdays                  map[int]bool
	GiftVariant, GiftQuantity string
	Flash                     []flashFormRow
	ShowRemaining             bool
	RequiresCode              bool
	Code                      string
	Version                   int
	OtherTargets              bool // variants, categories or tags set through the API
	// flashRows is the form row of each flash-sale item apply gave the
	// service, to name a refused item's row.
	flashRows []int
}

// flashFormRow is one row of the flash-sale table: a variant, its flash
// price and its promotional quantity (and, once saved, the units sold).
type flashFormRow struct {
	N                       int
	VariantID, Price, Quota string
	Sold                    int64
}

// flashBlankRows is how many empty flash-sale rows the form offers after
// the filled ones (save to get more).
const flashBlankRows = 3

// withBlankRows appends flashBlankRows empty rows, numbered on.
func withBlankRows(rows []flashFormRow) []flashFormRow {
	for i := 0; i < flashBlankRows; i++ {
		rows = append(rows, flashFormRow{N: len(rows) + 1})
	}
	return rows
}

// formOf fills the form from a stored promotion.
func formOf(p *promotion.Promotion, currency string) promotionForm {
	f := promotionForm{Name: p.Name, Label: p.Label, Kind: string(p.Kind), Status: string(p.Status), CampaignID: p.CampaignID, PerItem: p.PerItem,
		Priority: strconv.Itoa(p.Priority), Combines: map[string]bool{}, RequiresCode: p.RequiresCode, Version: p.Version,
		ProductIDs: strings.Join(p.Target.ProductIDs, ", "), CollectionIDs: strings.Join(p.Target.CollectionIDs, ", "),
		OtherTargets: len(p.Target.VariantIDs)+len(p.Target.Categories)+len(p.Target.Tags) > 0}
	switch {
	case len(p.Target.ProductIDs) > 0:
		f.Applies = "products"
	case len(p.Target.CollectionIDs) > 0:
		f.Applies = "collections"
	default:
		f.Applies = "order"
	}
	if p.Kind == promotion.KindBuyGet {
		f.Buy, f.Get, f.GetPercent = strconv.FormatInt(p.BuyGet.Buy, 10), strconv.FormatInt(p.BuyGet.Get, 10), percentText(p.BuyGet.PercentBP)
		f.MaxRepeats = countText(p.BuyGet.MaxRepeats)
	} else {
		f.Percent = percentText(p.PercentBP)
	}
	amt := func(n int64) string {
		if n == 0 {
			return ""
		}
		return money.Format(n, currency)
	}
	f.Amount, f.MaxDiscount, f.Budget, f.MinSubtotal = amt(p.Amount), amt(p.MaxDiscount), amt(p.Budget), amt(p.Conditions.MinSubtotal)
	f.MinQuantity = countText(p.Conditions.MinQuantity)
	f.Segments = strings.Join(p.Conditions.Segments, ", ")
	days := make([]string, len(p.Conditions.MonthDays))
	for i, d := range p.Conditions.MonthDays {
		days[i] = strconv.Itoa(d)
	}
	f.MonthDays, f.Weekdays = strings.Join(days, ", "), map[int]bool{}
	for _, d := range p.Conditions.Weekdays {
		f.Weekdays[d] = true
	}
	f.GiftVariant, f.GiftQuantity, f.ShowRemaining = p.GiftVariantID, countText(p.GiftQuantity), p.ShowRemaining
	for i, it := range p.Flash {
		f.Flash = append(f.Flash, flashFormRow{N: i + 1, VariantID: it.VariantID, Price: money.Format(it.Price, currency),
			Quota: strconv.FormatInt(it.Quota, 10), Sold: it.Sold})
	}
	f.Flash = withBlankRows(f.Flash)
	var tiers []string
	for _, t := range p.Tiers {
		tiers = append(tiers, money.Format(t.Spend, currency)+" "+money.Format(t.Off, currency))
	}
	f.Tiers = strings.Join(tiers, "\n")
	f.StartsAt, f.EndsAt = localTime(p.StartsAt), localTime(p.EndsAt)
	f.UsageLimit, f.PerCustomer = countText(p.UsageLimit), countText(p.PerCustomerLimit)
	for _, cl := range p.CombinesWith {
		f.Combines[string(cl)] = true
	}
	return f
}

func percentText(bp int64) string {
	if bp == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(bp)/100, 'f', -1, 64)
}

func countText(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func localTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04")
}

// readForm reads the posted form.
func readForm(c *fiber.Ctx) promotionForm {
	f := promotionForm{Name: c.FormValue("name"), Label: c.FormValue("label"), Kind: c.FormValue("kind"), Status: c.FormValue("status"),
		Percent: c.FormValue("percent"), Amount: c.FormValue("amount"), PerItem: c.FormValue("per_item") == "on",
		Applies: c.FormValue("applies"), ProductIDs: c.FormValue("product_ids"), CollectionIDs: c.FormValue("collection_ids"),
		Tiers: c.FormValue("tiers"), Buy: c.FormValue("buy"), Get: c.FormValue("get"), GetPercent: c.FormValue("get_percent"),
		MaxRepeats: c.FormValue("max_repeats"), StartsAt: c.FormValue("starts_at"), EndsAt: c.FormValue("ends_at"),
		Priority: c.FormValue("priority"), Combines: map[string]bool{}, UsageLimit: c.FormValue("usage_limit"),
		PerCustomer: c.FormValue("per_customer_limit"), MaxDiscount: c.FormValue("max_discount"), Budget: c.FormValue("budget"),
		MinSubtotal: c.FormValue("min_subtotal"), MinQuantity: c.FormValue("min_quantity"), GiftVariant: c.FormValue("gift_variant"),
		GiftQuantity: c.FormValue("gift_quantity"), ShowRemaining: c.FormValue("show_remaining") == "on",
		RequiresCode: c.FormValue("requires_code") == "on", Code: strings.TrimSpace(c.FormValue("code")),
		CampaignID: strings.TrimSpace(c.FormValue("campaign_id")),
		Segments:   c.FormValue("segments"), MonthDays: c.FormValue("month_days"), Weekdays: map[int]bool{}}
	for d := 1; d <= 7; d++ {
		if c.FormValue("weekday_"+strconv.Itoa(d)) == "on" {
			f.Weekdays[d] = true
		}
	}
	f.Version, _ = strconv.Atoi(c.FormValue("version"))
	rows, _ := strconv.Atoi(c.FormValue("flash_rows"))
	for i := 1; i <= min(rows, promotion.MaxListItems+flashBlankRows); i++ {
		n := strconv.Itoa(i)
		f.Flash = append(f.Flash, flashFormRow{N: i, VariantID: c.FormValue("flash_variant" + n), Price: c.FormValue("flash_price" + n),
			Quota: c.FormValue("flash_quota" + n)})
	}
	for _, cl := range []string{"product", "order", "shipping"} {
		if c.FormValue("combines_"+cl) == "on" {
			f.Combines[cl] = true
		}
	}
	return f
}

// apply writes the form onto p (a stored promotion, or a zero one for a
// new promotion): the fields the form does not show stay as they were.
// Errors name the field as the form labels it.
func (f *promotionForm) apply(p *promotion.Promotion, currency string) error {
	if !formCovers(promotion.Kind(f.Kind)) {
		return errs.Field("Kind", "choose one of the kinds listed")
	}
	p.Name, p.Label, p.Kind, p.PerItem, p.RequiresCode = f.Name, f.Label, promotion.Kind(f.Kind), f.PerItem, f.RequiresCode || f.Code != ""
	p.CampaignID = f.CampaignID
	if p.Currency == "" {
		p.Currency = currency
	}
	currency = p.Currency
	var err error
	amount := func(label, v string) int64 {
		if err != nil || strings.TrimSpace(v) == "" {
			return 0
		}
		var n int64
		n, err = money.Parse(label, v, currency)
		return n
	}
	count := func(label, v string) int64 {
		v = strings.TrimSpace(v)
		if err != nil || v == "" {
			return 0
		}
		n, e := strconv.ParseInt(v, 10, 64)
		if e != nil || n < 0 {
			err = errs.Field(label, "must be a whole number of 0 or more, not %q", v)
		}
		return n
	}
	percent := func(label, v string) int64 {
		v = strings.TrimSpace(v)
		if err != nil || v == "" {
			return 0
		}
		x, e := strconv.ParseFloat(v, 64)
		if e != nil || x <= 0 || x > 100 || math.IsNaN(x) {
			err = errs.Field(label, "must be a percentage above 0 and at most 100, not %q", v)
			return 0
		}
		return int64(math.Round(x * 100))
	}
	p.PercentBP, p.Amount, p.Tiers, p.BuyGet = 0, 0, nil, promotion.BuyGet{}
	p.GiftVariantID, p.GiftQuantity, p.Flash, p.ShowRemaining = "", 0, nil, false
	f.flashRows = nil
	switch p.Kind {
	case promotion.KindBuyGet:
		p.BuyGet = promotion.BuyGet{Buy: count("Buy", f.Buy), Get: count("Get", f.Get), PercentBP: percent("Off the items got", f.GetPercent),
			MaxRepeats: count("At most, times", f.MaxRepeats)}
	case promotion.KindSpendSave:
		for i, line := range strings.Split(strings.TrimSpace(f.Tiers), "\n") {
			parts := strings.Fields(strings.NewReplacer("→", " ", ",", " ", ";", " ").Replace(line))
			if len(parts) == 0 {
				continue
			}
			if len(parts) != 2 {
				return errs.Field("Spend and save tiers", "line %d must be two amounts, spend then save, like \"100.00 10.00\"", i+1)
			}
			label := "Spend and save tiers, line " + strconv.Itoa(i+1)
			t := promotion.Tier{Spend: amount(label, parts[0]), Off: amount(label, parts[1])}
			p.Tiers = append(p.Tiers, t)
		}
	case promotion.KindGift:
		if p.GiftVariantID = strings.TrimSpace(f.GiftVariant); p.GiftVariantID == "" {
			return errs.Field("Gift", "choose the variant given free")
		}
		p.GiftQuantity = count("Gift quantity", f.GiftQuantity)
	case promotion.KindFlashSale:
		for _, r := range f.Flash {
			row := ", row " + strconv.Itoa(r.N)
			v, price, quota := strings.TrimSpace(r.VariantID), strings.TrimSpace(r.Price), strings.TrimSpace(r.Quota)
			switch {
			case v == "" && price == "" && quota == "":
				continue
			case v == "":
				return errs.Field("Variant"+row, "choose the variant sold at the flash price")
			case price == "":
				return errs.Field("Flash price"+row, "is required")
			case quota == "":
				return errs.Field("Quota"+row, "is required: how many units sell at the flash price")
			}
			it := promotion.FlashItem{VariantID: v, Price: amount("Flash price"+row, price), Quota: count("Quota"+row, quota)}
			if err != nil {
				return err
			}
			p.Flash, f.flashRows = append(p.Flash, it), append(f.flashRows, r.N)
		}
		if len(p.Flash) == 0 {
			return errs.Field("Flash sale items", "choose at least one variant with its flash price and quota")
		}
		p.ShowRemaining = f.ShowRemaining
	default:
		p.PercentBP, p.Amount = percent("Percent off", f.Percent), amount("Amount off", f.Amount)
	}
	if err != nil {
		return err
	}
	switch f.Applies {
	case "products":
		p.Target.ProductIDs, p.Target.CollectionIDs = splitIDs(f.ProductIDs), nil
		if len(p.Target.ProductIDs) == 0 {
			return errs.Field("Applies to", "name at least one product id")
		}
	case "collections":
		p.Target.ProductIDs, p.Target.CollectionIDs = nil, splitIDs(f.CollectionIDs)
		if len(p.Target.CollectionIDs) == 0 {
			return errs.Field("Applies to", "name at least one collection id")
		}
	default:
		p.Target = promotion.Target{}
	}
	if p.StartsAt, err = formTime("Starts", f.StartsAt); err != nil {
		return err
	}
	if p.EndsAt, err = formTime("Ends", f.EndsAt); err != nil {
		return err
	}
	p.Priority = int(count("Priority", f.Priority))
	p.UsageLimit, p.PerCustomerLimit = count("Uses in all", f.UsageLimit), count("Uses per customer", f.PerCustomer)
	p.MaxDiscount, p.Budget = amount("Most off per order", f.MaxDiscount), amount("Budget", f.Budget)
	p.Conditions.MinSubtotal = amount("Minimum spend", f.MinSubtotal)
	p.Conditions.MinQuantity = count("Minimum quantity", f.MinQuantity)
	p.Conditions.Segments = splitIDs(f.Segments)
	p.Conditions.MonthDays, p.Conditions.Weekdays = nil, nil
	for _, d := range splitIDs(f.MonthDays) {
		n, perr := strconv.Atoi(d)
		if perr != nil && err == nil {
			err = errs.Field("Days of the month", "give day numbers from 1 to 31, such as 8, 18, 28 (not %q)", d)
		}
		p.Conditions.MonthDays = append(p.Conditions.MonthDays, n)
	}
	for d := 1; d <= 7; d++ {
		if f.Weekdays[d] {
			p.Conditions.Weekdays = append(p.Conditions.Weekdays, d)
		}
	}
	p.CombinesWith = nil
	for _, cl := range []promotion.Class{promotion.ClassProduct, promotion.ClassOrder, promotion.ClassShipping} {
		if f.Combines[string(cl)] {
			p.CombinesWith = append(p.CombinesWith, cl)
		}
	}
	return err
}

func splitIDs(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' })
}

func formTime(label, v string) (time.Time, error) {
	if strings.TrimSpace(v) == "" {
		return time.Time{}, nil
	}
	t, err := parseLocalTime(strings.TrimSpace(v))
	if err != nil {
		return t, errs.Field(label, "must be a date and time, such as 2026-11-11T09:00 (UTC)")
	}
	return t, nil
}

// fieldLabels name the service's fields as the form labels them.
var fieldLabels = map[string]string{
	"name": "Name", "label": "Label shown to shoppers", "kind": "Kind", "percent_bp": "Percent off", "amount": "Amount off",
	"tiers": "Spend and save tiers", "buy_get": "Buy X get Y", "starts_at": "Starts", "ends_at": "Ends", "priority": "Priority",
	"usage_limit": "Uses in all", "per_customer_limit": "Uses per customer", "max_discount": "Most off per order", "budget": "Budget",
	"conditions": "Conditions", "target": "Applies to", "combines_with": "Combines with", "code": "Code", "currency": "Currency",
	"requires_code": "Needs a code", "count": "How many codes", "prefix": "Prefix", "length": "Length", "campaign_id": "Campaign",
	"conditions.min_subtotal": "Minimum spend", "conditions.min_quantity": "Minimum quantity", "conditions.max_quantity": "Minimum quantity",
	"gift_variant_id": "Gift", "gift_quantity": "Gift quantity", "flash": "Flash sale items",
	"conditions.segments": "Members of", "conditions.month_days": "Days of the month", "conditions.weekdays": "Weekdays",
}

// flashField is a service error's field about one flash-sale item.
var flashField = regexp.MustCompile(`^flash\[(\d+)\]\.(variant_id|price|quota)$`)

var flashLabels = map[string]string{"variant_id": "Variant", "price": "Flash price", "quota": "Quota"}

// words is merchantWords that also names a flash-sale item's row as the
// form numbers it ("flash[1].price" is "Flash price, row 3" when the
// form's second row was empty).
func (f *promotionForm) words(err error) error {
	var e *errs.Error
	if errors.As(err, &e) {
		if m := flashField.FindStringSubmatch(e.Field); m != nil {
			if i, _ := strconv.Atoi(m[1]); i < len(f.flashRows) {
				cp := *e
				cp.Field = fmt.Sprintf("%s, row %d", flashLabels[m[2]], f.flashRows[i])
				return &cp
			}
		}
	}
	return merchantWords(err)
}

// merchantWords renames an input error's field to the form's label
// ("tiers[1].off" is "Spend and save tiers").
func merchantWords(err error) error {
	var e *errs.Error
	if !errors.As(err, &e) || e.Field == "" {
		return err
	}
	label, ok := fieldLabels[e.Field]
	if base, _, cut := strings.Cut(e.Field, "["); !ok && cut {
		label, ok = fieldLabels[base] // "conditions.month_days[2]"
	}
	if i := strings.IndexAny(e.Field, ".["); !ok && i > 0 {
		label, ok = fieldLabels[e.Field[:i]]
	}
	if !ok {
		return err
	}
	cp := *e
	cp.Field = label
	return &cp
}

type promotionData struct {
	P         *promotion.Promotion
	Row       promotionRow
	F         promotionForm
	New       bool
	Kinds     []struct{ Kind, Name string }
	Variants  []variantOption      // for the gift, flash-sale and preview selects
	Campaigns []promotion.Campaign // the shop's campaigns, for the Campaign field
	Currency  string
	Codes     []promotion.CouponCode
	MoreCode  bool
	Figures   []figuresRow
	CanWrite  bool
	PF        previewForm  // the Preview form (promotions_preview.go)
	Preview   *previewView // its result, when asked
}

type figuresRow struct {
	Orders, Customers         int64
	Revenue, Discount, AvgOrd string
}

func (s *Promotions) newPage(c *fiber.Ctx) error {
	// ?campaign= comes from a campaign's "New promotion in this campaign".
	return s.renderForm(c, nil, promotionForm{Kind: string(promotion.KindPercentOff), Applies: "order", Status: string(promotion.StatusDraft), Combines: map[string]bool{},
		Flash: withBlankRows(nil), CampaignID: c.Query("campaign")})
}

// renderForm shows the new-promotion form (p nil) or a promotion's page
// with f in its form.
func (s *Promotions) renderForm(c *fiber.Ctx, p *promotion.Promotion, f promotionForm) error {
	var pf previewForm
	if p != nil {
		pf = previewFormOf(c)
	}
	return s.renderPage(c, p, f, pf, nil)
}

// renderPage is renderForm with the Preview form and its result.
func (s *Promotions) renderPage(c *fiber.Ctx, p *promotion.Promotion, f promotionForm, pf previewForm, res *previewView) error {
	d := promotionData{F: f, New: p == nil, Kinds: formKinds, Currency: s.admin.ShopCurrency(c), CanWrite: s.Can(c, perm.PromotionsWrite),
		PF: pf, Preview: res}
	ctx := c.UserContext()
	keep := []string{f.GiftVariant}
	for _, r := range f.Flash {
		keep = append(keep, r.VariantID)
	}
	var err error
	if d.Variants, err = s.variantOptions(ctx, keep); err != nil {
		return err
	}
	if d.Campaigns, err = s.promotions.Campaigns(ctx); err != nil {
		return err
	}
	if p == nil {
		return s.PageWithError(c, "console/promotion", "New promotion", "promotions", d)
	}
	d.P = p
	if p.Currency != "" {
		d.Currency = p.Currency
	}
	d.Row = rowOf(p, d.Currency, time.Now(), s.targetNames(ctx, p))
	codes, err := s.promotions.Codes(ctx, p.ID, promotion.CodeFilter{Limit: 100})
	if err != nil {
		return err
	}
	d.Codes, d.MoreCode = codes.Codes, codes.Next != ""
	st, err := s.promotions.Stats(ctx, promotion.StatsFilter{PromotionID: p.ID})
	if err != nil {
		return err
	}
	for _, x := range st.Totals {
		r := figuresRow{Orders: x.Orders, Customers: x.Customers, Revenue: view.Money(x.Revenue, x.Currency), Discount: view.Money(x.Discount, x.Currency)}
		if x.Orders > 0 {
			r.AvgOrd = view.Money(x.Revenue/x.Orders, x.Currency)
		}
		d.Figures = append(d.Figures, r)
	}
	return s.PageWithError(c, "console/promotion", p.Name, "promotions", d)
}

// targetNames names the products, variants and collections a promotion
// refers to, for its sentence (at most 20 of them are looked up; the rest
// are counted).
func (s *Promotions) targetNames(ctx context.Context, p *promotion.Promotion) promotion.Names {
	known := map[string]string{}
	budget := 20
	for _, id := range p.Target.ProductIDs {
		if budget--; budget < 0 {
			break
		}
		if pr, err := s.catalog.Get(ctx, id); err == nil {
			known["product:"+id] = pr.Title
		}
	}
	variants := append(append([]string(nil), p.Target.VariantIDs...), p.GiftVariantID)
	for _, f := range p.Flash {
		variants = append(variants, f.VariantID)
	}
	for _, id := range variants {
		if id == "" {
			continue
		}
		if budget--; budget < 0 {
			break
		}
		if pr, err := s.catalog.ProductOfVariant(ctx, id); err == nil {
			known["variant:"+id] = variantName(pr, id)
		}
	}
	if len(p.Target.CollectionIDs) > 0 {
		if cs, err := s.catalog.Collections(ctx, false); err == nil {
			for _, col := range cs {
				known["collection:"+col.ID] = col.Title
			}
		}
	}
	return func(kind, id string) string { return known[kind+":"+id] }
}

// variantName is a product's title with the variant's option values
// ("Linen Shirt (M, Red)").
func variantName(p *catalog.Product, variantID string) string {
	for _, v := range p.Variants {
		if v.ID != variantID {
			continue
		}
		var opts []string
		for _, o := range v.Options {
			if o != "" {
				opts = append(opts, o)
			}
		}
		if len(opts) > 0 {
			return p.Title + " (" + strings.Join(opts, ", ") + ")"
		}
	}
	return p.Title
}

func (s *Promotions) page(c *fiber.Ctx) error {
	p, err := s.promotions.Get(c.UserContext(), c.Params("promotion"))
	if err != nil {
		return err
	}
	return s.renderForm(c, p, formOf(p, s.currencyOf(c, p)))
}

func (s *Promotions) currencyOf(c *fiber.Ctx, p *promotion.Promotion) string {
	if p.Currency != "" {
		return p.Currency
	}
	return s.admin.ShopCurrency(c)
}

func (s *Promotions) create(c *fiber.Ctx) error {
	f := readForm(c)
	var p promotion.Promotion
	again := func() error { return s.renderForm(c, nil, f) }
	if err := f.apply(&p, s.admin.ShopCurrency(c)); err != nil {
		return s.PageError(c, err, again)
	}
	switch promotion.Status(f.Status) {
	case promotion.StatusActive:
		p.Status = promotion.StatusActive
	default:
		p.Status = promotion.StatusDraft
	}
	// The promotion and its code are saved together or not at all.
	out, err := s.promotions.CreateWithCode(c.UserContext(), p, f.Code)
	if err != nil {
		return s.PageError(c, f.words(err), again)
	}
	return view.Done(c, "/console/promotions/"+out.ID)
}

func (s *Promotions) save(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, err := s.promotions.Get(ctx, c.Params("promotion"))
	if err != nil {
		return err
	}
	f := readForm(c)
	stored := *p
	again := func() error { return s.renderForm(c, &stored, f) }
	if err := f.apply(p, s.admin.ShopCurrency(c)); err != nil {
		return s.PageError(c, err, again)
	}
	if _, err := s.promotions.Update(ctx, p.ID, f.Version, *p); err != nil {
		return s.PageError(c, f.words(err), again)
	}
	return view.Done(c, "/console/promotions/"+p.ID)
}

func (s *Promotions) setStatus(st promotion.Status) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if _, err := s.promotions.SetStatus(c.UserContext(), c.Params("promotion"), st); err != nil {
			return s.PageError(c, err, func() error { return s.page(c) })
		}
		return view.Done(c, "/console/promotions/"+c.Params("promotion"))
	}
}

func (s *Promotions) addCode(c *fiber.Ctx) error {
	if _, err := s.promotions.AddCode(c.UserContext(), c.Params("promotion"), c.FormValue("code"), 0); err != nil {
		return s.PageError(c, merchantWords(err), func() error { return s.page(c) })
	}
	return view.Done(c, "/console/promotions/"+c.Params("promotion"))
}

func (s *Promotions) generate(c *fiber.Ctx) error {
	n, err := strconv.Atoi(strings.TrimSpace(c.FormValue("count")))
	if err != nil {
		return s.PageError(c, errs.Field("How many codes", "must be a whole number from 1 to 10,000"), func() error { return s.page(c) })
	}
	g := promotion.Generate{Count: n, Prefix: c.FormValue("prefix")}
	if v := strings.TrimSpace(c.FormValue("usage_limit")); v != "" {
		if g.UsageLimit, err = strconv.ParseInt(v, 10, 64); err != nil {
			return s.PageError(c, errs.Field("Uses per code", "must be a whole number"), func() error { return s.page(c) })
		}
	}
	if _, err := s.promotions.GenerateCodes(c.UserContext(), c.Params("promotion"), g); err != nil {
		return s.PageError(c, merchantWords(err), func() error { return s.page(c) })
	}
	return view.Done(c, "/console/promotions/"+c.Params("promotion"))
}

// exportCodes downloads the codes as CSV, built before the answer
// starts so a failure is an error page, not a truncated file.
func (s *Promotions) exportCodes(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, err := s.promotions.Get(ctx, c.Params("promotion"))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.promotions.ExportCodes(ctx, p.ID, c.Query("batch"), &buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="codes-`+p.ID+`.csv"`)
	return c.Send(buf.Bytes())
}

// WeekdayNames are the member-day weekday boxes, 1 Monday … 7 Sunday.
func (promotionData) WeekdayNames() map[int]string {
	return map[int]string{1: "Monday", 2: "Tuesday", 3: "Wednesday", 4: "Thursday", 5: "Friday", 6: "Saturday", 7: "Sunday"}
}
