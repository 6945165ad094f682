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
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
	nethtml "golang.org/x/net/html"
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

// Changed reports whether sanitising s removes something (used to warn
// importers). It compares meaning, not bytes: quotes and other characters
// that sanitising escapes ("'" becomes "&#39;"), attributes it adds
// (rel="nofollow"), the quoting of attribute values, the case of tag names
// and white space do not count.
func Changed(s string) bool { return len(Removed(s)) > 0 }

// Removed lists what sanitising s takes away, each once, sorted: elements
// as "<script>", attributes as "onclick attribute", comments as "comment",
// and "text" when text outside removed elements changed.
func Removed(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	in, out := digest(s), digest(Sanitize(s))
	seen := map[string]bool{}
	var gone []string
	for k, n := range in.items {
		if out.items[k] >= n {
			continue
		}
		name := k
		if el, attr, ok := strings.Cut(k, "\x00"); ok {
			if in.items["<"+el+">"] > out.items["<"+el+">"] {
				continue // the element went, and its attributes with it
			}
			name, _, _ = strings.Cut(attr, "=")
			name += " attribute"
		}
		if !seen[name] {
			seen[name] = true
			gone = append(gone, name)
		}
	}
	if in.text != out.text && !seen["text"] {
		gone = append(gone, "text")
	}
	sort.Strings(gone)
	return gone
}

// htmlDigest is what an HTML fragment means for Removed: a multiset of its
// elements ("<p>"), attributes ("p\x00class=x", values unescaped) and
// comments, and its text with entities decoded and white space collapsed
// (the content of script and style elements left out).
type htmlDigest struct {
	items map[string]int
	text  string
}

func digest(s string) htmlDigest {
	d := htmlDigest{items: map[string]int{}}
	var text strings.Builder
	z := nethtml.NewTokenizer(strings.NewReader(s))
	raw := ""
	for {
		tt := z.Next()
		if tt == nethtml.ErrorToken {
			break
		}
		tok := z.Token()
		switch tt {
		case nethtml.StartTagToken, nethtml.SelfClosingTagToken:
			d.items["<"+tok.Data+">"]++
			for _, a := range tok.Attr {
				d.items[tok.Data+"\x00"+a.Key+"="+a.Val]++
			}
			if tt == nethtml.StartTagToken && (tok.Data == "script" || tok.Data == "style") {
				raw = tok.Data
			}
		case nethtml.EndTagToken:
			if tok.Data == raw {
				raw = ""
			}
		case nethtml.CommentToken:
			d.items["comment"]++
		case nethtml.DoctypeToken:
			d.items["doctype"]++
		case nethtml.TextToken:
			if raw == "" {
				text.WriteString(tok.Data)
			}
		}
	}
	d.text = strings.Join(strings.FieldsFunc(text.String(), unicode.IsSpace), " ")
	return d
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
