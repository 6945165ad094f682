// Package sdk is the Go SDK for Wasmart plugins and the single source of
// truth for the wire format that crosses the plugin boundary.
//
// What lives here:
//   - ABI constants (export and import names, status codes), see ABI.md for
//     the language-neutral specification (ABI version 1).
//   - The types of each extension point's input and output.
//   - Hand-written codecs for those types (codec.go, wire.go). The host
//     (package plugins/sandbox) and the guest use the very same code.
//   - Handler registration (HandlePricing, ...) and the dispatch that turns
//     input bytes into output bytes, used by the Wasm exports and by the
//     native test harness (package sdk/sdktest).
//   - Host-call wrappers (Log, Config, KVGet, KVSet, KVDelete). Built for
//     GOOS=wasip1 they call the host's imports; built natively they call a
//     NativeHost installed by the test harness.
//
// A plugin is a main package that registers its handler in init and links the
// export of its extension point by importing the matching sub-package:
//
//	import (
//		"github.com/wasmart/wasmart/sdk"
//		"github.com/wasmart/wasmart/sdk/pricing"
//	)
//
//	func init() { pricing.Handle(price) }
//	func price(in *sdk.PricingInput) (*sdk.PricingOutput, error) { ... }
//	func main() {}
//
// and is built with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugin.wasm .
package sdk

// ABIVersion is the version of the ABI this SDK implements.
const ABIVersion = 1

// ImportModule is the module name of every host function.
const ImportModule = "wasmart"

// Guest exports common to every plugin.
const (
	ExportMemory     = "memory"
	ExportAlloc      = "wasmart_alloc"       // (size i32) -> ptr i32
	ExportABIVersion = "wasmart_abi_version" // () -> i32
	ExportInitialize = "_initialize"         // optional reactor initialiser
)

// Guest exports, one per extension point: (ptr i32, len i32) -> i64, where
// the result packs the output envelope as ptr<<32 | len.
const (
	ExportPricing         = "wasmart_price"
	ExportRecommendations = "wasmart_recommend"
	ExportLogistics       = "wasmart_quote"
	ExportReporting       = "wasmart_report"
)

// Host imports (module "wasmart").
const (
	ImportLog      = "log"        // (level i32, ptr i32, len i32) -> ()
	ImportConfig   = "config_get" // (ptr i32, cap i32) -> i32 size
	ImportKVGet    = "kv_get"     // (kptr, klen, vptr, vcap i32) -> i32
	ImportKVSet    = "kv_set"     // (kptr, klen, vptr, vlen i32) -> i32
	ImportKVDelete = "kv_delete"  // (kptr, klen i32) -> i32
)

// Output envelope status bytes.
const (
	StatusOK    byte = 0
	StatusError byte = 1
)

// Host-call result codes (negative i32 values).
const (
	CodeNotFound   int32 = -1 // kv_get: no such key
	CodeQuota      int32 = -2 // kv_set: the installation's quota would be exceeded
	CodeTooLarge   int32 = -3 // key or value above the per-entry cap
	CodeHostError  int32 = -4 // storage failed; retrying may help
	CodeBadPointer int32 = -5 // a pointer/length pair was outside memory
)

// Log levels for the log import.
const (
	LevelDebug uint32 = 0
	LevelInfo  uint32 = 1
	LevelWarn  uint32 = 2
	LevelError uint32 = 3
)

// KV limits the host enforces for ABI version 1 (see ABI.md).
const (
	MaxKVKey   = 256
	MaxKVValue = 64 << 10
)
