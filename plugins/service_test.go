package plugins

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

// firstPartyUpload returns a first-party plugin's manifest (with a test
// version and a generous deadline, see firstPartyHost) and module.
func firstPartyUpload(t testing.TB, name, version string) ([]byte, []byte) {
	t.Helper()
	m, wasm := firstParty(t, name)
	var doc map[string]any
	raw, _ := json.Marshal(m)
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc["version"] = version
	lim, _ := doc["limits"].(map[string]any)
	if lim == nil {
		lim = map[string]any{}
	}
	lim["deadline_ms"] = 5000
	doc["limits"] = lim
	b, _ := json.Marshal(doc)
	return b, wasm
}

func newTestService(t *testing.T, db *store.DB) *Service {
	t.Helper()
	s, err := NewService(db, ServiceOptions{Host: Options{CacheDir: testCacheDir(t)}, CacheTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if !errs.Is(err, code) {
		t.Fatalf("want %s, got %v", code, err)
	}
}

func countRows(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.Raw().NewRaw("SELECT count(*) FROM "+table).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func cart(lines int, qty int64) *pricing.Input {
	in := &pricing.Input{Currency: "EUR"}
	for i := 0; i < lines; i++ {
		in.Lines = append(in.Lines, pricing.Line{ID: string(rune('a' + i)), VariantID: "v", ProductID: "p", SKU: "s", Quantity: qty, UnitPrice: 1000})
	}
	return in
}

func TestServiceLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newTestService(t, db)
		bg := context.Background()
		platform := tenancy.WithPlatform(bg)
		a := tenancy.WithTenant(bg, "shop-a")
		b := tenancy.WithTenant(bg, "shop-b")

		man, wasm := firstPartyUpload(t, "pricing", "1.0.0")
		// Bad uploads: nothing stored.
		_, err := s.Publish(platform, PublishInput{Manifest: man, Wasm: []byte("not wasm at all")})
		wantCode(t, err, errs.Invalid)
		recMan, recWasm := firstPartyUpload(t, "recommend", "1.0.0")
		lying := json.RawMessage(recMan)
		var ld map[string]any
		json.Unmarshal(lying, &ld)
		ld["extension_points"] = []string{"pricing"}
		lyingMan, _ := json.Marshal(ld)
		_, err = s.Publish(platform, PublishInput{Manifest: lyingMan, Wasm: recWasm})
		wantCode(t, err, errs.Invalid)
		_, err = s.Publish(platform, PublishInput{Manifest: []byte(`{"id":"x"`), Wasm: wasm})
		wantCode(t, err, errs.Invalid)
		_, err = s.Publish(bg, PublishInput{Manifest: man, Wasm: wasm})
		wantCode(t, err, errs.Forbidden)
		if n := countRows(t, db, "plugin_versions") + countRows(t, db, "plugin_modules"); n != 0 {
			t.Fatalf("bad uploads stored %d rows", n)
		}

		v, err := s.Publish(platform, PublishInput{Manifest: man, Wasm: wasm})
		if err != nil {
			t.Fatal(err)
		}
		if v.Private() || v.ModuleHash != HashModule(wasm) {
			t.Fatalf("version %+v", v)
		}
		_, err = s.Publish(platform, PublishInput{Manifest: man, Wasm: wasm})
		wantCode(t, err, errs.Conflict)
		// A private upload may not take a catalogue id.
		_, err = s.Publish(a, PublishInput{Manifest: man, Wasm: wasm})
		wantCode(t, err, errs.Conflict)
		man2, _ := firstPartyUpload(t, "pricing", "1.1.0")
		if _, err := s.Publish(platform, PublishInput{Manifest: man2, Wasm: wasm}); err != nil {
			t.Fatal(err)
		}
		// A private upload of shop B is invisible to shop A.
		if _, err := s.Publish(b, PublishInput{Manifest: recMan, Wasm: recWasm}); err != nil {
			t.Fatal(err)
		}
		cat, err := s.Catalog(a)
		if err != nil {
			t.Fatal(err)
		}
		if len(cat) != 2 || cat[0].Version != "1.1.0" {
			t.Fatalf("shop A catalogue %+v", cat)
		}
		if _, err := s.Install(a, "wasmart-recommend", "", nil); !errs.Is(err, errs.NotFound) {
			t.Fatalf("install of another shop's private plugin: %v", err)
		}

		// Config must match the schema; nothing stored otherwise.
		_, err = s.Install(a, "wasmart-pricing", "1.0.0", []byte(`{"volume_tiers":[{"min_qty":"ten"}]}`))
		wantCode(t, err, errs.Invalid)
		if n := countRows(t, db, "plugin_installations"); n != 0 {
			t.Fatalf("bad config stored %d installations", n)
		}
		cfg := `{"volume_tiers":[{"min_qty":10,"percent":10}]}`
		inst, err := s.Install(a, "wasmart-pricing", "1.0.0", []byte(cfg))
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Install(a, "wasmart-pricing", "", nil)
		wantCode(t, err, errs.Conflict)
		if p := s.Pipeline(a, nil); p != nil {
			t.Fatal("a disabled installation is in the pipeline")
		}
		if _, err := s.SetEnabled(a, inst.ID, true); err != nil {
			t.Fatal(err)
		}
		p := s.Pipeline(a, nil)
		if p == nil || p.Pricing == nil {
			t.Fatal("no pricing in the pipeline")
		}
		if s.Pipeline(b, nil) != nil {
			t.Fatal("shop B got shop A's pipeline")
		}
		res, err := p.Price(a, cart(2, 10))
		if err != nil {
			t.Fatal(err)
		}
		if res.Merchandise != 18000 {
			t.Fatalf("merchandise %d, want 18000 (10%% off 20000): %+v", res.Merchandise, res)
		}
		for range 3 {
			if _, err := p.Price(a, cart(1, 2)); err != nil {
				t.Fatal(err)
			}
		}
		s.Recorder().Flush()
		page, err := s.Runs(a, RunFilter{InstallationID: inst.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Runs) != 4 || !page.Runs[0].OK() || page.Runs[0].Point != "pricing" || page.Runs[0].InputHash == "" {
			t.Fatalf("runs %+v", page.Runs)
		}
		if pb, _ := s.Runs(b, RunFilter{}); len(pb.Runs) != 0 {
			t.Fatal("shop B sees shop A's runs")
		}
		if _, err := s.Run(b, page.Runs[0].ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("shop B reads shop A's run: %v", err)
		}
		rep, err := s.Replay(a, page.Runs[len(page.Runs)-1].ID)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Same || rep.Outcome != "" || rep.Output == "" {
			t.Fatalf("replay %+v", rep)
		}

		// Dry run of a config change: the tier at 2 units changes the
		// three 2-unit carts (the 10-unit cart is discounted either way).
		dr, err := s.DryRun(a, DryRunRequest{InstallationID: inst.ID, Config: []byte(`{"volume_tiers":[{"min_qty":2,"percent":50}]}`)})
		if err != nil {
			t.Fatal(err)
		}
		if dr.Inputs != 2 || dr.Failed != 0 || dr.Changed != 2 || dr.SumBefore != 18000+2000 || dr.SumAfter != 10000+1000 {
			t.Fatalf("dry run %+v", dr)
		}
		s.Recorder().Flush()
		if page2, _ := s.Runs(a, RunFilter{}); len(page2.Runs) != 4 {
			t.Fatalf("dry run and replay were recorded: %d runs", len(page2.Runs))
		}

		// Pin, upgrade, rollback.
		if _, err := s.SetPinned(a, inst.ID, true); err != nil {
			t.Fatal(err)
		}
		_, err = s.Upgrade(a, inst.ID, "", nil)
		wantCode(t, err, errs.Conflict)
		if _, err := s.SetPinned(a, inst.ID, false); err != nil {
			t.Fatal(err)
		}
		up, err := s.Upgrade(a, inst.ID, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if up.Version != "1.1.0" || up.PrevVersion != "1.0.0" {
			t.Fatalf("upgrade %+v", up)
		}
		_, err = s.Configure(a, inst.ID, []byte(`{"rounding":"x.42"}`))
		wantCode(t, err, errs.Invalid)
		rb, err := s.Rollback(a, inst.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rb.Version != "1.0.0" || rb.Config != cfg {
			t.Fatalf("rollback %+v", rb)
		}
		if _, err := s.Upgrade(b, inst.ID, "", nil); !errs.Is(err, errs.NotFound) {
			t.Fatalf("shop B upgrades shop A's installation: %v", err)
		}
		views, err := s.Installations(a)
		if err != nil {
			t.Fatal(err)
		}
		if len(views) != 1 || !views[0].UpgradeAvailable() || views[0].Breaker != BreakerClosed {
			t.Fatalf("views %+v", views)
		}
		page3, err := audit.List(bg, db, audit.Filter{TenantID: "shop-a", Action: "plugin.*"})
		if err != nil {
			t.Fatal(err)
		}
		if len(page3.Entries) < 6 {
			t.Fatalf("audit entries %d", len(page3.Entries))
		}

		// Retention: inputs go first, then the runs.
		in, runs, err := s.Purge(bg, time.Now().Add(8*24*time.Hour))
		if err != nil || in != 4 || runs != 0 {
			t.Fatalf("purge inputs: %d %d %v", in, runs, err)
		}
		if _, err := s.Replay(a, page.Runs[0].ID); !errs.Is(err, errs.Conflict) {
			t.Fatalf("replay of a purged input: %v", err)
		}
		if _, runs, _ := s.Purge(bg, time.Now().Add(31*24*time.Hour)); runs != 4 {
			t.Fatalf("purged %d runs", runs)
		}
		if err := s.Uninstall(a, inst.ID); err != nil {
			t.Fatal(err)
		}
		if s.Pipeline(a, nil) != nil {
			t.Fatal("uninstalled plugin still in the pipeline")
		}
	})
}

func TestServiceOrderAndRecommend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newTestService(t, db)
		platform := tenancy.WithPlatform(context.Background())
		a := tenancy.WithTenant(context.Background(), "shop-a")
		for _, name := range []string{"pricing", "logistics", "recommend", "reporting"} {
			man, wasm := firstPartyUpload(t, name, "1.0.0")
			if _, err := s.Publish(platform, PublishInput{Manifest: man, Wasm: wasm}); err != nil {
				t.Fatal(name, err)
			}
		}
		p1, err := s.Install(a, "wasmart-pricing", "", []byte(`{"volume_tiers":[{"min_qty":2,"percent":10}]}`))
		if err != nil {
			t.Fatal(err)
		}
		// A second pricing installation is impossible with the same id, so
		// order is checked across points: logistics first.
		lo, err := s.Install(a, "wasmart-logistics", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Reorder(a, []string{lo.ID, p1.ID}); err != nil {
			t.Fatal(err)
		}
		if err := s.Reorder(a, []string{"nope"}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("reorder with a foreign id: %v", err)
		}
		views, _ := s.Installations(a)
		if views[0].ID != lo.ID {
			t.Fatal("order not kept")
		}
		rec, err := s.Install(a, "wasmart-recommend", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		req := &extension.RecommendationRequest{ProductID: "p1", Limit: 2, Candidates: []extension.Candidate{
			{ProductID: "p1", Categories: []string{"tea"}, InStock: true},
			{ProductID: "p2", Categories: []string{"tea"}, SoldUnits: 1, InStock: true},
			{ProductID: "p3", Categories: []string{"cups"}, SoldUnits: 9, InStock: true},
		}}
		got, err := s.Recommend(a, req)
		if err != nil || len(got) == 0 || got[0].ProductID != "p3" || got[0].Reason != "best-seller" {
			t.Fatalf("fallback best sellers: %+v %v", got, err)
		}
		if _, err := s.SetEnabled(a, rec.ID, true); err != nil {
			t.Fatal(err)
		}
		got, err = s.Recommend(a, req)
		if err != nil || len(got) == 0 || got[0].ProductID != "p2" {
			t.Fatalf("plugin recommendations: %+v %v", got, err)
		}
		// Shop data: with no orders or products, candidates are empty.
		got, err = s.Recommend(a, &extension.RecommendationRequest{ProductID: "p1"})
		if err != nil || len(got) != 0 {
			t.Fatalf("empty shop: %+v %v", got, err)
		}
		rp, err := s.Install(a, "wasmart-reporting", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Report(a, rp.ID, "sales", nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Title == "" {
			t.Fatalf("report %+v", r)
		}
		if _, err := s.Report(a, p1.ID, "sales", nil); !errs.Is(err, errs.Invalid) {
			t.Fatalf("report from a pricing plugin: %v", err)
		}
	})
}

func TestDBKV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		kv := &DBKV{DB: db, Quota: KVQuota{MaxKeys: 2, MaxBytes: 20}}
		ctx := context.Background()
		if err := kv.Set(ctx, "a", "i1", "k1", []byte("v1")); err != nil {
			t.Fatal(err)
		}
		if v, ok, err := kv.Get(ctx, "a", "i1", "k1"); err != nil || !ok || string(v) != "v1" {
			t.Fatalf("get %q %v %v", v, ok, err)
		}
		if _, ok, _ := kv.Get(ctx, "b", "i1", "k1"); ok {
			t.Fatal("another tenant reads the key")
		}
		if _, ok, _ := kv.Get(ctx, "a", "i2", "k1"); ok {
			t.Fatal("another installation reads the key")
		}
		if err := kv.Set(ctx, "a", "i1", "k1", []byte("v1-longer")); err != nil {
			t.Fatal(err)
		}
		if err := kv.Set(ctx, "a", "i1", "k2", []byte("0123456789")); !errors.Is(err, ErrKVQuota) {
			t.Fatalf("bytes quota: %v", err)
		}
		if err := kv.Set(ctx, "a", "i1", "k2", nil); err != nil {
			t.Fatal(err)
		}
		if err := kv.Set(ctx, "a", "i1", "k3", nil); !errors.Is(err, ErrKVQuota) {
			t.Fatalf("keys quota: %v", err)
		}
		if err := kv.Set(ctx, "a", "i1", "", nil); !errors.Is(err, ErrKVTooLarge) {
			t.Fatalf("empty key: %v", err)
		}
		if err := kv.Delete(ctx, "a", "i1", "k1"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := kv.Get(ctx, "a", "i1", "k1"); ok {
			t.Fatal("deleted key still there")
		}
		if err := kv.Set(ctx, "a", "i1", "k3", []byte("x")); err != nil {
			t.Fatalf("room after delete: %v", err)
		}
	})
}

// TestShopDataFromOrders: the first pricing plugin of a shop is dry-run on
// the carts of its last orders, and reports get datasets built from them.
func TestShopDataFromOrders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newTestService(t, db)
		bg := context.Background()
		a := tenancy.WithTenant(bg, "shop-a")
		now := store.Now()
		err := db.Write(a, func(ctx context.Context, q bun.IDB) error {
			for i, cust := range []string{"c1", "c1", "c2"} {
				oid := "o" + string(rune('1'+i))
				if _, err := q.NewRaw(`INSERT INTO orders (tenant_id, id, number, status, customer_id, email, currency, subtotal, discounts,
					shipping_total, tax_total, tax_inclusive, total, placed_at, updated_at) VALUES (?, ?, ?, 'paid', ?, ?, 'EUR', 6000, 0, 0, 0, TRUE, 6000, ?, ?)`,
					"shop-a", oid, i+1, cust, cust+"@example.com", now.Add(-time.Duration(i)*time.Hour), now).Exec(ctx); err != nil {
					return err
				}
				for j, qty := range []int64{10, 2} {
					if _, err := q.NewRaw(`INSERT INTO order_lines (tenant_id, id, order_id, position, variant_id, product_id, sku, title,
						quantity, unit_price, subtotal, adjustments, total) VALUES (?, ?, ?, ?, ?, ?, 'S', 'T', ?, 500, ?, 0, ?)`,
						"shop-a", oid+"-l"+string(rune('0'+j)), oid, j, "v"+string(rune('0'+j)), "p"+string(rune('0'+j)), qty, qty*500, qty*500).Exec(ctx); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		platform := tenancy.WithPlatform(bg)
		for _, name := range []string{"pricing", "reporting", "recommend"} {
			man, wasm := firstPartyUpload(t, name, "1.0.0")
			if _, err := s.Publish(platform, PublishInput{Manifest: man, Wasm: wasm}); err != nil {
				t.Fatal(err)
			}
		}
		inst, err := s.Install(a, "wasmart-pricing", "", []byte(`{"volume_tiers":[{"min_qty":10,"percent":10}]}`))
		if err != nil {
			t.Fatal(err)
		}
		dr, err := s.DryRun(a, DryRunRequest{InstallationID: inst.ID})
		if err != nil {
			t.Fatal(err)
		}
		if dr.Inputs != 3 || dr.Changed != 3 || dr.SumBefore != 18000 || dr.SumAfter != 18000-3*500 || !dr.Rows[0].FromOrder() {
			t.Fatalf("dry run on order carts %+v", dr)
		}
		rep, err := s.Install(a, "wasmart-reporting", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Report(a, rep.ID, "rfm", nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Table.Rows) == 0 {
			t.Fatalf("rfm report has no rows: %+v", r)
		}
		r, err = s.Report(a, rep.ID, "sales", nil)
		if err != nil || len(r.Table.Rows) == 0 || len(r.Charts) == 0 {
			t.Fatalf("sales report %+v %v", r, err)
		}
		// Co-purchases for a product page (no published products: no
		// candidates, so nothing to recommend, but the query runs).
		req := &extension.RecommendationRequest{ProductID: "p0"}
		if _, err := s.Recommend(a, req); err != nil {
			t.Fatal(err)
		}
		if len(req.CoPurchases) != 1 || req.CoPurchases[0].WithProductID != "p1" || req.CoPurchases[0].Orders != 3 {
			t.Fatalf("co-purchases %+v", req.CoPurchases)
		}
	})
}
