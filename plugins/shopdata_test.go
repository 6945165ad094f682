package plugins

import (
	"context"
	"fmt"
	"github.com/wasmart/wasmart/core/analytics"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

// TestShopData pins the recommendation candidates built from the catalog,
// stock and orders (published products only, best sellers of counted
// orders first, then by id, with their category, lowest price, units sold
// and tags, in stock unless every stock level they have is empty) and the
// reporting datasets.
func TestShopData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newTestService(t, db)
		ctx := tenancy.WithTenant(context.Background(), "shop-c")
		inv := inventory.New(db, inventory.Options{})
		cat := catalog.New(db, catalog.Options{Currency: "EUR", Stock: inv, StockSink: inv})
		tea, err := cat.CreateCategory(ctx, catalog.CategoryInput{Name: "Tea"})
		if err != nil {
			t.Fatal(err)
		}
		product := func(title string, status catalog.Status, category string, price int64, tags ...string) (string, string) {
			p, err := cat.Create(ctx, catalog.ProductInput{Title: title, Status: status, CategoryID: category, Tags: tags,
				Variants: []catalog.VariantInput{{Price: price}}})
			if err != nil {
				t.Fatal(err)
			}
			return p.ID, p.Variants[0].ID
		}
		green, greenV := product("Green", catalog.Published, tea.ID, 700, "loose", "green")
		black, blackV := product("Black", catalog.Published, "", 500)
		plain, _ := product("Plain", catalog.Published, "", 300)
		draft, _ := product("Draft", catalog.Draft, tea.ID, 900)
		unsold, _ := product("Unsold", catalog.Published, "", 400)
		if err := inv.Receive(ctx, greenV, "", 5, "po"); err != nil {
			t.Fatal(err)
		}
		if err := inv.Receive(ctx, blackV, "", 1, "po"); err != nil {
			t.Fatal(err)
		}
		if err := inv.Adjust(ctx, blackV, "", -1, "broken"); err != nil {
			t.Fatal(err)
		}
		now := store.Now()
		err = db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			for i, o := range []struct {
				status string
				lines  map[string]int64
			}{
				{"paid", map[string]int64{black: 4, green: 2}},
				{"fulfilled", map[string]int64{black: 6, draft: 50}},
				{"cancelled", map[string]int64{unsold: 99}},
				{"pending_payment", map[string]int64{plain: 99}},
			} {
				oid := fmt.Sprintf("o%d", i)
				if _, err := q.NewRaw(`INSERT INTO orders (tenant_id, id, number, status, email, currency, subtotal, discounts,
					shipping_total, tax_total, tax_inclusive, total, placed_at, updated_at) VALUES ('shop-c', ?, ?, ?, 'a@example.com', 'EUR', 0, 0, 0, 0, TRUE, 0, ?, ?)`,
					oid, i+1, o.status, now, now).Exec(ctx); err != nil {
					return err
				}
				j := 0
				for pid, qty := range o.lines {
					if _, err := q.NewRaw(`INSERT INTO order_lines (tenant_id, id, order_id, position, variant_id, product_id, sku, title,
						quantity, unit_price, subtotal, adjustments, total) VALUES ('shop-c', ?, ?, ?, 'v', ?, '', 'T', ?, 1, ?, 0, ?)`,
						fmt.Sprintf("%s-%d", oid, j), oid, j, pid, qty, qty, qty).Exec(ctx); err != nil {
						return err
					}
					j++
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.loadCandidates(ctx, "shop-c", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		want := []extension.Candidate{
			{ProductID: black, Price: 500, SoldUnits: 10, InStock: false},
			{ProductID: green, Categories: []string{tea.Slug}, Price: 700, SoldUnits: 2, InStock: true, Tags: []string{"green", "loose"}},
			{ProductID: plain, Price: 300, InStock: true},
			{ProductID: unsold, Price: 400, InStock: true},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("candidates\n%v\nwant\n%v", strings.ReplaceAll(fmt.Sprint(got), "} {", "}\n{"), strings.ReplaceAll(fmt.Sprint(want), "} {", "}\n{"))
		}
		// The reporting datasets count the same orders.
		ds, err := s.datasets(ctx, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var rows []string
		for _, d := range ds {
			for _, r := range d.Rows {
				cells := []string{d.Name}
				for _, c := range r {
					if c.Str != "" {
						cells = append(cells, c.Str)
					} else if d.Name == "sales" {
						cells = append(cells, fmt.Sprint(c.Int))
					}
				}
				rows = append(rows, strings.Join(cells, " "))
			}
		}
		if got, want := strings.Join(rows, "; "), "customers guest:a@example.com Potential loyalists; sales uncategorised unassigned 10 10; sales Tea unassigned 52 52"; got != want {
			t.Fatalf("datasets %q, want %q", got, want)
		}
		// With the merchant's range (the topic source of core/analytics):
		// a range that ends before the orders leaves customers and sales
		// empty and brings the topic datasets; one that holds them counts
		// the same orders as above (the topic figures read the rollups,
		// which no rollup has filled here).
		s.SetTopics(analytics.New(db, analytics.Options{}))
		day := now.UTC().Format(time.DateOnly)
		before := now.UTC().AddDate(0, 0, -3).Format(time.DateOnly)
		for _, tc := range []struct {
			params map[string]string
			want   string
		}{
			{map[string]string{"from": before, "to": before, "metrics": "orders"}, "topic=" + before + ",0;total,0 topic_params=1"},
			{map[string]string{"from": day, "to": day, "metrics": "orders,units"}, "customers=1 sales=2 topic=" + day + ",0,0;total,0,0 topic_params=1"},
		} {
			ds, err := s.reportDatasets(ctx, time.Now(), tc.params)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range ds {
				if d.Name != "topic" {
					if len(d.Rows) > 0 {
						got = append(got, fmt.Sprintf("%s=%d", d.Name, len(d.Rows)))
					}
					continue
				}
				var rs []string
				for _, r := range d.Rows {
					cells := []string{r[0].Str}
					for _, c := range r[2:] {
						cells = append(cells, fmt.Sprint(c.Int))
					}
					rs = append(rs, strings.Join(cells, ","))
				}
				got = append(got, "topic="+strings.Join(rs, ";"))
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("datasets for %v: %q, want %q", tc.params, strings.Join(got, " "), tc.want)
			}
		}
		if _, err := s.reportDatasets(ctx, time.Now(), map[string]string{"dimension": "planet"}); err == nil || !strings.Contains(err.Error(), "param.dimension") {
			t.Fatalf("bad dimension: %v", err)
		}
	})
}
