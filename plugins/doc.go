// Package plugins is Wasmart's WebAssembly plugin host: it validates and
// stores plugin modules, runs them for a tenant's installation in a
// sandbox built on wazero, and adapts them to the extension points of
// core/extension with fallbacks.
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
//     outcome, capped guest logs) so runs can be listed and replayed;
//     DBRecorder writes them to the database in batches off the caller's
//     path (dropping, and counting, runs when its buffer is full).
//   - Service (registry.go, installations.go, runs.go, dryrun.go,
//     shopdata.go, wiring.go) is the platform over the database: the
//     catalogue and private uploads (plugin_versions; modules by content
//     hash in plugin_modules), a tenant's installations (configure against
//     the JSON Schema, enable, order, pin, upgrade, roll back; audited),
//     the run log with retention (Purge) and Replay, DryRun on the last
//     recorded inputs of a point (for a first pricing plugin, the carts of
//     the last orders), and the product wiring: Pipeline (a
//     checkout.PipelineFunc with the tenant's enabled pricing and logistics
//     plugins), Recommend (candidates and co-purchases from the shop's
//     catalog and orders; best sellers as fallback) and Report (datasets
//     from orders and customers). Dry runs and replays run under ids of
//     their own and are not recorded, so they neither add runs nor move
//     the real installation's breaker.
//   - KVStore is the plugins' key-value store, scoped by the host to
//     (tenant, installation) with quotas (MemKV in memory).
//   - PricingAdapter, RecommendationsAdapter, LogisticsAdapter,
//     ReportingAdapter implement core/extension's interfaces; on failure
//     they return the caller's fallback (BestSellers is the built-in
//     recommendations fallback).
//   - BuildFirstParty / CachedFirstParty build the first-party plugins under
//     plugins/firstparty with the Go SDK (GOOS=wasip1, -buildmode=c-shared);
//     `go run ./plugins/cmd/build-firstparty -o data/plugins` writes them with
//     their manifests.
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
//
// # Tables
//
// The package owns plugin_modules, plugin_versions, plugin_installations,
// plugin_runs and plugin_kv. The shop data it puts in plugin inputs comes
// from core/catalog, core/inventory, core/order and core/checkout through
// their functions, never from their tables.
package plugins
