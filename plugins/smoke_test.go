package plugins

import (
	"context"
	"os"
	"testing"

	"github.com/wasmart/wasmart/sdk/sdktest"
)

func TestSmoke(t *testing.T) {
	ctx := context.Background()
	wasm, man, err := CachedFirstParty(ctx, "pricing")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(wasm)
	m, err := ParseManifest(man)
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHost(Options{CacheDir: "/tmp/wzcache"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	hash, err := h.Register(ctx, m, b)
	if err != nil {
		t.Fatal(err)
	}
	inst := &Installation{Tenant: "t1", ID: "i1", Manifest: m, ModuleHash: hash, Config: []byte(sdktest.VolumeTierConfig)}
	out, err := h.Price(ctx, inst, sdktest.SampleCart(50))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d adjustments %+v", len(out.Adjustments), out.Adjustments[0])
}

func BenchmarkSmoke(b *testing.B) {
	ctx := context.Background()
	wasm, man, _ := CachedFirstParty(ctx, "pricing")
	bb, _ := os.ReadFile(wasm)
	m, _ := ParseManifest(man)
	for _, mode := range []DeadlineMode{DeadlineInterrupt, DeadlineWatchdog, DeadlineContext, DeadlineNone} {
		h, _ := NewHost(Options{CacheDir: "/tmp/wzcache", Deadline: mode})
		hash, _ := h.Register(ctx, m, bb)
		inst := &Installation{Tenant: "t1", ID: "i1", Manifest: m, ModuleHash: hash, Config: []byte(sdktest.VolumeTierConfig)}
		for _, n := range []int{1, 50} {
			in := sdktest.SampleCart(n)
			b.Run(mode.String()+"/"+string(rune('0'+n/10)), func(b *testing.B) {
				for b.Loop() {
					if _, err := h.Price(ctx, inst, in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		h.Close()
	}
}
