package web_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/wasmart/wasmart/core/experiment"
)

// asShopper gives the tab a desktop browser's user agent. Headless
// Chromium says "HeadlessChrome", which the storefront takes for a bot: it
// is shown the control and never counted in an A/B test.
func (b *tab) asShopper() {
	b.t.Helper()
	b.do("shopper's user agent", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: testBrowserUA})
		return err
	}))
}

// productArm opens the Linen Tee's page and tells which arm of the
// "Deluxe" test it shows: the title and price shown must be one arm's.
func (b *tab) productArm() (deluxe bool) {
	b.t.Helper()
	b.open("/products/linen-tee", 200)
	title, price := strings.TrimSpace(b.text(".buybox h1")), strings.TrimSpace(b.text(".buybox [data-price]"))
	switch {
	case title == "Linen Tee Deluxe" && price == "21.00 EUR":
		return true
	case title == "Linen Tee" && price == "20.00 EUR":
		return false
	}
	b.fail("product page arm", fmt.Errorf("title %q at %q is neither arm", title, price))
	return false
}

// armCells are the cells of the results table's row for the arm named
// name (the row's text starts with it), tab-separated as innerText gives
// them: arm, changes, weight, exposed, added to cart, orders,
// conversions, rate, revenue per visitor, p-value, chance to beat.
func armCells(owner *tab, name string) []string {
	owner.t.Helper()
	for _, r := range owner.texts("#arms tbody tr") {
		if strings.HasPrefix(r, name) {
			cells := strings.Split(r, "\t")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			if len(cells) == 11 {
				return cells
			}
		}
	}
	owner.fail("results table", fmt.Errorf("no full row for %s", name))
	return nil
}

