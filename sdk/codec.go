package sdk

import (
	"errors"
	"fmt"
	"unsafe"
)

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("sdk: malformed message")

// Encoder appends the wire primitives of ABI.md to B.
// The zero value is ready to use; reuse it by setting B = B[:0].
type Encoder struct {
	B []byte
}

// Byte appends one byte.
func (e *Encoder) Byte(v byte) { e.B = append(e.B, v) }

// Bool appends 0 or 1.
func (e *Encoder) Bool(v bool) {
	if v {
		e.B = append(e.B, 1)
	} else {
		e.B = append(e.B, 0)
	}
}

// Uvarint appends v as unsigned LEB128.
func (e *Encoder) Uvarint(v uint64) {
	for v >= 0x80 {
		e.B = append(e.B, byte(v)|0x80)
		v >>= 7
	}
	e.B = append(e.B, byte(v))
}

// Varint appends v zigzag-encoded as unsigned LEB128.
func (e *Encoder) Varint(v int64) { e.Uvarint(uint64(v<<1) ^ uint64(v>>63)) }

// String appends a length-prefixed UTF-8 string.
func (e *Encoder) String(s string) {
	e.Uvarint(uint64(len(s)))
	e.B = append(e.B, s...)
}

// Strings appends a count-prefixed list of strings.
func (e *Encoder) Strings(ss []string) {
	e.Uvarint(uint64(len(ss)))
	for _, s := range ss {
		e.String(s)
	}
}

// Decoder reads the wire primitives of ABI.md. Errors are sticky: after the
// first error every read returns a zero value and Err reports the error.
// Decoding never panics and never allocates more than the input can justify
// (every count is checked against the remaining bytes).
type Decoder struct {
	b        []byte
	off      int
	err      error
	alias    bool
	arena    []string
	arenaOff int

	// Intern, if set, caches copied (non-aliased) strings so repeated
	// values (labels, codes, line ids) are allocated once. The host keeps
	// one per instance.
	Intern *Interner
}

// Interner is a small direct-mapped string cache: a lookup hashes a few
// bytes and compares once, far cheaper than a map; a miss allocates and
// replaces the slot.
type Interner struct {
	slots [512]string
}

// String returns a string equal to b, reusing a cached one when possible.
func (in *Interner) String(b []byte) string {
	n := len(b)
	h := uint(n)*0x9E3779B1 ^ uint(b[0])*31 ^ uint(b[n-1])*131 ^ uint(b[n/2])*7
	if n > 3 {
		h ^= uint(b[n-2]) * 1031
	}
	slot := &in.slots[(h^h>>9)&511]
	if *slot == string(b) {
		return *slot
	}
	s := string(b)
	*slot = s
	return s
}

// NewDecoder returns a decoder over b. With alias, decoded strings point into
// b instead of being copied: b must then stay unchanged for as long as the
// strings are used (the guest dispatch uses this: the input buffer belongs to
// one call).
func NewDecoder(b []byte, alias bool) *Decoder { return &Decoder{b: b, alias: alias} }

// Reset makes d read b from the start. With alias, the decoder also reuses
// its string-list storage from previous messages: everything decoded before
// must no longer be in use.
func (d *Decoder) Reset(b []byte, alias bool) {
	d.b, d.off, d.err, d.alias = b, 0, nil, alias
	if alias {
		d.arena = d.arena[:cap(d.arena)]
		d.arenaOff = 0
	} else {
		d.arena, d.arenaOff = nil, 0
	}
}

// Err returns the first error encountered.
func (d *Decoder) Err() error { return d.err }

// Remaining returns the number of unread bytes.
func (d *Decoder) Remaining() int { return len(d.b) - d.off }

// Offset returns the read offset.
func (d *Decoder) Offset() int { return d.off }

func (d *Decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s at byte %d", ErrMalformed, what, d.off)
	}
	d.off = len(d.b)
}

// Finish reports an error if bytes remain unread or a read failed.
func (d *Decoder) Finish() error {
	if d.err == nil && d.off != len(d.b) {
		d.fail("trailing bytes")
	}
	return d.err
}

// Byte reads one byte.
func (d *Decoder) Byte() byte {
	if d.off >= len(d.b) {
		d.fail("unexpected end")
		return 0
	}
	v := d.b[d.off]
	d.off++
	return v
}

// Bool reads a byte that must be 0 or 1.
func (d *Decoder) Bool() bool {
	switch d.Byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("bool not 0 or 1")
	return false
}

// Uvarint reads an unsigned LEB128 value of at most 10 bytes.
func (d *Decoder) Uvarint() uint64 {
	if b := d.b[d.off:]; len(b) > 0 && b[0] < 0x80 { // fast path, inlined
		d.off++
		return uint64(b[0])
	}
	return d.uvarintSlow()
}

func (d *Decoder) uvarintSlow() uint64 {
	b := d.b
	i := d.off
	var v uint64
	var shift uint
	for n := 0; n < 10; n++ {
		if i >= len(b) {
			d.fail("unexpected end in varint")
			return 0
		}
		c := b[i]
		i++
		if n == 9 && c > 1 {
			d.fail("varint overflows 64 bits")
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			d.off = i
			return v
		}
		shift += 7
	}
	d.fail("varint too long")
	return 0
}

// Varint reads a zigzag-encoded signed value.
func (d *Decoder) Varint() int64 {
	u := d.Uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

// Count reads a list length and checks that the remaining input can hold
// that many elements of at least minSize bytes each.
func (d *Decoder) Count(minSize int) int {
	n := d.Uvarint()
	if minSize < 1 {
		minSize = 1
	}
	if n > uint64(d.Remaining()/minSize) {
		d.fail("count exceeds input")
		return 0
	}
	return int(n)
}

// Bytes reads a length-prefixed byte string; the result aliases the input.
func (d *Decoder) Bytes() []byte {
	n := d.Uvarint()
	if n > uint64(d.Remaining()) {
		d.fail("length exceeds input")
		return nil
	}
	v := d.b[d.off : d.off+int(n) : d.off+int(n)]
	d.off += int(n)
	return v
}

// String reads a length-prefixed string (copied unless the decoder aliases).
func (d *Decoder) String() string {
	// Fast path (inlined): aliasing, a one-byte length, enough input.
	if b := d.b[d.off:]; len(b) > 0 && int(b[0]) < len(b) && b[0] < 0x80 && d.alias {
		d.off += int(b[0]) + 1
		return unsafe.String(unsafe.SliceData(b[1:]), int(b[0]))
	}
	return d.stringSlow()
}

func (d *Decoder) stringSlow() string {
	b := d.Bytes()
	if len(b) == 0 {
		return ""
	}
	if d.alias {
		return unsafe.String(&b[0], len(b))
	}
	if d.Intern != nil && len(b) <= 128 {
		return d.Intern.String(b)
	}
	return string(b)
}

// Strings reads a count-prefixed list of strings. Small lists share one
// backing array to keep allocations per message low.
func (d *Decoder) Strings() []string {
	n := d.Count(1)
	if n == 0 {
		return nil
	}
	var ss []string
	if n <= 16 {
		if len(d.arena)-d.arenaOff < n {
			if d.alias {
				// Reused across messages: grow (the old array stays with
				// the lists already handed out).
				d.arena = make([]string, 2*len(d.arena)+64)
			} else {
				d.arena = make([]string, 64)
			}
			d.arenaOff = 0
		}
		ss = d.arena[d.arenaOff : d.arenaOff+n : d.arenaOff+n]
		d.arenaOff += n
	} else {
		ss = make([]string, n)
	}
	for i := range ss {
		ss[i] = d.String()
	}
	return ss
}
