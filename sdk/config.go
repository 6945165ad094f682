package sdk

import (
	"encoding/json"
	"unsafe"
)

// ConfigCache parses the installation config once and returns the cached
// value afterwards. Use one package-level ConfigCache per plugin:
//
//	var cfg sdk.ConfigCache[Settings]
//	...
//	s, err := cfg.Get()
//
// It re-parses only when the raw config changes, which in Wasm never happens
// within an instance and in native tests happens when a harness with another
// config runs.
type ConfigCache[T any] struct {
	raw   []byte
	val   T
	err   error
	valid bool
	// Defaults, if set, is applied to the zero value before unmarshalling.
	Defaults func(*T)
	// Prepare, if set, runs after unmarshalling: precompute lookups and
	// labels there so the hot path allocates nothing.
	Prepare func(*T) error
}

// Get returns the parsed config.
func (c *ConfigCache[T]) Get() (T, error) {
	raw := Config()
	if c.valid && len(raw) == len(c.raw) && unsafe.SliceData(raw) == unsafe.SliceData(c.raw) {
		return c.val, c.err
	}
	var v T
	if c.Defaults != nil {
		c.Defaults(&v)
	}
	var err error
	if len(raw) > 0 {
		err = json.Unmarshal(raw, &v)
	}
	if err == nil && c.Prepare != nil {
		err = c.Prepare(&v)
	}
	c.raw, c.val, c.err, c.valid = raw, v, err, true
	return v, err
}
