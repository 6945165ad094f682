package plugins

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/jobs"
	"github.com/wasmart/wasmart/sdk"
)

// DeadlineMode selects how a call's deadline is enforced. See the package
// documentation for the measurements behind the default.
type DeadlineMode int

// Deadline modes.
const (
	// DeadlineInterrupt instruments every module at compile time (see
	// instrument): each loop header tests an exported global, and a
	// per-instance reusable timer sets that global when the deadline passes,
	// so the guest traps at its next loop header. Default: the cheapest mode
	// that stops an infinite loop.
	DeadlineInterrupt DeadlineMode = iota
	// DeadlineWatchdog compiles modules with wazero's termination checks
	// (WithCloseOnContextDone) and arms a per-instance reusable timer that
	// closes the module when the deadline passes. The call context has no
	// Done channel, so wazero does not watch it.
	DeadlineWatchdog
	// DeadlineContext compiles with termination checks and passes a
	// context.WithTimeout to every call (wazero closes the module).
	DeadlineContext
	// DeadlineNone has no termination checks and no deadline: an infinite
	// loop never ends. Only for measuring the cost of the other modes.
	DeadlineNone
)

func (m DeadlineMode) String() string {
	switch m {
	case DeadlineInterrupt:
		return "interrupt"
	case DeadlineWatchdog:
		return "watchdog"
	case DeadlineContext:
		return "context"
	case DeadlineNone:
		return "none"
	}
	return "unknown"
}

