package plugins

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// ModuleStore keeps uploaded modules by content hash (hex SHA-256).
type ModuleStore interface {
	Put(wasm []byte) (hash string, err error)
	// Get is called with the context of the plugin call that needs the
	// module, which may run inside the caller's database transaction (a
	// checkout prices its cart in one): a store in the database reads in
	// that transaction rather than take a second connection.
	Get(ctx context.Context, hash string) ([]byte, error)
}

// ErrModuleNotFound is returned by ModuleStore.Get for an unknown hash.
var ErrModuleNotFound = errors.New("plugins: module not found")

// HashModule returns the content hash of a module.
func HashModule(wasm []byte) string {
	s := sha256.Sum256(wasm)
	return hex.EncodeToString(s[:])
}

// MemStore is an in-memory ModuleStore.
type MemStore struct {
	mu sync.RWMutex
	m  map[string][]byte
}

// NewMemStore returns an empty in-memory store.
func NewMemStore() *MemStore { return &MemStore{m: map[string][]byte{}} }

// Put stores a copy of wasm.
func (s *MemStore) Put(wasm []byte) (string, error) {
	h := HashModule(wasm)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[h]; !ok {
		s.m[h] = append([]byte(nil), wasm...)
	}
	return h, nil
}

// Get returns the module with the given hash.
func (s *MemStore) Get(_ context.Context, hash string) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.m[hash]
	if !ok {
		return nil, ErrModuleNotFound
	}
	return b, nil
}

// DirStore stores modules as <dir>/<hash>.wasm, written atomically.
type DirStore struct{ Dir string }

// Put writes wasm unless a module with the same hash exists.
func (s DirStore) Put(wasm []byte) (string, error) {
	h := HashModule(wasm)
	p := filepath.Join(s.Dir, h+".wasm")
	if _, err := os.Stat(p); err == nil {
		return h, nil
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(s.Dir, ".upload-*")
	if err != nil {
		return "", err
	}
	if _, err := tmp.Write(wasm); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return h, os.Rename(tmp.Name(), p)
}

// Get reads a module and checks its hash.
func (s DirStore) Get(_ context.Context, hash string) ([]byte, error) {
	if len(hash) != 64 {
		return nil, ErrModuleNotFound
	}
	if _, err := hex.DecodeString(hash); err != nil {
		return nil, ErrModuleNotFound
	}
	b, err := os.ReadFile(filepath.Join(s.Dir, hash+".wasm"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrModuleNotFound
	}
	if err != nil {
		return nil, err
	}
	if HashModule(b) != hash {
		return nil, fmt.Errorf("plugins: module %s is corrupt", hash)
	}
	return b, nil
}
