package web_test

import (
	"context"
	"fmt"
	"mime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/experiment"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/outbox/smtpsink"
	"github.com/wasmart/wasmart/core/payment"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/web"
	"github.com/wasmart/wasmart/web/api"
)

func strPtr(s string) *string { return &s }

// viewPage opens a page as a browser does (a bot's user agent is never
// put in a test).
func viewPage(b *shopClient, path string, hdr ...string) response {
	h := map[string]string{"User-Agent": testBrowserUA}
	for i := 0; i+1 < len(hdr); i += 2 {
		h[hdr[i]] = hdr[i+1]
	}
	return b.do("GET", path, nil, h)
}

// TestABCachedPagesServeRightArm: a product page under test is cached
// once per arm, and every visitor (first view rendered, later views from
// the cache) sees their own arm's title and price; a Do-Not-Track visitor
// sees the control and gets no cookie. The price arm is the price paid:
// a visitor of the +10 % arm adds to the cart and checks out at the arm
// price, the control's cart stays at the product's; exposures and
// conversions land on the right arms.
func TestABCachedPagesServeRightArm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// The cache is checked against the database once, so a page stays
		// cached for the whole test (stock received just now would drop it).
		srv, _ := launch(t, db, serverSetup{cfg: func(c *web.Config) { c.ShopCacheRecheck = time.Hour }})
		s := newTestShop(t, srv, "abshop")
		p, small, _ := s.tee(t, 50, 50)
		exps := srv.Services.Experiments
		staff := tenancy.WithActor(s.ctx, tenancy.Actor{Kind: "staff", ID: s.OwnerID, Name: "Owner"})
		e, err := exps.CreateProduct(staff, experiment.ProductInput{Name: "Deluxe name, dearer", ProductID: p.ID, MaxChangeBP: 1500,
			Arms: []experiment.ArmInput{{Name: "Control", Weight: 50}, {Name: "Deluxe", Weight: 50, Title: strPtr("Linen Tee Deluxe"), PriceChangeBP: 1000}}})
		if err != nil {
			t.Fatal(err)
		}
		// Visitors until both arms have two.
		type visitor struct {
			b   *shopClient
			arm *experiment.Arm
		}
		byArm := map[int][]visitor{}
		for i := 0; i < 60 && (len(byArm[0]) < 2 || len(byArm[1]) < 2); i++ {
			b := s.buyer(t)
			r := viewPage(b, "/products/linen-tee")
			id := b.cookie(experiment.VisitorCookie)
			if r.Status != 200 || !experiment.ValidVisitor(id) {
				t.Fatalf("first view: %d, cookie %q", r.Status, id)
			}
			if !strings.Contains(r.Header.Get("Vary"), "Cookie") {
				t.Errorf("a page under test must vary by cookie for shared caches: Vary %q", r.Header.Get("Vary"))
			}
			byArm[e.Assign(id).Position] = append(byArm[e.Assign(id).Position], visitor{b, e.Assign(id)})
		}
		if len(byArm[0]) < 2 || len(byArm[1]) < 2 {
			t.Fatalf("60 visitors did not fill both arms: %d, %d", len(byArm[0]), len(byArm[1]))
		}
		// Renamed behind the server's back: a page that still shows the old
		// name came from the cache.
		in := productInput(p)
		in.Title = "Cotton Tee"
		if _, err := s.cat.Catalog.Update(s.ctx, p.ID, 0, in); err != nil {
			t.Fatal(err)
		}
		for pos, vs := range byArm {
			for _, v := range vs {
				r := viewPage(v.b, "/products/linen-tee")
				if strings.Contains(r.Body, "Cotton Tee") {
					t.Fatalf("arm %d: the page was not served from the cache", pos)
				}
				hasDeluxe := strings.Contains(r.Body, "Linen Tee Deluxe")
				if pos == 1 {
					wantPage(t, r, 200, "Linen Tee Deluxe", "22.00 EUR")
				} else if hasDeluxe || !strings.Contains(r.Body, "20.00 EUR") {
					t.Fatalf("a control visitor was served the test arm from the cache")
				}
			}
		}
		cached := web.CachedPaths(srv.Server, s.ID)
		for _, a := range e.Arms {
			if !cached["/products/linen-tee\x00arm="+a.ID] {
				t.Errorf("arm %s's page is not cached under its own key: %v", a.Name, cached)
			}
		}
		if cached["/products/linen-tee"] {
			t.Error("a page under test was cached without its arm")
		}
		srv.Server.InvalidateShop(s.ID)
		// Do-Not-Track: the control, no cookie, not counted.
		dnt := s.buyer(t)
		r := viewPage(dnt, "/products/linen-tee", "DNT", "1")
		if strings.Contains(r.Body, "Linen Tee Deluxe") || dnt.cookie(experiment.VisitorCookie) != "" {
			t.Error("a Do-Not-Track visitor was put in the test")
		}

		// The price shown is the price paid.
		deluxe, control := byArm[1][0].b, byArm[0][0].b
		wantSeeOther(t, deluxe.addToCart(small, "1"), "/cart")
		wantPage(t, deluxe.get("/cart"), 200, "22.00 EUR")
		wantSeeOther(t, control.addToCart(small, "1"), "/cart")
		if c := control.get("/cart"); !strings.Contains(c.Body, "20.00 EUR") || strings.Contains(c.Body, "22.00 EUR") {
			t.Errorf("the control's cart is not at the product's price")
		}
		key := deluxe.checkoutForm()
		orderID, _ := orderPath(t, deluxe.post("/checkout", checkoutValues(key, "ab@example.com", payment.CardSuccess)))
		o, err := srv.Services.Orders.Get(s.ctx, orderID)
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Lines) != 1 || o.Lines[0].UnitPrice != 2200 || o.Lines[0].Total != 2200 {
			t.Fatalf("order lines: %+v", o.Lines)
		}
		if err := exps.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		res, err := exps.Results(s.ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		for pos, a := range res.Arms {
			if a.Exposed != int64(len(byArm[pos])) {
				t.Errorf("arm %s: %d exposed, want %d", a.Name, a.Exposed, len(byArm[pos]))
			}
		}
		if d, c := res.Arms[1], res.Arms[0]; d.AddToCart != 1 || d.Orders != 1 || d.Revenue != 2200 || c.AddToCart != 1 || c.Orders != 0 {
			t.Errorf("conversions: deluxe %+v, control %+v", d, c)
		}
		if res.Verdict != experiment.VerdictCollecting {
			t.Errorf("verdict on a handful of visitors: %q", res.Verdict)
		}
	})
}

