package review_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/review"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func staff(tenant string) context.Context {
	return tenancy.WithActor(tenancy.WithTenant(context.Background(), tenant), tenancy.Actor{Kind: "staff", ID: "u1", Name: "Ada"})
}

// placed inserts an order of status st with one line per product.
func placed(t *testing.T, db *store.DB, ctx context.Context, st order.Status, customer string, products ...string) *order.Order {
	t.Helper()
	o := &order.Order{Status: st, CustomerID: customer, Email: "buyer@example.com", Currency: "EUR",
		ShippingAddress: order.Address{Name: "Grace Brewster Hopper", Line1: "1 Main", City: "Town", Country: "US"}}
	for _, p := range products {
		o.Lines = append(o.Lines, order.Line{VariantID: "v-" + p, ProductID: p, Title: "Product " + p, Quantity: 1, UnitPrice: 1000, Subtotal: 1000, Total: 1000})
	}
	if err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error { return order.Insert(ctx, q, o) }); err != nil {
		t.Fatal(err)
	}
	return o
}

func fieldOf(err error) string {
	if e, ok := err.(*errs.Error); ok {
		return e.Field
	}
	return ""
}

func events(t *testing.T, db *store.DB, tenant, topic string) []map[string]any {
	t.Helper()
	var msgs []outbox.Message
	if err := db.Read(staff(tenant), func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&msgs).Where("tenant_id = ? AND topic = ?", tenant, topic).OrderExpr("id").Scan(ctx)
	}); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, m := range msgs {
		var p map[string]any
		json.Unmarshal([]byte(m.Payload), &p)
		if m.Kind == outbox.KindEmail {
			p = map[string]any{"to": m.To, "subject": m.Subject, "text": m.Text}
		}
		out = append(out, p)
	}
	return out
}

// TestVerifiedBuyerOnly: only a paid, not cancelled, not wholly returned
// purchase may be reviewed, once per order line, under concurrency too;
// bad input names its field and stores nothing.
func TestVerifiedBuyerOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := staff("ta")
		svc := review.New(db, review.Options{Now: func() time.Time { return t0 }})
		unpaid := placed(t, db, a, order.PendingPayment, "c1", "p1")
		cancelled := placed(t, db, a, order.Cancelled, "c1", "p1")
		paid := placed(t, db, a, order.Delivered, "c1", "p1", "p2")
		other := placed(t, db, staff("tb"), order.Delivered, "c9", "p1")

		good := func(o *order.Order, line int) review.Submission {
			return review.Submission{OrderID: o.ID, LineID: o.Lines[line].ID, Rating: 5, Title: "Lovely", Body: "Fits well; 5 < 6 & warm."}
		}
		for _, o := range []*order.Order{unpaid, cancelled} {
			if _, err := svc.Submit(a, good(o, 0), nil); !errs.Is(err, errs.Forbidden) {
				t.Fatalf("%s order reviewed: %v", o.Status, err)
			}
		}
		if _, err := svc.Submit(a, good(other, 0), nil); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another shop's order: %v", err)
		}
		wrongLine := good(paid, 0)
		wrongLine.LineID = unpaid.Lines[0].ID
		if _, err := svc.Submit(a, wrongLine, nil); fieldOf(err) != "order_line_id" {
			t.Fatalf("a line of another order: %v", err)
		}
		bad := []struct {
			field string
			edit  func(*review.Submission)
		}{
			{"rating", func(s *review.Submission) { s.Rating = 0 }},
			{"rating", func(s *review.Submission) { s.Rating = 6 }},
			{"body", func(s *review.Submission) { s.Body = "  " }},
			{"body", func(s *review.Submission) { s.Body = "nice <script>alert(1)</script>" }},
			{"body", func(s *review.Submission) { s.Body = "<!-- hidden -->" }},
			{"title", func(s *review.Submission) { s.Title = "<b>bold</b>" }},
			{"title", func(s *review.Submission) { s.Title = strings.Repeat("x", review.MaxTitle+1) }},
			{"author", func(s *review.Submission) { s.Author = "nul\x00" }},
		}
		for _, c := range bad {
			sub := good(paid, 0)
			c.edit(&sub)
			if _, err := svc.Submit(a, sub, nil); !errs.Is(err, errs.Invalid) || fieldOf(err) != c.field {
				t.Errorf("%s: %v", c.field, err)
			}
		}
		if q, err := svc.List(a, review.Filter{}); err != nil || q.Total != 0 {
			t.Fatalf("refused reviews were stored: %+v %v", q, err)
		}

		// Two submissions of one line at once: one wins, the other is 409.
		var wg sync.WaitGroup
		errsOf := make([]error, 4)
		for i := range errsOf {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, errsOf[i] = svc.Submit(a, good(paid, 0), nil)
			}(i)
		}
		wg.Wait()
		won := 0
		for _, err := range errsOf {
			switch {
			case err == nil:
				won++
			case !errs.Is(err, errs.Conflict):
				t.Fatalf("concurrent submit: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d reviews of one line", won)
		}
		lines, err := svc.Lines(a, paid.ID)
		if err != nil || len(lines) != 2 || lines[0].Eligible || lines[0].Review == nil || !lines[1].Eligible {
			t.Fatalf("lines %+v %v", lines, err)
		}
		r := lines[0].Review
		if r.Status != review.Pending || r.CustomerID != "c1" || r.Email != "buyer@example.com" || r.Author != "Grace H." || r.ProductID != "p1" ||
			r.Body != "Fits well; 5 < 6 & warm." {
			t.Fatalf("stored review %+v", r)
		}
		// A wholly returned line may not be reviewed.
		ret := placed(t, db, a, order.PartiallyRefunded, "c1", "p3")
		if err := db.Write(a, func(ctx context.Context, q bun.IDB) error {
			_, err := q.NewUpdate().Model((*order.Line)(nil)).Set("returned_quantity = quantity").Where("tenant_id = ? AND id = ?", "ta", ret.Lines[0].ID).Exec(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Submit(a, good(ret, 0), nil); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("returned line reviewed: %v", err)
		}
	})
}

