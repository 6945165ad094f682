package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/sdk"
)

// Policy is what an upload is checked against.
type Policy struct {
	MaxModuleBytes int
	MaxMemoryPages uint32 // the most a manifest may ask for
	DefaultPages   uint32 // what a manifest asking for nothing gets
}

// allowedWASI lists the WASI preview1 functions a module may import. Go's
// wasip1 runtime needs these; they touch no filesystem or network (the host
// mounts no directory and opens no socket), their clocks are wazero's fake
// clocks and their random source is deterministic, so runs stay replayable.
var allowedWASI = []string{
	"args_get", "args_sizes_get", "environ_get", "environ_sizes_get",
	"clock_time_get", "clock_res_get", "fd_write", "fd_read", "fd_close",
	"fd_seek", "fd_fdstat_get", "fd_fdstat_set_flags", "fd_prestat_get",
	"fd_prestat_dir_name", "proc_exit", "random_get", "sched_yield", "poll_oneoff",
}

type sig struct{ params, results []api.ValueType }

var (
	vI32 = api.ValueTypeI32
	vI64 = api.ValueTypeI64
)

// hostImports are the "wasmart" functions of ABI v1 and their signatures.
var hostImports = map[string]sig{
	sdk.ImportLog:      {[]api.ValueType{vI32, vI32, vI32}, nil},
	sdk.ImportConfig:   {[]api.ValueType{vI32, vI32}, []api.ValueType{vI32}},
	sdk.ImportKVGet:    {[]api.ValueType{vI32, vI32, vI32, vI32}, []api.ValueType{vI32}},
	sdk.ImportKVSet:    {[]api.ValueType{vI32, vI32, vI32, vI32}, []api.ValueType{vI32}},
	sdk.ImportKVDelete: {[]api.ValueType{vI32, vI32}, []api.ValueType{vI32}},
}

var (
	pointSig = sig{[]api.ValueType{vI32, vI32}, []api.ValueType{vI64}}
	allocSig = sig{[]api.ValueType{vI32}, []api.ValueType{vI32}}
	abiSig   = sig{nil, []api.ValueType{vI32}}
)

func (s sig) match(d api.FunctionDefinition) bool {
	return slices.Equal(s.params, d.ParamTypes()) && slices.Equal(s.results, d.ResultTypes())
}

// ValidateModule checks an upload: the manifest, the size cap, that the
// bytes are a Wasm module, that it imports only what ABI v1 allows, that its
// exports match the declared extension points exactly (a module exporting a
// point its manifest does not declare is rejected as lying), and that its
// declared memory fits the cap. It compiles with the interpreter, which only
// parses and validates; nothing runs.
func ValidateModule(ctx context.Context, m *Manifest, wasm []byte, pol Policy) error {
	if m == nil {
		return fail(FailInvalidModule, "no manifest")
	}
	if err := m.Validate(); err != nil {
		return err
	}
	if pol.MaxModuleBytes > 0 && len(wasm) > pol.MaxModuleBytes {
		return fail(FailInvalidModule, "module of %d bytes above the %d byte cap", len(wasm), pol.MaxModuleBytes)
	}
	if !bytes.HasPrefix(wasm, []byte("\x00asm")) {
		return fail(FailInvalidModule, "not a WebAssembly module")
	}
	if pol.MaxMemoryPages > 0 && m.Limits.MemoryPages > pol.MaxMemoryPages {
		return fail(FailInvalidModule, "manifest asks for %d memory pages, cap is %d", m.Limits.MemoryPages, pol.MaxMemoryPages)
	}
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(api.CoreFeaturesV2))
	defer r.Close(ctx)
	cm, err := r.CompileModule(ctx, wasm)
	if err != nil {
		return &Failure{Kind: FailInvalidModule, Msg: "invalid WebAssembly", Err: err}
	}
	defer cm.Close(ctx)
	// The host instruments every module for its deadline (instrument.go):
	// a module it cannot instrument (start section, unsupported opcodes) is
	// rejected now rather than at the first call.
	if _, err := instrument(wasm); err != nil {
		return &Failure{Kind: FailInvalidModule, Msg: "module cannot be sandboxed", Err: err}
	}

	var problems []string
	for _, d := range cm.ImportedFunctions() {
		mod, name, _ := d.Import()
		switch mod {
		case sdk.ImportModule:
			s, ok := hostImports[name]
			if !ok {
				problems = append(problems, fmt.Sprintf("unknown import %s.%s", mod, name))
			} else if !s.match(d) {
				problems = append(problems, fmt.Sprintf("import %s.%s has the wrong signature", mod, name))
			}
		case "wasi_snapshot_preview1":
			if !slices.Contains(allowedWASI, name) {
				problems = append(problems, fmt.Sprintf("import %s.%s is not allowed", mod, name))
			}
		default:
			problems = append(problems, fmt.Sprintf("unknown import %s.%s", mod, name))
		}
	}
	if len(cm.ImportedMemories()) > 0 {
		problems = append(problems, "modules must define, not import, their memory")
	}
	exports := cm.ExportedFunctions()
	need := func(name string, s sig) {
		d, ok := exports[name]
		if !ok {
			problems = append(problems, "missing export "+name)
		} else if !s.match(d) {
			problems = append(problems, "export "+name+" has the wrong signature")
		}
	}
	need(sdk.ExportAlloc, allocSig)
	need(sdk.ExportABIVersion, abiSig)
	for _, p := range extension.Points {
		name := exportFor(p)
		_, has := exports[name]
		switch {
		case m.Declares(p):
			need(name, pointSig)
		case has:
			problems = append(problems, fmt.Sprintf("module exports %s but the manifest does not declare %s", name, p))
		}
	}
	mems := cm.ExportedMemories()
	md, ok := mems[sdk.ExportMemory]
	if !ok {
		problems = append(problems, "missing export memory")
	} else {
		limit := pol.MaxMemoryPages
		if m.Limits.MemoryPages > 0 && (limit == 0 || m.Limits.MemoryPages < limit) {
			limit = m.Limits.MemoryPages
		} else if m.Limits.MemoryPages == 0 && pol.DefaultPages > 0 && (limit == 0 || pol.DefaultPages < limit) {
			limit = pol.DefaultPages
		}
		if limit > 0 && md.Min() > limit {
			problems = append(problems, fmt.Sprintf("declared memory of %d pages above the cap of %d", md.Min(), limit))
		}
	}
	if len(problems) > 0 {
		k := FailInvalidModule
		for _, p := range problems {
			if strings.Contains(p, "wasmart_alloc") || strings.Contains(p, "abi_version") {
				k = FailABIMismatch
			}
		}
		return &Failure{Kind: k, Msg: strings.Join(problems, "; ")}
	}
	return nil
}
