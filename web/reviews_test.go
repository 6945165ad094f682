package web_test

import (
	"bytes"
	"context"
	"image/color"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/review"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/api"
)

// reviewOrder inserts an order of the shop in state st with one line of
// the product, as checkout would have.
func reviewOrder(t testing.TB, srv *testServer, shopID, productID string, st order.Status) *order.Order {
	t.Helper()
	ctx := tenancy.WithTenant(context.Background(), shopID)
	o := &order.Order{Status: st, Email: "buyer@example.com", Currency: "EUR", Subtotal: 2500, Total: 2500,
		ShippingAddress: order.Address{Name: "Rita Reviewer", Line1: "1 rue", City: "Paris", Country: "FR"},
		Lines:           []order.Line{{VariantID: "v-" + productID, ProductID: productID, Title: "Reviewed thing", Quantity: 1, UnitPrice: 2500, Subtotal: 2500, Total: 2500}}}
	if err := srv.DB.Write(ctx, func(ctx context.Context, q bun.IDB) error { return order.Insert(ctx, q, o) }); err != nil {
		t.Fatal(err)
	}
	return o
}

// victimReviews gives shop A a published review with a reply (for the
// cross-tenant test).
func victimReviews(t *testing.T, srv *testServer, shopID, productID string) (map[string]string, []string) {
	t.Helper()
	ctx := tenancy.WithActor(tenancy.WithTenant(context.Background(), shopID), tenancy.Actor{Kind: "staff", ID: "seed", Name: "seed"})
	o := reviewOrder(t, srv, shopID, productID, order.Delivered)
	svc := srv.Services.Reviews
	r, err := svc.Submit(ctx, review.Submission{OrderID: o.ID, LineID: o.Lines[0].ID, Rating: 4, Title: "Alpha secret review title", Body: "Alpha secret review body"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Reply(ctx, r.ID, "Alpha secret reply"); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"review": r.ID}, []string{r.ID, "Alpha secret review title", "Alpha secret review body", "Alpha secret reply"}
}

// reviewForm is the review form's multipart body, with photos.
func reviewForm(t testing.TB, csrf string, fields map[string]string, photos ...[]byte) (string, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("_csrf", csrf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for i, p := range photos {
		f, _ := w.CreateFormFile("photos", "p"+string(rune('0'+i))+".png")
		f.Write(p)
	}
	w.Close()
	return b.String(), w.FormDataContentType()
}

// TestReviewsStorefront: a shopper reviews a delivered purchase from the
// order's link; a non-buyer (no token, an unpaid order, a forged review
// link) gets a clear 4xx; HTML is refused and other text shown escaped;
// the product page and its JSON-LD show the rating only once approved,
// and approving drops the cached page.
func TestReviewsStorefront(t *testing.T) {
	e := startShop(t, storetest.SQLite(t), "reviewshop", nil)
	p := must[*catalog.Product](t)(e.cat.Create(e.ctx, catalog.ProductInput{Title: "Wool Socks", Status: catalog.Published, Currency: "EUR",
		Variants: []catalog.VariantInput{{SKU: "SOCK-1", Price: 2500}}}))
	e.srv.Server.InvalidateShop(e.shop.ID)
	sc := e.client()
	o := reviewOrder(t, e.srv, e.shop.ID, p.ID, order.Delivered)
	unpaid := reviewOrder(t, e.srv, e.shop.ID, p.ID, order.PendingPayment)

	page := sc.get("/products/" + p.Handle)
	wantPage(t, page, 200, `id="no-reviews"`)
	for _, ld := range jsonLD(t, page.Body) {
		if _, ok := ld["aggregateRating"]; ok {
			t.Fatal("AggregateRating without reviews")
		}
	}

	// The order page links to the review form with the order's token.
	orderPage := sc.get("/orders/" + o.ID + "?token=" + url.QueryEscape(e.srv.Services.Reviews.Token(e.shop.ID, o.ID)))
	if orderPage.Status != 404 {
		t.Fatalf("a review token opened the order page: %d", orderPage.Status)
	}
	rt := e.srv.Services.Reviews.Token(e.shop.ID, o.ID)
	form := sc.get("/orders/" + o.ID + "/reviews?rt=" + url.QueryEscape(rt))
	wantPage(t, form, 200, `id="form-`+o.Lines[0].ID+`"`, "Reviewed thing")
	csrf := sc.cookie("wsm_csrf")

	// Non-buyers: no token, a forged link, a foreign order id.
	wantPage(t, sc.get("/orders/"+o.ID+"/reviews"), 404)
	wantPage(t, sc.get("/orders/"+o.ID+"/reviews?rt=forged"), 404)
	post := func(orderID string, fields map[string]string, photos ...[]byte) response {
		t.Helper()
		body, ct := reviewForm(t, csrf, fields, photos...)
		return sc.do("POST", "/orders/"+orderID+"/reviews", strings.NewReader(body), map[string]string{"Content-Type": ct})
	}
	good := map[string]string{"rt": rt, "line": o.Lines[0].ID, "rating": "5", "title": "Warm", "body": "Warm feet; 5 < 6 & cosy."}
	if r := post(o.ID, map[string]string{"line": o.Lines[0].ID, "rating": "5", "body": "x"}); r.Status != 404 {
		t.Fatalf("a review without any key: %d", r.Status)
	}
	unpaidRT := e.srv.Services.Reviews.Token(e.shop.ID, unpaid.ID)
	r := post(unpaid.ID, map[string]string{"rt": unpaidRT, "line": unpaid.Lines[0].ID, "rating": "5", "body": "x"})
	wantPage(t, r, 403, "only purchases that were paid for can be reviewed")

	// HTML is refused with the field named; nothing is stored.
	bad := map[string]string{}
	for k, v := range good {
		bad[k] = v
	}
	bad["body"] = `Nice <script>alert("x")</script>`
	wantPage(t, post(o.ID, bad), 400, `id="err-body"`, "must be plain text")
	bad["body"], bad["rating"] = "fine", "9"
	wantPage(t, post(o.ID, bad), 400, `id="err-rating"`)
	bad["rating"] = "5"
	wantPage(t, post(o.ID, bad, []byte("not an image")), 400, `id="err-photos"`)
	if q, _ := e.srv.Services.Reviews.List(e.ctx, review.Filter{}); q.Total != 0 {
		t.Fatalf("refused reviews stored: %d", q.Total)
	}

	r = post(o.ID, good, pngBytes(t, 400, 300, color.RGBA{200, 30, 30, 255}))
	if r.Status != 303 || !strings.Contains(r.Header.Get("Location"), "done=reviewed") {
		t.Fatalf("submit: %d %s %.300s", r.Status, r.Header.Get("Location"), r.Body)
	}
	wantPage(t, post(o.ID, good), 409, "already reviewed")
	wantPage(t, sc.get("/orders/"+o.ID+"/reviews?rt="+url.QueryEscape(rt)), 200, "waiting for the shop")

	// Pending: the product page is unchanged.
	wantPage(t, sc.get("/products/"+p.Handle), 200, `id="no-reviews"`)
	var q api.ProductReviewQueueJSON
	e.shop.Owner.getJSON("/api/reviews?status=pending", &q)
	if len(q.Reviews) != 1 || q.Reviews[0].Email != "buyer@example.com" || len(q.Reviews[0].Photos) != 1 {
		t.Fatalf("queue %+v", q)
	}
	photo := q.Reviews[0].Photos[0].URL
	if r := sc.get(photo); r.Status != 404 {
		t.Fatalf("a pending review's photo is public: %d", r.Status)
	}
	e.shop.Owner.post("/api/reviews/"+q.Reviews[0].ID+"/approve", nil, 200)
	e.shop.Owner.post("/api/reviews/"+q.Reviews[0].ID+"/approve", nil, 409)

	page = sc.get("/products/" + p.Handle)
	wantPage(t, page, 200, `id="rating-average">5.0<`, "Warm feet; 5 &lt; 6 &amp; cosy.", "Rita R.")
	if strings.Contains(page.Body, "5 < 6 & cosy") {
		t.Fatal("review text shown unescaped")
	}
	var agg map[string]any
	var reviews []any
	for _, ld := range jsonLD(t, page.Body) {
		if ld["@type"] == "Product" {
			agg, _ = ld["aggregateRating"].(map[string]any)
			reviews, _ = ld["review"].([]any)
		}
	}
	if agg == nil || agg["@type"] != "AggregateRating" || agg["ratingValue"] != "5.0" || agg["reviewCount"] != float64(1) || len(reviews) != 1 ||
		reviews[0].(map[string]any)["reviewBody"] != "Warm feet; 5 < 6 & cosy." {
		t.Fatalf("JSON-LD rating %v %v", agg, reviews)
	}
	if r := sc.get(photo); r.Status != 200 {
		t.Fatalf("an approved review's photo: %d", r.Status)
	}
	wantPage(t, sc.get("/products/"+p.Handle+"?stars=4"), 200, "No reviews with 4 stars yet.")
	wantPage(t, sc.get("/products/"+p.Handle+"?review_sort=random"), 400)

	var pub api.ProductReviewsJSON
	if r := sc.get("/api/store/products/" + p.ID + "/reviews"); r.Status != 200 {
		t.Fatalf("public reviews: %d %s", r.Status, r.Body)
	} else {
		r.json(t, &pub)
	}
	if pub.Count != 1 || pub.Average != 5 || len(pub.Reviews) != 1 || pub.Reviews[0].Email != "" || pub.Reviews[0].OrderID != "" {
		t.Fatalf("public reviews %+v", pub)
	}
}

// TestReviewsConsole: customer service moderates from the console queue;
// the warehouse role may not see it.
func TestReviewsConsole(t *testing.T) {
	srv, _ := startCommerceServer(t, storetest.SQLite(t))
	sh := srv.signup("reviewdesk")
	if err := srv.Tenants.ChangePlan(context.Background(), tenants.System(), sh.ID, tenants.PlanScale); err != nil {
		t.Fatal(err)
	}
	_, marks := victimReviews(t, srv, sh.ID, "prod-1")
	var q api.ProductReviewQueueJSON
	sh.Owner.getJSON("/api/reviews", &q)
	if len(q.Reviews) != 1 {
		t.Fatalf("queue %+v", q)
	}
	id := q.Reviews[0].ID
	staff := func(email, role string) *client {
		t.Helper()
		sh.Owner.post("/api/staff/invitations", api.InviteRequest{Email: email, Role: role}, 201)
		link := mailLink(t, srv, email)
		if _, _, err := srv.Tenants.AcceptInvitation(context.Background(), tenants.AcceptInput{Token: link[strings.Index(link, "token=")+6:], Name: role, Password: testPassword}); err != nil {
			t.Fatal(err)
		}
		c := srv.client()
		c.login(email, testPassword)
		return c
	}
	cs := staff("care@reviewdesk.example.com", "customer_service")
	wh := staff("dock@reviewdesk.example.com", "warehouse")

	wantConsolePage(t, cs.do("GET", "/console/reviews", "", nil), 200, `href="/console/reviews"`, "1 review waiting", marks[2], "Approve")
	wantSeeOther(t, cs.do("POST", "/console/reviews/"+id+"/approve", consoleForm(), nil), "/console/reviews")
	wantConsolePage(t, cs.do("POST", "/console/reviews/"+id+"/approve", consoleForm(), nil), 409, "already approved")
	wantSeeOther(t, cs.do("POST", "/console/reviews/"+id+"/reply", consoleForm("reply", "Thanks, Rita!"), nil), "/console/reviews")
	wantConsolePage(t, cs.do("POST", "/console/reviews/"+id+"/reply", consoleForm("reply", "<b>hi</b>"), nil), 400, "must be plain text")
	wantConsolePage(t, cs.do("GET", "/console/reviews?status=approved", "", nil), 200, "Your reply: Thanks, Rita!", "Withdraw")
	wantSeeOther(t, cs.do("POST", "/console/reviews/settings", consoleForm(), nil), "/console/reviews")
	var st api.ReviewSettingsJSON
	cs.getJSON("/api/reviews/settings", &st)
	if st.RequestEmails {
		t.Fatal("review requests still on")
	}

	if r := wh.do("GET", "/console/reviews", "", nil); r.Status != 403 {
		t.Fatalf("warehouse sees the review queue: %d", r.Status)
	}
	if r := wh.do("POST", "/console/reviews/"+id+"/reject", consoleForm(), nil); r.Status != 403 {
		t.Fatalf("warehouse moderates: %d", r.Status)
	}
	if r := wh.do("GET", "/api/reviews", "", nil); r.Status != 403 {
		t.Fatalf("warehouse reads the review API: %d", r.Status)
	}
}
