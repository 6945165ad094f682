//go:build !wasip1

// Package sdktest is the native test harness for Wasmart plugins: it runs a
// plugin's registered handler in-process, through the same codecs and
// dispatch as the Wasm build, with an in-memory host (config, key-value
// store with the ABI's limits, captured logs). Plugin authors use it from
// ordinary `go test`:
//
//	h := sdktest.New().WithConfig(map[string]any{"tiers": ...})
//	out, err := h.Price(&sdk.PricingInput{...})
//
// Calls are serialised (a plugin instance is single-threaded in Wasm too).
package sdktest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"

	"github.com/wasmart/wasmart/sdk"
)

// GuestError is returned when the handler reported an error (or panicked).
type GuestError struct{ Msg string }

func (e *GuestError) Error() string { return "plugin error: " + e.Msg }

// LogEntry is one captured log line.
type LogEntry struct {
	Level uint32
	Msg   string
}

// Harness is an in-memory host for natively built plugins.
type Harness struct {
	mu      sync.Mutex
	config  []byte
	kv      map[string][]byte
	kvBytes int
	KVQuota int // total key+value bytes allowed; default 1 MiB
	logs    []LogEntry
	enc     sdk.Encoder
	intern  sdk.Interner
}

var callMu sync.Mutex // the SDK's dispatch state is global

// New returns a harness with an empty config and key-value store.
func New() *Harness {
	return &Harness{kv: map[string][]byte{}, KVQuota: 1 << 20}
}

// WithConfig sets the installation config: a []byte or string is used as
// JSON text, anything else is marshalled with encoding/json.
func (h *Harness) WithConfig(v any) *Harness {
	switch c := v.(type) {
	case []byte:
		h.config = c
	case string:
		h.config = []byte(c)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			panic(fmt.Sprintf("sdktest: config: %v", err))
		}
		h.config = b
	}
	return h
}

// Logs returns the captured log entries.
func (h *Harness) Logs() []LogEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]LogEntry(nil), h.logs...)
}

// KV returns a copy of the key-value store's contents, for assertions.
func (h *Harness) KV() map[string][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := make(map[string][]byte, len(h.kv))
	for k, v := range h.kv {
		m[k] = append([]byte(nil), v...)
	}
	return m
}

// Log implements sdk.NativeHost.
func (h *Harness) Log(level uint32, msg string) {
	h.mu.Lock()
	h.logs = append(h.logs, LogEntry{level, msg})
	h.mu.Unlock()
}

// Config implements sdk.NativeHost.
func (h *Harness) Config() []byte { return h.config }

