package plugins

import (
	"context"
	"errors"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/wasmart/wasmart/sdk"
)

// callState is an instance's binding to its tenant and installation, plus
// the per-call log buffer. Host functions find it in the call context; it is
// never shared between instances, so no locking is needed (an instance runs
// one call at a time).
type callState struct {
	host        *Host
	tenant      string
	install     string
	config      []byte
	logs        []byte
	logCap      int
	logsDropped bool
	kvOps       int
	maxKVOps    int
	// caller is the context of the call being served (nil between
	// calls). Host functions that reach the database use it, not the
	// instance's own context: a call made inside a transaction (checkout
	// prices its cart in one) must do its key-value reads and writes in
	// that transaction, never through a second pool connection.
	caller context.Context
}

// dbContext is the context for the database work of a host function
// called with ctx.
func (s *callState) dbContext(ctx context.Context) context.Context {
	if s.caller != nil {
		return s.caller
	}
	return ctx
}

type stateKey struct{}

// Write captures the guest's stdout and stderr (WASI fd_write) into the log
// buffer, up to the cap.
func (s *callState) Write(p []byte) (int, error) {
	s.appendLog(p)
	return len(p), nil
}

func (s *callState) appendLog(p []byte) {
	room := s.logCap - len(s.logs)
	if room <= 0 {
		if len(p) > 0 {
			s.logsDropped = true
		}
		return
	}
	if len(p) > room {
		p = p[:room]
		s.logsDropped = true
	}
	s.logs = append(s.logs, p...)
}

func (s *callState) takeLogs() []byte {
	l := s.logs
	s.logs = nil
	return l
}

func stateOf(ctx context.Context) *callState {
	st, _ := ctx.Value(stateKey{}).(*callState)
	return st
}

var levelPrefix = [...]string{"debug: ", "info: ", "warn: ", "error: "}

func i32(v int32) uint64 { return uint64(uint32(v)) }

// instantiateHostModule defines the "wasmart" import module of ABI v1.
func instantiateHostModule(ctx context.Context, r wazero.Runtime, h *Host) error {
	i := api.ValueTypeI32
	b := r.NewHostModuleBuilder(sdk.ImportModule)
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(hostLog), []api.ValueType{i, i, i}, nil).
		WithParameterNames("level", "ptr", "len").Export(sdk.ImportLog)
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(hostConfigGet), []api.ValueType{i, i}, []api.ValueType{i}).
		WithParameterNames("ptr", "cap").Export(sdk.ImportConfig)
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(hostKVGet), []api.ValueType{i, i, i, i}, []api.ValueType{i}).
		WithParameterNames("key_ptr", "key_len", "val_ptr", "val_cap").Export(sdk.ImportKVGet)
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(hostKVSet), []api.ValueType{i, i, i, i}, []api.ValueType{i}).
		WithParameterNames("key_ptr", "key_len", "val_ptr", "val_len").Export(sdk.ImportKVSet)
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(hostKVDelete), []api.ValueType{i, i}, []api.ValueType{i}).
		WithParameterNames("key_ptr", "key_len").Export(sdk.ImportKVDelete)
	_, err := b.Instantiate(ctx)
	return err
}

func hostLog(ctx context.Context, m api.Module, stack []uint64) {
	st := stateOf(ctx)
	if st == nil {
		return
	}
	level, ptr, n := uint32(stack[0]), uint32(stack[1]), uint32(stack[2])
	if st.logCap-len(st.logs) <= 0 {
		st.logsDropped = true
		return
	}
	// Read at most what still fits: a huge length cannot make the host copy.
	want := n
	if room := uint32(st.logCap - len(st.logs)); want > room {
		want = room
		st.logsDropped = true
	}
	msg, ok := m.Memory().Read(ptr, want)
	if !ok {
		return
	}
	if level > sdk.LevelError {
		level = sdk.LevelError
	}
	st.appendLog([]byte(levelPrefix[level]))
	st.appendLog(msg)
	st.appendLog([]byte{'\n'})
}

