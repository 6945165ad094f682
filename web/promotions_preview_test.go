package web_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/api"
)

// TestPromotionPreviewAPI: POST /api/promotions/preview prices a sample
// cart with a stored promotion and with a draft, alone and beside the
// shop's live offers; unknown variants, a bad draft and missing lines are
// 400s naming the field; another shop can preview neither A's promotion
// nor A's variants; nothing is saved.
func TestPromotionPreviewAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		sh := srv.signup("preview")
		if err := srv.Tenants.ChangePlan(context.Background(), tenants.System(), sh.ID, tenants.PlanScale); err != nil {
			t.Fatal(err)
		}
		s := setUpTestShop(t, srv, sh)
		o := s.Owner
		kettle, mug := s.variant(t, "Kettle", 2000, 20), s.variant(t, "Mug", 500, 20)

		var draft, live api.PromotionJSON
		o.post("/api/promotions", api.PromotionRequest{Name: "Two mugs", Label: "Buy 1 mug, get 1 free", Kind: "buy_get",
			BuyGet: &api.PromotionBuyGet{Buy: 1, Get: 1}, CombinesWith: []string{"order"}, Target: api.PromotionTarget{VariantIDs: []string{mug}}}, 201).json(t, &draft)
		o.post("/api/promotions", api.PromotionRequest{Name: "Spend", Label: "−3.00 over 20.00", Kind: "amount_off", Amount: 300, Currency: "EUR",
			Status: "active", CombinesWith: []string{"product"}, Conditions: api.PromotionConditions{MinSubtotal: 2000}}, 201).json(t, &live)

		lines := []api.PreviewLineRequest{{VariantID: kettle, Quantity: 1}, {VariantID: mug, Quantity: 2}}
		var pv api.PreviewJSON
		o.post("/api/promotions/preview", api.PreviewRequest{PromotionID: draft.ID, Lines: lines}, 200).json(t, &pv)
		if pv.Currency != "EUR" || !pv.Alone.Applies || pv.Alone.Amount != 500 || pv.Alone.Subtotal != 3000 || pv.Alone.Total != 2500 ||
			pv.Alone.Lines[1].Discount != 500 || pv.Alone.Lines[1].PromotionIDs[0] != draft.ID || len(pv.Alone.Applied) != 1 {
			t.Fatalf("alone: %+v", pv.Alone)
		}
		// Beside the live order offer (the two combine): both apply, the
		// order offer on what the mugs left.
		if w := pv.WithOthers; !w.Applies || len(w.Applied) != 2 || w.OrderDiscount != 300 || w.Total != 2200 {
			t.Fatalf("with others: %+v", w)
		}
		// A draft not saved: a minimum the sample cart misses, with its reason.
		o.post("/api/promotions/preview", api.PreviewRequest{Promotion: &api.PromotionRequest{Name: "Big", Kind: "percent_off", PercentBP: 1000, Currency: "EUR",
			Conditions: api.PromotionConditions{MinSubtotal: 10000}}, Lines: lines}, 200).json(t, &pv)
		if pv.Alone.Applies || pv.Alone.Reason != "minimum spend 100.00 EUR not reached (add 70.00 EUR)" || pv.Alone.Total != 3000 {
			t.Fatalf("draft with a minimum: %+v", pv.Alone)
		}

		wantErrField(t, o.post("/api/promotions/preview", api.PreviewRequest{PromotionID: draft.ID,
			Lines: []api.PreviewLineRequest{{VariantID: kettle, Quantity: 1}, {VariantID: "no-such-variant", Quantity: 1}}}, 0), 400, "lines[1].variant_id")
		wantErrField(t, o.post("/api/promotions/preview", api.PreviewRequest{PromotionID: draft.ID,
			Lines: []api.PreviewLineRequest{{VariantID: kettle, Quantity: 0}}}, 0), 400, "lines[0].quantity")
		wantErrField(t, o.post("/api/promotions/preview", api.PreviewRequest{PromotionID: draft.ID}, 0), 400, "lines")
		wantErrField(t, o.post("/api/promotions/preview", api.PreviewRequest{Promotion: &api.PromotionRequest{Name: "x", Kind: "percent_off", PercentBP: 10001},
			Lines: lines}, 0), 400, "promotion.percent_bp")
		wantErrField(t, o.do("POST", "/api/promotions/preview", fmt.Sprintf(`{"promotion_id":%q,"lines":[{"variant_id":%q,"quantity":1}],"at":"soon"}`, draft.ID, kettle), nil), 400, "at")

		// Shop B sees none of A's objects.
		b := srv.signup("preview-b")
		if err := srv.Tenants.ChangePlan(context.Background(), tenants.System(), b.ID, tenants.PlanScale); err != nil {
			t.Fatal(err)
		}
		bMug := setUpTestShop(t, srv, b).variant(t, "B mug", 700, 5)
		if r := b.Owner.post("/api/promotions/preview", api.PreviewRequest{PromotionID: draft.ID, Lines: []api.PreviewLineRequest{{VariantID: bMug, Quantity: 1}}}, 0); r.Status != 404 {
			t.Fatalf("B previewing A's promotion: %d %s", r.Status, cut(r.Body))
		}
		wantErrField(t, b.Owner.post("/api/promotions/preview", api.PreviewRequest{Promotion: &api.PromotionRequest{Name: "x", Kind: "percent_off", PercentBP: 1000},
			Lines: []api.PreviewLineRequest{{VariantID: mug, Quantity: 1}}}, 0), 400, "lines[0].variant_id")

		var got api.PromotionJSON
		if r := o.do("GET", "/api/promotions/"+draft.ID, "", nil); r.Status != 200 {
			t.Fatalf("get: %d", r.Status)
		} else {
			r.json(t, &got)
		}
		if got.Status != "draft" || got.Used != 0 || got.Version != draft.Version {
			t.Fatalf("preview changed the promotion: %+v", got)
		}
	})
}
