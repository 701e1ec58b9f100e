package imgfmt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/tetratelabs/wazero"
)

// The compilation cache. wazero compiles a WebAssembly module to machine
// code on every start of a process (libwebp: ~0.5-1 CPU-second, paid by
// each worker before its first WebP encode), and can keep that code in a
// directory instead. Its directory cache is not used as it is on the shared
// one, because a damaged entry there is not always detected: wazero checks
// a CRC of the machine code but not of the function offsets beside it,
// which would make a wrong jump, not an error. So:
//
//   - the shared directory (wasmCacheDir: os.UserCacheDir()/imgpar/wasm)
//     holds each of wazero's files as "<name>.entry": the SHA-256 of the
//     content, then the content;
//   - a process copies the entries whose hash matches into a private
//     temporary directory, compiles through that one, and publishes any
//     file wazero wrote there (a miss) to the shared directory by a
//     temporary file and a rename, so concurrent workers never see half a
//     file and the last writer of identical content wins;
//   - entries are kept per wazero version (DIR/VERSION/); wazero keys its
//     files by the CPU's features and the module's hash; an entry it
//     refuses anyway is deleted and the module compiled without the cache;
//   - any failure of the cache (no cache directory, not writable, full
//     disk) costs only the compile: it is never an error.
//
// IMGPAR_WASM_CACHE=off turns the cache off; IMGPAR_WASM_CACHE=DIR puts it
// in DIR.

// wasmCacheDir returns the shared cache directory, or "" for none.
var wasmCacheDir = func() string {
	switch v := os.Getenv("IMGPAR_WASM_CACHE"); v {
	case "off", "0", "none":
		return ""
	case "":
	default:
		return v
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(base, "imgpar", "wasm")
}

const wasmEntrySuffix = ".entry"

// wazeroPin is the wazero version go.mod requires (TestWazeroPin checks).
// The cache is kept per wazero version: wazero drops entries another
// version wrote only when it knows its own version, which it reads from
// the build info, and test binaries carry none (it says "dev" there).
const wazeroPin = "v1.9.0"

// wazeroVersion is the wazero version built in, or wazeroPin where the
// build info does not say.
func wazeroVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/tetratelabs/wazero" && d.Version != "" && d.Version != "(devel)" {
				return d.Version
			}
		}
	}
	return wazeroPin
}

// compileWasm compiles bin in a new runtime, through the cache in shared
// when shared is not "".
func compileWasm(ctx context.Context, bin []byte, shared string) (wazero.Runtime, wazero.CompiledModule, error) {
	if shared != "" {
		if rt, cm, ok := compileCached(ctx, bin, filepath.Join(shared, wazeroVersion())); ok {
			return rt, cm, nil
		}
	}
	rt := wazero.NewRuntime(ctx)
	cm, err := rt.CompileModule(ctx, bin)
	if err != nil {
		rt.Close(ctx)
		return nil, nil, err
	}
	return rt, cm, nil
}

// compileCached is compileWasm through the cache; ok is false when the
// cache could not be used (the caller compiles without it).
func compileCached(ctx context.Context, bin []byte, shared string) (wazero.Runtime, wazero.CompiledModule, bool) {
	priv, err := os.MkdirTemp("", "imgpar-wasm-")
	if err != nil {
		return nil, nil, false
	}
	defer os.RemoveAll(priv)
	copied := loadWasmEntries(shared, priv)
	cache, err := wazero.NewCompilationCacheWithDir(priv)
	if err != nil {
		return nil, nil, false
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(cache))
	cm, err := rt.CompileModule(ctx, bin)
	if err != nil {
		// An entry that passed its hash but not wazero's checks (written by
		// a wazero that formats them differently under the same name):
		// drop what we loaded so the next process compiles and rewrites it.
		rt.Close(ctx)
		for rel := range copied {
			os.Remove(filepath.Join(shared, rel+wasmEntrySuffix))
		}
		return nil, nil, false
	}
	storeWasmEntries(priv, shared, copied)
	return rt, cm, true
}

// loadWasmEntries copies every entry of shared whose hash matches into
// priv (without the hash), and returns their paths relative to priv.
// Entries that do not match are removed (by whoever sees them first).
// Only wazero's layout is looked at (DIR/wazero-*/*.entry), so a cache
// pointed at a big directory by mistake is not walked.
func loadWasmEntries(shared, priv string) map[string]bool {
	copied := map[string]bool{}
	subs, _ := os.ReadDir(shared)
	for _, sub := range subs {
		if !sub.IsDir() || !strings.HasPrefix(sub.Name(), "wazero-") {
			continue
		}
		files, _ := os.ReadDir(filepath.Join(shared, sub.Name()))
		for _, f := range files {
			if f.IsDir() || !strings.HasSuffix(f.Name(), wasmEntrySuffix) {
				continue
			}
			rel := filepath.Join(sub.Name(), strings.TrimSuffix(f.Name(), wasmEntrySuffix))
			if loadWasmEntry(filepath.Join(shared, sub.Name(), f.Name()), filepath.Join(priv, rel)) {
				copied[rel] = true
			}
		}
	}
	return copied
}

// loadWasmEntry copies one entry's content to dst if its hash matches,
// and removes the entry if it does not.
func loadWasmEntry(path, dst string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	if len(data) < sha256.Size {
		os.Remove(path)
		return false
	}
	sum := sha256.Sum256(data[sha256.Size:])
	if !bytes.Equal(sum[:], data[:sha256.Size]) {
		os.Remove(path)
		return false
	}
	return os.MkdirAll(filepath.Dir(dst), 0o700) == nil && os.WriteFile(dst, data[sha256.Size:], 0o600) == nil
}

// storeWasmEntries publishes the files wazero wrote to priv that were not
// loaded from shared. Errors are ignored: the cache is an optimisation.
func storeWasmEntries(priv, shared string, copied map[string]bool) {
	filepath.WalkDir(priv, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".tmp") {
			return nil
		}
		rel, err := filepath.Rel(priv, path)
		if err != nil || copied[rel] {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		dst := filepath.Join(shared, rel+wasmEntrySuffix)
		if os.MkdirAll(filepath.Dir(dst), 0o755) != nil {
			return nil
		}
		f, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".*.tmp")
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(data)
		_, err1 := f.Write(sum[:])
		_, err2 := f.Write(data)
		err3 := f.Close()
		if err1 != nil || err2 != nil || err3 != nil || os.Rename(f.Name(), dst) != nil {
			os.Remove(f.Name())
		}
		return nil
	})
}
