package design

import "sort"

// FontStack is one entry of the safe font list: a CSS font-family stack of
// fonts installed on most systems, so a storefront never waits for a web
// font download.
type FontStack struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	CSS   string `json:"css"`
}

// Fonts is the safe list, by key.
var Fonts = map[string]FontStack{
	"system":     {"system", "System sans", `system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif`},
	"humanist":   {"humanist", "Humanist sans", `Seravek, "Gill Sans Nova", Ubuntu, Calibri, "DejaVu Sans", source-sans-pro, "PingFang SC", sans-serif`},
	"geometric":  {"geometric", "Geometric sans", `Avenir, Montserrat, Corbel, "URW Gothic", source-sans-pro, "PingFang SC", sans-serif`},
	"rounded":    {"rounded", "Rounded sans", `ui-rounded, "Hiragino Maru Gothic ProN", Quicksand, Comfortaa, Manjari, "Arial Rounded MT", Calibri, source-sans-pro, sans-serif`},
	"transition": {"transition", "Transitional serif", `Charter, "Bitstream Charter", "Sitka Text", Cambria, "Noto Serif SC", serif`},
	"oldstyle":   {"oldstyle", "Old-style serif", `"Iowan Old Style", "Palatino Linotype", "URW Palladio L", P052, "Songti SC", serif`},
	"didone":     {"didone", "Didone (display serif)", `Didot, "Bodoni MT", "Noto Serif Display", "URW Palladio L", P052, Sylfaen, serif`},
	"mono":       {"mono", "Monospace", `ui-monospace, "Cascadia Code", "Source Code Pro", Menlo, Consolas, "DejaVu Sans Mono", monospace`},
}

// FontList returns the safe list sorted by label.
func FontList() []FontStack {
	out := make([]FontStack, 0, len(Fonts))
	for _, f := range Fonts {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}

// Theme is a built-in theme: its settings schema with the theme's own
// defaults, and the section types it renders. Its templates live in the web
// layer, embedded in the binary; a shop's choices are data (a Document).
type Theme struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Settings    []Field  `json:"settings"`
	Sections    []string `json:"sections"` // section type names it supports
	// Home is the composition a new draft starts with.
	Home []Section `json:"-"`
}

// Theme setting keys read by the storefront.
const (
	SetColorBackground = "color_background"
	SetColorText       = "color_text"
	SetColorAccent     = "color_accent"
	SetColorAccentText = "color_accent_text"
	SetColorMuted      = "color_muted"
	SetFontHeading     = "font_heading"
	SetFontBody        = "font_body"
	SetBaseSize        = "base_font_size"
	SetLogo            = "logo"
	SetLogoWidth       = "logo_width"
	SetFavicon         = "favicon"
	SetButtonStyle     = "button_style"
	SetCardStyle       = "product_card"
	SetHeaderLayout    = "header_layout"
	SetFooterLayout    = "footer_layout"
	SetFooterText      = "footer_text"
	SetShowVendor      = "show_vendor"
)

func opts(pairs ...string) []Option {
	out := make([]Option, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, Option{Value: pairs[i], Label: pairs[i+1]})
	}
	return out
}

