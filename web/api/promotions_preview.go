package api

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/promotion"
)

// A promotion tried on a sample cart before it goes live
// (core/promotion.Preview): nothing is written, so it needs only
// promotions.read.

// PreviewLineRequest is a line of the sample cart.
type PreviewLineRequest struct {
	VariantID string `json:"variant_id"`
	Quantity  int64  `json:"quantity"`
}

// PreviewCustomerRequest is what the preview assumes of the shopper:
// signed in or a guest, their tags, and whether this is their first order
// (otherwise they have ordered before).
type PreviewCustomerRequest struct {
	SignedIn   bool     `json:"signed_in,omitempty"`
	Tags       []string `json:"tags,omitempty"`
	FirstOrder bool     `json:"first_order,omitempty"`
}

// PreviewRequest tries a stored promotion (promotion_id) or a draft
// (promotion, the body a create would send) on sample lines, with the
// codes a shopper would enter, at a time (default now, or the promotion's
// start when later).
type PreviewRequest struct {
	PromotionID string                 `json:"promotion_id,omitempty"`
	Promotion   *PromotionRequest      `json:"promotion,omitempty"`
	Lines       []PreviewLineRequest   `json:"lines"`
	Codes       []string               `json:"codes,omitempty"`
	Customer    PreviewCustomerRequest `json:"customer,omitzero"`
	Country     string                 `json:"country,omitempty"`
	At          *time.Time             `json:"at,omitempty"`
}

// PreviewLineJSON is a sample line priced (amounts in minor units).
type PreviewLineJSON struct {
	VariantID    string   `json:"variant_id"`
	ProductID    string   `json:"product_id"`
	Title        string   `json:"title"`
	Quantity     int64    `json:"quantity"`
	UnitPrice    int64    `json:"unit_price"`
	Subtotal     int64    `json:"subtotal"`
	Discount     int64    `json:"discount"`
	Total        int64    `json:"total"`
	PromotionIDs []string `json:"promotion_ids"`
}

// PreviewAppliedJSON is an offer the sample cart gets.
type PreviewAppliedJSON struct {
	PromotionID string `json:"promotion_id"`
	Label       string `json:"label"`
	Code        string `json:"code,omitempty"`
	Amount      int64  `json:"amount"`
}

// PreviewShippingJSON is a delivery discount the sample cart would get.
type PreviewShippingJSON struct {
	PromotionID string   `json:"promotion_id"`
	Label       string   `json:"label"`
	PercentBP   int64    `json:"percent_bp,omitempty"`
	AmountOff   int64    `json:"amount_off,omitempty"`
	Methods     []string `json:"methods,omitempty"`
}

// PreviewGiftJSON is a gift the cart would hold.
type PreviewGiftJSON struct {
	PromotionID string `json:"promotion_id"`
	VariantID   string `json:"variant_id"`
	Quantity    int64  `json:"quantity"`
	Label       string `json:"label"`
}

// PreviewNoteJSON is why an offer or code did not apply.
type PreviewNoteJSON struct {
	PromotionID string `json:"promotion_id,omitempty"`
	Label       string `json:"label,omitempty"`
	Code        string `json:"code,omitempty"`
	Reason      string `json:"reason"`
}

// PreviewRunJSON is the sample cart under a set of promotions: totals of
// the merchandise before delivery and tax; applies and amount say what
// the previewed promotion gives, reason why it gives nothing.
type PreviewRunJSON struct {
	Lines         []PreviewLineJSON     `json:"lines"`
	Subtotal      int64                 `json:"subtotal"`
	LineDiscount  int64                 `json:"line_discount"`
	OrderDiscount int64                 `json:"order_discount"`
	Total         int64                 `json:"total"`
	Applied       []PreviewAppliedJSON  `json:"applied"`
	Shipping      []PreviewShippingJSON `json:"shipping"`
	Gifts         []PreviewGiftJSON     `json:"gifts"`
	Notes         []PreviewNoteJSON     `json:"notes"`
	Applies       bool                  `json:"applies"`
	Amount        int64                 `json:"amount"`
	Reason        string                `json:"reason,omitempty"`
}

