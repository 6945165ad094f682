package storefront

import (
	"errors"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/pricing"
)

// TestCheckoutOfferChanged: a checkout refused because an offer changed
// meanwhile (409 on codes or promotions: a limit reached between pricing
// and placing; 422 on codes: a code that no longer applies) keeps its
// status and says in shopper words that the order was not placed and the
// total changed; other errors are left alone.
func TestCheckoutOfferChanged(t *testing.T) {
	for _, c := range []struct {
		in      *errs.Error
		changed bool
	}{
		{&errs.Error{Code: errs.Conflict, Field: "codes", Message: `"SAVE10" has reached its usage limit; the price has been updated`}, true},
		{&errs.Error{Code: errs.Conflict, Field: "promotions", Message: `"Spring" has ended: its budget is spent; the price has been updated`}, true},
		{&errs.Error{Code: errs.Unprocessable, Field: "codes", Message: "SAVE10: this code has expired"}, true},
		{&errs.Error{Code: errs.Conflict, Field: "lines", Message: "only 2 left"}, false},
		{&errs.Error{Code: errs.Invalid, Field: "codes", Message: "too many codes"}, false},
		{&errs.Error{Code: errs.Invalid, Field: "email", Message: "enter an e-mail"}, false},
	} {
		got := offerChanged(c.in)
		var e *errs.Error
		if !errors.As(got, &e) || e.Code != c.in.Code {
			t.Fatalf("%v: got %v", c.in, got)
		}
		if c.changed != (e.Field == "" && strings.HasPrefix(e.Message, "Your order was not placed: ") && strings.Contains(e.Message, c.in.Message) &&
			strings.HasSuffix(e.Message, "Check the new total and place the order again.")) {
			t.Errorf("%v: got %+v", c.in, e)
		}
	}
	plain := errors.New("boom")
	if offerChanged(plain) != plain {
		t.Fatal("a non-domain error was rewritten")
	}
}

// TestCartOffersView: applied offers carry their label, code and amount;
// entered codes the price does not use are listed once with the offer's
// reason (or a generic one); automatic offers the cart misses say why;
// only the used codes go to the checkout form.
func TestCartOffersView(t *testing.T) {
	p := &pricing.Result{
		Promotions: []pricing.AppliedPromotion{{ID: "p1", Code: "SAVE10", Label: "−10%", Amount: 400}, {ID: "p2", Label: "Free delivery", Amount: 490, Shipping: true}},
		PromotionNotes: []pricing.PromotionNote{{Code: "old5", PromotionID: "p3", Reason: "this offer has expired"},
			{PromotionID: "p4", Label: "−20 € over 200 €", Reason: "minimum spend 200.00 EUR not reached (add 160.00 EUR)"}},
	}
	o := offersOf("EUR", p, []string{"SAVE10", "OLD5", "GONE"}, true)
	if len(o.Applied) != 2 || o.Applied[0].Code != "SAVE10" || o.Applied[0].Amount != "-4.00 EUR" || !o.Applied[1].Shipping {
		t.Fatalf("applied: %+v", o.Applied)
	}
	if len(o.Refused) != 2 || o.Refused[0] != (refusedCode{"OLD5", "this offer has expired"}) || o.Refused[1].Code != "GONE" || o.Refused[1].Reason == "" {
		t.Fatalf("refused: %+v", o.Refused)
	}
	if len(o.Missed) != 1 || !strings.Contains(o.Missed[0].Detail, "add 160.00 EUR") {
		t.Fatalf("missed: %+v", o.Missed)
	}
	if o.Codes != "SAVE10" {
		t.Fatalf("codes for checkout: %q", o.Codes)
	}
	if e := offersOf("EUR", nil, []string{"SAVE10"}, false); len(e.Refused) != 1 || !strings.Contains(e.Refused[0].Reason, "add something") {
		t.Fatalf("empty cart: %+v", e)
	}
}
