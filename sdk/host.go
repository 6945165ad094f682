package sdk

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Errors returned by the key-value wrappers.
var (
	ErrKVQuota    = errors.New("sdk: key-value quota exceeded")
	ErrKVTooLarge = errors.New("sdk: key or value too large")
	ErrHost       = errors.New("sdk: host error")
	ErrBadPointer = errors.New("sdk: host rejected a pointer")
)

// Log writes a message to the run's log. The host keeps at most the
// configured number of log bytes per call and drops the rest.
func Log(level uint32, msg string) { hostLog(level, msg) }

// Logf formats and logs at info level.
func Logf(format string, args ...any) { hostLog(LevelInfo, fmt.Sprintf(format, args...)) }

var (
	configCached bool
	configBytes  []byte
)

// Config returns the installation's configuration: the JSON document the
// merchant saved, already validated by the host against the manifest's
// schema. It is fetched once per instance (an instance serves a single
// installation and configuration) and cached.
func Config() []byte {
	if !configCached {
		configBytes = hostConfig()
		configCached = true
	}
	return configBytes
}

// DecodeConfig unmarshals Config into v with encoding/json. Call it once (e.g.
// lazily on the first call) and keep the result: it is not meant for the hot
// path.
func DecodeConfig(v any) error {
	c := Config()
	if len(c) == 0 {
		return nil
	}
	return json.Unmarshal(c, v)
}

// KVGet reads a key of the installation's key-value store. The store is
// scoped by the host to this tenant and installation: no key can name
// another tenant's data.
func KVGet(key string) (val []byte, ok bool, err error) { return hostKVGet(key) }

// KVSet writes a key. Keys are at most MaxKVKey bytes and values at most
// MaxKVValue bytes; the installation also has a total quota.
func KVSet(key string, val []byte) error { return hostKVSet(key, val) }

// KVDelete removes a key; deleting a missing key is not an error.
func KVDelete(key string) error { return hostKVDelete(key) }
