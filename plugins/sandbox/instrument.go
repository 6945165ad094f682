package sandbox

import (
	"errors"
	"fmt"
)

// InterruptGlobal is the name of the mutable i32 global that instrument adds
// to a module and exports. Setting it to a non-zero value makes the guest
// trap (unreachable) at its next loop header or function entry.
const InterruptGlobal = "wasmart_interrupt"

var errInstrument = errors.New("plugins: cannot instrument module")

// instrument rewrites a WebAssembly module so that it can be interrupted
// cheaply: it appends two mutable i32 globals (an interrupt flag, exported
// as InterruptGlobal, and a countdown) and inserts loopCheck at every
// function entry and right after every `loop` instruction: every
// checkPeriod loop iterations or calls the guest exits to Go once and traps
// if the flag is set. Code that neither loops nor calls always terminates,
// so these two places suffice to stop any run, recursion included.
//
// Why not wazero's WithCloseOnContextDone: it inserts at every loop header a
// call into a Go trampoline that checks whether the module was closed. Go
// guests enter a loop in nearly every function (the resumption trampoline of
// Go's Wasm ABI), so that check costs 4–5× on a pricing call. The inserted
// countdown costs about 1 ns per iteration. See the package documentation for
// the measurements.
//
// It supports the WebAssembly 2.0 instruction set (what the host enables).
// A start section is rejected by validation, so no guest code runs before
// the host can arm the interrupt.
func instrument(wasm []byte) ([]byte, error) {
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" {
		return nil, fmt.Errorf("%w: not a module", errInstrument)
	}
	type section struct {
		id      byte
		payload []byte
	}
	var secs []section
	r := &wreader{b: wasm, off: 8}
	for r.off < len(r.b) {
		id := r.byte()
		n := r.u32()
		p := r.bytes(int(n))
		if r.err != nil {
			return nil, fmt.Errorf("%w: %v", errInstrument, r.err)
		}
		if id == 8 {
			return nil, fmt.Errorf("%w: a start section is not allowed (export _initialize instead)", errInstrument)
		}
		secs = append(secs, section{id, p})
	}
	// Count imported globals and existing globals.
	var importedGlobals, definedGlobals uint32
	for _, s := range secs {
		switch s.id {
		case 2:
			n, err := countImportedGlobals(s.payload)
			if err != nil {
				return nil, err
			}
			importedGlobals = n
		case 6:
			rr := &wreader{b: s.payload}
			definedGlobals = rr.u32()
		case 7:
			if err := checkExportName(s.payload, InterruptGlobal); err != nil {
				return nil, err
			}
		}
	}
	g := importedGlobals + definedGlobals // the interrupt flag
	ctr := g + 1                          // the countdown to the next Go exit
	check := loopCheck(g, ctr)

	out := append([]byte(nil), wasm[:8]...)
	emit := func(id byte, p []byte) {
		out = append(out, id)
		out = appendU32(out, uint32(len(p)))
		out = append(out, p...)
	}
	// The flag (mut i32) = 0 and the countdown (mut i32) = checkPeriod.
	newGlobal := []byte{0x7F, 0x01, 0x41, 0x00, 0x0B, 0x7F, 0x01, 0x41}
	newGlobal = appendS32(newGlobal, checkPeriod)
	newGlobal = append(newGlobal, 0x0B)
	newExport := appendName(nil, InterruptGlobal)
	newExport = append(newExport, 0x03)
	newExport = appendU32(newExport, g)

	haveGlobal, haveExport := false, false
	order := func(id byte) int { // canonical section order, 0 for custom
		switch id {
		case 12: // data count sits between element (9) and code (10)
			return 95
		case 0:
			return 0
		}
		return int(id) * 10
	}
	for _, s := range secs {
		if s.id != 0 {
			if !haveGlobal && order(s.id) > order(6) {
				emit(6, append([]byte{0x02}, newGlobal...))
				haveGlobal = true
			}
			if !haveExport && order(s.id) > order(7) {
				emit(7, append([]byte{0x01}, newExport...))
				haveExport = true
			}
		}
		switch s.id {
		case 6:
			rr := &wreader{b: s.payload}
			n := rr.u32()
			p := appendU32(nil, n+2)
			p = append(p, s.payload[rr.off:]...)
			p = append(p, newGlobal...)
			emit(6, p)
			haveGlobal = true
		case 7:
			rr := &wreader{b: s.payload}
			n := rr.u32()
			p := appendU32(nil, n+1)
			p = append(p, s.payload[rr.off:]...)
			p = append(p, newExport...)
			emit(7, p)
			haveExport = true
		case 10:
			p, err := instrumentCode(s.payload, check)
			if err != nil {
				return nil, err
			}
			emit(10, p)
		default:
			emit(s.id, s.payload)
		}
	}
	if !haveGlobal {
		emit(6, append([]byte{0x02}, newGlobal...))
	}
	if !haveExport {
		emit(7, append([]byte{0x01}, newExport...))
	}
	return out, nil
}

