package richtext

import (
	"strings"
	"testing"
)

func TestSanitize(t *testing.T) {
	in := `<p onclick="x()">Hello <b>world</b><script>alert(1)</script></p><a href="javascript:alert(1)">x</a><img src="https://cdn.example/a.jpg" onerror="x"><iframe src="https://evil"></iframe>`
	out := Sanitize(in)
	for _, bad := range []string{"script", "onclick", "onerror", "javascript:", "iframe", "alert"} {
		if strings.Contains(out, bad) {
			t.Errorf("%q survived: %s", bad, out)
		}
	}
	if !strings.Contains(out, "<b>world</b>") || !strings.Contains(out, `src="https://cdn.example/a.jpg"`) {
		t.Errorf("formatting lost: %s", out)
	}
	if Sanitize(out) != out {
		t.Errorf("not idempotent")
	}
	if !Changed(in) || Changed("<p>ok</p>") {
		t.Errorf("Changed wrong")
	}
}

func TestPlainExcerpt(t *testing.T) {
	if got := Plain("<p>Soft&nbsp;cotton</p><ul><li>100%</li><li>wash &amp; wear</li></ul><script>x</script>"); got != "Soft cotton 100% wash & wear" {
		t.Errorf("Plain = %q", got)
	}
	if got := Excerpt("<p>one two three four five</p>", 12); got != "one two…" {
		t.Errorf("Excerpt = %q", got)
	}
}

// TestChangedIgnoresEscapedQuotes: bodies whose only difference after
// sanitising is how quotes, ampersands or attribute values are written, an
// added rel="nofollow", tag case or white space are not reported as having
// had unsafe HTML removed (issue #9, item 15).
func TestChangedIgnoresEscapedQuotes(t *testing.T) {
	for _, s := range []string{`It's "great"`, `<p>It's</p>`, `<p title='q'>"x"</p>`, `a & b < c`, `<a href="https://x.example/a?b=1&c=2">x</a>`,
		`<P>Up</P>`, "  <p>x</p>\n", `&nbsp;x`, `<b>x</i>`, `<img src="https://cdn.example/a.jpg" alt='Its'>`} {
		if r := Removed(s); len(r) != 0 || Changed(s) {
			t.Errorf("Changed(%q) = true (%v); sanitised: %q", s, r, Sanitize(s))
		}
	}
	for s, want := range map[string]string{
		`<p onclick="x()">a</p>`:               "onclick attribute",
		`<p>a</p><script>alert(1)</script>`:    "<script>",
		`<p style="color:red">x</p>`:           "style attribute",
		`<!-- c -->x`:                          "comment",
		`<a href="javascript:alert(1)">x</a>`:  "<a>",
		`<iframe src="https://evil"></iframe>`: "<iframe>",
	} {
		if r := Removed(s); strings.Join(r, ",") != want || !Changed(s) {
			t.Errorf("Removed(%q) = %v, want %s", s, r, want)
		}
	}
}
