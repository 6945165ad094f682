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
