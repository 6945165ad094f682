//go:build wasip1

package logistics

import "github.com/wasmart/wasmart/sdk"

//go:wasmexport wasmart_quote
func export(ptr, n uint32) uint64 {
	return sdk.Pack(sdk.DispatchLogistics(sdk.TakeInput(ptr, n)))
}
