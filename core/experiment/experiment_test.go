package experiment

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

func shop(id string) context.Context {
	return tenancy.WithActor(tenancy.WithTenant(context.Background(), id), tenancy.Actor{Kind: "staff", ID: "u-" + id, Name: "Ann"})
}

func strp(s string) *string { return &s }

// TestABAssignmentDeterministic: a visitor always gets the same arm (also
// from a reloaded experiment), and 10,000 synthetic visitors split by the
// weights within 1.5 percentage points (the binomial standard deviation
// at n = 10,000 is at most 0.5 points: 3σ).
func TestABAssignmentDeterministic(t *testing.T) {
	e := &Experiment{ID: "0190aaaa-0000-7000-8000-000000000001", Arms: []Arm{{ID: "a", Weight: 50}, {ID: "b", Weight: 30}, {ID: "c", Weight: 20}}}
	again := &Experiment{ID: e.ID, Arms: append([]Arm(nil), e.Arms...)}
	const n = 10000
	got := map[string]int{}
	for i := 0; i < n; i++ {
		v := fmt.Sprintf("%032x", i*7919+13)
		a := e.Assign(v)
		for k := 0; k < 3; k++ {
			if b := again.Assign(v); b.ID != a.ID {
				t.Fatalf("visitor %s: arm %s then %s", v, a.ID, b.ID)
			}
		}
		got[a.ID]++
	}
	for _, a := range e.Arms {
		share := float64(got[a.ID]) / n * 100
		if math.Abs(share-float64(a.Weight)) > 1.5 {
			t.Errorf("arm %s: %.2f %% of visitors, want %d %% ± 1.5", a.ID, share, a.Weight)
		}
	}
	// Another experiment splits the same visitors independently.
	other := &Experiment{ID: "0190aaaa-0000-7000-8000-000000000002", Arms: []Arm{{ID: "a", Weight: 50}, {ID: "b", Weight: 50}}}
	same := 0
	for i := 0; i < n; i++ {
		v := fmt.Sprintf("%032x", i*7919+13)
		if (e.Assign(v).ID == "a") == (other.Assign(v).ID == "a") {
			same++
		}
	}
	if f := float64(same) / n; f < 0.47 || f > 0.53 {
		t.Errorf("two experiments agree for %.3f of visitors; want about 0.5 (independent)", f)
	}
	if e.Assign("").ID != "a" {
		t.Error("a visitor without an id must see the control")
	}
}

