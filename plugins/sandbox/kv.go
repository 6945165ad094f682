package sandbox

import (
	"context"
	"errors"
	"sync"

	"github.com/wasmart/wasmart/sdk"
)

// KVStore is the plugins' key-value store. Every method is scoped by tenant
// and installation, which the host takes from the instance, never from the
// plugin: a plugin can only name keys inside its own scope.
type KVStore interface {
	Get(ctx context.Context, tenant, installation, key string) ([]byte, bool, error)
	Set(ctx context.Context, tenant, installation, key string, val []byte) error
	Delete(ctx context.Context, tenant, installation, key string) error
}

// KV errors; the host maps them to the ABI's result codes.
var (
	ErrKVQuota    = errors.New("plugins: key-value quota exceeded")
	ErrKVTooLarge = errors.New("plugins: key or value too large")
)

// KVQuota bounds one installation's key-value data.
type KVQuota struct {
	MaxBytes int // sum of key and value lengths; default 1 MiB
	MaxKeys  int // default 10,000
}

type kvScope struct{ tenant, installation string }

type kvSpace struct {
	m     map[string][]byte
	bytes int
}

// MemKV is an in-memory KVStore with per-installation quotas.
type MemKV struct {
	mu    sync.Mutex
	quota KVQuota
	s     map[kvScope]*kvSpace
}

// NewMemKV returns an empty store enforcing q (zero fields get defaults).
func NewMemKV(q KVQuota) *MemKV {
	if q.MaxBytes <= 0 {
		q.MaxBytes = 1 << 20
	}
	if q.MaxKeys <= 0 {
		q.MaxKeys = 10000
	}
	return &MemKV{quota: q, s: map[kvScope]*kvSpace{}}
}

// Get returns a copy of the value.
func (k *MemKV) Get(_ context.Context, tenant, installation, key string) ([]byte, bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	sp := k.s[kvScope{tenant, installation}]
	if sp == nil {
		return nil, false, nil
	}
	v, ok := sp.m[key]
	if !ok {
		return nil, false, nil
	}
	return append([]byte(nil), v...), true, nil
}

// Set stores a copy of val within the quota.
func (k *MemKV) Set(_ context.Context, tenant, installation, key string, val []byte) error {
	if len(key) == 0 || len(key) > sdk.MaxKVKey || len(val) > sdk.MaxKVValue {
		return ErrKVTooLarge
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	sc := kvScope{tenant, installation}
	sp := k.s[sc]
	if sp == nil {
		sp = &kvSpace{m: map[string][]byte{}}
		k.s[sc] = sp
	}
	old, had := sp.m[key]
	delta := len(val) - len(old)
	if !had {
		delta += len(key)
		if len(sp.m) >= k.quota.MaxKeys {
			return ErrKVQuota
		}
	}
	if sp.bytes+delta > k.quota.MaxBytes {
		return ErrKVQuota
	}
	sp.m[key] = append([]byte(nil), val...)
	sp.bytes += delta
	return nil
}

// Delete removes a key.
func (k *MemKV) Delete(_ context.Context, tenant, installation, key string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	sp := k.s[kvScope{tenant, installation}]
	if sp == nil {
		return nil
	}
	if old, ok := sp.m[key]; ok {
		sp.bytes -= len(key) + len(old)
		delete(sp.m, key)
	}
	return nil
}
