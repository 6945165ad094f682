// Package sandbox is Wasmart's WebAssembly host: it validates plugin
// modules, compiles them once per content hash, and runs one call of a
// tenant's installed plugin in a sandbox built on wazero, with limits, a
// breaker and typed failures. It keeps nothing in a database and imports no
// database package (TestImportDirections in cmd/wasmart enforces it): what
// it must store — modules, the plugins' key-value data, run records — goes
// through interfaces (ModuleStore, KVStore, RunRecorder) with in-memory
// implementations here and database ones in package plugins, the platform
// service. So `wasmart plugin test`, the benchmarks and these tests run a
// plugin with no database at all.
//
// # Pieces
//
//   - Manifest, ParseManifest, ValidateConfig: what a plugin declares (id,
//     version, ABI version, extension points, config JSON Schema, limits).
//   - ValidateModule / Host.Register: upload checks (size cap, Wasm
//     validity, allowed imports only, exports exactly matching the declared
//     points, declared memory within the cap, ABI version, no start
//     section), then storage by content hash (ModuleStore: MemStore,
//     DirStore) and compilation once per hash through wazero's file
//     compilation cache (Options.CacheDir).
//   - Host.Price / Recommend / Quote / Report: one call of an installation's
//     plugin. Instances are pooled per (tenant, installation, module hash,
//     config) — never shared between tenants — created lazily, evicted when
//     idle (Options.IdleTTL) or when the global memory budget
//     (Options.MemoryBudget) needs room. Function handles are cached per
//     instance, and a warm call is a single guest call (ABI.md §3).
//   - Limits per call: deadline (50 ms pricing, logistics and
//     recommendations; 2 s reporting), memory pages, input/output/log bytes,
//     key-value calls. Failures are typed (Failure, Kind): timeout, memory,
//     trap, invalid_output, output_too_large, abi_mismatch, plugin_error,
//     breaker_open, ... Outputs are validated (ValidatePricing, ...): e.g. a
//     discount cannot push a line or the order below zero or name a line
//     that is not in the cart.
//   - A circuit breaker per installation opens after consecutive failures
//     (Options.Breaker), lets one trial through after the cool-down and
//     closes on success (Host.BreakerStatus for the console).
//   - RunRecorder receives every run (input bytes and hash, duration,
//     outcome, capped guest logs) so runs can be listed and replayed; the
//     platform's recorder writes them to the database off the caller's path.
//   - KVStore is the plugins' key-value store, scoped by the host to
//     (tenant, installation) with quotas (MemKV in memory). A call made
//     inside a transaction passes its context to the store, so a database
//     store does its reads and writes in that transaction.
//   - PricingAdapter, RecommendationsAdapter, LogisticsAdapter,
//     ReportingAdapter implement core/extension's interfaces for one
//     installation: they translate core's requests to the ABI's wire types
//     and back and, on any failure, return the caller's fallback
//     (BestSellers is the built-in recommendations fallback). They live
//     here, not in package plugins, because "a plugin that fails never
//     breaks a checkout" is the sandbox's contract: the adapters need only
//     a Host and an Installation, the sandbox's tests check the fallback
//     through them, and a caller without a database can use them. Which
//     installations run, and in what order, is the platform's business
//     (plugins.Service's pipeline and chains).
//
// # Deadline mechanism
//
// wazero has no instruction metering; a runaway guest can only be stopped
// by code the compiler inserts. WithCloseOnContextDone(true) inserts, at
// every loop header, a call out to a Go trampoline that checks whether the
// module was closed; Go guests enter a loop in almost every function, so the
// 50-line pricing call became 4.4–4.7× slower. The host instead rewrites
// each module when it compiles it (instrument.go): it adds two globals (an
// exported interrupt flag and a countdown) and a short check after every
// `loop`; a per-instance reusable timer sets the flag when the deadline
// passes and the guest traps at a following loop iteration.
// Every checkPeriod (4095) iterations the inserted code also exits to Go
// once (a zero-page memory.grow, which wazero runs in Go), because native
// guest code cannot be preempted: without it a spinning guest blocked a
// stop-the-world GC, which in turn kept the deadline timer from running (a
// deadlock first seen in BenchmarkDeadlineStop). Measured with
// BenchmarkDeadline and BenchmarkDeadlineStop (50-line cart, medians of 3,
// shared 2-core machine under load from other work; cpu-ns/op is the
// calling thread's CPU time, which load distorts far less than wall time):
//
//	mode        50-line call (CPU)   (wall)    infinite loop stopped after deadline +
//	none        25.0 µs              37 µs     never
//	interrupt   26.7 µs (+7 %)       29 µs     0.55 ms   (default)
//	watchdog    116.5 µs (4.7×)      117 µs    0.65 ms   (WithCloseOnContextDone + timer closing the module)
//	context     110.9 µs (4.4×)      112 µs    0.63 ms   (WithCloseOnContextDone + context.WithTimeout)
//
// So the interrupt costs about 7 % and stops an infinite loop well within
// deadline + 10 ms. Modes other than DeadlineInterrupt remain
// selectable (Options.Deadline) to re-measure.
//
// A wall-clock deadline also counts time the OS thread is descheduled: on
// an overloaded machine a normal call can time out. That is by design (the
// checkout must not wait); the breaker only opens after repeated failures.
//
// # Other figures (same run)
//
//	BenchmarkPricingPlugin/lines=1|50|200   2.0 | 26.5 | 97 µs CPU (2.8 | 34 | 142 µs wall)
//	BenchmarkPricingNative/lines=1|50|200   0.27 | 6.6 | 30 µs CPU (plugins/firstparty/pricing)
//	BenchmarkInstantiate                    3.7 ms (instantiate + _initialize of a Go guest)
//	BenchmarkCompile/cold, /cache           1.05 s, 46 ms
//	BenchmarkParallelCalls                  68,000 calls/s (50 lines, 2 cores)
//	BenchmarkInstanceMemory                 5.2 MiB heap per warm instance (4 MiB linear
//	                                        memory): ~780 tenants with one warm plugin in 4 GiB
//
// # Known limits
//
// wazero grows a call's stack on the Go heap up to ~400 MB before reporting
// a stack overflow, so a recursion bomb costs a few hundred MB transiently
// (bounded by Options.MaxConcurrentCalls concurrent guest calls; the
// instance is discarded afterwards).
package sandbox
