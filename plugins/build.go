package plugins

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

// FirstParty lists the first-party plugins under plugins/firstparty.
var FirstParty = []string{"pricing", "recommend", "logistics", "reporting"}

// BuildPlugin builds the Go plugin in srcDir (a main package using the SDK)
// to outFile with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared.
func BuildPlugin(ctx context.Context, srcDir, outFile string) error {
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
// from this source file (tests) or the working directory.
func ModuleRoot() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok {
		root := filepath.Dir(filepath.Dir(file))
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
			return "", fmt.Errorf("plugins: go.mod not found")
		}
		dir = parent
	}
}

// BuildFirstParty builds every first-party plugin into outDir as
// <name>.wasm next to <name>.manifest.json. Builds are cached by source hash
// (see CachedFirstParty), so repeated calls are cheap.
func BuildFirstParty(ctx context.Context, outDir string) ([]string, error) {
	var files []string
	for _, name := range FirstParty {
		wasm, manifest, err := CachedFirstParty(ctx, name)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(outDir, 0o755); err != nil {
			return nil, err
		}
		b, err := os.ReadFile(wasm)
		if err != nil {
			return nil, err
		}
		w := filepath.Join(outDir, name+".wasm")
		if err := os.WriteFile(w, b, 0o644); err != nil {
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

// CachedFirstParty builds the named first-party plugin unless a build of
// the same sources exists in the cache (os.UserCacheDir()/wasmart/plugins,
// keyed by a hash of the plugin's and the SDK's Go files, go.mod and the Go
// version). It returns the .wasm path and the manifest.
func CachedFirstParty(ctx context.Context, name string) (wasmPath string, manifest []byte, err error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", nil, err
	}
	src := filepath.Join(root, "plugins", "firstparty", name)
	manifest, err = os.ReadFile(filepath.Join(src, "manifest.json"))
	if err != nil {
		return "", nil, err
	}
	key, err := sourceHash(root, src)
	if err != nil {
		return "", nil, err
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	out := filepath.Join(dir, "wasmart", "plugins", name+"-"+key[:24]+".wasm")
	if _, err := os.Stat(out); err == nil {
		return out, manifest, nil
	}
	if err := BuildPlugin(ctx, src, out); err != nil {
		return "", nil, err
	}
	return out, manifest, nil
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
