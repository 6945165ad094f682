// Package plugins is Wasmart's plugin platform: the plugin catalogue and
// private uploads, each tenant's installations, the run log, dry runs and
// replays, and the wiring of the tenant's enabled plugins into checkout,
// the storefront and the console. It runs plugins through the sandbox in
// plugins/sandbox (the wazero host, which has no database) and gives that
// host its database-backed stores.
//
// The code is in three packages:
//
//   - plugins/sandbox: validation, compilation, instances, limits, breaker,
//     typed failures, the adapters to core/extension; no database.
//   - plugins (this package): Service, the platform over the database.
//   - plugins/build: the toolchain that builds the first-party plugins under
//     plugins/firstparty (`go run ./plugins/cmd/build-firstparty -o
//     data/plugins`, `wasmart plugin`, the tests).
//
// # Tables
//
// The package owns the tables its migrations create; nothing else names
// them:
//
//   - plugin_modules: uploaded .wasm by content hash (global;
//     DBModuleStore, the host's sandbox.ModuleStore).
//   - plugin_versions: the platform catalogue (tenant_id "") and each
//     tenant's private uploads; a version is immutable once published.
//   - plugin_installations: a tenant's installed plugins with config,
//     enabled flag, position among plugins of the same point, pin and the
//     previous version/config for rollback.
//   - plugin_runs: every call (DBRecorder, the host's sandbox.RunRecorder,
//     writing in batches off the caller's path and dropping, and counting,
//     runs when its buffer is full); inputs kept for
//     ServiceOptions.InputRetention, rows for RunRetention (Service.Purge).
//   - plugin_kv: the plugins' key-value data (DBKV, the host's
//     sandbox.KVStore).
//
// The shop data it puts in plugin inputs comes from core/catalog,
// core/inventory, core/order and core/checkout through their functions,
// never from their tables.
//
// # Service
//
//   - registry.go: Publish (manifest and module validated by the sandbox,
//     stored by content hash) and Catalog.
//   - installations.go: install, configure against the manifest's JSON
//     Schema, enable, order, pin, upgrade, roll back, uninstall; audited.
//   - runs.go: the run log (Runs, Run, Stats) and retention (Purge).
//   - dryrun.go: DryRun on the last recorded inputs of a point (for a
//     first pricing plugin, the carts of the last orders), Replay and
//     Fixture. Dry runs and replays run under ids of their own and are not
//     recorded, so they neither add runs nor move the real installation's
//     breaker.
//   - wiring.go and shopdata.go: Pipeline (a pricing.Pipeline with the
//     tenant's enabled pricing and logistics plugins, chained in their
//     order through the sandbox's adapters), Recommend (candidates and
//     co-purchases from the shop's catalog and orders; best sellers as
//     fallback) and Report (datasets from orders and customers).
package plugins
