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