// Options configure a Host. Zero values get the documented defaults.
type Options struct {
	// CacheDir is wazero's file compilation cache; "" keeps compiled code in
	// memory only.
	CacheDir string
	// Store keeps uploaded modules; default an in-memory store.
	Store ModuleStore
	// KV is the plugins' key-value store; default NewMemKV with default quota.
	KV KVStore
	// Recorder receives every run; nil records nothing.
	Recorder RunRecorder

	MaxModuleBytes int    // upload size cap; default 16 MiB
	MaxMemoryPages uint32 // platform cap per instance (64 KiB pages); default 512 (32 MiB)
	DefaultPages   uint32 // when the manifest asks for none; default 256 (16 MiB)
	MemoryBudget   int64  // all instances' linear memory together; default 1 GiB
	MaxDeadline    time.Duration
	MaxInputBytes  int // default 1 MiB (reporting datasets are the large ones)
	MaxOutputBytes int // default 256 KiB, a manifest may ask for less
	MaxLogBytes    int // per call; default 4 KiB
	MaxKVOps       int // host KV calls per call; default 64

	// MaxInstances bounds the instances of one installation; default 4.
	MaxInstances int
	// MaxConcurrentCalls bounds guest calls running at once across the host
	// (each may grow a wazero stack up to its ceiling); default 2×GOMAXPROCS.
	MaxConcurrentCalls int
	// IdleTTL evicts instances unused for this long; default 5 min.
	IdleTTL time.Duration
	// InitTimeout bounds instantiation (_initialize); default 2 s.
	InitTimeout time.Duration

	Breaker  BreakerConfig
	Deadline DeadlineMode
	// Now is the host's clock for breakers, idle eviction and run records;
	// default time.Now. Plugins never see it.
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.Store == nil {
		o.Store = NewMemStore()
	}
	if o.KV == nil {
		o.KV = NewMemKV(KVQuota{})
	}
	if o.MaxModuleBytes <= 0 {
		o.MaxModuleBytes = 16 << 20
	}
	if o.MaxMemoryPages == 0 {
		o.MaxMemoryPages = 512
	}
	if o.DefaultPages == 0 {
		o.DefaultPages = 256
	}
	if o.DefaultPages > o.MaxMemoryPages {
		o.DefaultPages = o.MaxMemoryPages
	}
	if o.MemoryBudget <= 0 {
		o.MemoryBudget = 1 << 30
	}
	if o.MaxDeadline <= 0 {
		o.MaxDeadline = 10 * time.Second
	}
	if o.MaxInputBytes <= 0 {
		o.MaxInputBytes = 1 << 20
	}
	if o.MaxOutputBytes <= 0 {
		o.MaxOutputBytes = 256 << 10
	}
	if o.MaxLogBytes <= 0 {
		o.MaxLogBytes = 4 << 10
	}
	if o.MaxKVOps <= 0 {
		o.MaxKVOps = 64
	}
	if o.MaxInstances <= 0 {
		o.MaxInstances = 4
	}
	if o.MaxConcurrentCalls <= 0 {
		o.MaxConcurrentCalls = 2 * runtime.GOMAXPROCS(0)
	}
	if o.IdleTTL <= 0 {
		o.IdleTTL = 5 * time.Minute
	}
	if o.InitTimeout <= 0 {
		o.InitTimeout = 2 * time.Second
	}
	if o.Breaker.Failures <= 0 {
		o.Breaker.Failures = 5
	}
	if o.Breaker.Cooldown <= 0 {
		o.Breaker.Cooldown = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Installation is one tenant's installed plugin: what a call needs to know.
// The tenants/installations layer owns these records; the host only reads.
type Installation struct {
	Tenant     string
	ID         string // unique per tenant
	Manifest   *Manifest
	ModuleHash string
	Config     []byte // JSON, already validated against the manifest schema
}

// Host runs plugins. It is safe for concurrent use. Close it to stop its
// janitor and release every instance.
type Host struct {
	opts  Options
	cache wazero.CompilationCache
	sem   chan struct{}

	mu       sync.Mutex
	runtimes map[uint32]*rtEntry // by memory page limit
	pools    map[poolKey]*pool
	breakers map[breakerKey]*breaker
	memUsed  int64
	closed   bool

	stop chan struct{}
	done chan struct{}
}

type rtEntry struct {
	pages    uint32
	r        wazero.Runtime
	mu       sync.Mutex
	compiled map[string]*compiledEntry
}

type compiledEntry struct {
	once sync.Once
	cm   wazero.CompiledModule
	err  error
	min  uint32 // declared initial pages
}

type poolKey struct {
	tenant, install, hash string
	config                uint64
}

type breakerKey struct{ tenant, install string }

type pool struct {
	key        poolKey
	pagesLimit uint32
	tokens     chan struct{} // one per instance slot
	mu         sync.Mutex
	idle       []*instance // LIFO: the warmest first
}

// NewHost returns a host with the given options.
func NewHost(opts Options) (*Host, error) {
	opts.defaults()
	h := &Host{
		opts:     opts,
		sem:      make(chan struct{}, opts.MaxConcurrentCalls),
		runtimes: map[uint32]*rtEntry{},
		pools:    map[poolKey]*pool{},
		breakers: map[breakerKey]*breaker{},
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	if opts.CacheDir != "" {
		if err := os.MkdirAll(opts.CacheDir, 0o755); err != nil {
			return nil, err
		}
		c, err := wazero.NewCompilationCacheWithDir(opts.CacheDir)
		if err != nil {
			return nil, err
		}
		h.cache = c
	} else {
		h.cache = wazero.NewCompilationCache()
	}
	go h.janitor()
	return h, nil
}

// Close releases every instance, runtime and the compilation cache.
func (h *Host) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	pools := h.pools
	h.pools = map[poolKey]*pool{}
	rts := h.runtimes
	h.mu.Unlock()
	close(h.stop)
	<-h.done
	for _, p := range pools {
		p.mu.Lock()
		for _, in := range p.idle {
			in.close()
		}
		p.idle = nil
		p.mu.Unlock()
	}
	ctx := context.Background()
	for _, rt := range rts {
		_ = rt.r.Close(ctx)
	}
	return h.cache.Close(ctx)
}

func (h *Host) janitor() {
	defer close(h.done)
	period := h.opts.IdleTTL / 4
	if period < 100*time.Millisecond {
		period = 100 * time.Millisecond
	}
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			_ = jobs.Run(nil, "plugin instance janitor", func() error { h.EvictIdle(h.opts.IdleTTL); return nil })
		}
	}
}