// checkPeriod is how many loop iterations run between two exits to Go.
const checkPeriod = 4095

// loopCheck returns the code inserted after every loop instruction:
//
//	global.get $ctr
//	i32.eqz
//	if
//	  i32.const 0
//	  memory.grow 0   ;; grows nothing, but wazero runs it in Go
//	  drop
//	  global.get $flag
//	  if unreachable end
//	  i32.const checkPeriod
//	  global.set $ctr
//	else
//	  global.get $ctr
//	  i32.const 1
//	  i32.sub
//	  global.set $ctr
//	end
//
// The periodic exit to Go matters: native guest code cannot be preempted,
// so a guest spinning in a loop would block a stop-the-world GC, and with
// the world stopped the timer that sets $flag could never run (a deadlock
// observed in BenchmarkDeadlineStop before this). memory.grow is compiled
// by wazero as a call into Go, where the goroutine can be preempted. One
// exit every checkPeriod iterations costs well under 0.1 ns per iteration.
func loopCheck(flag, ctr uint32) []byte {
	b := []byte{0x23}
	b = appendU32(b, ctr)
	b = append(b, 0x45, 0x04, 0x40, 0x41, 0x00, 0x40, 0x00, 0x1A, 0x23)
	b = appendU32(b, flag)
	b = append(b, 0x04, 0x40, 0x00, 0x0B, 0x41)
	b = appendS32(b, checkPeriod)
	b = append(b, 0x24)
	b = appendU32(b, ctr)
	b = append(b, 0x05, 0x23)
	b = appendU32(b, ctr)
	b = append(b, 0x41, 0x01, 0x6B, 0x24)
	b = appendU32(b, ctr)
	return append(b, 0x0B)
}

