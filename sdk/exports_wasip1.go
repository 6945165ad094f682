//go:build wasip1

package sdk

import "unsafe"

// inputBuf is the buffer handed out by the last wasmart_alloc. ABI v1 lets
// the host keep writing inputs of up to that size there without calling
// wasmart_alloc again, so it is never reused for anything else. Decoded
// strings alias it: they are valid until the handler returns.
var inputBuf []byte

//go:wasmexport wasmart_alloc
func wasmartAlloc(size uint32) uint32 {
	if size == 0 {
		size = 1
	}
	if int(size) > len(inputBuf) {
		// Grow with headroom so a slightly larger next input needs no call.
		inputBuf = make([]byte, size+size/4)
	}
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(inputBuf))))
}

//go:wasmexport wasmart_abi_version
func wasmartABIVersion() uint32 { return ABIVersion }

// TakeInput returns the buffer of the last wasmart_alloc, truncated to n
// bytes, after checking that ptr is its address (nil if it is not). Used by the per-point
// export packages.
func TakeInput(ptr, n uint32) []byte {
	b := inputBuf
	if b == nil || uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) != ptr || int(n) > len(b) {
		// The host did not follow the protocol: decode nothing, which makes
		// the dispatch report a malformed input.
		return nil
	}
	return b[:n]
}

// Pack returns the packed ptr<<32|len result of an export.
func Pack(out []byte) uint64 {
	if len(out) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(out))))<<32 | uint64(len(out))
}