// TestABExperimentsAPI: /api/experiments with the roles (operations
// runs product tests, marketing and the analyst read them), bad input as
// a 4xx naming the field with nothing written, results, and stop with
// the winner applied to the product.
func TestABExperimentsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := startServer(t, db)
		sh := srv.scaleShop("abapi")
		ops := srv.staff(sh, "ops@abapi.example.com", "operations")
		mkt := srv.staff(sh, "mkt@abapi.example.com", "marketing")
		analyst := srv.staff(sh, "analyst@abapi.example.com", "analyst")
		var p api.ProductJSON
		ops.post("/api/products", sampleProduct("Linen Shirt", "LS"), 201).json(t, &p)
		good := func() api.ExperimentRequest {
			return api.ExperimentRequest{Name: "Shorter name", ProductID: p.ID, MaxChangeBP: 1000,
				Arms: []experiment.ArmInput{{Name: "Control", Weight: 50}, {Name: "Short", Weight: 50, Title: strPtr("Linen"), PriceChangeBP: -500}}}
		}
		bad := []struct {
			edit   func(*api.ExperimentRequest)
			status int
			field  string
		}{
			{func(r *api.ExperimentRequest) { r.Arms[1].Weight = 40 }, 400, "arms.weight"},
			{func(r *api.ExperimentRequest) { r.Arms[1].Title, r.Arms[1].PriceChangeBP = nil, 0 }, 400, "arms[1].title"},
			{func(r *api.ExperimentRequest) { r.Arms[1].PriceChangeBP = -1001 }, 400, "arms[1].price_change_bp"},
			{func(r *api.ExperimentRequest) { r.MaxChangeBP = 9000 }, 400, "max_change_bp"},
			{func(r *api.ExperimentRequest) { r.ProductID = "nope" }, 400, "product_id"},
			{func(r *api.ExperimentRequest) { r.Goal = "clicks" }, 400, "goal"},
		}
		for _, b := range bad {
			in := good()
			b.edit(&in)
			wantErrField(t, ops.send("POST", "/api/experiments", in, 0), b.status, b.field)
		}
		if r := mkt.send("POST", "/api/experiments", good(), 0); r.Status != 403 {
			t.Fatalf("marketing started a product test: %d", r.Status)
		}
		var list api.ExperimentList
		mkt.send("GET", "/api/experiments", nil, 200).json(t, &list)
		if len(list.Experiments) != 0 {
			t.Fatalf("refused input left %d experiments", len(list.Experiments))
		}
		var e api.ExperimentJSON
		ops.send("POST", "/api/experiments", good(), 201).json(t, &e)
		wantErrField(t, ops.send("POST", "/api/experiments", good(), 0), 409, "product_id")

		var res api.ExperimentResults
		analyst.send("GET", "/api/experiments/"+e.ID+"/results", nil, 200).json(t, &res)
		if res.Verdict != experiment.VerdictCollecting || len(res.Arms) != 2 || res.Method == "" {
			t.Fatalf("results: %+v", res)
		}
		if r := analyst.send("POST", "/api/experiments/"+e.ID+"/stop", api.ExperimentStop{}, 0); r.Status != 403 {
			t.Fatalf("the analyst stopped a test: %d", r.Status)
		}
		wantErrField(t, ops.send("POST", "/api/experiments/"+e.ID+"/stop", api.ExperimentStop{Apply: true}, 0), 400, "winner_arm_id")
		var stopped api.ExperimentJSON
		ops.send("POST", "/api/experiments/"+e.ID+"/stop", api.ExperimentStop{WinnerArmID: e.Arms[1].ID, Apply: true}, 200).json(t, &stopped)
		if stopped.Status != experiment.Stopped || !stopped.Applied {
			t.Fatalf("stopped: %+v", stopped)
		}
		var after api.ProductJSON
		ops.send("GET", "/api/products/"+p.ID, nil, 200).json(t, &after)
		if after.Title != "Linen" || after.Variants[0].Price != experiment.ArmPrice(p.Variants[0].Price, -500) {
			t.Fatalf("winner not applied: %q %d", after.Title, after.Variants[0].Price)
		}
	})
}

