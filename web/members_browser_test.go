package web_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/outbox/smtpsink"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestBrowserMembers: membership end to end in a real browser. A shopper
// signs up (with marketing consent) and gets the sign-up points, buys two
// tees, earns points on the paid order and is upgraded at once to Silver
// (30.00 of spend, reached by that one order), reviews the tee from the
// order page; the merchant approves the review in the console's queue and
// the product page shows it with its stars; the shopper's account shows
// the tier, its benefits, the points and the review published; at the next
// checkout the shopper pays part with points. The merchant builds a
// segment in the console (Silver members with points), sees the shopper
// in it and on the customer's one view, and sends an e-mail campaign to
// it; the mail arrives at a real SMTP server with a one-click unsubscribe
// link, which, posted over HTTP as a mail client would, unsubscribes the
// customer: the customer page then says so.
func TestBrowserMembers(t *testing.T) {
	chromiumPath(t)
	start := time.Now()
	db := storetest.SQLite(t)
	srv, _ := startCommerceServer(t, db)
	const slug = "members-e2e"
	sh := srv.scaleShop(slug)
	s := setUpTestShop(t, srv, sh)
	s.tee(t, 20, 20) // Linen Tee: S 20.00 EUR
	// 10 points per euro, 100 points pay 1.00, up to half an order; 100
	// for signing up, 50 for an approved review. Bronze from 10.00 spent,
	// Silver (free shipping, 1.25× points) from 30.00.
	tiers := loyalty.DefaultTiers()
	tiers[1].Threshold, tiers[2].Threshold = 1000, 3000
	s.enableLoyalty(t, func(st *loyalty.Settings) { st.EarnPerUnit = 10 }, tiers)

	// The outbox worker serve runs (points, tiers, campaigns), mailing
	// through a real SMTP server; drain delivers everything due now.
	sink := smtpsink.Start(t)
	w := outbox.NewWorker(db, sink.Config())
	for topic, h := range srv.Services.Loyalty.Handlers() {
		w.Handle(topic, h)
	}
	srv.Services.Mailing.Register(w)
	drain := func() {
		t.Helper()
		for range 50 {
			n, err := w.RunOnce(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				return
			}
		}
		t.Fatal("the outbox does not drain")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	browser := newBrowser(t, ctx)
	shopURL := "http://" + slug + ".localhost:" + srv.Port
	const email = "lin@example.com"

	// 1. The shopper signs up with marketing consent: 100 points.
	shop := newTab(t, browser, "shopper", shopURL)
	shop.open("/account/signup", 200)
	signup := `form[action="/account/signup"]`
	shop.fill(signup, "email", email, "first_name", "Lin", "last_name", "Wei", "password", shopperPassword)
	shop.check(signup, "accepts_marketing")
	shop.click(signup+` button[type=submit]`, 200)
	shop.wantPath("/account")
	drain()
	shop.open("/account", 200)
	shop.wantText("#member-tier", "New member")
	shop.wantText("#member-points", "100")

	// 2. Two tees by card: 40.00 of items, 44.90 with delivery.
	shop.open("/products/linen-tee", 200)
	shop.wantText("#no-reviews", "No reviews yet")
	shop.fill(`#add-to-cart`, "quantity", "2")
	shop.click(`#add-to-cart button[type=submit]`, 200)
	shop.wantPath("/cart")
	shop.click(`#to-checkout`, 200)
	shop.wantPath("/checkout")
	shop.wantText("aside.summary #total", "44.90 EUR")
	shop.fill(`#checkout-form`, "shipping_address.name", "Lin Wei", "shipping_address.line1", "8 quai des Membres",
		"shipping_address.postal_code", "75004", "shipping_address.city", "Paris", "card", "4242 4242 4242 4242")
	shop.click(`#place-order`, 200)
	if p := shop.path(); !strings.HasPrefix(p, "/orders/") {
		shop.fail("after placing", fmt.Errorf("on %s", p))
	}
	shop.wantText("#payment-status", "Paid", "44.90 EUR")
	orderPage := shop.path() + "?" + shop.evalString(`location.search.slice(1)`)

	// Points on the paid order, and the upgrade at once: 44.90 spent
	// reaches Silver.
	drain()
	shop.open("/account", 200)
	shop.wantText("#member-tier", "Silver")
	// 400 for 40.00 of items, at the rate of the tier the order was
	// paid in (the upgrade follows the earning).
	afterOrder := shop.points()
	if afterOrder != 500 {
		shop.fail("points after the order", fmt.Errorf("%d, want 100 + 400", afterOrder))
	}
	shop.wantText("#membership .benefits", "Free shipping", "1.25× points on every order")
	shop.wantText("#membership", "Spend", "to reach Gold")
	shop.wantText("#my-reviews", "You have not reviewed anything yet")
	shop.screenshot("members-01-account-silver.png")

	// 3. The shopper reviews the tee from the order page.
	shop.open(orderPage, 200)
	shop.click(`#review-link`, 200)
	form := `form.review-form`
	shop.do("rate 5 stars", chromedp.Click(chromedp.CSS(form+` label[for$="-5"]`)))
	shop.fill(form, "title", "Soft and light")
	// The text box starts empty (chromedp's Clear refuses an empty textarea).
	shop.do("write the review", chromedp.SendKeys(chromedp.CSS(form+` [name=body]`), "Washed twice, still perfect."))
	shop.click(form+` button[type=submit]`, 200)
	shop.wantText("#review-done", "Thank you")
	shop.open("/account", 200)
	shop.wantText("#my-reviews", "Linen Tee", "Soft and light", "Waiting for approval")

	// 4. The merchant approves it in the console's queue.
	mk := newTab(t, browser, "merchant", srv.URL)
	mk.login(s.OwnerEmail, testPassword)
	mk.wantPath("/console")
	mk.click(`aside.sidenav a[href="/console/reviews"]`, 200)
	mk.wantText("main section.review", "Soft and light", "pending")
	mk.screenshot("members-02-review-queue.png")
	mk.click(`main section.review form[action$="/approve"] button`, 200)
	mk.wantText("main section.review", "approved")

	// The product page shows it, with its stars.
	shop.open("/products/linen-tee", 200)
	shop.wantText("#rating-average", "5")
	shop.wantText("#rating-count", "1")
	shop.wantText("#reviews article.review", "Soft and light", "5 ★", "verified buyer")
	if st := shop.attr("#rating-summary .stars", "style"); !strings.Contains(st, "--rating: 5") {
		shop.fail("stars", fmt.Errorf("style %q", st))
	}
	shop.screenshot("members-03-product-stars.png")
	drain()
	shop.open("/account", 200)
	shop.wantText("#my-reviews", "Published")
	afterReview := shop.points()
	if afterReview != afterOrder+50 {
		shop.fail("review points", fmt.Errorf("%d after the review, %d before", afterReview, afterOrder))
	}

	// 5. The next order, part paid with 300 points (3.00).
	shop.open("/products/linen-tee", 200)
	shop.click(`#add-to-cart button[type=submit]`, 200)
	shop.click(`#to-checkout`, 200)
	// Silver ships free: 20.00 for one tee.
	total := shop.text("aside.summary #total")
	if total != "20.00 EUR" {
		shop.fail("Silver's free shipping", fmt.Errorf("total %q, want 20.00 EUR", total))
	}
	shop.fill(`#checkout-form`, "shipping_address.name", "Lin Wei", "shipping_address.line1", "8 quai des Membres",
		"shipping_address.postal_code", "75004", "shipping_address.city", "Paris", "points", "300", "card", "4242 4242 4242 4242")
	shop.screenshot("members-04-checkout-points.png")
	shop.click(`#place-order`, 200)
	if p := shop.path(); !strings.HasPrefix(p, "/orders/") {
		shop.fail("after placing with points", fmt.Errorf("on %s", p))
	}
	cents := func(s string) int64 {
		f := strings.Fields(strings.TrimSpace(s))
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			shop.fail("amount", fmt.Errorf("%q", s))
		}
		return int64(v*100 + 0.5)
	}
	card := cents(strings.TrimSpace(shop.text("#payment-status")[strings.LastIndex(shop.text("#payment-status"), "·")+len("·"):]))
	if want := cents(total) - 300; card != want {
		shop.fail("card amount", fmt.Errorf("card paid %d, want %d (total %s less 3.00 of points)", card, want, total))
	}
	shop.screenshot("members-05-paid-with-points.png")
	drain()
	shop.open("/account", 200)
	// 17.00 paid by card earn 170 points, 1.25× for Silver: 212.
	if p := shop.points(); p != afterReview-300+212 {
		shop.fail("points after redeeming", fmt.Errorf("%d, had %d, spent 300 and earned 212", p, afterReview))
	}
	shop.wantText("#membership .points-history", "redeem")

	// 6. The merchant builds a segment: Silver members with points.
	mk.click(`aside.sidenav a[href="/console/segments"]`, 200)
	mk.open("/console/segments/new", 200)
	segForm := `form[action="/console/segments"]`
	mk.fill(segForm, "name", "Silver with points")
	row := func(i int, name string) string {
		return fmt.Sprintf(`%s tbody tr:nth-child(%d) [name=%s]`, segForm, i, name)
	}
	mk.do("rules",
		chromedp.SetValue(chromedp.CSS(row(1, "field")), "tier"), chromedp.SetValue(chromedp.CSS(row(1, "op")), "in"),
		chromedp.SendKeys(chromedp.CSS(row(1, "value")), "silver"),
		chromedp.SetValue(chromedp.CSS(row(2, "field")), "points_balance"), chromedp.SetValue(chromedp.CSS(row(2, "op")), "gte"),
		chromedp.SendKeys(chromedp.CSS(row(2, "value")), "100"))
	mk.click(segForm+` button[type=submit]`, 200)
	segPath := mk.path()
	segID := strings.TrimPrefix(segPath, "/console/segments/")
	if segID == "" || segID == "new" || strings.Contains(segID, "/") {
		mk.fail("segment saved", fmt.Errorf("on %s", segPath))
	}
	mk.wantText("main h1", "Silver with points")
	mk.wantText("main", "1 customers now", email, "subscribed")
	mk.screenshot("members-06-segment.png")

	// The customer's one view: orders, spend, tier, points, the segment,
	// the review.
	mk.click(`main table a[href^="/console/customers/"]`, 200)
	customerPage := mk.path()
	mk.wantText("#ov-orders-EUR", "2")
	mk.wantText("#ov-tier", "Silver")
	mk.wantText("#ov-consent", "subscribed")
	mk.wantText("#ov-segments", "Silver with points")
	mk.wantText("#ov-orders", "#1001", "#1002")
	mk.wantText("#ov-reviews", "Linen Tee", "Soft and light", "approved")
	mk.screenshot("members-07-customer-one-view.png")

	// 7. An e-mail campaign to the segment, sent now.
	mk.open("/console/email", 200)
	campForm := `form[action="/console/email"]`
	mk.fill(campForm, "subject", "Silver week: new linen", "segment_id", segID, "name", "Silver week")
	mk.do("body", chromedp.SendKeys(chromedp.CSS(campForm+` [name=body]`), "<p>Hello Silver members</p>"))
	mk.click(campForm+` button[type=submit]`, 200)
	mk.wantText("main h1", "Silver week: new linen", "draft")
	mk.click(`form[action$="/send"] button[type=submit]`, 200)
	campaignMail := func() []smtpsink.Mail {
		var out []smtpsink.Mail
		for _, x := range sink.Mail() {
			if x.Header.Get("Subject") == "Silver week: new linen" {
				out = append(out, x)
			}
		}
		return out
	}
	var mail []smtpsink.Mail
	for i := 0; len(mail) == 0; i++ {
		if i == 500 {
			t.Fatal("the campaign mail never arrived")
		}
		drain()
		if mail = campaignMail(); len(mail) == 0 {
			time.Sleep(10 * time.Millisecond) // the send rate's next batch
		}
	}
	drain()
	if mail = campaignMail(); len(mail) != 1 || len(mail[0].To) != 1 || mail[0].To[0] != email {
		t.Fatalf("campaign mailed %d times, want once to the segment's one member", len(mail))
	}
	m := mail[0]
	if m.Header.Get("Subject") != "Silver week: new linen" || m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" ||
		!strings.Contains(qp(m.Body), "Hello Silver members") {
		t.Fatalf("mail: %v\n%.800s", m.Header, m.Body)
	}
	link := unsubRe.FindStringSubmatch(m.Header.Get("List-Unsubscribe"))
	if link == nil {
		t.Fatalf("no unsubscribe link in %q", m.Header.Get("List-Unsubscribe"))
	}

	// 8. The mail client's one-click unsubscribe (RFC 8058): a POST with
	// no cookies and no form token, over HTTP.
	u, err := url.Parse(link[1])
	if err != nil || !strings.HasPrefix(u.Host, slug+".") {
		t.Fatalf("unsubscribe link %q: %v", link[1], err)
	}
	mailClient := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+srv.Port)
	}}}
	resp, err := mailClient.Post(link[1], "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("one-click unsubscribe: %d", resp.StatusCode)
	}
	// The customer is unsubscribed: their page says so, and the shopper's
	// own link shows the confirmation.
	mk.open(customerPage, 200)
	mk.wantText("#ov-consent", "not subscribed")
	mk.wantText("#ov-mails", "Silver week", "unsubscribed")
	mk.screenshot("members-08-customer-unsubscribed.png")
	shop.open(u.RequestURI(), 200)
	shop.wantText("main", "unsubscribed")
	t.Logf("members browser flow took %s", time.Since(start).Round(time.Millisecond))
}

// points reads the balance the account page shows.
func (b *tab) points() int64 {
	b.t.Helper()
	n, err := strconv.ParseInt(strings.TrimSpace(b.text("#member-points")), 10, 64)
	if err != nil {
		b.fail("points", err)
	}
	return n
}
