package httpx

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxRedirectLen bounds a redirect target taken from a request.
const maxRedirectLen = 2048

// SafeRedirect returns target when it is safe to send a browser to after a
// form post or sign-in, and fallback otherwise. Every redirect to a path a
// request supplied (next=, back=, ...) goes through it, and so does every
// such value echoed into a form.
//
// Safe means an absolute path on this host that no browser reads as another
// host or as a second header line:
//
//   - it starts with exactly one "/" (so no scheme such as "https:" or
//     "javascript:", no "//host" and no relative path);
//   - it holds printable ASCII only: no control characters (CR, LF, tab,
//     NUL, DEL), no spaces, no raw non-ASCII bytes, no backslash (browsers
//     read "\" as "/");
//   - its path has no "//" and no "." or ".." segment ("/.//evil" resolves
//     to "//evil");
//   - the path still passes after each round of percent-decoding
//     ("/%2F%2Fevil", "/%09/evil", "/%5Cevil", "/%2e%2e/", double
//     encodings), where a decoded character may be any Unicode letter or
//     symbol except controls, spaces, invisible format characters and
//     look-alikes of "/" and "\".
//
// The query and fragment are only checked in the raw form: once the path is
// fixed, they cannot move the browser to another host, and percent-encoded
// characters in them stay encoded in the Location header.
//
// The target is returned unchanged when it passes: it is already in the form
// a browser sends, and it can only name a path on this host.
func SafeRedirect(target, fallback string) string {
	if target == "" || len(target) > maxRedirectLen {
		return fallback
	}
	for i := 0; i < len(target); i++ {
		if b := target[i]; b <= ' ' || b >= 0x7f || b == '\\' {
			return fallback
		}
	}
	path := target
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	if !safeRedirectPath(path) {
		return fallback
	}
	for range 5 {
		dec := percentDecode(path)
		if dec == path {
			return target
		}
		if !safeRedirectPath(dec) {
			return fallback
		}
		path = dec
	}
	// Still changing after five rounds of decoding: nobody needs that.
	return fallback
}

// percentDecode decodes every valid %XX escape and keeps anything else
// (a lone "%", "%zz") as it is, so one bad escape cannot hide the others.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// safeRedirectPath checks one form (raw or decoded) of a target's path.
func safeRedirectPath(p string) bool {
	if len(p) < 1 || p[0] != '/' || strings.Contains(p, "//") || !utf8.ValidString(p) {
		return false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	for _, r := range p {
		if r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || slashLike(r) {
			return false
		}
	}
	return true
}

// slashLikes are characters that render as, or that some parsers (NFKC,
// IDNA) fold into, "/" or "\": fraction slash, division slash, set minus,
// reverse solidus operator, big solidus, big reverse solidus, small reverse
// solidus, fullwidth solidus and reverse solidus, the vertical kana repeat
// marks and the combining long solidus overlay.
const slashLikes = "\u2044\u2215\u2216\u29f5\u29f8\u29f9\ufe68\uff0f\uff3c\u3033\u3035\u0338"

func slashLike(r rune) bool { return strings.ContainsRune(slashLikes, r) }