// TestABSignificanceKnownValues checks the z-test against two worked
// textbook-style examples and the Bayesian probability against values
// computed by hand.
func TestABSignificanceKnownValues(t *testing.T) {
	near := func(name string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %.7f, want %.7f", name, got, want)
		}
	}
	// Worked example (homeworksource.com/p/1008622, "Find the test
	// statistic z"): x₁ = 140 of n₁ = 200, x₂ = 255 of n₂ = 340; pooled
	// p̂ = 395/540 = 0.7314815, SE = 0.03949401, z = −1.266015. Two-sided
	// p = 2·Φ(−1.266015) = 2 × 0.1027539 = 0.2055078.
	z, p, ok := ZTest(255, 340, 140, 200)
	if !ok {
		t.Fatal("undefined")
	}
	near("z", z, -1.266015, 1e-6)
	near("p", p, 0.2055078, 1e-6)
	// Worked example (homeworksource.com/p/997366): x₁ = 28 of 254,
	// x₂ = 36 of 301; p̂ = 0.115, z = −0.344, two-sided p = 0.7307.
	z, p, _ = ZTest(36, 301, 28, 254)
	near("z", z, -0.344135, 1e-6)
	near("p", p, 0.7307449, 1e-6)
	// Symmetry: swapping the groups flips z, keeps p.
	z2, p2, _ := ZTest(28, 254, 36, 301)
	near("z swapped", z2, 0.344135, 1e-6)
	near("p swapped", p2, p, 1e-12)
	if _, _, ok := ZTest(0, 100, 0, 100); ok {
		t.Error("no conversions anywhere: the test is undefined")
	}
	// By hand: A ~ Beta(2,1) has density 2a; B ~ Beta(1,1) is uniform, so
	// P(B > A) = ∫₀¹ 2a(1−a) da = 2(1/2 − 1/3) = 1/3, and P(A > B) = 2/3.
	near("P(U > Beta(2,1))", ProbBeats(2, 1, 1, 1), 1.0/3, 1e-12)
	near("P(Beta(2,1) > U)", ProbBeats(1, 1, 2, 1), 2.0/3, 1e-12)
	near("P(U > U)", ProbBeats(1, 1, 1, 1), 0.5, 1e-12)
	// B ~ Beta(3,1) (density 3b²) against uniform A: P(B > A) = ∫ 3b²·b db = 3/4.
	near("P(Beta(3,1) > U)", ProbBeats(1, 1, 3, 1), 0.75, 1e-12)

	// The verdict waits for the minimum sample, then names the winner.
	r := &Results{Arms: []ArmResult{{ArmID: "c", Name: "Control", Exposed: 99, Conversions: 30}, {ArmID: "b", Name: "B", Exposed: 400, Conversions: 80}}}
	for i := range r.Arms {
		r.Arms[i].Rate = float64(r.Arms[i].Conversions) / float64(r.Arms[i].Exposed)
	}
	verdict(r)
	if r.Verdict != VerdictCollecting {
		t.Fatalf("99 exposures in the control: verdict %q, want collecting", r.Verdict)
	}
	r = &Results{Arms: []ArmResult{{ArmID: "c", Name: "Control", Exposed: 1000, Conversions: 100}, {ArmID: "b", Name: "B", Exposed: 1000, Conversions: 140}}}
	for i := range r.Arms {
		r.Arms[i].Rate = float64(r.Arms[i].Conversions) / float64(r.Arms[i].Exposed)
	}
	verdict(r)
	// p̂ = 0.12, SE = √(0.12·0.88·0.002) = 0.0145327, z = 0.04/0.0145327 = 2.752409, p = 0.005916.
	if r.Verdict != VerdictWinner || r.WinnerArmID != "b" || r.Arms[1].PValue == nil {
		t.Fatalf("verdict %q winner %q; want winner b", r.Verdict, r.WinnerArmID)
	}
	near("z", *r.Arms[1].Z, 2.752409, 1e-6)
	near("p", *r.Arms[1].PValue, 0.005916, 1e-6)
	if pb := *r.Arms[1].ProbToBeat; pb < 0.99 || pb > 1 {
		t.Errorf("probability to beat = %.4f, want > 0.99", pb)
	}
	r = &Results{Arms: []ArmResult{{ArmID: "c", Exposed: 1000, Conversions: 100}, {ArmID: "b", Exposed: 1000, Conversions: 110}}}
	verdict(r)
	if r.Verdict != VerdictNoDifference {
		t.Errorf("100 vs 110 of 1000: verdict %q, want no_difference", r.Verdict)
	}
}

func newProduct(t *testing.T, cat *catalog.Service, ctx context.Context) *catalog.Product {
	t.Helper()
	cost := int64(800)
	p, err := cat.Create(ctx, catalog.ProductInput{Title: "Tea pot", BodyHTML: "<p>Round</p>", Status: catalog.Published,
		Options: []string{"Size"}, Variants: []catalog.VariantInput{{SKU: "POT-1", Options: [3]string{"S"}, Price: 1000, Cost: &cost},
			{SKU: "POT-2", Options: [3]string{"L"}, Price: 2000}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"https://img.example/1.jpg", "https://img.example/2.jpg", "https://img.example/3.jpg"} {
		if _, err := cat.AddImageURL(ctx, p.ID, u, ""); err != nil {
			t.Fatal(err)
		}
	}
	p, err = cat.Get(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Field != field || errs.CodeOf(err) == errs.Internal {
		t.Fatalf("err = %v; want a 4xx naming %q", err, field)
	}
}

// TestABBadInput: identical arms, weights not adding to 100, a price out
// of the limits or below cost, a second running test on the product: each
// refused naming the field, nothing written.
func TestABBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("t1")
		cat := catalog.New(db, catalog.Options{})
		s := New(db, cat, Options{})
		p := newProduct(t, cat, ctx)
		base := func() ProductInput {
			return ProductInput{Name: "Title test", ProductID: p.ID, MaxChangeBP: 1000,
				Arms: []ArmInput{{Name: "Control", Weight: 50}, {Name: "Short", Weight: 50, Title: strp("Pot")}}}
		}
		in := base()
		in.Arms[1].Title = nil
		_, err := s.CreateProduct(ctx, in)
		wantField(t, err, "arms[1].title") // identical to the control
		in = base()
		in.Arms = append(in.Arms, ArmInput{Name: "Same", Weight: 10, Title: strp("Pot")})
		in.Arms[0].Weight = 40
		_, err = s.CreateProduct(ctx, in)
		wantField(t, err, "arms[2].title")
		in = base()
		in.Arms[1].Weight = 40
		_, err = s.CreateProduct(ctx, in)
		wantField(t, err, "arms.weight")
		in = base()
		in.Arms[1].PriceChangeBP = 1500
		_, err = s.CreateProduct(ctx, in)
		wantField(t, err, "arms[1].price_change_bp")
		in = base()
		in.Arms[1].PriceChangeBP = -1000 // 1000 → 900 ≥ cost 800: fine; -2100 would be outside
		in.MaxChangeBP = 3000
		in.Arms[1].PriceChangeBP = -2500 // 750 < cost 800
		_, err = s.CreateProduct(ctx, in)
		wantField(t, err, "arms[1].price_change_bp")
		in = base()
		in.Arms[1].ImageIDs = []string{"nope"}
		_, err = s.CreateProduct(ctx, in)
		wantField(t, err, "arms[1].image_ids")
		in = base()
		in.Arms[0].Title = strp("x")
		_, err = s.CreateProduct(ctx, in)
		wantField(t, err, "arms[0]")
		in = base()
		in.ProductID = "missing"
		_, err = s.CreateProduct(ctx, in)
		wantField(t, err, "product_id")
		in = base()
		in.Name = "a\x00b"
		_, err = s.CreateProduct(ctx, in)
		wantField(t, err, "name")
		if list, err := s.List(ctx); err != nil || len(list) != 0 {
			t.Fatalf("after refusals: %d experiments, %v", len(list), err)
		}
		if _, err := s.CreateProduct(ctx, base()); err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateProduct(ctx, base())
		wantField(t, err, "product_id")
		if errs.CodeOf(err) != errs.Conflict {
			t.Errorf("second running experiment: %v, want a conflict", errs.CodeOf(err))
		}
	})
}

