//go:build !wasip1

package sdk

// NativeHost is what the host imports do when the SDK is built natively
// (tests, benchmarks). The test harness (package sdk/sdktest) installs one.
type NativeHost interface {
	Log(level uint32, msg string)
	Config() []byte
	KVGet(key string) ([]byte, bool, error)
	KVSet(key string, val []byte) error
	KVDelete(key string) error
}

var native NativeHost

// SetNativeHost installs h as the native host and clears the cached config.
// It exists only in native builds.
func SetNativeHost(h NativeHost) {
	native = h
	configCached = false
	configBytes = nil
}

func hostLog(level uint32, msg string) {
	if native != nil {
		native.Log(level, msg)
	}
}

func hostConfig() []byte {
	if native == nil {
		return nil
	}
	return native.Config()
}

func hostKVGet(key string) ([]byte, bool, error) {
	if native == nil {
		return nil, false, ErrHost
	}
	return native.KVGet(key)
}

func hostKVSet(key string, val []byte) error {
	if native == nil {
		return ErrHost
	}
	return native.KVSet(key, val)
}

func hostKVDelete(key string) error {
	if native == nil {
		return ErrHost
	}
	return native.KVDelete(key)
}
