//go:build wasip1

package reporting

import "github.com/wasmart/wasmart/sdk"

//go:wasmexport wasmart_report
func export(ptr, n uint32) uint64 {
	return sdk.Pack(sdk.DispatchReporting(sdk.TakeInput(ptr, n)))
}
