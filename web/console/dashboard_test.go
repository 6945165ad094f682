package console

import (
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/analytics"
)

func fig(v float64) *float64 { return &v }

// TestChangeWords: the change reads as a signed percentage in words, and
// says so when there is nothing to compare with.
func TestChangeWords(t *testing.T) {
	for _, c := range []struct {
		cur, base *float64
		want      string
	}{
		{fig(125), fig(100), "up +25.0% on X"},
		{fig(90), fig(100), "down −10.0% on X"},
		{fig(100), fig(100), "no change on X"},
		{fig(100.01), fig(100), "no change on X"},
		{fig(3), fig(0), "up from none on X"},
		{fig(0), fig(0), "no change on X"},
		{nil, fig(1), "no comparison with X"},
		{fig(1), nil, "no comparison with X"},
		{fig(-5), fig(-10), "up +50.0% on X"},
	} {
		if got := changeWords(c.cur, c.base, "X"); got != c.want {
			t.Errorf("changeWords(%v, %v) = %q, want %q", c.cur, c.base, got, c.want)
		}
	}
}

// TestFormatFigure: counts whole, ratios in percent, money in the
// currency's major units (never minor units), undefined as a dash.
func TestFormatFigure(t *testing.T) {
	for _, c := range []struct {
		u    analytics.Unit
		v    *float64
		cur  string
		want string
	}{
		{analytics.UnitCount, fig(12), "EUR", "12"},
		{analytics.UnitRatio, fig(0.0333), "EUR", "3.3%"},
		{analytics.UnitMoney, fig(9120), "EUR", "91.20 EUR"},
		{analytics.UnitMoney, fig(9120), "JPY", "9120 JPY"},
		{analytics.UnitMoney, fig(4489.5), "EUR", "44.90 EUR"},
		{analytics.UnitValue, fig(1.5), "EUR", "1.50"},
		{analytics.UnitRatio, nil, "EUR", "—"},
	} {
		if got := formatFigure(c.u, c.v, c.cur); got != c.want {
			t.Errorf("formatFigure(%s, %v, %s) = %q, want %q", c.u, c.v, c.cur, got, c.want)
		}
	}
}

// TestSparkline: an accessible image (title and description, escaped)
// with one polyline per unbroken run of defined values, a lone value as
// a dot, and nothing drawn for an all-undefined series.
func TestSparkline(t *testing.T) {
	svg := string(sparklineSVG("s1", `<b>"x"</b>`, "a & b", []*float64{fig(1), fig(2), nil, fig(3), nil, fig(1), fig(4)}))
	for _, want := range []string{`role="img"`, `aria-labelledby="s1-title s1-desc"`, `<title id="s1-title">&lt;b&gt;&#34;x&#34;&lt;/b&gt;</title>`,
		`<desc id="s1-desc">a &amp; b</desc>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("sparkline lacks %q: %s", want, svg)
		}
	}
	if n := strings.Count(svg, "<polyline"); n != 2 {
		t.Errorf("%d polylines, want 2 (runs 1-2 and 1-4): %s", n, svg)
	}
	if n := strings.Count(svg, "<circle"); n != 2 {
		t.Errorf("%d dots, want 2 (the lone 3 and the last value): %s", n, svg)
	}
	empty := string(sparklineSVG("s2", "t", "d", []*float64{nil, nil}))
	if strings.Contains(empty, "<polyline") || strings.Contains(empty, "<circle") || !strings.HasSuffix(empty, "</svg>") {
		t.Errorf("undefined series: %s", empty)
	}
}
