package text

import (
	"errors"
	"testing"

	"github.com/wasmart/wasmart/core/errs"
)

func TestSlugify(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"Hello, World!", 0, "hello-world"},
		{"  --Crème brûlée--  ", 0, "crème-brûlée"},
		{"夏季 T恤 2026", 0, "夏季-t恤-2026"},
		{"a_b.c/d", 0, "a-b-c-d"},
		{"abcdef", 3, "abc"},
		{"ab-cdef", 3, "ab"},
		{"!!!", 0, ""},
	} {
		if got := Slugify(c.in, c.max); got != c.want {
			t.Errorf("Slugify(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

func TestNormaliseEmail(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{" Ann.Lee@Example.COM ", "ann.lee@example.com"},
		{"ann+shop@example.co.uk", "ann+shop@example.co.uk"},
		{"", ""},
	} {
		got, err := NormaliseEmail("email", c.in)
		if err != nil || got != c.want {
			t.Errorf("NormaliseEmail(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"nope", "a@b", "a@.b.c", "a@b.c.", "Ann <ann@example.com>", "a b@example.com", "@example.com", "a@example.com\r\nBcc: x@y.z"} {
		_, err := NormaliseEmail("contact", bad)
		var e *errs.Error
		if !errors.As(err, &e) || e.Field != "contact" {
			t.Errorf("NormaliseEmail(%q) = %v, want a field error naming contact", bad, err)
		}
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain line\n\tindented": "plain line\n\tindented",
		"a\x00b":                 "a\uFFFDb",
		"\x1b[31mred\x1b[0m":     "\uFFFD[31mred\uFFFD[0m",
		"cr\r\n":                 "cr\uFFFD\n",
		"bad \xff utf8":          "bad \uFFFD utf8",
		"c1 \u0085 next line":    "c1 \uFFFD next line",
		"crème 夏":                "crème 夏",
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}