// TestABConsole: the owner starts a test from the console (bad input is
// shown naming the field and starts nothing), storefront visitors show
// on its results page, and stopping with the winner applied writes it to
// the product.
func TestABConsole(t *testing.T) {
	srv, _ := startCommerceServer(t, storetest.SQLite(t))
	s := newTestShop(t, srv, "abdesk")
	p, _, _ := s.tee(t, 5, 5)
	c := s.Owner
	wantConsolePage(t, c.do("GET", "/console", "", nil), 200, `href="/console/experiments"`)
	wantConsolePage(t, c.do("GET", "/console/experiments", "", nil), 200, "No A/B tests yet", "New product-page test", `<option value="`+p.ID+`"`)
	form := func(kv ...string) string {
		base := []string{"name", "Deluxe", "product_id", p.ID, "goal", "order", "max_change", "10", "control_weight", "50", "arm_name", "Deluxe",
			"arm_weight", "50", "title", "Linen Tee Deluxe", "body_html", "", "image_ids", "", "price_change", "5"}
		for i := 0; i+1 < len(kv); i += 2 {
			for j := 0; j+1 < len(base); j += 2 {
				if base[j] == kv[i] {
					base[j+1] = kv[i+1]
				}
			}
		}
		return consoleForm(base...)
	}
	wantConsolePage(t, c.do("POST", "/console/experiments", form("arm_weight", "40"), nil), 400, "arms.weight", "add up to 90")
	wantConsolePage(t, c.do("POST", "/console/experiments", form("price_change", "20"), nil), 400, "arms[1].price_change_bp")
	wantConsolePage(t, c.do("POST", "/console/experiments", form("title", "", "price_change", ""), nil), 400, "arms[1].title", "identical")
	r := c.do("POST", "/console/experiments", form(), nil)
	loc := r.Header.Get("Location")
	if r.Status != 303 || !strings.HasPrefix(loc, "/console/experiments/") {
		t.Fatalf("create: %d %q: %s", r.Status, loc, cut(r.Body))
	}
	page, _, _ := strings.Cut(loc, "?")
	list, err := srv.Services.Experiments.List(s.ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("%d experiments (%v)", len(list), err)
	}
	for i := 0; i < 6; i++ {
		viewPage(s.buyer(t), "/products/linen-tee")
	}
	if err := srv.Services.Experiments.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, err := srv.Services.Experiments.Results(s.ctx, list[0].ID)
	if err != nil || res.Arms[0].Exposed+res.Arms[1].Exposed != 6 {
		t.Fatalf("results %+v (%v)", res, err)
	}
	wantConsolePage(t, c.do("GET", page, "", nil), 200, "Collecting data", "Results per arm", "title “Linen Tee Deluxe”, price 5 %",
		"<td>"+strconv.FormatInt(res.Arms[1].Exposed, 10)+"</td>", "Stop the test", "two-proportion z-test")
	r = c.do("POST", page+"/stop", consoleForm("winner_arm_id", list[0].Arms[1].ID, "apply", "on", "version", "1"), nil)
	if r.Status != 303 {
		t.Fatalf("stop: %d: %s", r.Status, cut(r.Body))
	}
	wantConsolePage(t, c.do("GET", page, "", nil), 200, "winner applied to the product", "chosen winner")
	q, err := srv.Services.Catalog.Get(s.ctx, p.ID)
	if err != nil || q.Title != "Linen Tee Deluxe" || q.Variants[0].Price != 2100 {
		t.Fatalf("applied product: %+v (%v)", q, err)
	}
}

