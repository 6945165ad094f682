package promotion_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/cart/carttest"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestPreview: a stored or draft promotion on a sample cart, alone and
// among the shop's live promotions: amounts per line and in total,
// reasons when it does not apply (another exclusive offer saves more, a
// minimum not reached, an audience), codes and customer facts, and a
// clear refusal of unknown and foreign variants.
func TestPreview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, b := shop("ta"), shop("tb")
		svc := promotion.New(db, func() time.Time { return t0 })
		sh := carttest.New(db, "EUR")
		coat := sh.Variant(t, a, "Coat", 10000, 5, carttest.VariantOpts{})
		hat := sh.Variant(t, a, "Hat", 2000, 5, carttest.VariantOpts{})
		foreign := sh.Variant(t, b, "Other", 100, 5, carttest.VariantOpts{})
		coatProduct, err := sh.Catalog.ProductOfVariant(a, coat)
		if err != nil {
			t.Fatal(err)
		}
		mk := func(p promotion.Promotion) *promotion.Promotion {
			t.Helper()
			out, err := svc.Create(a, p)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		// A draft 20% off coats, and a live exclusive 30% off everything.
		coats := mk(promotion.Promotion{Name: "Coats", Label: "−20% coats", Kind: promotion.KindPercentOff, PercentBP: 2000,
			Target: promotion.Target{ProductIDs: []string{coatProduct.ID}}})
		mk(promotion.Promotion{Name: "All", Label: "−30% all", Kind: promotion.KindPercentOff, PercentBP: 3000, Status: promotion.StatusActive,
			Target: promotion.Target{ProductIDs: []string{coatProduct.ID}}})
		lines := []promotion.PreviewLine{{VariantID: coat, Quantity: 2}, {VariantID: hat, Quantity: 1}}
		pv, err := svc.Preview(a, promotion.PreviewInput{PromotionID: coats.ID, Lines: lines})
		if err != nil {
			t.Fatal(err)
		}
		al := pv.Alone
		if !al.Applies || al.Amount != 4000 || al.Subtotal != 22000 || al.Total != 18000 || al.Lines[0].Discount != 4000 || al.Lines[1].Discount != 0 ||
			al.Lines[0].Title != "Coat" || pv.Currency != "EUR" {
			t.Fatalf("alone: %+v", al)
		}
		wo := pv.WithOthers
		if wo.Applies || wo.Total != 16000 || len(wo.Applied) != 1 || wo.Applied[0].Label != "−30% all" || !strings.Contains(wo.Reason, "cannot be combined") {
			t.Fatalf("with others: %+v", wo)
		}
		if got, _ := svc.Get(a, coats.ID); got.Status != promotion.StatusDraft || got.Used != 0 {
			t.Fatalf("preview changed the promotion: %+v", got)
		}

		// A draft not saved: spend 300 save 40, for tagged customers, with a code.
		draft := promotion.Promotion{Name: "Tiers", Label: "300−40", Kind: promotion.KindSpendSave, Currency: "EUR", RequiresCode: true,
			Tiers: []promotion.Tier{{Spend: 20000, Off: 2000}, {Spend: 30000, Off: 4000}}, Conditions: promotion.Conditions{CustomerTags: []string{"vip"}},
			CombinesWith: []promotion.Class{promotion.ClassProduct}}
		pv, err = svc.Preview(a, promotion.PreviewInput{Draft: &draft, Lines: lines})
		if err != nil || pv.Alone.Applies || pv.Alone.Reason != "this offer is for selected customers only" {
			t.Fatalf("draft without the tag: %+v %v", pv, err)
		}
		vip := promotion.PreviewCustomer{SignedIn: true, Tags: []string{"VIP"}}
		pv, err = svc.Preview(a, promotion.PreviewInput{Draft: &draft, Lines: lines, Customer: vip})
		if err != nil || !pv.Alone.Applies || pv.Alone.Amount != 2000 || pv.Alone.OrderDiscount != 2000 || pv.Alone.Total != 20000 {
			t.Fatalf("draft for a vip: %+v %v", pv, err)
		}
		big := []promotion.PreviewLine{{VariantID: coat, Quantity: 3}}
		pv, err = svc.Preview(a, promotion.PreviewInput{Draft: &draft, Lines: big, Customer: vip})
		if err != nil || pv.Alone.Amount != 4000 || pv.Alone.Total != 26000 {
			t.Fatalf("top tier: %+v %v", pv, err)
		}
		small := []promotion.PreviewLine{{VariantID: hat, Quantity: 1}}
		pv, err = svc.Preview(a, promotion.PreviewInput{Draft: &draft, Lines: small, Customer: vip})
		if err != nil || pv.Alone.Applies || !strings.HasPrefix(pv.Alone.Reason, "spend 200.00") {
			t.Fatalf("below the first tier: %+v %v", pv.Alone, err)
		}

		for _, c := range []struct {
			in    promotion.PreviewInput
			field string
		}{
			{promotion.PreviewInput{PromotionID: coats.ID, Lines: []promotion.PreviewLine{{VariantID: coat, Quantity: 1}, {VariantID: "nope", Quantity: 1}}}, "lines[1].variant_id"},
			{promotion.PreviewInput{PromotionID: coats.ID, Lines: []promotion.PreviewLine{{VariantID: foreign, Quantity: 1}}}, "lines[0].variant_id"},
			{promotion.PreviewInput{PromotionID: coats.ID, Lines: []promotion.PreviewLine{{VariantID: coat, Quantity: 0}}}, "lines[0].quantity"},
			{promotion.PreviewInput{PromotionID: coats.ID}, "lines"},
			{promotion.PreviewInput{Lines: lines}, "promotion_id"},
			{promotion.PreviewInput{Draft: &promotion.Promotion{Name: "x", Kind: promotion.KindPercentOff, PercentBP: 20000}, Lines: lines}, "promotion.percent_bp"},
		} {
			if _, err := svc.Preview(a, c.in); !errs.Is(err, errs.Invalid) || fieldOf(err) != c.field {
				t.Errorf("%s: %v", c.field, err)
			}
		}
		if _, err := svc.Preview(b, promotion.PreviewInput{PromotionID: coats.ID, Lines: []promotion.PreviewLine{{VariantID: foreign, Quantity: 1}}}); !errs.Is(err, errs.NotFound) {
			t.Errorf("another shop's promotion: %v", err)
		}
	})
}