// PreviewJSON is the sample cart with the promotion alone and with the
// shop's other live promotions.
type PreviewJSON struct {
	Currency   string         `json:"currency"`
	At         time.Time      `json:"at"`
	Promotion  PromotionJSON  `json:"promotion"`
	Alone      PreviewRunJSON `json:"alone"`
	WithOthers PreviewRunJSON `json:"with_others"`
}

func previewRunJSON(r *promotion.PreviewRun) PreviewRunJSON {
	j := PreviewRunJSON{Lines: []PreviewLineJSON{}, Subtotal: r.Subtotal, LineDiscount: r.LineDiscount, OrderDiscount: r.OrderDiscount,
		Total: r.Total, Applied: []PreviewAppliedJSON{}, Shipping: []PreviewShippingJSON{}, Gifts: []PreviewGiftJSON{}, Notes: []PreviewNoteJSON{},
		Applies: r.Applies, Amount: r.Amount, Reason: r.Reason}
	for _, l := range r.Lines {
		ids := l.PromotionIDs
		if ids == nil {
			ids = []string{}
		}
		j.Lines = append(j.Lines, PreviewLineJSON{VariantID: l.VariantID, ProductID: l.ProductID, Title: l.Title, Quantity: l.Quantity,
			UnitPrice: l.UnitPrice, Subtotal: l.Subtotal, Discount: l.Discount, Total: l.Total, PromotionIDs: ids})
	}
	for _, a := range r.Applied {
		j.Applied = append(j.Applied, PreviewAppliedJSON{PromotionID: a.ID, Label: a.Label, Code: a.Code, Amount: a.Amount})
	}
	for _, s := range r.Shipping {
		j.Shipping = append(j.Shipping, PreviewShippingJSON{PromotionID: s.PromotionID, Label: s.Label, PercentBP: s.PercentBP, AmountOff: s.AmountOff, Methods: s.Methods})
	}
	for _, g := range r.Gifts {
		j.Gifts = append(j.Gifts, PreviewGiftJSON{PromotionID: g.PromotionID, VariantID: g.VariantID, Quantity: g.Quantity, Label: g.Label})
	}
	for _, n := range r.Notes {
		j.Notes = append(j.Notes, PreviewNoteJSON{PromotionID: n.PromotionID, Label: n.Label, Code: n.Code, Reason: n.Reason})
	}
	return j
}

func (s *Promotions) apiPreview(c *fiber.Ctx) error {
	var in PreviewRequest
	if err := decodeWithTimes(c, &in, "at"); err != nil {
		return err
	}
	pin := promotion.PreviewInput{PromotionID: in.PromotionID, Codes: in.Codes, Country: in.Country, At: timeOf(in.At),
		Customer: promotion.PreviewCustomer{SignedIn: in.Customer.SignedIn, Tags: in.Customer.Tags, FirstOrder: in.Customer.FirstOrder}}
	if in.Promotion != nil {
		if in.PromotionID != "" {
			return errs.Field("promotion", "give either promotion_id or promotion, not both")
		}
		p, err := in.Promotion.domain()
		if err != nil {
			return errs.Under("promotion", err)
		}
		pin.Draft = &p
	}
	for _, l := range in.Lines {
		pin.Lines = append(pin.Lines, promotion.PreviewLine{VariantID: l.VariantID, Quantity: l.Quantity})
	}
	pv, err := s.promotions.Preview(c.UserContext(), pin)
	if err != nil {
		return err
	}
	return c.JSON(PreviewJSON{Currency: pv.Currency, At: pv.At, Promotion: promotionJSON(&pv.Promotion, pv.At),
		Alone: previewRunJSON(&pv.Alone), WithOthers: previewRunJSON(&pv.WithOthers)})
}
