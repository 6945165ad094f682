// Package richtext sanitises merchant-authored HTML (product descriptions,
// collection texts) before it is stored, and derives plain text from it for
// search and meta descriptions.
//
// Sanitising happens on write, so every read path (storefront, API, CSV
// export) can emit the stored HTML as is. The policy is bluemonday's UGC
// policy: formatting, lists, tables, links and images are kept; scripts,
// event handlers, styles, iframes and javascript: URLs are removed. Links get
// rel="nofollow noopener" when they open a new window.
package richtext

import (
	"html"
	"strings"
	"sync"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
)

var (
	once   sync.Once
	policy *bluemonday.Policy
	strict *bluemonday.Policy
)

func policies() {
	once.Do(func() {
		policy = bluemonday.UGCPolicy()
		policy.AddTargetBlankToFullyQualifiedLinks(false)
		policy.RequireNoReferrerOnLinks(false)
		policy.AllowAttrs("class").OnElements("p", "span", "div", "ul", "ol", "li", "table")
		strict = bluemonday.StrictPolicy()
	})
}

// Sanitize returns html with everything unsafe removed. It is idempotent:
// Sanitize(Sanitize(s)) == Sanitize(s).
func Sanitize(s string) string {
	if s == "" {
		return ""
	}
	policies()
	return strings.TrimSpace(policy.Sanitize(s))
}

// Changed reports whether sanitising s changes more than surrounding space,
// i.e. whether something was stripped (used to warn importers).
func Changed(s string) bool {
	return Sanitize(s) != strings.TrimSpace(s)
}

// Plain returns the text content of html with tags removed, entities
// decoded and runs of white space collapsed to one space.
func Plain(s string) string {
	if s == "" {
		return ""
	}
	policies()
	// Block-level tags become spaces so words do not run together.
	r := strings.NewReplacer("<br", " <br", "</p>", " </p>", "</li>", " </li>", "</div>", " </div>", "</h", " </h", "</td>", " </td>")
	t := html.UnescapeString(strict.Sanitize(r.Replace(s)))
	return strings.Join(strings.FieldsFunc(t, unicode.IsSpace), " ")
}

// Excerpt returns at most n runes of Plain(s), cut at a word boundary where
// possible and ending in "…" when shortened.
func Excerpt(s string, n int) string {
	p := []rune(Plain(s))
	if len(p) <= n {
		return string(p)
	}
	cut := n - 1
	for i := cut; i > n/2; i-- {
		if unicode.IsSpace(p[i]) {
			cut = i
			break
		}
	}
	return strings.TrimSpace(string(p[:cut])) + "…"
}
