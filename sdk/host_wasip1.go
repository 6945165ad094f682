//go:build wasip1

package sdk

import (
	"errors"
	"fmt"
	"unsafe"
)

var errUnknownCode = errors.New("sdk: unknown host result code")

// codeErr maps a host call's negative result code to its error.
func codeErr(c int32) error {
	switch c {
	case CodeQuota:
		return ErrKVQuota
	case CodeTooLarge:
		return ErrKVTooLarge
	case CodeHostError:
		return ErrHost
	case CodeBadPointer:
		return ErrBadPointer
	}
	return fmt.Errorf("%w %d", errUnknownCode, c)
}

//go:wasmimport wasmart log
func importLog(level uint32, ptr unsafe.Pointer, n uint32)

//go:wasmimport wasmart config_get
func importConfigGet(ptr unsafe.Pointer, capacity uint32) int32

//go:wasmimport wasmart kv_get
func importKVGet(kptr unsafe.Pointer, klen uint32, vptr unsafe.Pointer, vcap uint32) int32

//go:wasmimport wasmart kv_set
func importKVSet(kptr unsafe.Pointer, klen uint32, vptr unsafe.Pointer, vlen uint32) int32

//go:wasmimport wasmart kv_delete
func importKVDelete(kptr unsafe.Pointer, klen uint32) int32

func strPtr(s string) unsafe.Pointer { return unsafe.Pointer(unsafe.StringData(s)) }

func bufPtr(b []byte) unsafe.Pointer {
	if cap(b) == 0 {
		return nil
	}
	return unsafe.Pointer(unsafe.SliceData(b[:cap(b)]))
}

func hostLog(level uint32, msg string) {
	importLog(level, strPtr(msg), uint32(len(msg)))
}

func hostConfig() []byte {
	buf := make([]byte, 1024)
	for {
		n := importConfigGet(bufPtr(buf), uint32(len(buf)))
		if n < 0 {
			return nil
		}
		if int(n) <= len(buf) {
			return buf[:n]
		}
		buf = make([]byte, n)
	}
}

func hostKVGet(key string) ([]byte, bool, error) {
	buf := make([]byte, 256)
	for {
		n := importKVGet(strPtr(key), uint32(len(key)), bufPtr(buf), uint32(len(buf)))
		if n == CodeNotFound {
			return nil, false, nil
		}
		if n < 0 {
			return nil, false, codeErr(n)
		}
		if int(n) <= len(buf) {
			return buf[:n], true, nil
		}
		buf = make([]byte, n)
	}
}

func hostKVSet(key string, val []byte) error {
	if c := importKVSet(strPtr(key), uint32(len(key)), bufPtr(val), uint32(len(val))); c < 0 {
		return codeErr(c)
	}
	return nil
}

func hostKVDelete(key string) error {
	if c := importKVDelete(strPtr(key), uint32(len(key))); c < 0 {
		return codeErr(c)
	}
	return nil
}