// TestABCampaignVariants: marketing starts an A/B tested campaign through
// the API (identical variants refused naming the field), it is sent
// through a real SMTP server with each recipient getting their variant's
// subject, and the per-variant figures with the z-tests are answered to
// the analyst and shown on the console page.
func TestABCampaignVariants(t *testing.T) {
	db := storetest.SQLite(t)
	srv := startServer(t, db)
	sh := srv.scaleShop("abmail")
	ctx := tenancy.WithTenant(context.Background(), sh.ID)
	for i := range 12 {
		if _, _, err := srv.Services.Customers.SignUp(ctx, customer.SignUpInput{Email: fmt.Sprintf("c%02d@example.com", i), Password: testPassword, AcceptsMarketing: true}, customer.SessionMeta{}); err != nil {
			t.Fatal(err)
		}
	}
	sink := smtpsink.Start(t)
	w := outbox.NewWorker(db, sink.Config())
	srv.Services.Mailing.Register(w)
	mkt := srv.staff(sh, "mkt@abmail.example.com", "marketing")
	analyst := srv.staff(sh, "analyst@abmail.example.com", "analyst")
	req := api.EmailCampaignRequest{Subject: "Winter wool", Body: "<p>Warm</p>", SegmentID: "all", VariantPercent: 50, VariantSubject: "Winter wool"}
	wantErrField(t, mkt.send("POST", "/api/email-campaigns", req, 0), 400, "variant_subject")
	req.VariantSubject = "Wool: 10 % off this week"
	var c api.EmailCampaignJSON
	mkt.send("POST", "/api/email-campaigns", req, 201).json(t, &c)
	if c.VariantPercent != 50 || c.VariantSubject != req.VariantSubject {
		t.Fatalf("campaign %+v", c)
	}
	if r := analyst.send("POST", "/api/email-campaigns", req, 0); r.Status != 403 {
		t.Fatalf("the analyst created a campaign: %d", r.Status)
	}
	mkt.send("POST", "/api/email-campaigns/"+c.ID+"/send", nil, 200)
	for range 300 {
		if n, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		} else if n == 0 && len(sink.Mail()) >= 12 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	subjects := map[string]int{}
	for _, m := range sink.Mail() {
		s, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		subjects[s]++
	}
	var vr api.EmailVariantResults
	analyst.send("GET", "/api/email-campaigns/"+c.ID+"/variants", nil, 200).json(t, &vr)
	if len(vr.Variants) != 2 || vr.Variants[0].Sent+vr.Variants[1].Sent != 12 || int(vr.Variants[0].Sent) != subjects["Winter wool"] ||
		int(vr.Variants[1].Sent) != subjects[req.VariantSubject] || vr.Clicks == nil || vr.Clicks.Verdict != experiment.VerdictCollecting {
		t.Fatalf("variants %+v, subjects %v", vr, subjects)
	}
	wantConsolePage(t, mkt.do("GET", "/console/email/"+c.ID, "", nil), 200, `id="ab-test"`, req.VariantSubject, "two-proportion z-test")
}