// EvictIdle closes idle instances unused for at least olderThan and returns
// how many it closed. The janitor calls it every IdleTTL/4.
func (h *Host) EvictIdle(olderThan time.Duration) int {
	now := h.opts.Now()
	h.mu.Lock()
	pools := make([]*pool, 0, len(h.pools))
	for _, p := range h.pools {
		pools = append(pools, p)
	}
	h.mu.Unlock()
	n := 0
	for _, p := range pools {
		p.mu.Lock()
		keep := p.idle[:0]
		var drop []*instance
		for _, in := range p.idle {
			if now.Sub(in.lastUsed) >= olderThan {
				drop = append(drop, in)
			} else {
				keep = append(keep, in)
			}
		}
		p.idle = keep
		p.mu.Unlock()
		for _, in := range drop {
			h.discard(in)
			n++
		}
	}
	// Forget pools with nothing idle and nothing running. A call racing
	// with this still works: its instance is discarded on release because
	// its pool is no longer the live one.
	h.mu.Lock()
	for k, p := range h.pools {
		p.mu.Lock()
		if len(p.idle) == 0 && len(p.tokens) == 0 {
			delete(h.pools, k)
		}
		p.mu.Unlock()
	}
	h.mu.Unlock()
	return n
}

// Stats is a snapshot of the host's resource use.
type Stats struct {
	Pools        int
	Instances    int // idle instances
	MemoryBytes  int64
	MemoryBudget int64
}

// Stats returns current resource use.
func (h *Host) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := Stats{Pools: len(h.pools), MemoryBytes: h.memUsed, MemoryBudget: h.opts.MemoryBudget}
	for _, p := range h.pools {
		p.mu.Lock()
		s.Instances += len(p.idle)
		p.mu.Unlock()
	}
	return s
}

// BreakerStatus reports an installation's breaker state and its current run
// of consecutive failures, for the console.
func (h *Host) BreakerStatus(tenant, installation string) (BreakerState, int) {
	h.mu.Lock()
	b := h.breakers[breakerKey{tenant, installation}]
	h.mu.Unlock()
	if b == nil {
		return BreakerClosed, 0
	}
	return b.snapshot(h.opts.Now())
}

// ---------------------------------------------------------------- runtimes

func (h *Host) runtimeFor(pages uint32) (*rtEntry, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errors.New("plugins: host closed")
	}
	if rt := h.runtimes[pages]; rt != nil {
		return rt, nil
	}
	cfg := wazero.NewRuntimeConfigCompiler().
		WithCompilationCache(h.cache).
		WithMemoryLimitPages(pages).
		WithCloseOnContextDone(h.opts.Deadline == DeadlineWatchdog || h.opts.Deadline == DeadlineContext).
		WithCoreFeatures(api.CoreFeaturesV2)
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r); err != nil {
		_ = r.Close(ctx)
		return nil, err
	}
	if err := instantiateHostModule(ctx, r, h); err != nil {
		_ = r.Close(ctx)
		return nil, err
	}
	rt := &rtEntry{pages: pages, r: r, compiled: map[string]*compiledEntry{}}
	h.runtimes[pages] = rt
	return rt, nil
}

func (rt *rtEntry) compile(hash string, mode DeadlineMode, load func() ([]byte, error)) (*compiledEntry, error) {
	rt.mu.Lock()
	ce := rt.compiled[hash]
	if ce == nil {
		ce = &compiledEntry{}
		rt.compiled[hash] = ce
	}
	rt.mu.Unlock()
	ce.once.Do(func() {
		wasm, err := load()
		if err != nil {
			ce.err = err
			return
		}
		if mode == DeadlineInterrupt {
			if wasm, err = instrument(wasm); err != nil {
				ce.err = &Failure{Kind: FailInvalidModule, Msg: "instrument", Err: err}
				return
			}
		}
		cm, err := rt.r.CompileModule(context.Background(), wasm)
		if err != nil {
			ce.err = &Failure{Kind: FailInvalidModule, Msg: "compile", Err: err}
			return
		}
		ce.cm = cm
		for _, m := range cm.ExportedMemories() {
			ce.min = m.Min()
		}
		for _, m := range cm.ImportedMemories() {
			ce.min = m.Min()
		}
	})
	if ce.err != nil {
		rt.mu.Lock()
		if rt.compiled[hash] == ce {
			delete(rt.compiled, hash) // allow a retry later
		}
		rt.mu.Unlock()
	}
	return ce, ce.err
}

func (h *Host) pagesFor(m *Manifest) uint32 {
	p := m.Limits.MemoryPages
	if p == 0 {
		p = h.opts.DefaultPages
	}
	if p > h.opts.MaxMemoryPages {
		p = h.opts.MaxMemoryPages
	}
	return p
}