// TestModerationAndAverage: pending → approved/rejected and back, with
// one review.approved event per review however often it is approved; the
// product's summary counts only approved reviews; sorts and star filter.
func TestModerationAndAverage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := staff("ta")
		clock := t0
		svc := review.New(db, review.Options{Now: func() time.Time { clock = clock.Add(time.Minute); return clock }})
		var ids []string
		for _, rating := range []int{5, 4, 2, 5} {
			o := placed(t, db, a, order.Paid, "c1", "p1")
			r, err := svc.Submit(a, review.Submission{OrderID: o.ID, LineID: o.Lines[0].ID, Rating: rating, Body: "text"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		pg, err := svc.ForProduct(a, "p1", review.ProductQuery{})
		if err != nil || pg.Summary.Count != 0 || len(pg.Reviews) != 0 {
			t.Fatalf("pending reviews shown: %+v %v", pg, err)
		}
		for _, id := range ids[:3] {
			if _, err := svc.Approve(a, id); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.Approve(a, ids[0]); !errs.Is(err, errs.Conflict) {
			t.Fatalf("approved twice: %v", err)
		}
		if _, err := svc.Reject(a, ids[3], "off topic"); err != nil {
			t.Fatal(err)
		}
		// Withdraw and re-approve: still one event for that review.
		if _, err := svc.Reject(a, ids[0], ""); err != nil {
			t.Fatal(err)
		}
		if r, err := svc.Approve(a, ids[0]); err != nil || r.Status != review.Approved || r.Version != 4 {
			t.Fatalf("re-approve %+v %v", r, err)
		}
		evs := events(t, db, "ta", review.TopicApproved)
		if len(evs) != 3 {
			t.Fatalf("%d review.approved events: %v", len(evs), evs)
		}
		if evs[0]["review_id"] != ids[0] || evs[0]["customer_id"] != "c1" || evs[0]["product_id"] != "p1" {
			t.Fatalf("event payload %v", evs[0])
		}
		if _, err := svc.Reply(a, ids[2], "Sorry to hear that <script>"); fieldOf(err) != "reply" {
			t.Fatalf("markup in a reply: %v", err)
		}
		if r, err := svc.Reply(a, ids[2], "Sorry to hear that, we will send a new one."); err != nil || r.RepliedAt == nil {
			t.Fatalf("reply %+v %v", r, err)
		}

		pg, err = svc.ForProduct(a, "p1", review.ProductQuery{})
		if err != nil || pg.Summary.Count != 3 || pg.Summary.Average() != 11.0/3 || pg.Summary.Stars != [5]int64{0, 1, 0, 1, 1} {
			t.Fatalf("summary %+v %v", pg.Summary, err)
		}
		if len(pg.Reviews) != 3 || pg.Reviews[0].ID != ids[2] || pg.Reviews[0].Email != "" || pg.Reviews[0].OrderID != "" {
			t.Fatalf("newest first, without private fields: %+v", pg.Reviews)
		}
		low, _ := svc.ForProduct(a, "p1", review.ProductQuery{Sort: review.SortLowest})
		high, _ := svc.ForProduct(a, "p1", review.ProductQuery{Sort: review.SortHighest, PerPage: 1, Page: 2})
		fours, _ := svc.ForProduct(a, "p1", review.ProductQuery{Stars: 4})
		if low.Reviews[0].Rating != 2 || len(high.Reviews) != 1 || high.Reviews[0].Rating != 4 || high.Pages != 3 ||
			len(fours.Reviews) != 1 || fours.Matched != 1 || fours.Reviews[0].Rating != 4 {
			t.Fatalf("sort/filter/page: %+v %+v %+v", low.Reviews, high, fours)
		}
		if _, err := svc.ForProduct(a, "p1", review.ProductQuery{Sort: "random"}); fieldOf(err) != "sort" {
			t.Fatalf("unknown sort: %v", err)
		}
		q, err := svc.List(a, review.Filter{})
		if err != nil || q.Total != 4 {
			t.Fatalf("queue %+v %v", q, err)
		}
		// Another shop sees nothing.
		if _, err := svc.Approve(staff("tb"), ids[3]); !errs.Is(err, errs.NotFound) {
			t.Fatalf("cross-shop approve: %v", err)
		}
	})
}

// TestPhotosAndRequestMail: photos are checked and stored, shown only once
// approved and deletable; the review request e-mail goes once per
// delivered order, only when the shop has it on.
func TestPhotosAndRequestMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := staff("ta")
		blobs, err := blob.NewFS(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		svc := review.New(db, review.Options{Blobs: blobs})
		var img bytes.Buffer
		png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 800, 600)))
		o := placed(t, db, a, order.Delivered, "", "p1", "p2")
		sub := review.Submission{OrderID: o.ID, LineID: o.Lines[0].ID, Rating: 4, Body: "Good"}
		if _, err := svc.Submit(a, sub, []review.Upload{{R: strings.NewReader("not an image")}}); fieldOf(err) != "photos[0]" {
			t.Fatalf("a text file as a photo: %v", err)
		}
		six := make([]review.Upload, review.MaxPhotos+1)
		if _, err := svc.Submit(a, sub, six); fieldOf(err) != "photos" {
			t.Fatalf("too many photos: %v", err)
		}
		r, err := svc.Submit(a, sub, []review.Upload{{R: bytes.NewReader(img.Bytes())}})
		if err != nil || len(r.Photos) != 1 || len(r.Photos[0].Renditions) != 2 {
			t.Fatalf("photo review %+v %v", r, err)
		}
		key := r.Photos[0].RenditionKey(160)
		if ok, _ := svc.PublicPhoto(a, key); ok {
			t.Fatal("a pending review's photo is public")
		}
		svc.Approve(a, r.ID)
		if ok, _ := svc.PublicPhoto(a, key); !ok {
			t.Fatal("an approved review's photo is not public")
		}
		if ok, _ := svc.PublicPhoto(staff("tb"), key); ok {
			t.Fatal("another shop serves the photo")
		}
		if r, err = svc.DeletePhoto(a, r.ID, r.Photos[0].ID); err != nil || len(r.Photos) != 0 {
			t.Fatalf("delete photo %+v %v", r, err)
		}
		if ok, _ := svc.PublicPhoto(a, key); ok {
			t.Fatal("a deleted photo is public")
		}

		mailer := svc.RequestMailer(func(context.Context, string) (string, string, error) { return "Acme", "https://acme.example.com", nil })
		deliver := func(o *order.Order) {
			t.Helper()
			b, _ := json.Marshal(map[string]any{"order_id": o.ID})
			if err := mailer(context.Background(), outbox.Message{TenantID: "ta", ID: store.NewID(), Topic: "order.delivered", Payload: string(b)}); err != nil {
				t.Fatal(err)
			}
		}
		deliver(o)
		deliver(o) // at-least-once delivery: still one mail
		mails := events(t, db, "ta", review.TopicRequested)
		if len(mails) != 1 || mails[0]["to"] != "buyer@example.com" || !strings.Contains(mails[0]["text"].(string), "Product p2") ||
			strings.Contains(mails[0]["text"].(string), "Product p1") ||
			!strings.Contains(mails[0]["text"].(string), "https://acme.example.com/orders/"+o.ID+"/reviews?rt="+svc.Token("ta", o.ID)) {
			t.Fatalf("request mails %v", mails)
		}
		if !svc.TokenValid("ta", o.ID, svc.Token("ta", o.ID)) || svc.TokenValid("tb", o.ID, svc.Token("ta", o.ID)) {
			t.Fatal("review tokens are not per shop and order")
		}
		if st, err := svc.SaveSettings(a, review.Settings{RequestEmails: false}); err != nil || st.RequestEmails {
			t.Fatal(err)
		}
		deliver(placed(t, db, a, order.Delivered, "", "p1"))
		if n := len(events(t, db, "ta", review.TopicRequested)); n != 1 {
			t.Fatalf("mailed with requests off: %d", n)
		}
	})
}
