package segment_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/segment"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

var t0 = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func shop(id string) context.Context { return tenancy.WithTenant(context.Background(), id) }

func fieldOf(err error) string {
	if e, ok := err.(*errs.Error); ok {
		return e.Field
	}
	return ""
}

// seeder writes rows straight into the owning packages' tables (a test
// may; the package itself reaches them only through their SQL fragments).
type seeder struct {
	t      *testing.T
	db     *store.DB
	number int
	ids    map[string]string // name -> customer id
}

func (s *seeder) exec(ctx context.Context, query string, args ...any) {
	s.t.Helper()
	err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		_, err := q.NewRaw(query, args...).Exec(ctx)
		return err
	})
	if err != nil {
		s.t.Fatalf("%s: %v", query, err)
	}
}

type cust struct {
	name       string
	state      string
	subscribed bool
	month      int
	tags       []string
	country    string
	tier       string
	points     int64
}

func (s *seeder) customer(ctx context.Context, tenant string, c cust) string {
	id := store.NewID()
	s.ids[c.name] = id
	if c.state == "" {
		c.state = "enabled"
	}
	var month any
	if c.month > 0 {
		month = c.month
	}
	s.exec(ctx, `INSERT INTO customer_customers (tenant_id, id, email, first_name, last_name, state, accepts_marketing, birth_month, birth_day, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'Test', ?, ?, ?, ?, ?, ?)`, tenant, id, c.name+"@example.com", c.name, c.state, c.subscribed, month, month, t0, t0)
	for _, tag := range c.tags {
		s.exec(ctx, "INSERT INTO customer_tags (tenant_id, customer_id, tag) VALUES (?, ?, ?)", tenant, id, tag)
	}
	if c.country != "" {
		s.exec(ctx, `INSERT INTO customer_addresses (tenant_id, id, customer_id, line1, city, country, created_at, updated_at)
			VALUES (?, ?, ?, '1 Main St', 'Town', ?, ?, ?)`, tenant, store.NewID(), id, c.country, t0, t0)
	}
	if c.tier != "" {
		s.exec(ctx, `INSERT INTO loyalty_accounts (tenant_id, customer_id, referral_code, tier_code, created_at) VALUES (?, ?, ?, ?, ?)`,
			tenant, id, strings.ToUpper(c.name), c.tier, t0)
	}
	if c.points != 0 {
		s.exec(ctx, `INSERT INTO loyalty_entries (tenant_id, id, customer_id, kind, points, source_key, created_at) VALUES (?, ?, ?, 'adjust', ?, ?, ?)`,
			tenant, store.NewID(), id, c.points, "seed:"+id, t0)
	}
	return id
}

// order adds a placed order of total for the customer, at placed, with
// one line of product (if any); updated is when it last changed.
func (s *seeder) order(ctx context.Context, tenant, customerID, status string, total int64, placed, updated time.Time, product string) {
	s.number++
	id := store.NewID()
	paid := total
	if status == "cancelled" || status == "pending_payment" {
		paid = 0
	}
	s.exec(ctx, `INSERT INTO orders (tenant_id, id, number, status, customer_id, email, currency, subtotal, discounts, shipping_total, tax_total,
		tax_inclusive, total, paid_total, placed_at, updated_at) VALUES (?, ?, ?, ?, ?, 'x@example.com', 'EUR', ?, 0, 0, 0, FALSE, ?, ?, ?, ?)`,
		tenant, id, s.number, status, customerID, total, total, paid, placed, updated)
	if product != "" {
		s.exec(ctx, `INSERT INTO order_lines (tenant_id, id, order_id, position, variant_id, product_id, title, quantity, unit_price, subtotal, adjustments, total)
			VALUES (?, ?, ?, 1, 'v', ?, 'Thing', 1, ?, ?, 0, ?)`, tenant, store.NewID(), id, product, total, total, total)
	}
}

func days(n int) time.Time { return t0.Add(-time.Duration(n) * 24 * time.Hour) }