// Register validates a module against its manifest, stores it by content
// hash, compiles it (warming the file compilation cache) and instantiates it
// once — running _initialize under its deadline and checking
// wasmart_abi_version — so a module that cannot start is refused at upload
// rather than at its first call. It returns the module hash to put in an
// Installation.
func (h *Host) Register(ctx context.Context, m *Manifest, wasm []byte) (string, error) {
	if err := ValidateModule(ctx, m, wasm, h.Policy()); err != nil {
		return "", err
	}
	hash := HashModule(wasm)
	rt, err := h.runtimeFor(h.pagesFor(m))
	if err != nil {
		return "", err
	}
	if _, err := rt.compile(hash, h.opts.Deadline, func() ([]byte, error) { return wasm, nil }); err != nil {
		return "", err
	}
	trial := &Installation{ID: "upload-check", Manifest: m, ModuleHash: hash}
	p := &pool{key: poolKey{install: "upload-check", hash: hash}, tokens: make(chan struct{}, 1), pagesLimit: h.pagesFor(m)}
	in, err := h.instantiateFrom(ctx, p, trial, func() ([]byte, error) { return wasm, nil })
	if err != nil {
		return "", err
	}
	h.discard(in)
	if _, err := h.opts.Store.Put(wasm); err != nil {
		return "", err
	}
	return hash, nil
}

// Policy returns the upload policy derived from the host's options.
func (h *Host) Policy() Policy {
	return Policy{MaxModuleBytes: h.opts.MaxModuleBytes, MaxMemoryPages: h.opts.MaxMemoryPages, DefaultPages: h.opts.DefaultPages}
}

// ---------------------------------------------------------------- instances

// instance is one instantiated module serving one installation. It is used
// by one call at a time.
type instance struct {
	pool     *pool
	mod      api.Module
	mem      api.Memory
	alloc    api.Function
	fns      map[extension.Point]api.Function
	stack    [2]uint64
	st       *callState
	ctx      context.Context // carries st; no Done channel
	enc      sdk.Encoder
	dec      sdk.Decoder
	memBytes int64
	lastUsed time.Time
	bufPtr   uint32 // the last wasmart_alloc result, reusable up to bufCap bytes
	bufCap   uint32

	// deadline: phase is 0 idle, 1 in a call, 2 timed out (interrupted).
	phase     atomic.Int32
	timer     *time.Timer
	interrupt api.MutableGlobal // DeadlineInterrupt only
}

const (
	phaseIdle int32 = iota
	phaseCall
	phaseTimedOut
)

func (in *instance) close() {
	if in.timer != nil {
		in.timer.Stop()
	}
	_ = in.mod.Close(context.Background())
}

func (in *instance) function(p extension.Point) api.Function {
	if f, ok := in.fns[p]; ok {
		return f
	}
	f := in.mod.ExportedFunction(exportFor(p))
	in.fns[p] = f
	return f
}

func configHash(b []byte) uint64 {
	f := fnv.New64a()
	_, _ = f.Write(b)
	return f.Sum64()
}

func (h *Host) poolFor(inst *Installation) (*pool, error) {
	key := poolKey{inst.Tenant, inst.ID, inst.ModuleHash, configHash(inst.Config)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errors.New("plugins: host closed")
	}
	p := h.pools[key]
	if p == nil {
		p = &pool{key: key, tokens: make(chan struct{}, h.opts.MaxInstances), pagesLimit: h.pagesFor(inst.Manifest)}
		h.pools[key] = p
	}
	return p, nil
}

func (h *Host) breakerFor(inst *Installation) *breaker {
	k := breakerKey{inst.Tenant, inst.ID}
	h.mu.Lock()
	defer h.mu.Unlock()
	b := h.breakers[k]
	if b == nil {
		b = newBreaker(h.opts.Breaker)
		h.breakers[k] = b
	}
	return b
}

