// Package blob stores opaque binary objects (product images and their
// renditions, import files) under string keys.
//
// Store is the small interface the domain uses; FS is the default
// implementation, a directory in the data dir. An S3-compatible store can
// implement the same interface later. Keys are slash-separated paths of
// [A-Za-z0-9._-] segments; callers put the tenant id first so one tenant's
// objects can be listed, copied or removed together.
package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"mime"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/wasmart/wasmart/core/errs"
)

// Info describes a stored object.
type Info struct {
	Key         string
	Size        int64
	ContentType string
	ModTime     time.Time
}

// Store keeps objects by key. Implementations are safe for concurrent use.
type Store interface {
	// Put stores r under key, replacing any object there. The object becomes
	// visible only once completely written.
	Put(ctx context.Context, key string, r io.Reader, contentType string) (Info, error)
	// Open returns the object's content; a missing key gives errs.NotFound.
	Open(ctx context.Context, key string) (io.ReadCloser, Info, error)
	// Delete removes the object; a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// DeletePrefix removes every object whose key starts with prefix + "/".
	DeletePrefix(ctx context.Context, prefix string) error
}

// ValidKey reports whether key is acceptable to every Store.
func ValidKey(key string) bool {
	if key == "" || len(key) > 512 || strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") {
		return false
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, ".") {
			return false
		}
		for _, c := range seg {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				return false
			}
		}
	}
	return true
}

// FS stores objects as files under a root directory.
type FS struct {
	root string
}

// NewFS returns a Store rooted at dir, creating it if needed.
func NewFS(dir string) (*FS, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	return &FS{root: abs}, nil
}

func (s *FS) path(key string) (string, error) {
	if !ValidKey(key) {
		return "", errs.Field("key", "invalid blob key")
	}
	return filepath.Join(s.root, filepath.FromSlash(key)), nil
}

// Put writes to a temp file in the target directory and renames it into place.
func (s *FS) Put(ctx context.Context, key string, r io.Reader, contentType string) (Info, error) {
	p, err := s.path(key)
	if err != nil {
		return Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return Info{}, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return Info{}, errs.Wrap(err, "blob: mkdir")
	}
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := filepath.Join(filepath.Dir(p), ".tmp-"+hex.EncodeToString(rnd[:]))
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return Info{}, errs.Wrap(err, "blob: create")
	}
	n, err := io.Copy(f, r)
	if err == nil {
		err = f.Close()
	} else {
		f.Close()
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
		return Info{}, errs.Wrap(err, "blob: write")
	}
	if contentType == "" {
		contentType = typeOf(key)
	}
	return Info{Key: key, Size: n, ContentType: contentType, ModTime: time.Now().UTC()}, nil
}

// Open opens the file; the content type is derived from the key's extension.
func (s *FS) Open(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, Info{}, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Info{}, errs.NotFoundf("object not found")
	}
	if err != nil {
		return nil, Info{}, errs.Wrap(err, "blob: open")
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		f.Close()
		return nil, Info{}, errs.NotFoundf("object not found")
	}
	return f, Info{Key: key, Size: st.Size(), ContentType: typeOf(key), ModTime: st.ModTime().UTC()}, nil
}

// Delete removes one file.
func (s *FS) Delete(ctx context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return errs.Wrap(err, "blob: delete")
	}
	return nil
}

// DeletePrefix removes a directory of objects.
func (s *FS) DeletePrefix(ctx context.Context, prefix string) error {
	p, err := s.path(prefix)
	if err != nil {
		return err
	}
	return errs.Wrap(os.RemoveAll(p), "blob: delete prefix")
}

func typeOf(key string) string {
	if t := mime.TypeByExtension(path.Ext(key)); t != "" {
		return t
	}
	switch path.Ext(key) {
	case ".webp":
		return "image/webp"
	case ".csv":
		return "text/csv"
	}
	return "application/octet-stream"
}
