package plugins

import (
	"context"
	"os"
	"testing"

	"github.com/wasmart/wasmart/sdk/sdktest"
)

func BenchmarkExp(b *testing.B) {
	ctx := context.Background()
	wasm, man, _ := CachedFirstParty(ctx, "pricing")
	bb, _ := os.ReadFile(wasm)
	m, _ := ParseManifest(man)
	h, _ := NewHost(Options{CacheDir: "/tmp/wzcache"})
	defer h.Close()
	hash, _ := h.Register(ctx, m, bb)
	for _, cfg := range []string{"{}", sdktest.VolumeTierConfig} {
		inst := &Installation{Tenant: "t1", ID: cfg, Manifest: m, ModuleHash: hash, Config: []byte(cfg)}
		for _, n := range []int{0, 1, 50} {
			in := sdktest.SampleCart(n)
			b.Run(cfg[:2]+"/"+string(rune('0'+n/10)), func(b *testing.B) {
				for b.Loop() {
					if _, err := h.Price(ctx, inst, in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