// reserve accounts n bytes against the budget, evicting idle instances (the
// least recently used first) if needed.
func (h *Host) reserve(n int64) bool {
	for {
		h.mu.Lock()
		if h.memUsed+n <= h.opts.MemoryBudget {
			h.memUsed += n
			h.mu.Unlock()
			return true
		}
		var victim *instance
		var vp *pool
		for _, p := range h.pools {
			p.mu.Lock()
			if len(p.idle) > 0 {
				c := p.idle[0] // the coldest of this pool
				if victim == nil || c.lastUsed.Before(victim.lastUsed) {
					victim, vp = c, p
				}
			}
			p.mu.Unlock()
		}
		h.mu.Unlock()
		if victim == nil {
			return false
		}
		vp.mu.Lock()
		found := false
		for i, c := range vp.idle {
			if c == victim {
				vp.idle = append(vp.idle[:i], vp.idle[i+1:]...)
				found = true
				break
			}
		}
		vp.mu.Unlock()
		if found {
			h.discard(victim)
		}
	}
}

func (h *Host) unreserve(n int64) {
	h.mu.Lock()
	h.memUsed -= n
	h.mu.Unlock()
}

// discard closes an instance and returns its memory to the budget.
func (h *Host) discard(in *instance) {
	in.close()
	h.unreserve(in.memBytes)
}

// acquire returns an instance of inst's pool for a call, creating one
// lazily, and holds a slot of the host-wide call semaphore. The pool token
// is taken first, so calls queued on one busy installation do not hold
// call slots other tenants need. The caller must release both.
func (h *Host) acquire(ctx context.Context, inst *Installation) (*instance, error) {
	p, err := h.poolFor(inst)
	if err != nil {
		return nil, err
	}
	select {
	case p.tokens <- struct{}{}:
	case <-ctx.Done():
		return nil, &Failure{Kind: FailCanceled, Msg: "waiting for an instance", Err: ctx.Err()}
	}
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		<-p.tokens
		return nil, &Failure{Kind: FailCanceled, Msg: "waiting for a call slot", Err: ctx.Err()}
	}
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		in := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return in, nil
	}
	p.mu.Unlock()
	in, err := h.instantiate(ctx, p, inst)
	if err != nil {
		<-h.sem
		<-p.tokens
		return nil, err
	}
	return in, nil
}

// release returns a healthy instance to its pool, or discards it.
func (h *Host) release(in *instance, healthy bool) {
	p := in.pool
	if healthy && !in.mod.IsClosed() {
		size := int64(in.mem.Size())
		if d := size - in.memBytes; d != 0 {
			h.mu.Lock()
			h.memUsed += d
			h.mu.Unlock()
			in.memBytes = size
		}
		in.lastUsed = h.opts.Now()
		h.mu.Lock()
		live := h.pools[p.key] == p
		h.mu.Unlock()
		if live {
			p.mu.Lock()
			p.idle = append(p.idle, in)
			p.mu.Unlock()
			<-p.tokens
			return
		}
	}
	h.discard(in)
	<-p.tokens
}

// instantiate makes a new instance for a call made with ctx (the module is
// loaded, and _initialize's host calls made, with ctx: see callState.caller).
func (h *Host) instantiate(ctx context.Context, p *pool, inst *Installation) (*instance, error) {
	return h.instantiateFrom(ctx, p, inst, func() ([]byte, error) { return h.opts.Store.Get(ctx, inst.ModuleHash) })
}

