package web_test

import (
	"fmt"
	"math"
	"net/url"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web/api"
)

// TestUnitPriceAboveCheckoutLimitRefused is issue 9 item 10: the catalog
// accepted unit prices up to int64's maximum while checkout refuses more
// than money.MaxUnitPrice, so such a product could never be bought (and
// the shopper's error named lines[0].unit_price). The one limit is checked
// where a price is set — product create and update, compare-at price and
// cost, bulk price changes, the console form and the CSV import — and a
// product at the limit can be checked out.
func TestUnitPriceAboveCheckoutLimitRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := startServer(t, db)
		sh := newTestShop(t, srv, "dear")
		o := sh.Owner
		product := func(price int64, extra string) string {
			return fmt.Sprintf(`{"title":"Yacht","status":"published","variants":[{"price":%d%s}]}`, price, extra)
		}
		for _, tc := range []struct {
			name, body, field string
		}{
			{"one over the limit", product(money.MaxUnitPrice+1, ""), "variants[0].price"},
			{"int64 max", product(math.MaxInt64, ""), "variants[0].price"},
			{"compare-at over the limit", product(100, fmt.Sprintf(`,"compare_at_price":%d`, int64(money.MaxUnitPrice)+1)), "variants[0].compare_at_price"},
			{"cost over the limit", product(100, fmt.Sprintf(`,"cost":%d`, int64(math.MaxInt64))), "variants[0].cost"},
		} {
			r := o.do("POST", "/api/products", tc.body, nil)
			wantField(t, tc.name, r, tc.field)
			if r.Status == 400 && !strings.Contains(r.Body, "100000000.00") {
				t.Errorf("%s: the error does not say the limit: %s", tc.name, r.Body)
			}
		}

		// At the limit: created, and checkout takes it.
		var p api.ProductJSON
		r := o.do("POST", "/api/products", product(money.MaxUnitPrice, ""), nil)
		if r.Status != 201 {
			t.Fatalf("product at the price limit: %d %s", r.Status, r.Body)
		}
		r.json(t, &p)
		if p.Variants[0].Price != money.MaxUnitPrice {
			t.Fatalf("price %d, want %d", p.Variants[0].Price, int64(money.MaxUnitPrice))
		}
		if err := sh.cat.Inventory.Receive(sh.ctx, p.Variants[0].ID, "", 2, "test"); err != nil {
			t.Fatal(err)
		}
		tok := sh.cart(t, map[string]int64{p.Variants[0].ID: 1})
		if r := sh.req(t, "POST", "/api/store/checkout", checkoutBody("eva@example.com"), map[string]string{"Cart-Token": tok, "Idempotency-Key": "limit-1"}); r.Status != 201 {
			t.Fatalf("checkout of a product at the price limit: %d %s", r.Status, r.Body)
		}

		// Update over the limit is refused and changes nothing.
		upd := fmt.Sprintf(`{"title":"Yacht","version":%d,"variants":[{"id":%q,"price":%d}]}`, p.Version, p.Variants[0].ID, int64(money.MaxUnitPrice)+1)
		wantField(t, "update over the limit", o.do("PUT", "/api/products/"+p.ID, upd, nil), "variants[0].price")

		// Bulk price changes that would cross the limit are refused.
		wantField(t, "bulk amount over the limit", o.do("POST", "/api/products/bulk", fmt.Sprintf(`{"product_ids":[%q],"price_amount":1}`, p.ID), nil), "price")
		wantField(t, "bulk percent over the limit", o.do("POST", "/api/products/bulk", fmt.Sprintf(`{"product_ids":[%q],"price_percent":10}`, p.ID), nil), "price")
		wantField(t, "bulk percent that overflows", o.do("POST", "/api/products/bulk", fmt.Sprintf(`{"product_ids":[%q],"price_percent":1e15}`, p.ID), nil), "price_percent")
		wantField(t, "bulk amount that overflows", o.do("POST", "/api/products/bulk", fmt.Sprintf(`{"product_ids":[%q],"price_amount":%d}`, p.ID, int64(math.MaxInt64)), nil), "price_amount")
		var again api.ProductJSON
		o.getJSON("/api/products/"+p.ID, &again)
		if again.Variants[0].Price != money.MaxUnitPrice {
			t.Fatalf("a refused change moved the price to %d", again.Variants[0].Price)
		}

		// The console form, in the shop's currency.
		form := url.Values{"title": {"Console yacht"}, "status": {"draft"}, "v_price": {"100000000.01"}}.Encode()
		if r := o.do("POST", "/console/products", form, nil); r.Status != 400 || !strings.Contains(r.Body, "(variants[0].price)") {
			t.Errorf("console form over the limit: %d, want 400 naming variants[0].price: %.300s", r.Status, cut(r.Body))
		}

		// The CSV import goes through the same check.
		csv := "Handle,Title,Variant Price\nyacht-csv,Yacht,100000000.01\n"
		var job api.ImportJobJSON
		r = o.upload("/api/imports?mode=dry_run", "file", "yacht.csv", []byte(csv), nil)
		if r.Status != 202 {
			t.Fatalf("import upload: %d %s", r.Status, r.Body)
		}
		r.json(t, &job)
		job = waitJob(t, o, job)
		if job.Report == nil || job.Report.Errors != 1 || len(job.Report.Problems) == 0 || !strings.Contains(job.Report.Problems[0].Message, "100000000.00") {
			t.Errorf("CSV with a price over the limit: %+v", job.Report)
		}
	})
}
