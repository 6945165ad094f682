package sandbox

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/plugins/build"
)

// seeContextPlugin builds testdata/seecontext (a Go plugin using the SDK)
// and registers it twice: with a manifest asking for every pricing input
// section, and with one asking for none, as plugins written before the
// sections did.
func seeContextPlugin(t *testing.T) (h *Host, withSections, without *Installation) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "seecontext.wasm")
	if err := build.Plugin(context.Background(), filepath.Join("testdata", "seecontext"), out); err != nil {
		t.Fatal(err)
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	h, err = NewHost(Options{CacheDir: testCacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	inst := func(id string, sections string) *Installation {
		m, err := ParseManifest([]byte(`{"id":"` + id + `","version":"1.0.0","abi_version":1,"extension_points":["pricing"]` + sections + `,"limits":{"deadline_ms":5000}}`))
		if err != nil {
			t.Fatal(err)
		}
		hash, err := h.Register(context.Background(), m, wasm)
		if err != nil {
			t.Fatal(err)
		}
		return &Installation{Tenant: "t-ctx", ID: id, Manifest: m, ModuleHash: hash}
	}
	return h, inst("see-all", `,"pricing_input":["codes","customer","promotions"]`), inst("see-none", "")
}

// exclusiveOr is a promotions stage that applies one product promotion
// (p1, code SUMMER, 300 off line a) combining with the given classes.
type exclusiveOr []extension.Class

func (e exclusiveOr) Promote(ctx context.Context, req *pricing.PromotionRequest) ([]extension.Adjustment, error) {
	o, err := e.Explain(ctx, req)
	return o.Adjustments, err
}

func (e exclusiveOr) Explain(context.Context, *pricing.PromotionRequest) (*pricing.PromotionOutcome, error) {
	return &pricing.PromotionOutcome{
		Adjustments: []extension.Adjustment{{Level: extension.LevelLine, LineID: "a", Amount: -300, Label: "Summer", Code: "p1"}},
		Applied:     []pricing.AppliedPromotion{{ID: "p1", Code: "SUMMER", Label: "Summer", Amount: 300, Class: extension.ClassProduct, CombinesWith: e}},
	}, nil
}

// TestPricingPluginSeesContext runs a real .wasm plugin through the
// pricing pipeline: with the sections in its manifest it sees the codes
// entered, the signed-in customer's tags and the promotions applied with
// their line amounts, and its classed adjustments obey the promotion's
// combination rules; the same module under a manifest without sections
// gets the version 1 input and still works.
func TestPricingPluginSeesContext(t *testing.T) {
	h, all, none := seeContextPlugin(t)
	in := func() *pricing.Input {
		return &pricing.Input{Currency: "EUR", CustomerID: "c1", CustomerTags: []string{"member", "vip"}, Codes: []string{"summer"},
			Now: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), Lines: []pricing.Line{{ID: "a", ProductID: "p", VariantID: "v", Quantity: 1, UnitPrice: 1000}, {ID: "b", ProductID: "q", VariantID: "w", Quantity: 2, UnitPrice: 500}}}
	}
	labels := func(r *pricing.Result) []string {
		var out []string
		for _, a := range r.Adjustments {
			if a.Stage == pricing.StageExtension {
				out = append(out, a.Label+"|"+string(a.Class))
			}
		}
		return out
	}
	// Combines with product and order discounts: both of the plugin's apply.
	p := &pricing.Pipeline{Promotions: exclusiveOr{extension.ClassProduct, extension.ClassOrder}, Pricing: &PricingAdapter{Host: h, Install: all}}
	r, err := p.Price(context.Background(), in())
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(labels(r), "\n")
	want := "on top of Summer|product\nsections=7 codes=summer signed=true tags=member,vip p1:SUMMER:1:300/a=-300|order"
	if got != want || len(r.Warnings) != 0 || r.Merchandise != 2000-300-1-1 {
		t.Fatalf("plugin saw/gave:\n%s\nwant:\n%s\nwarnings %+v merchandise %d", got, want, r.Warnings, r.Merchandise)
	}
	// Combines with product discounts only: the order-class one is dropped, with a warning.
	p.Promotions = exclusiveOr{extension.ClassProduct}
	if r, err = p.Price(context.Background(), in()); err != nil {
		t.Fatal(err)
	}
	if got := labels(r); len(got) != 1 || got[0] != "on top of Summer|product" || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0].Message, "does not combine with order") {
		t.Fatalf("%v %+v", got, r.Warnings)
	}
	// The same module without sections: the version 1 input, nothing extra.
	p = &pricing.Pipeline{Pricing: &PricingAdapter{Host: h, Install: none}}
	i := in()
	i.CustomerID, i.CustomerTags = "", nil
	if r, err = p.Price(context.Background(), i); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(labels(r), "\n"); got != "sections=0 codes= signed=false tags=|order" || len(r.Warnings) != 0 {
		t.Fatalf("without sections: %q %+v", got, r.Warnings)
	}
}

// A manifest may only ask for known sections, once each, and only with
// the pricing point.
func TestManifestPricingInput(t *testing.T) {
	for name, extra := range map[string]string{
		"unknown section": `"extension_points":["pricing"],"pricing_input":["cart_attributes"]`,
		"twice":           `"extension_points":["pricing"],"pricing_input":["codes","codes"]`,
		"not pricing":     `"extension_points":["logistics"],"pricing_input":["codes"]`,
	} {
		_, err := ParseManifest([]byte(`{"id":"x-plugin","version":"1.0.0","abi_version":1,` + extra + `}`))
		if KindOf(err) != FailInvalidModule || !strings.Contains(err.Error(), "pricing_input") {
			t.Errorf("%s: %v", name, err)
		}
	}
	m, err := ParseManifest([]byte(`{"id":"x-plugin","version":"1.0.0","abi_version":1,"extension_points":["pricing"],"pricing_input":["promotions","codes"]}`))
	if err != nil || m.PricingSections() != 5 {
		t.Fatalf("%v %+v", err, m)
	}
}