// themeSettings is the common settings schema with per-theme defaults.
func themeSettings(bg, text, accent, accentText, muted, heading, body, button, card, header, footer string) []Field {
	return []Field{
		{Key: SetColorBackground, Label: "Background colour", Type: Color, Required: true, Default: bg},
		{Key: SetColorText, Label: "Text colour", Type: Color, Required: true, Default: text},
		{Key: SetColorAccent, Label: "Accent colour (buttons, links)", Type: Color, Required: true, Default: accent},
		{Key: SetColorAccentText, Label: "Text on accent colour", Type: Color, Required: true, Default: accentText},
		{Key: SetColorMuted, Label: "Muted colour (borders, panels)", Type: Color, Required: true, Default: muted},
		{Key: SetFontHeading, Label: "Heading font", Type: Font, Required: true, Default: heading},
		{Key: SetFontBody, Label: "Body font", Type: Font, Required: true, Default: body},
		{Key: SetBaseSize, Label: "Base font size (px)", Type: Int, Min: 14, Max: 20, Default: 16},
		{Key: SetLogo, Label: "Logo", Type: Image, Help: "PNG, JPEG, GIF or WebP; shown instead of the shop name"},
		{Key: SetLogoWidth, Label: "Logo width (px)", Type: Int, Min: 40, Max: 400, Default: 140},
		{Key: SetFavicon, Label: "Favicon", Type: Image, Help: "a square PNG, at least 32×32"},
		{Key: SetButtonStyle, Label: "Button style", Type: Select, Required: true, Default: button, Options: opts("square", "Square", "rounded", "Rounded", "pill", "Pill")},
		{Key: SetCardStyle, Label: "Product card", Type: Select, Required: true, Default: card, Options: opts("standard", "Image, title and price", "bordered", "Bordered card", "minimal", "Image only, details on hover", "overlay", "Details over the image")},
		{Key: SetHeaderLayout, Label: "Header layout", Type: Select, Required: true, Default: header, Options: opts("inline", "Logo left, menu right", "centered", "Logo centred, menu below", "split", "Menu left, logo centred, cart right")},
		{Key: SetFooterLayout, Label: "Footer layout", Type: Select, Required: true, Default: footer, Options: opts("columns", "Menu in columns", "simple", "One line", "centered", "Centred")},
		{Key: SetFooterText, Label: "Footer text", Type: Textarea, Max: 500},
		{Key: SetShowVendor, Label: "Show vendor on product cards", Type: Bool, Default: false},
	}
}

var themes = []*Theme{
	{
		ID: "grid", Name: "Grid",
		Description: "Clean and bright: a dense product grid, sans-serif type, a compact header with the menu inline.",
		Settings:    themeSettings("#ffffff", "#1f2328", "#0b6bcb", "#ffffff", "#eef1f4", "system", "system", "rounded", "bordered", "inline", "columns"),
		Sections:    allSectionTypes(),
		Home: []Section{
			{Type: "hero", Settings: Settings{"heading": "Welcome to our shop", "subheading": "New arrivals every week.", "button_label": "Shop now", "button_link": map[string]any{"kind": "search"}, "height": "medium", "align": "left"}},
			{Type: "rich_text", Settings: Settings{"heading": "Made with care", "text": "<p>Tell your customers what makes your shop special.</p>", "align": "center"}},
		},
	},
	{
		ID: "editorial", Name: "Editorial",
		Description: "A magazine feel: serif headings, generous white space, a centred masthead, large images and a single-column story flow.",
		Settings:    themeSettings("#fbf8f3", "#2b2118", "#8a3b12", "#ffffff", "#efe7da", "didone", "oldstyle", "square", "minimal", "centered", "centered"),
		Sections:    allSectionTypes(),
		Home: []Section{
			{Type: "hero", Settings: Settings{"heading": "The new season", "subheading": "Stories and objects for slow days.", "button_label": "Read the journal", "button_link": map[string]any{"kind": "blog"}, "height": "large", "align": "center"}},
			{Type: "rich_text", Settings: Settings{"heading": "Our story", "text": "<p>Tell your customers where you come from.</p>", "align": "center", "narrow": true}},
		},
	},
}

// DefaultTheme is the theme of a shop that has never published.
const DefaultTheme = "grid"

// Themes lists the built-in themes.
func Themes() []*Theme { return themes }

// ThemeByID returns a built-in theme.
func ThemeByID(id string) (*Theme, bool) {
	for _, t := range themes {
		if t.ID == id {
			return t, true
		}
	}
	return nil, false
}

// Supports reports whether the theme renders sections of type typ.
func (t *Theme) Supports(typ string) bool {
	for _, s := range t.Sections {
		if s == typ {
			return true
		}
	}
	return false
}

// Field returns a settings field by key.
func (t *Theme) Field(key string) (Field, bool) {
	for _, f := range t.Settings {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}
