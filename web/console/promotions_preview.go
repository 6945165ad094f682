package console

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/web/internal/view"
)

// The promotion page's Preview: the merchant picks variants and
// quantities (and codes, customer tags, signed in, first order) and sees
// what the cart would be charged with the promotion alone and beside the
// shop's live promotions (core/promotion.Preview). It is a GET form:
// nothing is saved.

// previewRows is how many sample lines the form offers.
const previewRows = 4

// variantChoices is how many of the shop's newest products' variants the
// promotion page's variant selects (gift, flash sale, preview) list.
const variantChoices = 100

// variantOption is one choice of a variant select.
type variantOption struct{ ID, Label string }

type previewRow struct {
	N         int
	VariantID string
	Qty       string
}

// previewForm is the Preview form's state and choices.
type previewForm struct {
	Rows       []previewRow
	Codes      string
	Tags       string
	SignedIn   bool
	FirstOrder bool
}

// previewLine, previewRunView and previewView are a preview in money.
type previewLine struct {
	Title, Unit, Subtotal, Discount, Total string
	Quantity                               int64
}

type previewOffer struct{ Label, Code, Amount string }

type previewNote struct{ Label, Code, Reason string }

type previewRunView struct {
	Title                                string
	Lines                                []previewLine
	Applied                              []previewOffer
	Notes                                []previewNote
	Shipping, Gifts                      []string
	Subtotal, LineDisc, OrderDisc, Total string
	Applies                              bool
	Amount, Reason                       string
}

type previewView struct {
	At                string
	Alone, WithOthers previewRunView
}

// previewFormOf reads the form's state from the query (empty rows when
// none).
func previewFormOf(c *fiber.Ctx) previewForm {
	f := previewForm{Codes: c.Query("codes"), Tags: c.Query("tags"), SignedIn: c.Query("signed_in") != "", FirstOrder: c.Query("first_order") != ""}
	for i := 1; i <= previewRows; i++ {
		f.Rows = append(f.Rows, previewRow{N: i, VariantID: c.Query(fmt.Sprintf("variant%d", i)), Qty: c.Query(fmt.Sprintf("qty%d", i), "1")})
	}
	return f
}

// variantOptions lists the variants of the shop's newest products for
// the page's selects, with those of keep that are not among them (a gift
// or flash-sale variant chosen earlier) added at the end.
func (s *Promotions) variantOptions(ctx context.Context, keep []string) ([]variantOption, error) {
	pg, err := s.catalog.List(ctx, catalog.Filter{Limit: variantChoices})
	if err != nil {
		return nil, err
	}
	var out []variantOption
	listed := map[string]bool{}
	for _, p := range pg.Products {
		for i := range p.Variants {
			v := &p.Variants[i]
			label := p.Title
			if t := v.Title(); t != "" {
				label += " — " + t
			}
			if v.SKU != "" {
				label += " (" + v.SKU + ")"
			}
			listed[v.ID] = true
			out = append(out, variantOption{ID: v.ID, Label: label + " · " + view.Money(v.Price, p.Currency)})
		}
	}
	for _, id := range keep {
		if id == "" || listed[id] {
			continue
		}
		listed[id] = true
		label := id + " (not in this shop)"
		if p, err := s.catalog.ProductOfVariant(ctx, id); err == nil {
			label = variantName(p, id)
		}
		out = append(out, variantOption{ID: id, Label: label})
	}
	return out, nil
}

var previewLineField = regexp.MustCompile(`^lines\[(\d+)\]\.(variant_id|quantity)$`)