func seedShop(t *testing.T, db *store.DB) (*seeder, map[string]string) {
	s := &seeder{t: t, db: db, ids: map[string]string{}}
	a, b := shop("ta"), shop("tb")
	for i, cat := range []string{"c1", "c2"} {
		s.exec(a, `INSERT INTO catalog_categories (tenant_id, id, name, slug, created_at, updated_at) VALUES ('ta', ?, ?, ?, ?, ?)`, cat, cat, cat, t0, t0)
		s.exec(a, `INSERT INTO catalog_products (tenant_id, id, handle, title, category_id, status, currency, created_at, updated_at)
			VALUES ('ta', ?, ?, 'P', ?, 'published', 'EUR', ?, ?)`, fmt.Sprintf("p%d", i+1), fmt.Sprintf("p%d", i+1), cat, t0, t0)
	}
	alice := s.customer(a, "ta", cust{name: "alice", subscribed: true, month: 5, tags: []string{"vip"}, country: "DE", tier: "gold", points: 500})
	for i, d := range []int{10, 20, 40} {
		p := ""
		if i == 0 {
			p = "p1"
		}
		s.order(a, "ta", alice, "paid", 30000, days(d), days(d), p)
	}
	bob := s.customer(a, "ta", cust{name: "bob", country: "FR"})
	s.order(a, "ta", bob, "paid", 2000, t0.Add(-time.Hour), t0.Add(-time.Hour), "")
	carol := s.customer(a, "ta", cust{name: "carol", subscribed: true, month: 12, tags: []string{"vip", "wholesale"}})
	for i := 0; i < 12; i++ {
		p := ""
		if i == 0 {
			p = "p2"
		}
		s.order(a, "ta", carol, "completed", 10000, days(200+i), days(200+i), p)
	}
	s.customer(a, "ta", cust{name: "dave", subscribed: true, points: 50})
	erin := s.customer(a, "ta", cust{name: "erin", tier: "member"})
	s.order(a, "ta", erin, "delivered", 1000, days(400), days(400), "")
	s.order(a, "ta", erin, "cancelled", 99000, days(1), days(1), "p1")
	frank := s.customer(a, "ta", cust{name: "frank", state: "disabled", subscribed: true, tags: []string{"vip"}})
	s.order(a, "ta", frank, "paid", 50000, days(3), days(3), "p1")
	grace := s.customer(a, "ta", cust{name: "grace"})
	for i := 0; i < 10; i++ {
		s.order(a, "ta", grace, "paid", 20000, days(5+i), days(5+i), "")
	}
	zed := s.customer(b, "tb", cust{name: "zed", subscribed: true, tags: []string{"vip"}, country: "DE"})
	s.order(b, "tb", zed, "paid", 90000, days(2), days(2), "")
	names := map[string]string{}
	for n, id := range s.ids {
		names[id] = n
	}
	return s, names
}

func memberNames(t *testing.T, svc *segment.Service, ctx context.Context, names map[string]string, match string, rules []segment.Rule) string {
	t.Helper()
	n, ms, err := svc.Preview(ctx, match, rules, 100)
	if err != nil {
		t.Fatalf("preview %+v: %v", rules, err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, names[m.CustomerID])
	}
	sort.Strings(got)
	if int(n) != len(got) {
		t.Errorf("%+v: count %d, %d members", rules, n, len(got))
	}
	return strings.Join(got, ",")
}

func rule(field, op string, values ...string) segment.Rule {
	if len(values) == 1 && op != "in" && op != "not_in" {
		return segment.Rule{Field: field, Op: op, Value: values[0]}
	}
	return segment.Rule{Field: field, Op: op, Values: values}
}

