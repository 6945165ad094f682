// Package build is the toolchain that turns Go plugin sources into Wasm
// modules: a Go main package using the SDK is built with GOOS=wasip1
// GOARCH=wasm -buildmode=c-shared (no TinyGo here; the host calls
// _initialize). It builds the first-party plugins under plugins/firstparty
// for `make plugins` (plugins/cmd/build-firstparty), `wasmart plugin`, the
// demo seed and the tests, caching each build by a hash of its sources so
// repeated builds are cheap.
//
// It imports nothing of Wasmart's: the sandbox's own tests use it, so it
// must not depend on the sandbox.
package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// FirstPartyNames lists the first-party plugins under plugins/firstparty.
var FirstPartyNames = []string{"pricing", "recommend", "logistics", "reporting"}

// Plugin builds the Go plugin in srcDir (a main package using the SDK) to
// outFile with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared.
func Plugin(ctx context.Context, srcDir, outFile string) error {
	if err := os.MkdirAll(filepath.Dir(outFile), 0o755); err != nil {
		return err
	}
	// A per-process temporary name: test binaries of several packages may
	// build the same cached plugin at once; the rename is atomic.
	tmp := fmt.Sprintf("%s.%d.tmp", outFile, os.Getpid())
	cmd := exec.CommandContext(ctx, "go", "build", "-buildmode=c-shared", "-trimpath", "-o", tmp, ".")
	cmd.Dir = srcDir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("build %s: %v\n%s", srcDir, err, out)
	}
	return os.Rename(tmp, outFile)
}

// ModuleRoot returns the directory of go.mod of the wasmart module, found
// from this source file (plugins/build/build.go, in tests) or the working
// directory.
func ModuleRoot() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok {
		root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			return root, nil
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("build: go.mod not found")
		}
		dir = parent
	}
}

// WriteFirstParty builds every first-party plugin into outDir as
// <name>.wasm next to <name>.manifest.json and returns the files written.
// Builds are cached by source hash (see FirstParty), so repeated calls are
// cheap.
func WriteFirstParty(ctx context.Context, outDir string) ([]string, error) {
	var files []string
	for _, name := range FirstPartyNames {
		manifest, wasm, err := FirstParty(ctx, name)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(outDir, 0o755); err != nil {
			return nil, err
		}
		w := filepath.Join(outDir, name+".wasm")
		if err := os.WriteFile(w, wasm, 0o644); err != nil {
			return nil, err
		}
		m := filepath.Join(outDir, name+".manifest.json")
		if err := os.WriteFile(m, manifest, 0o644); err != nil {
			return nil, err
		}
		files = append(files, w, m)
	}
	return files, nil
}

// FirstParty returns the named first-party plugin's manifest and module,
// building it unless a build of the same sources is in the cache
// (CacheDir("plugins"), keyed by a hash of the plugin's and the SDK's Go
// files, go.mod and the Go version).
func FirstParty(ctx context.Context, name string) (manifest, wasm []byte, err error) {
	root, err := ModuleRoot()
	if err != nil {
		return nil, nil, err
	}
	src := filepath.Join(root, "plugins", "firstparty", name)
	manifest, err = os.ReadFile(filepath.Join(src, "manifest.json"))
	if err != nil {
		return nil, nil, err
	}
	key, err := sourceHash(root, src)
	if err != nil {
		return nil, nil, err
	}
	out := filepath.Join(CacheDir("plugins"), name+"-"+key[:24]+".wasm")
	if _, err := os.Stat(out); err != nil {
		if err := Plugin(ctx, src, out); err != nil {
			return nil, nil, err
		}
	}
	wasm, err = os.ReadFile(out)
	if err != nil {
		return nil, nil, err
	}
	return manifest, wasm, nil
}

// CacheDir is os.UserCacheDir()/wasmart/<name> (under os.TempDir() when
// there is no user cache directory): where first-party builds are cached,
// and where `wasmart plugin test` and the tests keep wazero's compilation
// cache so Go guests compile once per machine.
func CacheDir(name string) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "wasmart", name)
}

func sourceHash(root, src string) (string, error) {
	h := sha256.New()
	h.Write([]byte(runtime.Version()))
	var files []string
	for _, dir := range []string{src, filepath.Join(root, "sdk")} {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	files = append(files, filepath.Join(root, "go.mod"))
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(root, f)
		fmt.Fprintf(h, "%s %d\n", rel, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