func (h *Host) instantiateFrom(caller context.Context, p *pool, inst *Installation, load func() ([]byte, error)) (*instance, error) {
	m := inst.Manifest
	rt, err := h.runtimeFor(h.pagesFor(m))
	if err != nil {
		return nil, err
	}
	ce, err := rt.compile(inst.ModuleHash, h.opts.Deadline, load)
	if err != nil {
		return nil, err
	}
	est := int64(ce.min) * 65536
	if !h.reserve(est) {
		return nil, fail(FailCapacity, "host memory budget of %d bytes exhausted", h.opts.MemoryBudget)
	}
	st := &callState{
		host:     h,
		tenant:   inst.Tenant,
		install:  inst.ID,
		config:   inst.Config,
		logCap:   h.logCap(m),
		maxKVOps: h.opts.MaxKVOps,
		caller:   caller,
	}
	defer func() { st.caller = nil }()
	in := &instance{pool: p, st: st, fns: map[extension.Point]api.Function{}}
	in.ctx = context.WithValue(context.Background(), stateKey{}, st)
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions(). // _initialize runs below, under the deadline
		WithStdout(st).
		WithStderr(st)
	mod, err := rt.r.InstantiateModule(in.ctx, ce.cm, cfg)
	if err != nil {
		h.unreserve(est)
		return nil, classify(err, st.takeLogs(), false, "instantiate")
	}
	in.mod = mod
	in.memBytes = est
	in.mem = mod.ExportedMemory(sdk.ExportMemory)
	in.alloc = mod.ExportedFunction(sdk.ExportAlloc)
	abi := mod.ExportedFunction(sdk.ExportABIVersion)
	if in.mem == nil || in.alloc == nil || abi == nil {
		h.discard(in)
		return nil, fail(FailABIMismatch, "module lacks memory, %s or %s", sdk.ExportAlloc, sdk.ExportABIVersion)
	}
	switch h.opts.Deadline {
	case DeadlineInterrupt:
		g, ok := mod.ExportedGlobal(InterruptGlobal).(api.MutableGlobal)
		if !ok {
			h.discard(in)
			return nil, fail(FailABIMismatch, "instrumented module lacks %s", InterruptGlobal)
		}
		in.interrupt = g
		in.timer = time.AfterFunc(time.Hour, func() {
			if in.phase.CompareAndSwap(phaseCall, phaseTimedOut) {
				in.interrupt.Set(1)
			}
		})
		in.timer.Stop()
	case DeadlineWatchdog:
		in.timer = time.AfterFunc(time.Hour, func() {
			if in.phase.CompareAndSwap(phaseCall, phaseTimedOut) {
				_ = in.mod.CloseWithExitCode(context.Background(), sys.ExitCodeDeadlineExceeded)
			}
		})
		in.timer.Stop()
	}
	if init := mod.ExportedFunction(sdk.ExportInitialize); init != nil {
		timedOut, err := h.guard(in, h.opts.InitTimeout, func(ctx context.Context) error {
			_, err := init.Call(ctx)
			return err
		})
		if timedOut {
			h.discard(in)
			return nil, &Failure{Kind: FailTimeout, Msg: "_initialize exceeded " + h.opts.InitTimeout.String(), Err: err}
		}
		if err != nil {
			logs := st.takeLogs()
			atCap := in.memAtCap()
			h.discard(in)
			return nil, classify(err, logs, atCap, "_initialize")
		}
	}
	st.logs = st.logs[:0]
	res, err := abi.Call(in.ctx)
	if err != nil || len(res) != 1 || uint32(res[0]) != sdk.ABIVersion {
		h.discard(in)
		return nil, &Failure{Kind: FailABIMismatch, Msg: fmt.Sprintf("%s returned %v, want %d", sdk.ExportABIVersion, res, sdk.ABIVersion), Err: err}
	}
	size := int64(in.mem.Size())
	h.mu.Lock()
	h.memUsed += size - est
	h.mu.Unlock()
	in.memBytes = size
	return in, nil
}