// TestABApplyWinner runs an experiment through exposures, conversions,
// results and stop-and-apply: the product gets the winner's title,
// description, image order and prices, audited, in one transaction.
func TestABApplyWinner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("t1")
		cat := catalog.New(db, catalog.Options{})
		s := New(db, cat, Options{})
		p := newProduct(t, cat, ctx)
		imgs := []string{p.Images[2].ID, p.Images[0].ID}
		e, err := s.CreateProduct(ctx, ProductInput{Name: "Pot page", ProductID: p.ID, MaxChangeBP: 1000, Goal: GoalAddToCart,
			Arms: []ArmInput{{Name: "Control", Weight: 50}, {Name: "Bold", Weight: 50, Title: strp("The tea pot"), BodyHTML: strp("<p>Big</p><script>x()</script>"),
				ImageIDs: imgs, PriceChangeBP: 500}}})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.ForHandle(ctx, p.Handle); err != nil || got == nil || got.ID != e.ID {
			t.Fatalf("ForHandle = %v, %v", got, err)
		}
		// 400 visitors; those in B add to cart more often (1 in 3 against 1 in 8).
		var bVisitor string
		for i := 0; i < 400; i++ {
			v := fmt.Sprintf("%032x", i+1)
			a := e.Assign(v)
			s.Expose("t1", e, a, v)
			s.Expose("t1", e, a, v) // a second view is the same exposure
			if (a.Position == 1 && i%3 == 0) || (a.Position == 0 && i%8 == 0) {
				s.Convert("t1", v, ConvAddToCart, "", map[string]int64{p.ID: 0})
			}
			if a.Position == 1 && bVisitor == "" {
				bVisitor = v
			}
		}
		s.Convert("t1", bVisitor, ConvOrder, "order-1", map[string]int64{p.ID: 2100})
		s.Convert("t1", fmt.Sprintf("%032x", 99999), ConvOrder, "order-2", map[string]int64{p.ID: 1000}) // never exposed
		if err := s.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		r, err := s.Results(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		var exposed, carts int64
		for _, a := range r.Arms {
			exposed += a.Exposed
			carts += a.AddToCart
		}
		if exposed != 400 {
			t.Fatalf("exposed %d, want 400", exposed)
		}
		if r.Arms[1].Orders != 1 || r.Arms[1].Revenue != 2100 || r.Arms[0].Orders != 0 {
			t.Errorf("orders: %+v", r.Arms)
		}
		if r.Verdict != VerdictWinner || r.WinnerArmID != e.Arms[1].ID {
			t.Fatalf("verdict %q (%s), arms %+v", r.Verdict, r.Reason, r.Arms)
		}
		// Another shop sees nothing of it.
		if _, err := s.Results(shop("t2"), e.ID); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("other shop: %v", err)
		}
		if _, err := s.Stop(shop("t2"), e.ID, StopInput{WinnerArmID: e.Arms[1].ID, Apply: true}); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("other shop stop: %v", err)
		}
		_, err = s.Stop(ctx, e.ID, StopInput{WinnerArmID: "nope", Apply: true})
		wantField(t, err, "winner_arm_id")
		got, err := s.Stop(ctx, e.ID, StopInput{WinnerArmID: e.Arms[1].ID, Apply: true})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != Stopped || !got.Applied || got.WinnerArmID != e.Arms[1].ID {
			t.Fatalf("stopped: %+v", got)
		}
		q, err := cat.Get(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if q.Title != "The tea pot" || q.BodyHTML != "<p>Big</p>" || q.Variants[0].Price != 1050 || q.Variants[1].Price != 2100 {
			t.Errorf("applied product: %q %q %d %d", q.Title, q.BodyHTML, q.Variants[0].Price, q.Variants[1].Price)
		}
		if q.Variants[0].Cost == nil || *q.Variants[0].Cost != 800 || q.Variants[0].SKU != "POT-1" {
			t.Errorf("apply lost the variant's other fields: %+v", q.Variants[0])
		}
		if q.Images[0].ID != imgs[0] || q.Images[1].ID != imgs[1] || q.Images[2].ID != p.Images[1].ID {
			t.Errorf("image order: %s %s %s", q.Images[0].ID, q.Images[1].ID, q.Images[2].ID)
		}
		if h, _ := s.ForHandle(ctx, p.Handle); h != nil {
			t.Error("a stopped experiment is still served")
		}
		var actions []string
		if err := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
			return q.NewSelect().Model((*audit.Entry)(nil)).Column("action").Where("tenant_id = ? AND object_id IN (?)", "t1", bun.List([]string{e.ID, p.ID})).
				OrderExpr("at, id").Scan(ctx, &actions)
		}); err != nil {
			t.Fatal(err)
		}
		if j := strings.Join(actions, ","); !strings.Contains(j, "experiment.create") || !strings.Contains(j, "experiment.stop") || strings.Count(j, "product.update") < 1 {
			t.Errorf("audit: %s", j)
		}
		if _, err := s.Stop(ctx, e.ID, StopInput{}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("stopping twice: %v", err)
		}
		// A new experiment on the product may start once the first stopped.
		if _, err := s.CreateProduct(ctx, ProductInput{Name: "Again", ProductID: p.ID, Arms: []ArmInput{{Weight: 50}, {Weight: 50, Title: strp("Pot")}}}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestABPricesInCart: the carts' catalog gives a visitor in the price arm
// the arm price, and the control (and a visitor-less request) the
// product's.
func TestABPricesInCart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("t1")
		cat := catalog.New(db, catalog.Options{})
		s := New(db, cat, Options{})
		p := newProduct(t, cat, ctx)
		e, err := s.CreateProduct(ctx, ProductInput{Name: "Price", ProductID: p.ID, MaxChangeBP: 1000,
			Arms: []ArmInput{{Weight: 50}, {Weight: 50, PriceChangeBP: -1000}}})
		if err != nil {
			t.Fatal(err)
		}
		var inArm, inControl string
		for i := 0; inArm == "" || inControl == ""; i++ {
			v := NewVisitor()
			if e.Assign(v).Position == 1 {
				inArm = v
			} else {
				inControl = v
			}
		}
		ids := []string{p.Variants[0].ID, p.Variants[1].ID}
		for _, c := range []struct {
			visitor string
			want    [2]int64
		}{{inArm, [2]int64{900, 1800}}, {inControl, [2]int64{1000, 2000}}, {"", [2]int64{1000, 2000}}} {
			var got map[string]catalog.SaleVariant
			err := db.Read(WithVisitor(ctx, c.visitor), func(ctx context.Context, q bun.IDB) error {
				var err error
				got, err = Prices{}.Variants(ctx, q, "t1", ids, store.Now())
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if got[ids[0]].Price != c.want[0] || got[ids[1]].Price != c.want[1] {
				t.Errorf("visitor %q: prices %d, %d; want %v", c.visitor, got[ids[0]].Price, got[ids[1]].Price, c.want)
			}
		}
	})
}
