package plugins

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/wasmart/wasmart/sdk/sdktest"
)

func benchHost(b *testing.B, opts Options) (*Host, *Installation) {
	b.Helper()
	if opts.CacheDir == "" {
		opts.CacheDir = testCacheDir(b)
	}
	h, err := NewHost(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.Close() })
	m, wasm := firstParty(b, "pricing")
	hash, err := h.Register(context.Background(), m, wasm)
	if err != nil {
		b.Fatal(err)
	}
	return h, &Installation{Tenant: "bench", ID: "pricing", Manifest: m, ModuleHash: hash, Config: []byte(sdktest.VolumeTierConfig)}
}

// benchPrice calls the pricing plugin in a loop. A wall-clock deadline can
// expire on a loaded machine (the OS deschedules the thread mid-call); such
// timeouts are counted (metric timeouts) rather than fatal, any other
// failure is fatal.
func benchPrice(b *testing.B, h *Host, inst *Installation, lines int) {
	ctx := context.Background()
	in := sdktest.SampleCart(lines)
	var err error
	for try := 0; try < 5; try++ { // warm the instance (a loaded machine may time out)
		if _, err = h.Price(ctx, inst, in); KindOf(err) != FailTimeout {
			break
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	timeouts, ops := 0, 0
	b.ReportAllocs()
	b.ResetTimer()
	sdktest.ReportCPU(b, func() int { return ops }, func() {
		for b.Loop() {
			ops++
			if _, err := h.Price(ctx, inst, in); err != nil {
				if KindOf(err) != FailTimeout {
					b.Fatal(err)
				}
				timeouts++
			}
		}
	})
	b.ReportMetric(float64(timeouts), "timeouts")
}

// BenchmarkPricingPlugin is a warm-instance call of the first-party pricing
// plugin (volume tiers) through the host: encoding, the guest call, output
// decoding and validation. Its native twin is BenchmarkPricingNative in
// plugins/firstparty/pricing.
func BenchmarkPricingPlugin(b *testing.B) {
	h, inst := benchHost(b, Options{})
	for _, n := range []int{1, 50, 200} {
		b.Run("lines="+strconv.Itoa(n), func(b *testing.B) { benchPrice(b, h, inst, n) })
	}
}

// BenchmarkDeadline compares the deadline mechanisms on the 50-line call.
func BenchmarkDeadline(b *testing.B) {
	for _, mode := range []DeadlineMode{DeadlineNone, DeadlineInterrupt, DeadlineWatchdog, DeadlineContext} {
		b.Run("mode="+mode.String(), func(b *testing.B) {
			h, inst := benchHost(b, Options{Deadline: mode})
			benchPrice(b, h, inst, 50)
		})
	}
}

// BenchmarkDeadlineStop measures how long after a 50 ms deadline an
// infinite loop is stopped (metric ms-over-deadline).
func BenchmarkDeadlineStop(b *testing.B) {
	for _, mode := range []DeadlineMode{DeadlineInterrupt, DeadlineWatchdog, DeadlineContext} {
		b.Run("mode="+mode.String(), func(b *testing.B) {
			h, err := NewHost(Options{Deadline: mode, Breaker: BreakerConfig{Failures: 1 << 30}})
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close()
			m := pricingManifest("loop")
			hash, err := h.Register(context.Background(), m, wat(b, "loop"))
			if err != nil {
				b.Fatal(err)
			}
			inst := &Installation{Tenant: "t", ID: "loop", Manifest: m, ModuleHash: hash}
			var over time.Duration
			for b.Loop() {
				start := time.Now()
				_, err := h.Price(context.Background(), inst, sdktest.SampleCart(1))
				over += time.Since(start) - 50*time.Millisecond
				if KindOf(err) != FailTimeout {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(over.Microseconds())/1000/float64(b.N), "ms-over-deadline")
		})
	}
}

// BenchmarkInstantiate is the cost of a new warm-able instance of the Go
// pricing plugin: instantiation plus _initialize (the Go runtime start).
func BenchmarkInstantiate(b *testing.B) {
	h, inst := benchHost(b, Options{})
	i := 0
	for b.Loop() {
		c := *inst
		c.ID = "i" + strconv.Itoa(i)
		i++
		p, err := h.poolFor(&c)
		if err != nil {
			b.Fatal(err)
		}
		in, err := h.instantiate(context.Background(), p, &c)
		if err != nil {
			b.Fatal(err)
		}
		h.discard(in)
	}
}

// BenchmarkCompile compiles the (instrumented) pricing plugin cold and from
// wazero's file compilation cache.
func BenchmarkCompile(b *testing.B) {
	_, wasm := firstParty(b, "pricing")
	wasm, err := instrument(wasm)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	compile := func(b *testing.B, cache wazero.CompilationCache) {
		cfg := wazero.NewRuntimeConfigCompiler()
		if cache != nil {
			cfg = cfg.WithCompilationCache(cache)
		}
		r := wazero.NewRuntimeWithConfig(ctx, cfg)
		if _, err := r.CompileModule(ctx, wasm); err != nil {
			b.Fatal(err)
		}
		r.Close(ctx)
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			compile(b, nil)
		}
	})
	b.Run("cache", func(b *testing.B) {
		dir := b.TempDir()
		c, err := wazero.NewCompilationCacheWithDir(dir)
		if err != nil {
			b.Fatal(err)
		}
		compile(b, c) // fill the file cache
		c.Close(ctx)
		for b.Loop() {
			c, _ := wazero.NewCompilationCacheWithDir(dir) // a fresh process's view
			compile(b, c)
			c.Close(ctx)
		}
	})
}

// BenchmarkParallelCalls runs 50-line calls on every core (metric calls/s).
func BenchmarkParallelCalls(b *testing.B) {
	h, inst := benchHost(b, Options{MaxInstances: 2 * runtime.GOMAXPROCS(0)})
	in := sdktest.SampleCart(50)
	ctx := context.Background()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := h.Price(ctx, inst, in); err != nil && KindOf(err) != FailTimeout {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
}

// BenchmarkInstanceMemory reports the Go heap held per warm instance of the
// pricing plugin (linear memory plus wazero's per-instance state) and how
// many tenants with one warm instance each fit in 4 GiB.
func BenchmarkInstanceMemory(b *testing.B) {
	h, inst := benchHost(b, Options{MemoryBudget: 64 << 30, MaxConcurrentCalls: 1})
	ctx := context.Background()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	i := 0
	for b.Loop() {
		c := *inst
		c.Tenant = "tenant-" + strconv.Itoa(i)
		i++
		if _, err := h.Price(ctx, &c, sdktest.SampleCart(50)); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / float64(i)
	b.ReportMetric(per/(1<<20), "MiB/instance")
	b.ReportMetric(float64(h.Stats().MemoryBytes)/float64(i)/(1<<20), "linear-MiB/instance")
	b.ReportMetric(float64(4<<30)/per, "tenants/4GiB")
	if os.Getenv("WASMART_BENCH_KEEP") == "" {
		h.EvictIdle(0)
	}
}
