package catalog

import (
	"strings"
	"unicode"

	"github.com/wasmart/wasmart/core/text"
)

// maxHandleRunes caps handles of products, collections and categories.
const maxHandleRunes = 200

// Slugify turns a title into a catalog handle: text.Slugify capped at the
// catalog's handle length.
func Slugify(s string) string { return text.Slugify(s, maxHandleRunes) }

// ValidHandle reports whether h is what Slugify would keep.
func ValidHandle(h string) bool {
	return h != "" && Slugify(h) == h
}

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// searchToken is one query or index term; exact terms must match a token
// fully, the others by prefix.
type searchToken struct {
	text  string
	exact bool
}

// tokenize cuts text into search tokens. Runs of letters/digits of
// alphabetic scripts become one token; runs of CJK characters become their
// unigrams and bigrams when indexing, and their bigrams (or the single
// character) when querying.
func tokenize(s string, query bool) []searchToken {
	var out []searchToken
	var word []rune
	var cjk []rune
	flushWord := func() {
		if len(word) > 0 {
			t := string(word)
			if len(t) > 64 {
				t = t[:64]
			}
			out = append(out, searchToken{text: t})
			word = word[:0]
		}
	}
	flushCJK := func() {
		switch {
		case len(cjk) == 0:
		case query && len(cjk) == 1:
			out = append(out, searchToken{text: string(cjk)})
		case query:
			for i := 0; i+1 < len(cjk); i++ {
				out = append(out, searchToken{text: string(cjk[i : i+2]), exact: true})
			}
		default:
			for i := range cjk {
				out = append(out, searchToken{text: string(cjk[i]), exact: true})
				if i+1 < len(cjk) {
					out = append(out, searchToken{text: string(cjk[i : i+2]), exact: true})
				}
			}
		}
		cjk = cjk[:0]
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case isCJK(r):
			flushWord()
			cjk = append(cjk, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushCJK()
			word = append(word, r)
		default:
			flushWord()
			flushCJK()
		}
	}
	flushWord()
	flushCJK()
	return out
}

// indexTokens returns the distinct tokens for a product's searchable texts.
func indexTokens(texts ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range texts {
		for _, tok := range tokenize(t, false) {
			if !seen[tok.text] {
				seen[tok.text] = true
				out = append(out, tok.text)
			}
		}
	}
	return out
}

// normTag trims a tag and collapses inner white space; tags compare
// case-sensitively as Shopify's do, but duplicates are dropped.
func normTags(tags []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range tags {
		t = strings.Join(strings.Fields(t), " ")
		if t == "" || seen[t] {
			continue
		}
		if len(t) > 255 {
			t = t[:255]
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

// SplitTags splits a comma-separated tag list.
func SplitTags(s string) []string { return normTags(strings.Split(s, ",")) }
