//go:build wasip1

package pricing

import "github.com/wasmart/wasmart/sdk"

//go:wasmexport wasmart_price
func export(ptr, n uint32) uint64 {
	return sdk.Pack(sdk.DispatchPricing(sdk.TakeInput(ptr, n)))
}
