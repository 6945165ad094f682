package extension

import (
	"context"
	"go/build"
	"strings"
	"testing"
)

func TestPoints(t *testing.T) {
	for _, p := range Points {
		if !p.Valid() {
			t.Fatalf("%q not valid", p)
		}
	}
	if Point("shipping").Valid() {
		t.Fatal("unknown point valid")
	}
	if LevelLine.String() != "line" || LevelOrder.String() != "order" || AdjustmentLevel(9).String() != "unknown" {
		t.Fatal("level names")
	}
}

func TestSubtotalAndFuncs(t *testing.T) {
	r := &PricingRequest{Lines: []PricingLine{{Quantity: 2, UnitPrice: 150}, {Quantity: 1, UnitPrice: 99}}}
	if got := r.Subtotal(); got != 399 {
		t.Fatalf("subtotal %d", got)
	}
	var p Pricing = PricingFunc(func(ctx context.Context, req *PricingRequest) ([]Adjustment, error) {
		return []Adjustment{{Level: LevelOrder, Amount: -req.Subtotal() / 10}}, nil
	})
	adj, err := p.Price(context.Background(), r)
	if err != nil || len(adj) != 1 || adj[0].Amount != -39 {
		t.Fatalf("%v %v", adj, err)
	}
	var _ Recommendations = RecommendationsFunc(nil)
	var _ Logistics = LogisticsFunc(nil)
	var _ Reporting = ReportingFunc(nil)
}

// TestNewRecommendationRequest: the placement follows from what the slot
// shows, the product first.
func TestNewRecommendationRequest(t *testing.T) {
	for _, c := range []struct {
		product string
		cart    []string
		want    Placement
	}{{"p1", []string{"p2"}, PlacementProduct}, {"", []string{"p2"}, PlacementCart}, {"", nil, PlacementHome}} {
		r := NewRecommendationRequest(c.product, c.cart, 4)
		if r.Placement != c.want || r.ProductID != c.product || len(r.CartProductIDs) != len(c.cart) || r.Limit != 4 {
			t.Errorf("%q %v: %+v, want placement %s", c.product, c.cart, r, c.want)
		}
	}
}

// TestImportsOnlyStdlib enforces that core/extension depends on nothing of
// the project (and nothing outside the standard library).
func TestImportsOnlyStdlib(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.Contains(imp, ".") {
			t.Errorf("core/extension imports %s", imp)
		}
	}
}
