package sandbox

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/plugins/build"
	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/sdktest"
)

var (
	sharedOnce sync.Once
	sharedHost *Host
	sharedErr  error
	sharedMods = map[string]*Installation{}
)

// firstPartyHost returns a host with the four first-party plugins
// registered (built and compiled once per test binary; both are cached on
// disk across runs).
func firstPartyHost(t testing.TB) (*Host, map[string]*Installation) {
	t.Helper()
	sharedOnce.Do(func() {
		sharedHost, sharedErr = NewHost(Options{CacheDir: testCacheDir(t)})
		if sharedErr != nil {
			return
		}
		for _, name := range build.FirstPartyNames {
			m, wasm := firstParty(t, name)
			hash, err := sharedHost.Register(context.Background(), m, wasm)
			if err != nil {
				sharedErr = err
				return
			}
			// A generous deadline: these tests check results, and a loaded
			// CI machine can deschedule a call for longer than 50 ms. The
			// deadline itself is tested in TestPluginSandbox.
			m.Limits.DeadlineMS = 5000
			sharedMods[name] = &Installation{Tenant: "demo", ID: name, Manifest: m, ModuleHash: hash}
		}
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedHost, sharedMods
}

func withConfig(inst *Installation, tenant, cfg string) *Installation {
	c := *inst
	c.Tenant = tenant
	c.Config = []byte(cfg)
	return &c
}

func TestFirstPartyThroughHost(t *testing.T) {
	h, mods := firstPartyHost(t)
	ctx := context.Background()

	t.Run("pricing", func(t *testing.T) {
		inst := withConfig(mods["pricing"], "t-pricing", sdktest.VolumeTierConfig)
		if err := inst.Manifest.ValidateConfig(inst.Config); err != nil {
			t.Fatal(err)
		}
		in := sdktest.SampleCart(50)
		out, err := h.Price(ctx, inst, in)
		if err != nil {
			t.Fatal(err)
		}
		// The volume tiers of VolumeTierConfig, computed here.
		var want []sdk.Adjustment
		for _, l := range in.Lines {
			pct, label := int64(0), ""
			switch {
			case l.Quantity >= 10:
				pct, label = 10, "Buy 10+, save 10%"
			case l.Quantity >= 6:
				pct, label = 6, "Buy 6+, save 6%"
			case l.Quantity >= 3:
				pct, label = 3, "Buy 3+, save 3%"
			}
			if off := l.UnitPrice * l.Quantity * pct / 100; off > 0 {
				want = append(want, sdk.Adjustment{Level: sdk.LevelLine, LineID: l.ID, Amount: -off, Label: label, Code: "volume-tier"})
			}
		}
		if len(out.Adjustments) != len(want) {
			t.Fatalf("%d adjustments, want %d", len(out.Adjustments), len(want))
		}
		for i := range want {
			if out.Adjustments[i] != want[i] {
				t.Fatalf("adjustment %d: %+v want %+v", i, out.Adjustments[i], want[i])
			}
		}
		// Through the core interface.
		a := &PricingAdapter{Host: h, Install: inst}
		adj, err := a.Price(ctx, &extension.PricingRequest{Currency: "EUR", Now: time.Now(), Lines: []extension.PricingLine{
			{LineID: "a", SKU: "X", Quantity: 10, UnitPrice: 1000},
		}})
		if err != nil || len(adj) != 1 || adj[0].Amount != -1000 || adj[0].Source != "plugin:wasmart-pricing@1.0.0" {
			t.Fatalf("%+v %v", adj, err)
		}
	})

	t.Run("pricing bad config is a plugin error", func(t *testing.T) {
		inst := withConfig(mods["pricing"], "t-badcfg", `{"volume_tiers":"x"}`)
		if err := inst.Manifest.ValidateConfig(inst.Config); KindOf(err) != FailInvalidModule {
			t.Fatalf("schema accepted bad config: %v", err)
		}
		_, err := h.Price(ctx, inst, sdktest.SampleCart(1))
		if KindOf(err) != FailPluginError || !strings.Contains(err.Error(), "invalid config") {
			t.Fatalf("%v", err)
		}
	})

	t.Run("recommendations", func(t *testing.T) {
		inst := withConfig(mods["recommend"], "t-reco", `{}`)
		a := &RecommendationsAdapter{Host: h, Install: inst, Fallback: BestSellers{}}
		req := &extension.RecommendationRequest{Placement: extension.PlacementProduct, ProductID: "tent", Limit: 2,
			Candidates: []extension.Candidate{
				{ProductID: "tent", Categories: []string{"camping"}, InStock: true},
				{ProductID: "stakes", InStock: true, SoldUnits: 1},
				{ProductID: "lamp", Categories: []string{"camping"}, InStock: true},
				{ProductID: "mug", InStock: true, SoldUnits: 900},
			},
			CoPurchases: []extension.CoPurchase{{ProductID: "tent", WithProductID: "stakes", Orders: 7}},
		}
		res, err := a.Recommend(ctx, req)
		if err != nil || len(res) != 2 || res[0].ProductID != "stakes" || res[1].ProductID != "lamp" {
			t.Fatalf("%+v %v", res, err)
		}
		fb, _ := BestSellers{}.Recommend(ctx, req)
		if len(fb) != 2 || fb[0].ProductID != "mug" {
			t.Fatalf("best sellers %+v", fb)
		}
	})

	t.Run("logistics", func(t *testing.T) {
		inst := withConfig(mods["logistics"], "t-ship", `{"free_shipping_from":5000,
			"zones":[{"name":"de","countries":["DE"],"rates":[{"max_grams":1000,"price":490}],"per_extra_kg":100,"min_days":1,"max_days":2}]}`)
		if err := inst.Manifest.ValidateConfig(inst.Config); err != nil {
			t.Fatal(err)
		}
		a := &LogisticsAdapter{Host: h, Install: inst}
		opts, err := a.Quote(ctx, &extension.LogisticsRequest{
			Parcel:      extension.Parcel{WeightGrams: 2500, Value: 1000, Currency: "EUR"},
			Destination: extension.Destination{Country: "DE"},
		})
		if err != nil || len(opts) != 1 || opts[0].Price != 690 || opts[0].Currency != "EUR" || opts[0].MaxDays != 2 {
			t.Fatalf("%+v %v", opts, err)
		}
	})

	t.Run("reporting", func(t *testing.T) {
		inst := withConfig(mods["reporting"], "t-report", ``)
		a := &ReportingAdapter{Host: h, Install: inst}
		rep, err := a.Report(ctx, &extension.ReportRequest{Report: "sales", Currency: "EUR",
			Params: map[string]string{"group": "role"},
			Datasets: []extension.Dataset{{Name: "sales",
				Columns: []extension.Column{{Name: "category", Type: extension.ColumnString}, {Name: "role", Type: extension.ColumnString},
					{Name: "units", Type: extension.ColumnInt}, {Name: "revenue", Type: extension.ColumnInt}},
				Rows: [][]extension.Cell{{{Str: "shoes"}, {Str: "hero"}, {Int: 3}, {Int: 300}}, {{Str: "socks"}, {Str: "traffic"}, {Int: 9}, {Int: 90}}},
			}}})
		if err != nil || rep.Title != "Sales by role" || len(rep.Table.Rows) != 2 || len(rep.Charts) != 2 {
			t.Fatalf("%+v %v", rep, err)
		}
		// No fallback: the failure is the error the report page shows.
		_, err = a.Report(ctx, &extension.ReportRequest{Report: "unknown"})
		if KindOf(err) != FailPluginError {
			t.Fatalf("%v", err)
		}
	})

	t.Run("undeclared point", func(t *testing.T) {
		_, err := h.Quote(ctx, mods["pricing"], &sdk.LogisticsInput{})
		if KindOf(err) != FailABIMismatch {
			t.Fatalf("%v", err)
		}
	})
}

// TestIdleEvictionAndBudget checks lazy creation, idle eviction and the
// memory budget with real Go guests.
func TestIdleEvictionAndBudget(t *testing.T) {
	m, wasm := firstParty(t, "pricing")
	m.Limits.DeadlineMS = 5000 // results, not timing, are tested here
	clock := newFakeClock()
	h, err := NewHost(Options{CacheDir: testCacheDir(t), Now: clock.Now, MemoryBudget: 12 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx := context.Background()
	hash, err := h.Register(ctx, m, wasm)
	if err != nil {
		t.Fatal(err)
	}
	if s := h.Stats(); s.Instances != 0 || s.MemoryBytes != 0 {
		t.Fatalf("instances before any call: %+v", s)
	}
	var insts []*Installation
	for i := 0; i < 8; i++ {
		inst := &Installation{Tenant: "t" + string(rune('a'+i)), ID: "p", Manifest: m, ModuleHash: hash}
		insts = append(insts, inst)
		if _, err := h.Price(ctx, inst, sdktest.SampleCart(3)); err != nil {
			t.Fatalf("tenant %d: %v", i, err)
		}
		clock.Advance(time.Second)
		if s := h.Stats(); s.MemoryBytes > s.MemoryBudget {
			t.Fatalf("over budget: %+v", s)
		}
	}
	s := h.Stats()
	if s.Instances >= 8 {
		t.Fatalf("budget did not evict: %+v", s)
	}
	t.Logf("after 8 tenants under a 12 MiB budget: %+v", s)
	clock.Advance(10 * time.Minute)
	if n := h.EvictIdle(5 * time.Minute); n != s.Instances {
		t.Fatalf("evicted %d of %d", n, s.Instances)
	}
	if s := h.Stats(); s.Instances != 0 || s.MemoryBytes != 0 {
		t.Fatalf("after eviction: %+v", s)
	}
	// Evicted tenants are served again, lazily.
	if _, err := h.Price(ctx, insts[0], sdktest.SampleCart(1)); err != nil {
		t.Fatal(err)
	}
}