func rfmRows(t *testing.T, db *store.DB, ctx context.Context) string {
	t.Helper()
	var rows []struct {
		CustomerID  string    `bun:"customer_id"`
		Orders      int64     `bun:"orders"`
		Spent       int64     `bun:"spent"`
		LastOrderAt time.Time `bun:"last_order_at"`
		R, F, M     int
		Grp         string `bun:"grp"`
	}
	err := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw("SELECT customer_id, orders, spent, last_order_at, r, f, m, grp FROM segment_customer_rfm WHERE tenant_id = ? ORDER BY customer_id", "ta").Scan(ctx, &rows)
	})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%s %d %d %s %d%d%d %s\n", r.CustomerID, r.Orders, r.Spent, r.LastOrderAt.UTC().Format(time.RFC3339), r.R, r.F, r.M, r.Grp)
	}
	return b.String()
}

func TestSegmentRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := t0
		svc := segment.New(db, func() time.Time { return now })
		seed, names := seedShop(t, db)
		a := shop("ta")
		if n, err := svc.Refresh(context.Background()); err != nil || n != 2 {
			t.Fatalf("first refresh: %d shops, %v", n, err)
		}

		// RFM groups against absolute thresholds: bob, the one fresh
		// buyer, is new, not hibernating.
		groups := map[string]string{"alice": "potential_loyalist", "bob": "new", "carol": "cant_lose", "erin": "lost", "grace": "champions"}
		for name, g := range groups {
			if got := memberNames(t, svc, a, names, "", []segment.Rule{rule("rfm_group", "in", g)}); got != name {
				t.Errorf("rfm group %s: %q, want %s", g, got, name)
			}
			ms, _, err := svc.Members(a, segment.RFMPrefix+g, "", 10)
			if err != nil || len(ms) != 1 || names[ms[0].CustomerID] != name {
				t.Errorf("ready-made segment rfm:%s: %+v %v", g, ms, err)
			}
		}

		cases := []struct {
			name  string
			match string
			rules []segment.Rule
			want  string
		}{
			{"everyone", "", nil, "alice,bob,carol,dave,erin,grace"},
			{"order count", "", []segment.Rule{rule("order_count", "gte", "2")}, "alice,carol,grace"},
			{"never ordered", "", []segment.Rule{rule("order_count", "eq", "0")}, "dave"},
			{"cancelled orders do not count", "", []segment.Rule{rule("order_count", "eq", "1")}, "bob,erin"},
			{"total spent", "", []segment.Rule{rule("total_spent", "gt", "50000")}, "alice,carol,grace"},
			{"last order within", "", []segment.Rule{rule("last_order", "within_days", "30")}, "alice,bob,grace"},
			{"last order older than", "", []segment.Rule{rule("last_order", "older_than_days", "180")}, "carol,erin"},
			{"recency score", "", []segment.Rule{rule("recency_score", "gte", "4")}, "alice,bob,grace"},
			{"frequency score", "", []segment.Rule{rule("frequency_score", "eq", "5")}, "carol,grace"},
			{"monetary score", "", []segment.Rule{rule("monetary_score", "lte", "1")}, "bob,dave,erin"},
			{"group not in", "", []segment.Rule{rule("rfm_group", "not_in", "new", "lost")}, "alice,carol,dave,grace"},
			{"tag", "", []segment.Rule{rule("tag", "in", "vip")}, "alice,carol"},
			{"no tag", "", []segment.Rule{rule("tag", "not_in", "vip", "wholesale")}, "bob,dave,erin,grace"},
			{"country (normalised)", "", []segment.Rule{{Field: "country", Op: "in", Value: "de, fr"}}, "alice,bob"},
			{"subscribed", "", []segment.Rule{rule("subscribed", "is", "true")}, "alice,carol,dave"},
			{"not subscribed", "", []segment.Rule{rule("subscribed", "is", "false")}, "bob,erin,grace"},
			{"birthday month", "", []segment.Rule{rule("birthday_month", "in", "5", "6")}, "alice"},
			{"bought product", "", []segment.Rule{rule("bought_product", "in", "p1")}, "alice"},
			{"bought category", "", []segment.Rule{rule("bought_category", "in", "c2")}, "carol"},
			{"never bought category", "", []segment.Rule{rule("bought_category", "not_in", "c1", "c2")}, "bob,dave,erin,grace"},
			{"tier", "", []segment.Rule{rule("tier", "in", "GOLD")}, "alice"},
			{"no tier", "", []segment.Rule{rule("tier", "not_in", "gold", "member")}, "bob,carol,dave,grace"},
			{"points balance", "", []segment.Rule{rule("points_balance", "gte", "50")}, "alice,dave"},
			{"all of", "all", []segment.Rule{rule("subscribed", "is", "true"), rule("order_count", "gte", "1")}, "alice,carol"},
			{"any of", "any", []segment.Rule{rule("tag", "in", "wholesale"), rule("rfm_group", "in", "new")}, "bob,carol"},
			{"nested", "all", []segment.Rule{rule("subscribed", "is", "true"),
				{Match: "any", Rules: []segment.Rule{rule("tag", "in", "vip"), rule("order_count", "eq", "0")}}}, "alice,carol,dave"},
			{"empty any", "any", nil, ""},
		}
		for _, c := range cases {
			if got := memberNames(t, svc, a, names, c.match, c.rules); got != c.want {
				t.Errorf("%s: %q, want %q", c.name, got, c.want)
			}
		}

		// Saved segments: count, pages, CSV; shop B sees none of it.
		sg, err := svc.Create(a, segment.Segment{Name: " Subscribed  VIPs ", Match: "all", Rules: []segment.Rule{rule("subscribed", "is", "true")}})
		if err != nil || sg.Name != "Subscribed VIPs" || sg.Version != 1 {
			t.Fatalf("create: %+v %v", sg, err)
		}
		if n, err := svc.Count(a, sg.ID); err != nil || n != 3 {
			t.Fatalf("count %d %v", n, err)
		}
		var paged []string
		after := ""
		for i := 0; ; i++ {
			ms, next, err := svc.Members(a, sg.ID, after, 2)
			if err != nil || i > 3 {
				t.Fatalf("members page %d: %v", i, err)
			}
			for _, m := range ms {
				paged = append(paged, names[m.CustomerID])
				if !m.AcceptsMarketing || m.Email != names[m.CustomerID]+"@example.com" || m.Name != names[m.CustomerID]+" Test" {
					t.Errorf("member %+v", m)
				}
			}
			if next == "" {
				break
			}
			after = next
		}
		sort.Strings(paged)
		if strings.Join(paged, ",") != "alice,carol,dave" {
			t.Errorf("paged members %v", paged)
		}
		var csvOut bytes.Buffer
		if err := svc.WriteCSV(a, sg.ID, &csvOut); err != nil || strings.Count(csvOut.String(), "\n") != 4 ||
			!strings.HasPrefix(csvOut.String(), "customer_id,email,name,accepts_marketing\n") || !strings.Contains(csvOut.String(), "alice@example.com,alice Test,true") {
			t.Errorf("csv %q %v", csvOut.String(), err)
		}
		if _, err := svc.Count(shop("tb"), sg.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("shop B counts shop A's segment: %v", err)
		}
		if got := memberNames(t, svc, shop("tb"), names, "", []segment.Rule{rule("tag", "in", "vip")}); got != "zed" {
			t.Errorf("shop B's vip: %q", got)
		}
		if _, err := svc.Create(a, segment.Segment{Name: "subscribed vips", Rules: []segment.Rule{rule("tag", "in", "x")}}); err != nil {
			t.Errorf("names differ in case: %v", err)
		}
		if _, err := svc.Create(a, segment.Segment{Name: "Subscribed VIPs"}); fieldOf(err) != "name" {
			t.Errorf("duplicate name: %v", err)
		}
		upd, err := svc.Update(a, sg.ID, segment.Segment{Name: "VIPs", Version: 1, Rules: []segment.Rule{rule("tag", "in", "vip")}})
		if err != nil || upd.Version != 2 {
			t.Fatalf("update %+v %v", upd, err)
		}
		if _, err := svc.Update(a, sg.ID, segment.Segment{Name: "VIPs", Version: 1}); !errs.Is(err, errs.Conflict) {
			t.Errorf("stale update: %v", err)
		}

		// Promotion eligibility: one customer's memberships.
		got, err := membershipsOf(db, svc, a, seed.ids["alice"], []string{"segment:" + sg.ID, "rfm:potential_loyalist", "rfm:new", "tier:gold", "segment:gone"})
		if err != nil || strings.Join(got, " ") != "rfm:potential_loyalist segment:"+sg.ID {
			t.Errorf("alice's memberships %v %v", got, err)
		}
		if got, err := membershipsOf(db, svc, a, seed.ids["bob"], []string{"segment:" + sg.ID, "RFM:NEW"}); err != nil || strings.Join(got, " ") != "rfm:new" {
			t.Errorf("bob's memberships %v %v", got, err)
		}
		if got, err := membershipsOf(db, svc, shop("tb"), seed.ids["zed"], []string{"segment:" + sg.ID}); err != nil || len(got) != 0 {
			t.Errorf("zed is in shop A's segment: %v %v", got, err)
		}

		// Bad rules are refused naming the part, and nothing is saved.
		bad := []struct {
			field string
			s     segment.Segment
		}{
			{"name", segment.Segment{Name: "  "}},
			{"name", segment.Segment{Name: "a\x00b"}},
			{"match", segment.Segment{Name: "x", Match: "some"}},
			{"rules[2].field", segment.Segment{Name: "x", Rules: []segment.Rule{rule("tag", "in", "a"), rule("order_count", "gt", "1"), rule("shoe_size", "eq", "9")}}},
			{"rules[0].op", segment.Segment{Name: "x", Rules: []segment.Rule{rule("tag", "gte", "a")}}},
			{"rules[0].value", segment.Segment{Name: "x", Rules: []segment.Rule{rule("order_count", "gt", "lots")}}},
			{"rules[0].value", segment.Segment{Name: "x", Rules: []segment.Rule{rule("recency_score", "gt", "6")}}},
			{"rules[0].value", segment.Segment{Name: "x", Rules: []segment.Rule{rule("subscribed", "is", "yes")}}},
			{"rules[0].values", segment.Segment{Name: "x", Rules: []segment.Rule{{Field: "tag", Op: "in"}}}},
			{"rules[1].rules[0].values[1]", segment.Segment{Name: "x", Rules: []segment.Rule{rule("tag", "in", "a"),
				{Match: "any", Rules: []segment.Rule{rule("country", "in", "DE", "Germany")}}}}},
			{"rules[0].values[0]", segment.Segment{Name: "x", Rules: []segment.Rule{rule("rfm_group", "in", "sleepy")}}},
			{"rules[0].values[0]", segment.Segment{Name: "x", Rules: []segment.Rule{rule("birthday_month", "in", "13")}}},
			{"rules[0].values[0]", segment.Segment{Name: "x", Rules: []segment.Rule{rule("tag", "in", "a\x01")}}},
			{"rules[0].rules[0].rules[0].rules[0].rules", segment.Segment{Name: "x", Rules: []segment.Rule{{Match: "all", Rules: []segment.Rule{{Match: "all",
				Rules: []segment.Rule{{Match: "all", Rules: []segment.Rule{{Match: "any", Rules: []segment.Rule{rule("tag", "in", "a")}}}}}}}}}}},
		}
		for _, c := range bad {
			if _, err := svc.Create(a, c.s); !errs.Is(err, errs.Invalid) || fieldOf(err) != c.field {
				t.Errorf("%s: %v (field %q)", c.field, err, fieldOf(err))
			}
		}
		if _, _, err := svc.Preview(a, "", []segment.Rule{rule("nope", "eq", "1")}, 5); fieldOf(err) != "rules[0].field" {
			t.Errorf("preview of a bad rule: %v", err)
		}
		if _, err := svc.Update(a, "rfm:new", segment.Segment{Name: "x"}); fieldOf(err) != "id" {
			t.Errorf("ready-made segment changed: %v", err)
		}
		list, err := svc.List(a)
		if err != nil || len(list) != 2+len(segment.Groups) {
			t.Errorf("list: %d %v", len(list), err)
		}

		// Incremental recompute equals a full one: new orders for bob
		// and dave, erin's old order refunded in full.
		full0 := rfmRows(t, db, a)
		now = t0.Add(2 * time.Hour)
		seed.order(a, "ta", seed.ids["bob"], "paid", 60000, now.Add(-time.Minute), now.Add(-time.Minute), "p2")
		seed.order(a, "ta", seed.ids["dave"], "paid", 1500, now.Add(-time.Minute), now.Add(-time.Minute), "")
		seed.exec(a, "UPDATE orders SET refunded_total = paid_total, status = 'refunded', updated_at = ? WHERE tenant_id = 'ta' AND customer_id = ? AND status = 'delivered'",
			now.Add(-time.Minute), seed.ids["erin"])
		if n, err := svc.Refresh(context.Background()); err != nil || n != 1 {
			t.Fatalf("incremental refresh: %d shops %v", n, err)
		}
		incr := rfmRows(t, db, a)
		if incr == full0 {
			t.Fatal("the incremental run changed nothing")
		}
		if err := svc.Recompute(a, true); err != nil {
			t.Fatal(err)
		}
		if full := rfmRows(t, db, a); full != incr {
			t.Errorf("incremental:\n%s\nfull:\n%s", incr, full)
		}
		if got := memberNames(t, svc, a, names, "", []segment.Rule{rule("rfm_group", "in", "potential_loyalist")}); got != "alice,bob" {
			t.Errorf("after bob's second order: %q", got)
		}
		if got := memberNames(t, svc, a, names, "", []segment.Rule{rule("total_spent", "eq", "0"), rule("order_count", "eq", "1")}); got != "erin" {
			t.Errorf("erin refunded: %q", got)
		}

		// Thresholds: refused when not increasing; saving rescored all.
		th := segment.DefaultThresholds()
		th.RecencyDays = [4]int64{30, 30, 60, 90}
		if _, err := svc.SaveThresholds(a, th); fieldOf(err) != "recency_days[1]" {
			t.Errorf("bad thresholds: %v", err)
		}
		th.RecencyDays = [4]int64{1, 2, 3, 4}
		if _, err := svc.SaveThresholds(a, th); err != nil {
			t.Fatal(err)
		}
		if got, _ := svc.Thresholds(a); !reflect.DeepEqual(got, th) {
			t.Errorf("thresholds read back %+v", got)
		}
		if got := memberNames(t, svc, a, names, "", []segment.Rule{rule("rfm_group", "in", "lost")}); got != "alice,erin" {
			t.Errorf("lost after 4-day recency: %q", got)
		}
		// A day later the scores decay without any order.
		now = now.Add(25 * time.Hour)
		if n, err := svc.Refresh(context.Background()); err != nil || n != 2 {
			t.Fatalf("daily rescore: %d %v", n, err)
		}
		if got := memberNames(t, svc, a, names, "", []segment.Rule{rule("recency_score", "eq", "4")}); got != "bob,dave" {
			t.Errorf("recency a day later: %q", got)
		}
	})
}

func membershipsOf(db *store.DB, svc *segment.Service, ctx context.Context, customerID string, wanted []string) ([]string, error) {
	tenant, _ := tenancy.TenantID(ctx)
	var out []string
	err := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		out, err = svc.MembershipsIn(ctx, q, tenant, customerID, wanted)
		return err
	})
	sort.Strings(out)
	return out, err
}