func hostConfigGet(ctx context.Context, m api.Module, stack []uint64) {
	st := stateOf(ctx)
	if st == nil {
		stack[0] = i32(sdk.CodeHostError)
		return
	}
	ptr, capacity := uint32(stack[0]), uint32(stack[1])
	n := uint32(len(st.config))
	if n <= capacity && n > 0 {
		if !m.Memory().Write(ptr, st.config) {
			stack[0] = i32(sdk.CodeBadPointer)
			return
		}
	}
	stack[0] = uint64(n)
}

func (s *callState) kvAllowed() bool {
	s.kvOps++
	return s.kvOps <= s.maxKVOps
}

func readKey(m api.Module, ptr, n uint32) (string, int32) {
	if n == 0 || n > sdk.MaxKVKey {
		return "", sdk.CodeTooLarge
	}
	b, ok := m.Memory().Read(ptr, n)
	if !ok {
		return "", sdk.CodeBadPointer
	}
	return string(b), 0
}

func kvCode(err error) int32 {
	switch {
	case errors.Is(err, ErrKVQuota):
		return sdk.CodeQuota
	case errors.Is(err, ErrKVTooLarge):
		return sdk.CodeTooLarge
	}
	return sdk.CodeHostError
}

func hostKVGet(ctx context.Context, m api.Module, stack []uint64) {
	st := stateOf(ctx)
	if st == nil || !st.kvAllowed() {
		stack[0] = i32(sdk.CodeQuota)
		return
	}
	key, code := readKey(m, uint32(stack[0]), uint32(stack[1]))
	if code != 0 {
		stack[0] = i32(code)
		return
	}
	vptr, vcap := uint32(stack[2]), uint32(stack[3])
	// The scope comes from the instance, never from the guest.
	val, ok, err := st.host.opts.KV.Get(st.dbContext(ctx), st.tenant, st.install, key)
	switch {
	case err != nil:
		stack[0] = i32(kvCode(err))
	case !ok:
		stack[0] = i32(sdk.CodeNotFound)
	default:
		if uint32(len(val)) <= vcap && len(val) > 0 && !m.Memory().Write(vptr, val) {
			stack[0] = i32(sdk.CodeBadPointer)
			return
		}
		stack[0] = uint64(len(val))
	}
}

func hostKVSet(ctx context.Context, m api.Module, stack []uint64) {
	st := stateOf(ctx)
	if st == nil || !st.kvAllowed() {
		stack[0] = i32(sdk.CodeQuota)
		return
	}
	key, code := readKey(m, uint32(stack[0]), uint32(stack[1]))
	if code != 0 {
		stack[0] = i32(code)
		return
	}
	vlen := uint32(stack[3])
	if vlen > sdk.MaxKVValue {
		stack[0] = i32(sdk.CodeTooLarge)
		return
	}
	val, ok := m.Memory().Read(uint32(stack[2]), vlen)
	if !ok {
		stack[0] = i32(sdk.CodeBadPointer)
		return
	}
	if err := st.host.opts.KV.Set(st.dbContext(ctx), st.tenant, st.install, key, val); err != nil {
		stack[0] = i32(kvCode(err))
		return
	}
	stack[0] = 0
}

func hostKVDelete(ctx context.Context, m api.Module, stack []uint64) {
	st := stateOf(ctx)
	if st == nil || !st.kvAllowed() {
		stack[0] = i32(sdk.CodeQuota)
		return
	}
	key, code := readKey(m, uint32(stack[0]), uint32(stack[1]))
	if code != 0 {
		stack[0] = i32(code)
		return
	}
	if err := st.host.opts.KV.Delete(st.dbContext(ctx), st.tenant, st.install, key); err != nil {
		stack[0] = i32(kvCode(err))
		return
	}
	stack[0] = 0
}
