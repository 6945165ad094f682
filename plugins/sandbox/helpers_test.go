package sandbox

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/plugins/build"
)

// wat compiles testdata/<name>.wat with wat2wasm (Debian package wabt).
// Nothing is skipped: without wat2wasm the test fails with instructions.
func wat(t testing.TB, name string) []byte {
	t.Helper()
	bin, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Fatalf("wat2wasm not found: install wabt (apt-get install -y wabt); the Makefile does this")
	}
	out := filepath.Join(t.TempDir(), name+".wasm")
	cmd := exec.Command(bin, filepath.Join("testdata", name+".wat"), "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm %s: %v\n%s", name, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func pricingManifest(id string) *Manifest {
	return &Manifest{ID: id, Version: "1.0.0", ABIVersion: 1, Points: []extension.Point{extension.PointPricing}}
}

// testCacheDir is wazero's compilation cache shared by the tests, so the
// Go guests compile once per machine rather than once per run.
func testCacheDir(testing.TB) string { return build.CacheDir("wazero-test") }

// fakeClock is a settable clock for breakers and idle eviction.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// runLog records runs for assertions.
type runLog struct {
	mu   sync.Mutex
	runs []Run
}

func (l *runLog) RecordRun(_ context.Context, r *Run) {
	c := *r
	c.Input = append([]byte(nil), r.Input...)
	c.Logs = append([]byte(nil), r.Logs...)
	l.mu.Lock()
	l.runs = append(l.runs, c)
	l.mu.Unlock()
}

func (l *runLog) count(tenant string, k Kind) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.runs {
		if r.Tenant == tenant && r.Outcome == k {
			n++
		}
	}
	return n
}

// firstParty builds (cached) and returns a first-party plugin.
func firstParty(t testing.TB, name string) (*Manifest, []byte) {
	t.Helper()
	man, b, err := build.FirstParty(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseManifest(man)
	if err != nil {
		t.Fatal(err)
	}
	return m, b
}
