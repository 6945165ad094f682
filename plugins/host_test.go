package plugins

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/sdktest"
)

func TestManifest(t *testing.T) {
	good := `{"id":"my-plugin","version":"1.2.3","abi_version":1,"extension_points":["pricing"],
		"config_schema":{"type":"object","properties":{"n":{"type":"integer","minimum":1}},"additionalProperties":false}}`
	m, err := ParseManifest([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if !m.Declares(extension.PointPricing) || m.Declares(extension.PointLogistics) {
		t.Fatal("declares")
	}
	if err := m.ValidateConfig([]byte(`{"n":3}`)); err != nil {
		t.Fatal(err)
	}
	if err := m.ValidateConfig(nil); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`{"n":0}`, `{"x":1}`, `{"n":"a"}`, `{`} {
		if err := m.ValidateConfig([]byte(bad)); KindOf(err) != FailInvalidModule {
			t.Errorf("config %s: %v", bad, err)
		}
	}
	for _, bad := range []string{
		`{"id":"X","version":"1.0.0","abi_version":1,"extension_points":["pricing"]}`,
		`{"id":"ok-id","version":"v1","abi_version":1,"extension_points":["pricing"]}`,
		`{"id":"ok-id","version":"1.0.0","abi_version":1,"extension_points":[]}`,
		`{"id":"ok-id","version":"1.0.0","abi_version":1,"extension_points":["shipping"]}`,
		`{"id":"ok-id","version":"1.0.0","abi_version":1,"extension_points":["pricing","pricing"]}`,
		`{"id":"ok-id","version":"1.0.0","abi_version":1,"extension_points":["pricing"],"surprise":1}`,
		`{"id":"ok-id","version":"1.0.0","abi_version":1,"extension_points":["pricing"],"config_schema":{"type":12}}`,
		`{"id":"ok-id","version":"1.0.0","abi_version":1,"extension_points":["pricing"],"limits":{"deadline_ms":-1}}`,
	} {
		if _, err := ParseManifest([]byte(bad)); KindOf(err) != FailInvalidModule {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if _, err := ParseManifest([]byte(`{"id":"ok-id","version":"1.0.0","abi_version":9,"extension_points":["pricing"]}`)); KindOf(err) != FailABIMismatch {
		t.Errorf("abi: %v", err)
	}
	// Every first-party manifest parses.
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range FirstParty {
		b, err := os.ReadFile(filepath.Join(root, "plugins", "firstparty", name, "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseManifest(b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestBreaker(t *testing.T) {
	now := time.Unix(0, 0)
	b := newBreaker(BreakerConfig{Failures: 2, Cooldown: time.Second})
	for i := 0; i < 2; i++ {
		if !b.allow(now) {
			t.Fatal("closed breaker refused")
		}
		b.done(now, false)
	}
	if b.allow(now) {
		t.Fatal("open breaker allowed")
	}
	now = now.Add(time.Second)
	if !b.allow(now) {
		t.Fatal("half-open refused the trial")
	}
	if b.allow(now) {
		t.Fatal("half-open allowed a second concurrent trial")
	}
	b.release() // the trial did not count (e.g. canceled)
	if !b.allow(now) {
		t.Fatal("trial slot not released")
	}
	b.done(now, false)
	if st, _ := b.snapshot(now); st != BreakerOpen {
		t.Fatalf("failed trial: %s", st)
	}
	now = now.Add(time.Second)
	b.allow(now)
	b.done(now, true)
	if st, n := b.snapshot(now); st != BreakerClosed || n != 0 {
		t.Fatalf("after success: %s %d", st, n)
	}
}

func TestMemKVQuota(t *testing.T) {
	ctx := context.Background()
	kv := NewMemKV(KVQuota{MaxBytes: 10, MaxKeys: 2})
	if err := kv.Set(ctx, "t", "i", "a", []byte("1234")); err != nil {
		t.Fatal(err)
	}
	if err := kv.Set(ctx, "t", "i", "b", []byte("123456")); !errors.Is(err, ErrKVQuota) {
		t.Fatalf("bytes quota: %v", err)
	}
	if err := kv.Set(ctx, "t", "i", "b", []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := kv.Set(ctx, "t", "i", "c", nil); !errors.Is(err, ErrKVQuota) {
		t.Fatalf("keys quota: %v", err)
	}
	if err := kv.Set(ctx, "t", "i", "", nil); !errors.Is(err, ErrKVTooLarge) {
		t.Fatalf("empty key: %v", err)
	}
	// Scopes are separate and have their own quota.
	if err := kv.Set(ctx, "t2", "i", "a", []byte("zzzz")); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := kv.Get(ctx, "t", "i", "a"); string(v) != "1234" {
		t.Fatalf("scope leak: %q", v)
	}
	if err := kv.Delete(ctx, "t", "i", "a"); err != nil {
		t.Fatal(err)
	}
	if err := kv.Set(ctx, "t", "i", "c", []byte("12345")); err != nil {
		t.Fatalf("quota not returned on delete: %v", err)
	}
}

func TestStores(t *testing.T) {
	for name, s := range map[string]ModuleStore{"mem": NewMemStore(), "dir": DirStore{Dir: t.TempDir()}} {
		h, err := s.Put([]byte("\x00asm\x01\x00\x00\x00"))
		if err != nil {
			t.Fatal(name, err)
		}
		if h2, _ := s.Put([]byte("\x00asm\x01\x00\x00\x00")); h2 != h {
			t.Fatal(name, "hash not stable")
		}
		b, err := s.Get(context.Background(), h)
		if err != nil || !bytes.Equal(b, []byte("\x00asm\x01\x00\x00\x00")) {
			t.Fatal(name, err)
		}
		if _, err := s.Get(context.Background(), HashModule([]byte("other"))); !errors.Is(err, ErrModuleNotFound) {
			t.Fatal(name, err)
		}
	}
	if _, err := (DirStore{Dir: t.TempDir()}).Get(context.Background(), "../../etc/passwd"); !errors.Is(err, ErrModuleNotFound) {
		t.Fatal(err)
	}
}

func TestValidateOutputs(t *testing.T) {
	in := sdktest.SampleCart(2) // line_1: 1×199, line_2: 2×686
	for _, c := range []struct {
		adj []sdk.Adjustment
		ok  bool
	}{
		{[]sdk.Adjustment{{Level: sdk.LevelLine, LineID: "line_1", Amount: -199}}, true},
		{[]sdk.Adjustment{{Level: sdk.LevelLine, LineID: "line_1", Amount: -200}}, false},
		{[]sdk.Adjustment{{Level: sdk.LevelLine, LineID: "line_1", Amount: -100}, {Level: sdk.LevelLine, LineID: "line_1", Amount: -100}}, false},
		{[]sdk.Adjustment{{Level: sdk.LevelLine, LineID: "nope", Amount: -1}}, false},
		{[]sdk.Adjustment{{Level: sdk.LevelOrder, Amount: -(199 + 2*686)}}, true},
		{[]sdk.Adjustment{{Level: sdk.LevelOrder, Amount: -(199 + 2*686) - 1}}, false},
		{[]sdk.Adjustment{{Level: sdk.LevelOrder, LineID: "line_1", Amount: -1}}, false},
		{[]sdk.Adjustment{{Level: 7, Amount: -1}}, false},
		{[]sdk.Adjustment{{Level: sdk.LevelOrder, Amount: 1 << 60}}, false},
		{[]sdk.Adjustment{{Level: sdk.LevelOrder, Amount: 1, Label: "\xff"}}, false},
		{[]sdk.Adjustment{{Level: sdk.LevelLine, LineID: "line_2", Amount: 50}, {Level: sdk.LevelLine, LineID: "line_1", Amount: -1}}, true},
	} {
		err := ValidatePricing(in, &sdk.PricingOutput{Adjustments: c.adj})
		if (err == nil) != c.ok || (err != nil && KindOf(err) != FailInvalidOutput) {
			t.Errorf("%+v: %v", c.adj, err)
		}
	}
	rin := &sdk.RecommendInput{Limit: 2, Candidates: []sdk.Candidate{{ProductID: "a"}, {ProductID: "b"}, {ProductID: "c"}}}
	if ValidateRecommend(rin, &sdk.RecommendOutput{Items: []sdk.Recommendation{{ProductID: "a"}, {ProductID: "b"}}}) != nil ||
		ValidateRecommend(rin, &sdk.RecommendOutput{Items: []sdk.Recommendation{{ProductID: "a"}, {ProductID: "a"}}}) == nil ||
		ValidateRecommend(rin, &sdk.RecommendOutput{Items: []sdk.Recommendation{{ProductID: "z"}}}) == nil ||
		ValidateRecommend(rin, &sdk.RecommendOutput{Items: []sdk.Recommendation{{ProductID: "a"}, {ProductID: "b"}, {ProductID: "c"}}}) == nil {
		t.Error("recommendation rules")
	}
	if ValidateLogistics(&sdk.LogisticsOutput{Options: []sdk.DeliveryOption{{Code: "a", MinDays: 1, MaxDays: 2}}}) != nil ||
		ValidateLogistics(&sdk.LogisticsOutput{Options: []sdk.DeliveryOption{{Code: "a"}, {Code: "a"}}}) == nil ||
		ValidateLogistics(&sdk.LogisticsOutput{Options: []sdk.DeliveryOption{{Code: "a", Price: -1}}}) == nil ||
		ValidateLogistics(&sdk.LogisticsOutput{Options: []sdk.DeliveryOption{{Code: "a", MinDays: 3, MaxDays: 2}}}) == nil ||
		ValidateLogistics(&sdk.LogisticsOutput{Options: []sdk.DeliveryOption{{Code: ""}}}) == nil {
		t.Error("logistics rules")
	}
	if ValidateReport(&sdk.ReportOutput{Charts: []sdk.Chart{{Kind: "bar", Labels: []string{"a"}, Series: []sdk.Series{{Values: []int64{1}}}}}}) != nil ||
		ValidateReport(&sdk.ReportOutput{Charts: []sdk.Chart{{Kind: "3d", Labels: []string{"a"}, Series: []sdk.Series{{Values: []int64{1}}}}}}) == nil ||
		ValidateReport(&sdk.ReportOutput{Charts: []sdk.Chart{{Kind: "bar", Labels: []string{"a"}, Series: []sdk.Series{{Values: nil}}}}}) == nil {
		t.Error("report rules")
	}
}

// TestInstrumentPreservesBehaviour runs a module with nested loops, typed
// blocks and br_table with and without instrumentation: same result. (The
// first-party Go plugins, always instrumented, are checked against
// independently computed results in TestFirstPartyThroughHost; the sandbox
// suite checks that instrumentation stops loops.)
func TestInstrumentPreservesBehaviour(t *testing.T) {
	ctx := context.Background()
	wasm := wat(t, "loops")
	for _, mode := range []DeadlineMode{DeadlineInterrupt, DeadlineNone, DeadlineWatchdog} {
		h, err := NewHost(Options{Deadline: mode})
		if err != nil {
			t.Fatal(err)
		}
		m := pricingManifest("loops")
		hash, err := h.Register(ctx, m, wasm)
		if err != nil {
			t.Fatal(err)
		}
		_, err = h.Price(ctx, &Installation{Tenant: "t", ID: "p", Manifest: m, ModuleHash: hash}, sdktest.SampleCart(1))
		h.Close()
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
	}
	inst, err := instrument(wasm)
	if err != nil || len(inst) <= len(wasm) {
		t.Fatalf("instrument: %v", err)
	}
	if _, err := instrument([]byte("nope")); err == nil {
		t.Fatal("instrumented garbage")
	}
}

func TestRecorderAndLogs(t *testing.T) {
	runs := &runLog{}
	h, err := NewHost(Options{CacheDir: testCacheDir(t), Recorder: runs, MaxLogBytes: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx := context.Background()
	m := pricingManifest("logger")
	hash, err := h.Register(ctx, m, wat(t, "oob_hostcall"))
	if err != nil {
		t.Fatal(err)
	}
	inst := &Installation{Tenant: "t", ID: "l", Manifest: m, ModuleHash: hash}
	in := sdktest.SampleCart(2)
	_, err = h.Price(ctx, inst, in)
	if KindOf(err) != FailTrap {
		t.Fatal(err)
	}
	if len(runs.runs) != 1 {
		t.Fatalf("%d runs", len(runs.runs))
	}
	r := runs.runs[0]
	var e sdk.Encoder
	e.EncodePricingInput(in)
	if r.Outcome != FailTrap || !bytes.Equal(r.Input, e.B) || r.Tenant != "t" || r.PluginID != "logger" || r.ModuleHash != hash || r.Point != extension.PointPricing {
		t.Fatalf("%+v", r)
	}
	if len(r.Logs) > 64 {
		t.Fatalf("logs over cap: %d", len(r.Logs))
	}
}

func TestCallerDeadline(t *testing.T) {
	h, err := NewHost(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	m := pricingManifest("loop")
	m.Limits.DeadlineMS = 5000
	hash, err := h.Register(context.Background(), m, wat(t, "loop"))
	if err != nil {
		t.Fatal(err)
	}
	inst := &Installation{Tenant: "t", ID: "loop", Manifest: m, ModuleHash: hash}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = h.Price(ctx, inst, &sdk.PricingInput{})
	if KindOf(err) != FailTimeout {
		t.Fatalf("got %v", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("the caller's 30 ms deadline was ignored: %v", el)
	}
	done, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := h.Price(done, inst, &sdk.PricingInput{}); KindOf(err) != FailCanceled {
		t.Fatalf("canceled context: %v", err)
	}
	if st, n := h.BreakerStatus("t", "loop"); st != BreakerClosed || n != 1 {
		t.Fatalf("breaker %s/%d: a canceled call must not count", st, n)
	}
}