func appendS32(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func instrumentCode(p []byte, check []byte) ([]byte, error) {
	r := &wreader{b: p}
	n := r.u32()
	out := appendU32(make([]byte, 0, len(p)+len(p)/8), n)
	var body []byte
	for i := uint32(0); i < n && r.err == nil; i++ {
		size := r.u32()
		fb := r.bytes(int(size))
		if r.err != nil {
			break
		}
		var err error
		body, err = instrumentBody(body[:0], fb, check)
		if err != nil {
			return nil, fmt.Errorf("%w: function %d: %v", errInstrument, i, err)
		}
		out = appendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: code section: %v", errInstrument, r.err)
	}
	if r.off != len(p) {
		return nil, fmt.Errorf("%w: trailing bytes in code section", errInstrument)
	}
	return out, nil
}

func instrumentBody(out, fb, check []byte) ([]byte, error) {
	r := &wreader{b: fb}
	groups := r.u32()
	for i := uint32(0); i < groups; i++ {
		r.u32()
		r.byte()
	}
	if r.err != nil {
		return nil, r.err
	}
	out = append(out, fb[:r.off]...)
	// The same check at function entry: recursion has no loop header, and
	// wazero lets a call stack grow to hundreds of MiB before reporting a
	// stack overflow (seconds under load), so calls count down too and a
	// recursion bomb stops at the deadline like a loop does.
	out = append(out, check...)
	for r.off < len(fb) {
		start := r.off
		op := r.byte()
		if err := skipImmediates(r, op); err != nil {
			return nil, err
		}
		if r.err != nil {
			return nil, r.err
		}
		out = append(out, fb[start:r.off]...)
		if op == 0x03 { // loop
			out = append(out, check...)
		}
	}
	return out, nil
}

// skipImmediates advances r past the immediates of opcode op.
func skipImmediates(r *wreader, op byte) error {
	switch {
	case op == 0x02 || op == 0x03 || op == 0x04: // block, loop, if
		r.blockType()
	case op == 0x0C || op == 0x0D: // br, br_if
		r.u32()
	case op == 0x0E: // br_table
		n := r.u32()
		for i := uint32(0); i <= n && r.err == nil; i++ {
			r.u32()
		}
	case op == 0x10: // call
		r.u32()
	case op == 0x11: // call_indirect
		r.u32()
		r.u32()
	case op == 0x1C: // select t*
		n := r.u32()
		for i := uint32(0); i < n && r.err == nil; i++ {
			r.byte()
		}
	case op >= 0x20 && op <= 0x26: // local.*, global.*, table.get/set
		r.u32()
	case op >= 0x28 && op <= 0x3E: // loads and stores: memarg
		r.u32()
		r.u32()
	case op == 0x3F || op == 0x40: // memory.size, memory.grow
		r.u32()
	case op == 0x41:
		r.s64()
	case op == 0x42:
		r.s64()
	case op == 0x43:
		r.bytes(4)
	case op == 0x44:
		r.bytes(8)
	case op == 0xD0: // ref.null
		r.byte()
	case op == 0xD2: // ref.func
		r.u32()
	case op == 0xFC:
		return skipFC(r)
	case op == 0xFD:
		return skipFD(r)
	case op == 0x00 || op == 0x01 || op == 0x05 || op == 0x0B || op == 0x0F ||
		op == 0x1A || op == 0x1B || (op >= 0x45 && op <= 0xC4) || op == 0xD1:
		// no immediates
	default:
		return fmt.Errorf("unsupported opcode %#x at byte %d", op, r.off-1)
	}
	return nil
}

func skipFC(r *wreader) error {
	sub := r.u32()
	switch {
	case sub <= 7: // saturating truncations
	case sub == 8: // memory.init data mem
		r.u32()
		r.u32()
	case sub == 9: // data.drop
		r.u32()
	case sub == 10: // memory.copy mem mem
		r.u32()
		r.u32()
	case sub == 11: // memory.fill mem
		r.u32()
	case sub == 12: // table.init elem table
		r.u32()
		r.u32()
	case sub == 13: // elem.drop
		r.u32()
	case sub == 14: // table.copy
		r.u32()
		r.u32()
	case sub >= 15 && sub <= 17: // table.grow, size, fill
		r.u32()
	default:
		return fmt.Errorf("unsupported 0xFC opcode %d", sub)
	}
	return nil
}

func skipFD(r *wreader) error {
	sub := r.u32()
	switch {
	case sub <= 11 || sub == 92 || sub == 93: // v128 loads/stores, load_zero
		r.u32()
		r.u32()
	case sub == 12 || sub == 13: // v128.const, i8x16.shuffle
		r.bytes(16)
	case sub >= 21 && sub <= 34: // extract/replace lane
		r.byte()
	case sub >= 84 && sub <= 91: // load/store lane: memarg + lane
		r.u32()
		r.u32()
		r.byte()
	case sub <= 255:
		// every other SIMD instruction has no immediate
	default:
		return fmt.Errorf("unsupported 0xFD opcode %d", sub)
	}
	return nil
}

func countImportedGlobals(p []byte) (uint32, error) {
	r := &wreader{b: p}
	n := r.u32()
	var g uint32
	for i := uint32(0); i < n && r.err == nil; i++ {
		r.name()
		r.name()
		switch r.byte() {
		case 0x00:
			r.u32()
		case 0x01:
			r.byte()
			r.limits()
		case 0x02:
			r.limits()
		case 0x03:
			r.byte()
			r.byte()
			g++
		default:
			return 0, fmt.Errorf("%w: unsupported import kind", errInstrument)
		}
	}
	if r.err != nil {
		return 0, fmt.Errorf("%w: import section: %v", errInstrument, r.err)
	}
	return g, nil
}

func checkExportName(p []byte, name string) error {
	r := &wreader{b: p}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		if r.name() == name {
			return fmt.Errorf("%w: module already exports %s", errInstrument, name)
		}
		r.byte()
		r.u32()
	}
	if r.err != nil {
		return fmt.Errorf("%w: export section: %v", errInstrument, r.err)
	}
	return nil
}

// wreader reads WebAssembly binary primitives; errors are sticky.
type wreader struct {
	b   []byte
	off int
	err error
}

func (r *wreader) fail(msg string) {
	if r.err == nil {
		r.err = fmt.Errorf("%s at byte %d", msg, r.off)
	}
	r.off = len(r.b)
}

func (r *wreader) byte() byte {
	if r.off >= len(r.b) {
		r.fail("unexpected end")
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *wreader) bytes(n int) []byte {
	if n < 0 || n > len(r.b)-r.off {
		r.fail("length out of range")
		return nil
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p
}

func (r *wreader) u32() uint32 {
	var v uint32
	for shift := uint(0); shift < 35; shift += 7 {
		c := r.byte()
		v |= uint32(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	r.fail("bad u32")
	return 0
}

func (r *wreader) s64() {
	for i := 0; i < 10; i++ {
		if r.byte() < 0x80 {
			return
		}
	}
	r.fail("bad s64")
}

func (r *wreader) name() string { return string(r.bytes(int(r.u32()))) }

func (r *wreader) limits() {
	flags := r.byte()
	r.u32()
	if flags&1 != 0 {
		r.u32()
	}
}

func (r *wreader) blockType() {
	if r.off >= len(r.b) {
		r.fail("unexpected end")
		return
	}
	switch c := r.b[r.off]; c {
	case 0x40, 0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F:
		r.off++
	default:
		r.s64() // s33 type index
	}
}

func appendU32(b []byte, v uint32) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendName(b []byte, s string) []byte {
	b = appendU32(b, uint32(len(s)))
	return append(b, s...)
}
