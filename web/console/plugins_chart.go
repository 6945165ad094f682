package console

import (
	"fmt"
	"html"
	"html/template"
	"strings"

	"github.com/wasmart/wasmart/core/extension"
)

// Server-side SVG charts: the reports' grouped bars ("bar", and "pie",
// which is drawn as bars) and lines ("line"), and the dashboard's
// sparklines, sharing the accessible opening (svgOpen) and the line
// drawing (polylines). No JavaScript; the SVG is built from escaped text
// and numbers only.

var chartColors = []string{"#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#4b5563"}

const (
	chartW, chartH         = 720, 320
	padL, padR, padT, padB = 70, 16, 28, 70
)

// niceMax rounds a maximum up to 1, 2 or 5 × 10^n.
func niceMax(v int64) int64 {
	if v <= 0 {
		return 1
	}
	p := int64(1)
	for p*10 <= v {
		p *= 10
	}
	for _, m := range []int64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func shortLabel(s string) string {
	r := []rune(s)
	if len(r) > 14 {
		return string(r[:13]) + "…"
	}
	return s
}

// chartSVG renders one chart.
func chartSVG(c extension.Chart) template.HTML {
	var b strings.Builder
	n := len(c.Labels)
	if n == 0 || len(c.Series) == 0 {
		fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d 60" width="100%%" role="img" aria-label="%s" class="chart">`+
			`<text x="%d" y="18" font-size="14" font-weight="bold">%s</text><text x="%d" y="44" fill="#666">no data</text></svg>`,
			chartW, html.EscapeString(c.Title), padL, html.EscapeString(c.Title), padL)
		return template.HTML(b.String())
	}
	svgOpen(&b, chartW, chartH, "", c.Title, "")
	fmt.Fprintf(&b, `<text x="%d" y="18" font-size="14" font-weight="bold">%s</text>`, padL, html.EscapeString(c.Title))
	var lo, hi int64
	for _, s := range c.Series {
		for _, v := range s.Values {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	top := niceMax(hi)
	bottom := int64(0)
	if lo < 0 {
		bottom = -niceMax(-lo)
	}
	plotW, plotH := float64(chartW-padL-padR), float64(chartH-padT-padB)
	y := func(v int64) float64 { return float64(padT) + plotH*float64(top-v)/float64(top-bottom) }
	// Grid and axis labels.
	ticks := int64(4)
	for _, n := range []int64{4, 5, 2} {
		if (top-bottom)%n == 0 {
			ticks = n
			break
		}
	}
	for i := int64(0); i <= ticks; i++ {
		v := bottom + (top-bottom)*i/ticks
		yy := y(v)
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#e5e7eb"/>`, padL, chartW-padR, yy, yy)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="11" text-anchor="end" fill="#444">%d</text>`, padL-6, yy+4, v)
	}
	slot := plotW / float64(n)
	for i, l := range c.Labels {
		x := float64(padL) + slot*(float64(i)+0.5)
		if n <= 40 || i%(n/40+1) == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="end" transform="rotate(-35 %.1f %d)" fill="#444">%s</text>`,
				x, chartH-padB+14, x, chartH-padB+14, html.EscapeString(shortLabel(l)))
		}
	}
	if c.Kind == "line" {
		for si, s := range c.Series {
			vs := make([]*float64, len(s.Values))
			for i, v := range s.Values {
				f := float64(v)
				vs[i] = &f
			}
			polylines(&b, vs, func(i int) float64 { return float64(padL) + slot*(float64(i)+0.5) },
				func(v float64) float64 { return y(int64(v)) }, chartColors[si%len(chartColors)], 2)
		}
	} else {
		bw := slot * 0.8 / float64(len(c.Series))
		for si, s := range c.Series {
			for i, v := range s.Values {
				x := float64(padL) + slot*float64(i) + slot*0.1 + bw*float64(si)
				y0, y1 := y(0), y(v)
				if y1 > y0 {
					y0, y1 = y1, y0
				}
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %d</title></rect>`,
					x, y1, max(bw-1, 1), max(y0-y1, 0.5), chartColors[si%len(chartColors)], html.EscapeString(c.Labels[min(i, n-1)]+" "+s.Name), v)
			}
		}
	}
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#444"/>`, padL, chartW-padR, y(0), y(0))
	// Legend.
	for si, s := range c.Series {
		x := padL + si*140
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" font-size="11">%s</text>`,
			x, chartH-14, chartColors[si%len(chartColors)], x+14, chartH-5, html.EscapeString(shortLabel(s.Name)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// svgOpen starts an SVG image of w × h user units that scales to its box:
// role img, named by its <title> and, when desc is not empty, described
// by its <desc>. id makes their ids unique on the page; without one the
// image is named by aria-label (for pages with several untitled ids).
func svgOpen(b *strings.Builder, w, h int, id, title, desc string) {
	esc := html.EscapeString
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" class="chart"`, w, h)
	if id == "" {
		fmt.Fprintf(b, ` aria-label="%s"><title>%s</title>`, esc(title), esc(title))
		if desc != "" {
			fmt.Fprintf(b, `<desc>%s</desc>`, esc(desc))
		}
		return
	}
	labels := id + "-title"
	if desc != "" {
		labels += " " + id + "-desc"
	}
	fmt.Fprintf(b, ` aria-labelledby="%s"><title id="%s-title">%s</title>`, esc(labels), esc(id), esc(title))
	if desc != "" {
		fmt.Fprintf(b, `<desc id="%s-desc">%s</desc>`, esc(id), esc(desc))
	}
}

// polylines draws a line through values at (x(i), y(v)); a nil value is
// a gap (one polyline per unbroken run; a lone point is a dot).
func polylines(b *strings.Builder, values []*float64, x func(int) float64, y func(float64) float64, stroke string, width float64) {
	var run []string
	flush := func(last int) {
		switch len(run) {
		case 0:
		case 1:
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s"/>`, x(last), y(*values[last]), width, stroke)
		default:
			fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="%.1f" stroke-linejoin="round" points="%s"/>`, stroke, width, strings.Join(run, " "))
		}
		run = run[:0]
	}
	for i, v := range values {
		if v == nil {
			flush(i - 1)
			continue
		}
		run = append(run, fmt.Sprintf("%.1f,%.1f", x(i), y(*v)))
	}
	flush(len(values) - 1)
}

// sparkW and sparkH are a sparkline's size in user units.
const sparkW, sparkH = 160, 40

// sparklineSVG draws values (one per day, nil where undefined) as a small
// line from 0 (or the lowest value, when below 0) to the highest, the
// last value marked with a dot. The title names it and desc says in
// words what it shows: the page shows the figures beside it as text.
func sparklineSVG(id, title, desc string, values []*float64) template.HTML {
	var b strings.Builder
	svgOpen(&b, sparkW, sparkH, id, title, desc)
	lo, hi := 0.0, 0.0
	for _, v := range values {
		if v != nil {
			lo, hi = min(lo, *v), max(hi, *v)
		}
	}
	if hi == lo {
		hi = lo + 1
	}
	const pad = 4.0
	step := (sparkW - 2*pad) / float64(max(len(values)-1, 1))
	x := func(i int) float64 { return pad + step*float64(i) }
	y := func(v float64) float64 { return pad + (sparkH-2*pad)*(hi-v)/(hi-lo) }
	fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#d1d5db"/>`, pad, sparkW-pad, y(max(lo, 0)), y(max(lo, 0)))
	polylines(&b, values, x, y, chartColors[0], 1.5)
	if n := len(values); n > 0 && values[n-1] != nil {
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`, x(n-1), y(*values[n-1]), chartColors[0])
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