// KVGet implements sdk.NativeHost.
func (h *Harness) KVGet(key string) ([]byte, bool, error) {
	if len(key) > sdk.MaxKVKey {
		return nil, false, sdk.ErrKVTooLarge
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.kv[key]
	return append([]byte(nil), v...), ok, nil
}

// KVSet implements sdk.NativeHost with the same limits as the real host.
func (h *Harness) KVSet(key string, val []byte) error {
	if len(key) == 0 || len(key) > sdk.MaxKVKey || len(val) > sdk.MaxKVValue {
		return sdk.ErrKVTooLarge
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	old, had := h.kv[key]
	delta := len(val) - len(old)
	if !had {
		delta += len(key)
	}
	if h.kvBytes+delta > h.KVQuota {
		return sdk.ErrKVQuota
	}
	h.kv[key] = append([]byte(nil), val...)
	h.kvBytes += delta
	return nil
}

// KVDelete implements sdk.NativeHost.
func (h *Harness) KVDelete(key string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if old, ok := h.kv[key]; ok {
		h.kvBytes -= len(key) + len(old)
		delete(h.kv, key)
	}
	return nil
}

// run encodes with enc, dispatches and decodes the envelope with dec.
func (h *Harness) run(enc func(*sdk.Encoder), dispatch func([]byte) []byte, dec func(*sdk.Decoder) error) error {
	callMu.Lock()
	defer callMu.Unlock()
	sdk.SetNativeHost(h)
	h.enc.B = h.enc.B[:0]
	enc(&h.enc)
	// A fresh input buffer per call, as wasmart_alloc does in Wasm: decoded
	// strings alias it.
	in := make([]byte, len(h.enc.B))
	copy(in, h.enc.B)
	out := dispatch(in)
	status, payload, err := sdk.DecodeEnvelope(out)
	if err != nil {
		return err
	}
	d := sdk.NewDecoder(payload, false)
	d.Intern = &h.intern // decode like the host does
	if status == sdk.StatusError {
		msg := d.String()
		if err := d.Finish(); err != nil {
			return err
		}
		return &GuestError{Msg: msg}
	}
	return dec(d)
}

// Price runs the registered pricing handler.
func (h *Harness) Price(in *sdk.PricingInput) (*sdk.PricingOutput, error) {
	out := new(sdk.PricingOutput)
	err := h.run(func(e *sdk.Encoder) { e.EncodePricingInput(in) }, sdk.DispatchPricing,
		func(d *sdk.Decoder) error { return d.DecodePricingOutput(out) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Recommend runs the registered recommendations handler.
func (h *Harness) Recommend(in *sdk.RecommendInput) (*sdk.RecommendOutput, error) {
	out := new(sdk.RecommendOutput)
	err := h.run(func(e *sdk.Encoder) { e.EncodeRecommendInput(in) }, sdk.DispatchRecommendations,
		func(d *sdk.Decoder) error { return d.DecodeRecommendOutput(out) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Quote runs the registered logistics handler.
func (h *Harness) Quote(in *sdk.LogisticsInput) (*sdk.LogisticsOutput, error) {
	out := new(sdk.LogisticsOutput)
	err := h.run(func(e *sdk.Encoder) { e.EncodeLogisticsInput(in) }, sdk.DispatchLogistics,
		func(d *sdk.Decoder) error { return d.DecodeLogisticsOutput(out) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Report runs the registered reporting handler.
func (h *Harness) Report(in *sdk.ReportInput) (*sdk.ReportOutput, error) {
	out := new(sdk.ReportOutput)
	err := h.run(func(e *sdk.Encoder) { e.EncodeReportInput(in) }, sdk.DispatchReporting,
		func(d *sdk.Decoder) error { return d.DecodeReportOutput(out) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// IsGuestError reports whether err is an error reported by the handler.
func IsGuestError(err error) bool {
	var g *GuestError
	return errors.As(err, &g)
}

// SampleCart returns a deterministic cart of n lines, used by tests and by
// the BenchmarkPricing* pair (native and through the host) so both price the
// same input. Quantities cycle through 1..12, prices through 199..4999.
func SampleCart(n int) *sdk.PricingInput {
	in := &sdk.PricingInput{
		Currency:     "EUR",
		NowMs:        1_790_000_000_000,
		CustomerID:   "cus_0001",
		CustomerTags: []string{"member", "newsletter"},
		Lines:        make([]sdk.Line, n),
	}
	cats := []string{"shoes", "shirts", "bags", "hats"}
	for i := range in.Lines {
		id := strconv.Itoa(i + 1)
		in.Lines[i] = sdk.Line{
			ID:         "line_" + id,
			VariantID:  "var_" + id,
			ProductID:  "prod_" + strconv.Itoa(i/2+1),
			SKU:        "SKU-" + id,
			Quantity:   int64(i%12 + 1),
			UnitPrice:  int64(199 + (i*487)%4800),
			Tags:       []string{"tag-" + strconv.Itoa(i%5)},
			Categories: []string{cats[i%len(cats)]},
		}
	}
	return in
}

// SortedKeys is a small helper for deterministic assertions over KV().
func SortedKeys(m map[string][]byte) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// VolumeTierConfig is the config of the first-party pricing plugin used by
// the BenchmarkPricing* pair: volume tiers only.
const VolumeTierConfig = `{"volume_tiers":[{"min_qty":3,"percent":3},{"min_qty":6,"percent":6},{"min_qty":10,"percent":10}]}`