// browserExperiment is TestBrowserDashboard's A/B step, on the dashboard
// shop (whose Linen Tee S is 20.00 EUR): the owner starts a product-page
// test from the console, a challenger "Deluxe" with its own title and a
// price 5 % higher, its goal an add to cart. Fresh visitors, each in a
// browser context of their own (their own wm_ab cookie), open the
// product page until one has seen each arm; a revisit shows the same
// arm. The control's visitor adds to the cart at 20.00 EUR; Deluxe's adds
// at 21.00 EUR and checks out paying it. The minimum sample for a verdict
// (100 exposed visitors and 10 conversions per arm) would take minutes of
// Chromium, so the rest of the traffic comes through plain HTTP, one
// cookie jar per visitor, each checked to be shown its own arm: 12 of the
// control's visitors add to the cart, 45 of Deluxe's. The
// results page then counts each arm's visitors and conversions exactly
// and names Deluxe the winner; the owner stops the test applying it, and
// a new visitor sees the product as Deluxe. Screenshots of both arms and
// of the results, at desktop and phone widths.
func browserExperiment(t *testing.T, srv *testServer, s *testShop, browser context.Context, owner *tab) {
	start := time.Now()
	// 1. The owner starts the test from the console.
	owner.do("desktop width", chromedp.EmulateViewport(1280, 900))
	owner.click(`aside.sidenav a[href="/console/experiments"]`, 200)
	owner.wantText("main h1", "A/B tests")
	owner.wantText("main table", "No A/B tests yet")
	form := `form[action="/console/experiments"]`
	owner.fill(form, "name", "Deluxe name, dearer", "arm_name", "Deluxe", "title", "Linen Tee Deluxe", "price_change", "5")
	// The product picked by its name, as the merchant does.
	productID := owner.evalString(`Array.from(document.querySelectorAll('form[action="/console/experiments"] select[name=product_id] option')).find(o => o.text === 'Linen Tee').value`)
	owner.setValue(form, "product_id", productID, "goal", "add_to_cart")
	owner.click(form+` button[type=submit]`, 200)
	owner.wantText("p.flash", "Saved.")
	owner.wantText("main h1", "Deluxe name, dearer")
	owner.wantText("main", "Linen Tee", "running", "goal: added to cart")
	owner.wantText("#verdict", "Collecting data")
	page := owner.path()
	id := strings.TrimPrefix(page, "/console/experiments/")
	exps := srv.Services.Experiments
	e, err := exps.Get(s.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if e.Goal != experiment.GoalAddToCart || len(e.Arms) != 2 || e.Arms[1].Name != "Deluxe" {
		t.Fatalf("started %+v", e)
	}
	deluxeArm := e.Arms[1].ID
	tee, err := srv.Services.Catalog.Get(s.ctx, e.SubjectID)
	if err != nil || tee.Title != "Linen Tee" {
		t.Fatalf("the test's product: %+v (%v)", tee, err)
	}
	small := tee.Variants[0].ID // S, 20.00 EUR

	// 2. Visitors in Chromium until both arms have been seen. Assignment
	// is random across cookies, so the number of visitors needed varies;
	// thirty without both arms would mean the split is broken.
	shopURL := "http://" + s.Slug + ".localhost:" + srv.Port
	var control, deluxe *tab
	seen := map[bool]int{}
	for i := 0; i < 30 && (control == nil || deluxe == nil); i++ {
		v := newTab(t, browser, fmt.Sprintf("visitor-%d", i), shopURL)
		v.asShopper()
		d := v.productArm()
		seen[d]++
		if d && deluxe == nil {
			deluxe = v
		} else if !d && control == nil {
			control = v
		}
	}
	if control == nil || deluxe == nil {
		t.Fatalf("30 visitors in Chromium saw one arm only: %v", seen)
	}
	// The control's visitor adds to the cart at the product's price.
	control.click(`#add-to-cart button[type=submit]`, 200)
	control.wantPath("/cart")
	control.wantText("#cart-form", "Linen Tee", "20.00 EUR")
	if strings.Contains(control.text("#cart-form"), "21.00 EUR") {
		control.fail("control's cart", fmt.Errorf("at Deluxe's price"))
	}
	// Deluxe's pays Deluxe's price.
	deluxe.click(`#add-to-cart button[type=submit]`, 200)
	deluxe.wantPath("/cart")
	deluxe.wantText("#cart-form", "21.00 EUR")
	deluxe.click(`#to-checkout`, 200)
	deluxe.wantPath("/checkout")
	deluxe.fill(`#checkout-form`, "email", "dora@example.com", "shipping_address.name", "Dora Lux", "shipping_address.line1", "5 rue du Test",
		"shipping_address.postal_code", "75005", "shipping_address.city", "Paris", "card", "4242 4242 4242 4242")
	deluxe.click(`#place-order`, 200)
	if p := deluxe.path(); !strings.HasPrefix(p, "/orders/") {
		deluxe.fail("after placing", fmt.Errorf("on %s", p))
	}
	deluxe.wantText("#payment-status", "Paid", "25.90 EUR") // 21.00 + 4.90 delivery
	// A revisit keeps the visitor's arm (their cookie): the screenshots.
	if !deluxe.productArm() || control.productArm() {
		t.Fatal("a revisit showed the visitor another arm")
	}
	control.shots("experiment-arm-control")
	deluxe.shots("experiment-arm-deluxe")

	// 3. The bulk of the sample through plain HTTP: a cookie jar per
	// visitor, the arm shown checked against the arm the cookie assigns.
	exposed := map[bool]int64{false: int64(seen[false]), true: int64(seen[true])}
	carts := map[bool]int64{false: 1, true: 1}  // the two Chromium visitors
	want := map[bool]int64{false: 13, true: 46} // visitors who add to the cart, in all
	for i := 0; i < 1000 && (exposed[false] < experiment.MinExposures || exposed[true] < experiment.MinExposures); i++ {
		b := browserClient(s.buyer(t))
		r := b.get("/products/linen-tee")
		v := b.cookie(experiment.VisitorCookie)
		if r.Status != 200 || !experiment.ValidVisitor(v) {
			t.Fatalf("visitor %d: %d, cookie %q", i, r.Status, v)
		}
		d := e.Assign(v).ID == deluxeArm
		if strings.Contains(r.Body, "Linen Tee Deluxe") != d {
			t.Fatalf("visitor %d, in Deluxe: %v, was shown the other arm", i, d)
		}
		exposed[d]++
		if carts[d] < want[d] {
			wantSeeOther(t, b.addToCart(small, "1"), "/cart")
			carts[d]++
		}
	}
	if exposed[false] < experiment.MinExposures || exposed[true] < experiment.MinExposures {
		t.Fatalf("1000 visitors did not fill both arms: %v", exposed)
	}
	if err := exps.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := exps.Dropped(); n != 0 {
		t.Fatalf("%d exposures or conversions dropped", n)
	}

	t.Logf("A/B sample: %d Chromium visitors (%d control, %d Deluxe); exposed %d control, %d Deluxe; added to cart %d, %d",
		seen[false]+seen[true], seen[false], seen[true], exposed[false], exposed[true], carts[false], carts[true])

	// 4. The results: each arm's visitors and conversions, Deluxe the
	// winner, preselected in the stop form.
	owner.open(page, 200)
	owner.wantText("#verdict", "Winner", "Deluxe converts at")
	for _, a := range []struct {
		name   string
		deluxe bool
		orders string
	}{{"Control", false, "0"}, {"Deluxe", true, "1"}} {
		c := armCells(owner, a.name)
		if c[3] != strconv.FormatInt(exposed[a.deluxe], 10) || c[4] != strconv.FormatInt(carts[a.deluxe], 10) || c[5] != a.orders ||
			c[6] != c[4] || c[2] != "50 %" {
			owner.fail("results of "+a.name, fmt.Errorf("row %q; want %d exposed, %d added to cart, %s orders", c, exposed[a.deluxe], carts[a.deluxe], a.orders))
		}
	}
	if c := armCells(owner, "Deluxe"); !strings.Contains(c[0], "verdict") || c[1] != "title “Linen Tee Deluxe”, price 5 %" || !strings.Contains(c[9], "(significant)") {
		owner.fail("Deluxe's row", fmt.Errorf("%q", c))
	}
	owner.screenshots("experiment-results")
	stop := `form[action="` + page + `/stop"]`
	if v := owner.value(stop + ` [name=winner_arm_id]`); v != deluxeArm {
		owner.fail("stop form", fmt.Errorf("winner preselected %q, want Deluxe %q", v, deluxeArm))
	}

	// The "apply" box stands beside its words (the console's stylesheet
	// once stretched every checkbox over a line of its own).
	type box struct {
		Box   float64 `json:"box"`
		Label float64 `json:"label"`
	}
	b := dashEval[box](owner, "apply box", `(() => { const i = document.querySelector('`+stop+` [name=apply]');
		return {box: i.getBoundingClientRect().width, label: i.parentElement.getBoundingClientRect().height} })()`)
	if b.Box > 40 || b.Label > 40 {
		owner.fail("apply box", fmt.Errorf("checkbox %.0f px wide, its label %.0f px high: not one line", b.Box, b.Label))
	}

	// 5. Stopped with the winner applied: the product is Deluxe for a
	// new visitor.
	owner.check(stop, "apply")
	owner.click(stop+` button[type=submit]`, 200)
	owner.wantText("p.flash", "Saved.")
	owner.wantText("main", "winner applied to the product")
	owner.wantText("#arms", "chosen winner")
	if n := len(owner.texts(stop)); n != 0 {
		owner.fail("stop form", fmt.Errorf("still shown on a stopped test"))
	}
	owner.screenshots("experiment-stopped")
	owner.click(`aside.sidenav a[href="/console/experiments"]`, 200)
	owner.wantText("main table", "Deluxe name, dearer", "stopped, winner applied")

	newcomer := newTab(t, browser, "after-the-test", shopURL)
	newcomer.asShopper()
	if !newcomer.productArm() {
		newcomer.fail("winner applied", fmt.Errorf("a new visitor does not see Deluxe"))
	}
	if !control.productArm() {
		control.fail("winner applied", fmt.Errorf("the control's visitor still sees the control"))
	}
	t.Logf("A/B browser step took %s", time.Since(start).Round(time.Millisecond))
}
