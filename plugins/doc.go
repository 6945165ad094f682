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
//     outcome, capped guest logs) so runs can be listed and replayed; DB
//     persistence implements it elsewhere.
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
// 50-line pricing call became 4–6× slower. The host instead rewrites each
// module when it compiles it (instrument.go): it adds an exported mutable
// global and a `global.get; if; unreachable; end` after every `loop`, and a
// per-instance reusable timer sets the global when the deadline passes.
// That costs a load and a branch per loop iteration. Measured with
// BenchmarkDeadline and BenchmarkDeadlineStop on a shared 2-core machine
// (50-line cart, medians of 3; the machine was heavily loaded by other
// work, so absolute numbers are pessimistic):
//
//	mode        50-line call   infinite loop stopped after deadline +
//	none        ~46 µs         never
//	interrupt   ~44 µs         < 1 ms   (default)
//	watchdog    ~161 µs        < 1 ms   (WithCloseOnContextDone + timer closing the module)
//	context     ~168 µs        < 1 ms   (WithCloseOnContextDone + context.WithTimeout)
//
// So the interrupt costs nothing measurable and stops an infinite loop well
// within deadline + 10 ms. Modes other than DeadlineInterrupt remain
// selectable (Options.Deadline) to re-measure.
//
// A wall-clock deadline also counts time the OS thread is descheduled: on
// an overloaded machine a normal call can time out. That is by design (the
// checkout must not wait); the breaker only opens after repeated failures.
//
// # Known limits
//
// wazero grows a call's stack on the Go heap up to ~400 MB before reporting
// a stack overflow, so a recursion bomb costs a few hundred MB transiently
// (bounded by Options.MaxConcurrentCalls concurrent guest calls; the
// instance is discarded afterwards).
package plugins