// previewInput is the preview the form asks for; errors name the form's
// fields as the merchant reads them.
func (f *previewForm) input(id string) (promotion.PreviewInput, []int, error) {
	in := promotion.PreviewInput{PromotionID: id, Customer: promotion.PreviewCustomer{SignedIn: f.SignedIn, FirstOrder: f.FirstOrder,
		Tags: splitIDs(f.Tags)}, Codes: splitIDs(f.Codes)}
	var rows []int // the form row of each input line
	for _, r := range f.Rows {
		if r.VariantID == "" {
			continue
		}
		q, err := strconv.ParseInt(strings.TrimSpace(r.Qty), 10, 64)
		if err != nil || q < 1 || q > promotion.MaxPreviewQuantity {
			return in, nil, errs.Field(fmt.Sprintf("Quantity, line %d", r.N), "must be a whole number from 1 to %d", promotion.MaxPreviewQuantity)
		}
		in.Lines = append(in.Lines, promotion.PreviewLine{VariantID: r.VariantID, Quantity: q})
		rows = append(rows, r.N)
	}
	if len(in.Lines) == 0 {
		return in, nil, errs.Field("Variant", "choose at least one variant for the sample cart")
	}
	return in, rows, nil
}

// previewWords names a preview error's line as the form shows it.
func previewWords(err error, rows []int) error {
	var e *errs.Error
	if !errors.As(err, &e) {
		return err
	}
	if m := previewLineField.FindStringSubmatch(e.Field); m != nil {
		i, _ := strconv.Atoi(m[1])
		if i < len(rows) {
			cp := *e
			cp.Field = fmt.Sprintf("Variant, line %d", rows[i])
			if m[2] == "quantity" {
				cp.Field = fmt.Sprintf("Quantity, line %d", rows[i])
			}
			return &cp
		}
	}
	return merchantWords(err)
}

func previewRunOf(title string, r *promotion.PreviewRun, currency string) previewRunView {
	m := func(a int64) string { return view.Money(a, currency) }
	v := previewRunView{Title: title, Subtotal: m(r.Subtotal), LineDisc: m(r.LineDiscount), OrderDisc: m(r.OrderDiscount), Total: m(r.Total),
		Applies: r.Applies, Amount: m(r.Amount), Reason: r.Reason}
	for _, l := range r.Lines {
		v.Lines = append(v.Lines, previewLine{Title: l.Title, Quantity: l.Quantity, Unit: m(l.UnitPrice), Subtotal: m(l.Subtotal),
			Discount: m(l.Discount), Total: m(l.Total)})
	}
	for _, a := range r.Applied {
		v.Applied = append(v.Applied, previewOffer{Label: a.Label, Code: a.Code, Amount: m(a.Amount)})
	}
	for _, n := range r.Notes {
		v.Notes = append(v.Notes, previewNote{Label: n.Label, Code: n.Code, Reason: n.Reason})
	}
	for _, d := range r.Shipping {
		off := m(d.AmountOff) + " off delivery"
		if d.PercentBP >= 10_000 {
			off = "free delivery"
		} else if d.PercentBP > 0 {
			off = percentText(d.PercentBP) + "% off delivery"
		}
		v.Shipping = append(v.Shipping, d.Label+": "+off)
	}
	for _, g := range r.Gifts {
		v.Gifts = append(v.Gifts, fmt.Sprintf("%s: %d free", g.Label, g.Quantity))
	}
	return v
}

// previewPage shows the promotion page with the sample cart priced.
func (s *Promotions) previewPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, err := s.promotions.Get(ctx, c.Params("promotion"))
	if err != nil {
		return err
	}
	pf := previewFormOf(c)
	again := func() error { return s.renderPage(c, p, formOf(p, s.currencyOf(c, p)), pf, nil) }
	in, rows, err := pf.input(p.ID)
	if err != nil {
		return s.PageError(c, err, again)
	}
	pv, err := s.promotions.Preview(ctx, in)
	if err != nil {
		return s.PageError(c, previewWords(err, rows), again)
	}
	res := &previewView{At: pv.At.UTC().Format("2 Jan 2006 15:04 UTC"), Alone: previewRunOf("This promotion alone", &pv.Alone, pv.Currency),
		WithOthers: previewRunOf("With the shop's live promotions", &pv.WithOthers, pv.Currency)}
	return s.renderPage(c, p, formOf(p, s.currencyOf(c, p)), pf, res)
}
