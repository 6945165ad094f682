package store

import (
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Fingerprint builds the token a domain package's LastChange method
// returns to caches: the latest change times, row counts and markers of
// the tables it owns, written in a fixed order so that the token differs
// whenever one of them does. Latest is the newest change time added with
// Changed.
type Fingerprint struct {
	b      strings.Builder
	latest time.Time
}

// Changed adds a latest-change time (a MAX(updated_at)); it counts
// towards Latest.
func (f *Fingerprint) Changed(t bun.NullTime) {
	if !t.IsZero() {
		u := t.Time.UTC()
		if u.After(f.latest) {
			f.latest = u
		}
		f.b.WriteString(strconv.FormatInt(u.UnixNano(), 36))
	}
	f.b.WriteByte('|')
}

// Due adds a scheduled time (the next publication): the token changes
// once it has passed and the next one is read instead. It does not count
// towards Latest.
func (f *Fingerprint) Due(t bun.NullTime) {
	if !t.IsZero() {
		f.b.WriteString(strconv.FormatInt(t.Time.UnixNano(), 36))
	}
	f.b.WriteByte('|')
}

// Count adds a row count or a number.
func (f *Fingerprint) Count(n int64) {
	f.b.WriteString(strconv.FormatInt(n, 36))
	f.b.WriteByte('|')
}

// Text adds a marker such as the greatest id.
func (f *Fingerprint) Text(s string) {
	f.b.WriteString(s)
	f.b.WriteByte('|')
}

// Token is the fingerprint so far.
func (f *Fingerprint) Token() string { return f.b.String() }

// Latest is the newest time added with Changed (zero when none).
func (f *Fingerprint) Latest() time.Time { return f.latest }
