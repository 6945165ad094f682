//go:build wasip1

package recommend

import "github.com/wasmart/wasmart/sdk"

//go:wasmexport wasmart_recommend
func export(ptr, n uint32) uint64 {
	return sdk.Pack(sdk.DispatchRecommendations(sdk.TakeInput(ptr, n)))
}
