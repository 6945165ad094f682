//go:build wasip1

package sdk

import "unsafe"

// inputBuf holds the buffer handed out by the last wasmart_alloc: the host
// writes a call's input there, and the dispatch aliases strings into it, so a
// fresh buffer is allocated per call (the previous one is garbage once no
// decoded string refers to it).
var inputBuf []byte

//go:wasmexport wasmart_alloc
func wasmartAlloc(size uint32) uint32 {
	if size == 0 {
		size = 1
	}
	inputBuf = make([]byte, size)
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(inputBuf))))
}

//go:wasmexport wasmart_abi_version
func wasmartABIVersion() uint32 { return ABIVersion }

// TakeInput returns the buffer of the last wasmart_alloc, truncated to n
// bytes, after checking that ptr is its address (nil if it is not). Used by the per-point
// export packages.
func TakeInput(ptr, n uint32) []byte {
	b := inputBuf
	inputBuf = nil
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