// guard runs fn under the deadline mechanism and reports whether the
// deadline passed (the instance must then be discarded).
func (h *Host) guard(in *instance, d time.Duration, fn func(ctx context.Context) error) (timedOut bool, err error) {
	ctx := in.ctx
	switch h.opts.Deadline {
	case DeadlineInterrupt, DeadlineWatchdog:
		in.phase.Store(phaseCall)
		in.timer.Reset(d)
	case DeadlineContext:
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	err = fn(ctx)
	switch h.opts.Deadline {
	case DeadlineInterrupt, DeadlineWatchdog:
		in.timer.Stop()
		timedOut = !in.phase.CompareAndSwap(phaseCall, phaseIdle)
	case DeadlineContext:
		timedOut = ctx.Err() == context.DeadlineExceeded
	}
	return timedOut, err
}

func (h *Host) logCap(m *Manifest) int {
	if m.Limits.LogBytes > 0 && m.Limits.LogBytes < h.opts.MaxLogBytes {
		return m.Limits.LogBytes
	}
	return h.opts.MaxLogBytes
}

func (h *Host) outputCap(m *Manifest) int {
	if m.Limits.OutputBytes > 0 && m.Limits.OutputBytes < h.opts.MaxOutputBytes {
		return m.Limits.OutputBytes
	}
	return h.opts.MaxOutputBytes
}

func (h *Host) deadline(m *Manifest, p extension.Point) time.Duration {
	d := defaultDeadline(p)
	if m.Limits.DeadlineMS > 0 {
		d = time.Duration(m.Limits.DeadlineMS) * time.Millisecond
	}
	if d > h.opts.MaxDeadline {
		d = h.opts.MaxDeadline
	}
	return d
}

// ---------------------------------------------------------------- calls

// invoke runs one call of point p: encode writes the input, decode reads
// the output payload (the bytes alias guest memory and are valid only during
// decode; decode must copy what it keeps).
func (h *Host) invoke(ctx context.Context, inst *Installation, p extension.Point,
	encode func(*sdk.Encoder), decode func(*sdk.Decoder) error) (err error) {
	if inst == nil || inst.Manifest == nil {
		return errors.New("plugins: nil installation or manifest")
	}
	if !inst.Manifest.Declares(p) {
		return fail(FailABIMismatch, "%s does not declare %s", inst.Manifest, p)
	}
	if err := ctx.Err(); err != nil {
		return &Failure{Kind: FailCanceled, Msg: "the caller's context is done", Err: err}
	}
	b := h.breakerFor(inst)
	start := h.opts.Now()
	if !b.allow(start) {
		err := fail(FailBreakerOpen, "%s/%s breaker open", inst.Tenant, inst.ID)
		h.record(ctx, inst, p, nil, start, err, nil, false)
		return err
	}
	in, err := h.acquire(ctx, inst)
	if err != nil {
		if k := KindOf(err); k == FailCanceled || k == FailCapacity {
			b.release()
		} else {
			b.done(h.opts.Now(), false)
		}
		h.record(ctx, inst, p, nil, start, err, nil, false)
		return err
	}
	healthy := true
	st := in.st
	st.caller = ctx
	defer func() {
		st.caller = nil
		<-h.sem
		h.release(in, healthy)
	}()

	st.logs = st.logs[:0]
	st.logsDropped = false
	st.kvOps = 0
	in.enc.B = in.enc.B[:0]
	encode(&in.enc)
	input := in.enc.B

	d := h.deadline(inst.Manifest, p)
	if dl, ok := ctx.Deadline(); ok {
		// The caller's own deadline wins when it is sooner.
		if r := time.Until(dl); r < d {
			d = r
		}
	}
	if d <= 0 {
		err = &Failure{Kind: FailCanceled, Msg: "the caller's deadline has passed", Err: ctx.Err()}
	} else {
		err, healthy = h.call(in, inst, p, input, d, decode)
	}
	if err != nil {
		if KindOf(err) == FailCanceled {
			b.release()
		} else {
			b.done(h.opts.Now(), false)
		}
	} else {
		b.done(h.opts.Now(), true)
	}
	h.record(ctx, inst, p, input, start, err, st.logs, st.logsDropped)
	return err
}

func (h *Host) call(in *instance, inst *Installation, p extension.Point, input []byte,
	d time.Duration, decode func(*sdk.Decoder) error) (error, bool) {
	if len(input) > h.opts.MaxInputBytes {
		return fail(FailInputTooLarge, "input of %d bytes above the %d cap", len(input), h.opts.MaxInputBytes), true
	}
	fn := in.function(p)
	if fn == nil {
		return fail(FailABIMismatch, "module does not export %s", exportFor(p)), true
	}
	var packed uint64
	timedOut, err := h.guard(in, d, func(ctx context.Context) error {
		var err error
		packed, err = h.guestCall(ctx, in, fn, input)
		return err
	})
	if timedOut && !isStackOverflow(err) {
		return &Failure{Kind: FailTimeout, Msg: "deadline of " + d.String() + " exceeded", Err: err}, false
	}
	if err != nil {
		if f, ok := err.(*Failure); ok {
			return f, false
		}
		return classify(err, in.st.logs, in.memAtCap(), "call"), false
	}
	outPtr, outLen := uint32(packed>>32), uint32(packed)
	if int64(outLen) > int64(h.outputCap(inst.Manifest)) {
		return fail(FailOutputTooLarge, "output of %d bytes above the %d cap", outLen, h.outputCap(inst.Manifest)), true
	}
	out, ok := in.mem.Read(outPtr, outLen)
	if !ok {
		return fail(FailInvalidOutput, "output pointer %#x+%d outside memory of %d bytes", outPtr, outLen, in.mem.Size()), false
	}
	status, payload, err := sdk.DecodeEnvelope(out)
	if err != nil {
		return &Failure{Kind: FailInvalidOutput, Msg: "bad envelope", Err: err}, true
	}
	in.dec.Reset(payload, false)
	if in.dec.Intern == nil {
		in.dec.Intern = new(sdk.Interner)
	}
	if status == sdk.StatusError {
		msg := in.dec.String()
		if len(msg) > 1024 {
			msg = msg[:1024]
		}
		if err := in.dec.Finish(); err != nil {
			return &Failure{Kind: FailInvalidOutput, Msg: "bad error envelope", Err: err}, true
		}
		return &Failure{Kind: FailPluginError, Msg: msg}, true
	}
	if err := decode(&in.dec); err != nil {
		if _, ok := err.(*Failure); ok {
			return err, true
		}
		return &Failure{Kind: FailInvalidOutput, Msg: "undecodable output", Err: err}, true
	}
	return nil, true
}

// guestCall writes input through wasmart_alloc and calls fn.
func (h *Host) guestCall(ctx context.Context, in *instance, fn api.Function, input []byte) (uint64, error) {
	s := in.stack[:]
	ptr := in.bufPtr
	if uint32(len(input)) > in.bufCap || in.bufCap == 0 {
		// ABI v1: the buffer returned by wasmart_alloc(n) may be reused for
		// any later input of up to n bytes, so alloc is called only to grow.
		n := uint32(len(input))
		if n < 4096 {
			n = 4096
		}
		s[0] = uint64(n)
		if err := in.alloc.CallWithStack(ctx, s[:1]); err != nil {
			return 0, err
		}
		ptr = uint32(s[0])
		in.bufPtr, in.bufCap = ptr, n
	}
	if !in.mem.Write(ptr, input) {
		in.bufCap = 0
		return 0, fail(FailABIMismatch, "%s returned %#x, outside memory for %d bytes", sdk.ExportAlloc, ptr, len(input))
	}
	s[0], s[1] = uint64(ptr), uint64(len(input))
	if err := fn.CallWithStack(ctx, s); err != nil {
		return 0, err
	}
	return s[0], nil
}

func (in *instance) memAtCap() bool {
	if in.mem == nil {
		return false
	}
	limit := uint64(in.pool.pagesLimit) * 65536
	return uint64(in.mem.Size())+65536 > limit
}

// isStackOverflow reports a wazero stack overflow: recursion ends in one
// (no loop involved, so no interrupt check ran) and it is reported as a
// trap even when the deadline passed while the stack grew.
func isStackOverflow(err error) bool {
	return err != nil && strings.Contains(err.Error(), "stack overflow")
}

// classify turns a wazero error into a Failure.
func classify(err error, logs []byte, memAtCap bool, what string) *Failure {
	var exit *sys.ExitError
	lg := string(logs)
	if strings.Contains(lg, "out of memory") || memAtCap {
		return &Failure{Kind: FailMemory, Msg: what + ": memory cap reached", Err: err}
	}
	if errors.As(err, &exit) {
		switch exit.ExitCode() {
		case sys.ExitCodeDeadlineExceeded, sys.ExitCodeContextCanceled:
			return &Failure{Kind: FailTimeout, Msg: what + ": deadline exceeded", Err: err}
		}
		return &Failure{Kind: FailTrap, Msg: fmt.Sprintf("%s: guest exited with code %d", what, exit.ExitCode()), Err: err}
	}
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i > 0 {
		msg = msg[:i]
	}
	return &Failure{Kind: FailTrap, Msg: what + ": " + msg, Err: err}
}

func (h *Host) record(ctx context.Context, inst *Installation, p extension.Point, input []byte,
	start time.Time, err error, logs []byte, dropped bool) {
	rec := h.opts.Recorder
	if rec == nil {
		return
	}
	r := &Run{
		Tenant:       inst.Tenant,
		Installation: inst.ID,
		PluginID:     inst.Manifest.ID,
		Version:      inst.Manifest.Version,
		ModuleHash:   inst.ModuleHash,
		Point:        p,
		Input:        input,
		InputHash:    sha256.Sum256(input),
		Start:        start,
		Duration:     h.opts.Now().Sub(start),
		Logs:         logs,
		LogsDropped:  dropped,
	}
	if err != nil {
		r.Outcome = KindOf(err)
		if r.Outcome == "" {
			r.Outcome = FailTrap
		}
		r.Error = err.Error()
	}
	rec.RecordRun(ctx, r)
}
