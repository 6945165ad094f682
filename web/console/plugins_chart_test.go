package console

import (
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/extension"
)

// TestChartSVG: bars and lines from a plugin's chart spec, with every
// plugin-supplied string escaped (a report is untrusted plugin output).
func TestChartSVG(t *testing.T) {
	evil := `<script>alert(1)</script>`
	for _, kind := range []string{"bar", "line", "pie"} {
		svg := string(chartSVG(extension.Chart{Kind: kind, Title: evil, Labels: []string{evil, "b"},
			Series: []extension.Series{{Name: evil, Values: []int64{5, -3}}}}))
		if strings.Contains(svg, "<script") || !strings.HasPrefix(svg, "<svg") || !strings.HasSuffix(svg, "</svg>") {
			t.Fatalf("%s: %s", kind, svg)
		}
		want := "<rect"
		if kind == "line" {
			want = "<polyline"
		}
		if !strings.Contains(svg, want) {
			t.Fatalf("%s chart lacks %s", kind, want)
		}
	}
	if svg := string(chartSVG(extension.Chart{Kind: "bar", Title: "empty"})); !strings.Contains(svg, "no data") {
		t.Fatalf("empty chart: %s", svg)
	}
	if niceMax(0) != 1 || niceMax(37) != 50 || niceMax(120000) != 200000 || niceMax(10) != 10 {
		t.Fatal("niceMax")
	}
}
