// Package text holds the small text rules every domain package shares, so
// that they agree: how a title becomes a URL handle and when two e-mail
// addresses are the same. Keep it free of domain knowledge.
package text

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wasmart/wasmart/core/errs"
)

// Slugify turns a title into a handle: lower case, letters and digits of
// any script kept, every other run of characters collapsed into one hyphen,
// at most maxRunes characters (0: no cap).
func Slugify(s string, maxRunes int) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	out := b.String()
	for maxRunes > 0 && utf8.RuneCountInString(out) > maxRunes {
		_, size := utf8.DecodeLastRuneInString(out)
		out = out[:len(out)-size]
	}
	return strings.Trim(out, "-")
}

// NormaliseEmail checks an e-mail address and returns its one stored form:
// trimmed and lower-cased as a whole, so a subscriber, a customer and a staff
// member with the same address always match. "" stays "" (callers that need
// an address say so); field names the input in the error.
func NormaliseEmail(field, s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	if len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>\"(),;:") {
		return "", errs.Field(field, "is not a valid e-mail address")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return "", errs.Field(field, "is not a valid e-mail address")
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", errs.Field(field, "is not a valid e-mail address")
	}
	return s, nil
}

// Printable returns s with invalid UTF-8 and control characters other than
// newline and tab replaced by U+FFFD, for text that arrives from code we do
// not control (a plugin's log lines and error messages) and must be stored
// and shown: PostgreSQL refuses NUL in text, and a terminal or page should
// not receive escape sequences.
func Printable(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || (unicode.IsControl(r) && r != '\n' && r != '\t') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			r = '\uFFFD'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// CSVCell keeps a cell of an exported CSV file from being read as a
// formula by a spreadsheet (a leading =, +, -, @, tab or CR gets a quote).
func CSVCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
