package design

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wasmart/wasmart/core/content"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/richtext"
)

// FieldType is the kind of value a setting holds; the console generates its
// form control from it and validation coerces and checks values by it.
type FieldType string

// Field types.
const (
	Text       FieldType = "text"       // one line, at most Max runes (default 200)
	Textarea   FieldType = "textarea"   // plain text with line breaks
	RichText   FieldType = "richtext"   // sanitised HTML; scripts, styles and event handlers are refused
	Color      FieldType = "color"      // #rgb or #rrggbb, stored as lower-case #rrggbb
	Font       FieldType = "font"       // a key of Fonts
	Select     FieldType = "select"     // one of Options
	Bool       FieldType = "bool"       // true or false
	Int        FieldType = "int"        // an integer between Min and Max
	Image      FieldType = "image"      // a design asset key of this shop, or an http(s) URL
	Collection FieldType = "collection" // a collection id of this shop
	Product    FieldType = "product"    // a product id of this shop
	Page       FieldType = "page"       // a content page id of this shop
	LinkField  FieldType = "link"       // a Link
)

// Option is one choice of a Select field.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Field is one setting in a schema.
type Field struct {
	Key      string    `json:"key"`
	Label    string    `json:"label"`
	Type     FieldType `json:"type"`
	Help     string    `json:"help,omitempty"`
	Required bool      `json:"required,omitempty"`
	Default  any       `json:"default,omitempty"`
	Options  []Option  `json:"options,omitempty"`
	Min      int       `json:"min,omitempty"`
	Max      int       `json:"max,omitempty"`
}

// Settings are validated setting values by key: string, int, bool or Link
// values (a Link is kept as a map after a JSON round trip; use the
// accessors).
type Settings map[string]any

// String returns a string setting ("" when unset).
func (s Settings) String(key string) string {
	v, _ := s[key].(string)
	return v
}

// Int returns an integer setting (0 when unset).
func (s Settings) Int(key string) int {
	switch v := s[key].(type) {
	case int:
		return v
	case int64:
		return int(v)
	case float64:
		return int(v)
	}
	return 0
}

// Bool returns a boolean setting.
func (s Settings) Bool(key string) bool {
	v, _ := s[key].(bool)
	return v
}

// Link returns a link setting (zero when unset).
func (s Settings) Link(key string) Link {
	switch v := s[key].(type) {
	case Link:
		return v
	case map[string]any:
		k, _ := v["kind"].(string)
		r, _ := v["ref"].(string)
		return Link{Kind: LinkKind(k), Ref: r}
	case map[string]string:
		return Link{Kind: LinkKind(v["kind"]), Ref: v["ref"]}
	}
	return Link{}
}

// LinkKind is what a Link points at.
type LinkKind string

// Link kinds.
const (
	LinkHome       LinkKind = "home"
	LinkCollection LinkKind = "collection" // Ref is a collection id
	LinkProduct    LinkKind = "product"    // Ref is a product id
	LinkPage       LinkKind = "page"       // Ref is a content page id
	LinkArticle    LinkKind = "article"    // Ref is an article id
	LinkBlog       LinkKind = "blog"
	LinkSearch     LinkKind = "search"
	LinkURL        LinkKind = "url" // Ref is an http(s) URL or a path starting with "/"
)

// Link points at something in the shop or at a URL. Objects are referenced
// by id so renaming a handle does not break links; the storefront resolves
// ids to current handles when it renders.
type Link struct {
	Kind LinkKind `json:"kind"`
	Ref  string   `json:"ref,omitempty"`
}

// IsZero reports whether the link is unset.
func (l Link) IsZero() bool { return l.Kind == "" }

var colorRe = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// NormalizeColor returns c as lower-case #rrggbb, or false when c is not a
// hex colour.
func NormalizeColor(c string) (string, bool) {
	c = strings.TrimSpace(c)
	if !colorRe.MatchString(c) {
		return "", false
	}
	c = strings.ToLower(c)
	if len(c) == 4 {
		c = "#" + string([]byte{c[1], c[1], c[2], c[2], c[3], c[3]})
	}
	return c, true
}

// Luminance is the WCAG relative luminance of a #rrggbb colour.
func Luminance(c string) float64 {
	c, ok := NormalizeColor(c)
	if !ok {
		return 0
	}
	ch := func(h string) float64 {
		n, _ := strconv.ParseUint(h, 16, 8)
		v := float64(n) / 255
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(c[1:3]) + 0.7152*ch(c[3:5]) + 0.0722*ch(c[5:7])
}

// Contrast is the WCAG contrast ratio of two colours (1 to 21).
func Contrast(a, b string) float64 {
	la, lb := Luminance(a), Luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// UnsafeMarkup reports whether html contains scripts, event handlers,
// styles, frames or script URLs (content.UnsafeMarkup). Builder input that
// does is refused with an error instead of being silently cleaned, so a
// merchant learns why a widget they pasted does nothing.
func UnsafeMarkup(html string) bool { return content.UnsafeMarkup(html) }

// refs collects the object ids a document points at, for one existence
// check per kind.
type refs map[LinkKind]map[string][]string // kind → id → field paths

func (r refs) add(kind LinkKind, id, path string) {
	if r[kind] == nil {
		r[kind] = map[string][]string{}
	}
	r[kind][id] = append(r[kind][id], path)
}

// checkLink validates a link value.
func checkLink(v any, path string, rs refs) (Link, error) {
	var l Link
	switch x := v.(type) {
	case Link:
		l = x
	case map[string]any, map[string]string:
		l = Settings{"l": x}.Link("l")
	case string:
		// A bare string is a URL or path.
		l = Link{Kind: LinkURL, Ref: x}
	default:
		return l, errs.Field(path, "must be a link")
	}
	l.Ref = strings.TrimSpace(l.Ref)
	switch l.Kind {
	case LinkHome, LinkBlog, LinkSearch:
		l.Ref = ""
	case LinkCollection, LinkProduct, LinkPage, LinkArticle:
		if l.Ref == "" || len(l.Ref) > 64 {
			return l, errs.Field(path, "choose a %s to link to", l.Kind)
		}
		rs.add(l.Kind, l.Ref, path)
	case LinkURL:
		if err := checkURL(l.Ref, path); err != nil {
			return l, err
		}
	default:
		return l, errs.Field(path, "unknown link kind %q", l.Kind)
	}
	return l, nil
}

func checkURL(s, path string) error {
	if s == "" || len(s) > 2048 {
		return errs.Field(path, "enter a URL (https://…) or a path starting with /")
	}
	if strings.HasPrefix(s, "/") {
		if strings.HasPrefix(s, "//") || strings.ContainsAny(s, "\\ \t\r\n<>\"") {
			return errs.Field(path, "%q is not a valid path", s)
		}
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "mailto" && u.Scheme != "tel") || (u.Host == "" && u.Opaque == "") {
		return errs.Field(path, "%q is not an http(s), mailto or tel URL", s)
	}
	return nil
}

// validate checks and coerces one value against its field. assets lists the
// shop's own design asset keys prefix (tenant id + "/design/").
func (f *Field) validate(v any, path, assetPrefix string, rs refs) (any, error) {
	empty := v == nil
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "" && f.Type != Bool {
		empty = true
	}
	if empty {
		if f.Required {
			return nil, errs.Field(path, "%s is required", f.Label)
		}
		return nil, nil
	}
	switch f.Type {
	case Text, Textarea:
		s, ok := v.(string)
		if !ok {
			return nil, errs.Field(path, "%s must be text", f.Label)
		}
		s = strings.TrimSpace(s)
		if f.Type == Text {
			s = strings.Join(strings.Fields(s), " ")
		}
		max := f.Max
		if max == 0 {
			max = 200
			if f.Type == Textarea {
				max = 2000
			}
		}
		if utf8.RuneCountInString(s) > max {
			return nil, errs.Field(path, "%s may be at most %d characters", f.Label, max)
		}
		return s, nil
	case RichText:
		s, ok := v.(string)
		if !ok {
			return nil, errs.Field(path, "%s must be text", f.Label)
		}
		if UnsafeMarkup(s) {
			return nil, errs.Field(path, "%s contains scripts, styles, frames or event handlers, which are not allowed", f.Label)
		}
		if len(s) > 20000 {
			return nil, errs.Field(path, "%s may be at most 20000 characters", f.Label)
		}
		return richtext.Sanitize(s), nil
	case Color:
		s, _ := v.(string)
		c, ok := NormalizeColor(s)
		if !ok {
			return nil, errs.Field(path, "%s: %q is not a colour (use #rrggbb)", f.Label, s)
		}
		return c, nil
	case Font:
		s, _ := v.(string)
		if _, ok := Fonts[s]; !ok {
			return nil, errs.Field(path, "%s: %q is not one of the available fonts", f.Label, s)
		}
		return s, nil
	case Select:
		s, _ := v.(string)
		for _, o := range f.Options {
			if o.Value == s {
				return s, nil
			}
		}
		return nil, errs.Field(path, "%s: %q is not one of the choices", f.Label, s)
	case Bool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true", "on", "1", "yes":
				return true, nil
			case "false", "off", "0", "no", "":
				return false, nil
			}
		}
		return nil, errs.Field(path, "%s must be true or false", f.Label)
	case Int:
		var n int
		switch x := v.(type) {
		case int:
			n = x
		case int64:
			n = int(x)
		case float64:
			if x != math.Trunc(x) {
				return nil, errs.Field(path, "%s must be a whole number", f.Label)
			}
			n = int(x)
		case string:
			i, err := strconv.Atoi(strings.TrimSpace(x))
			if err != nil {
				return nil, errs.Field(path, "%s must be a whole number", f.Label)
			}
			n = i
		default:
			return nil, errs.Field(path, "%s must be a whole number", f.Label)
		}
		if n < f.Min || (f.Max != 0 && n > f.Max) {
			return nil, errs.Field(path, "%s must be between %d and %d", f.Label, f.Min, f.Max)
		}
		return n, nil
	case Image:
		s, ok := v.(string)
		if !ok {
			return nil, errs.Field(path, "%s must be an image", f.Label)
		}
		s = strings.TrimSpace(s)
		if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
			if err := checkURL(s, path); err != nil {
				return nil, err
			}
			return s, nil
		}
		if !strings.HasPrefix(s, assetPrefix) {
			return nil, errs.Field(path, "%s: choose an image uploaded to this shop", f.Label)
		}
		rs.add(assetKind, s, path)
		return s, nil
	case Collection, Product, Page:
		s, ok := v.(string)
		if !ok || len(s) > 64 {
			return nil, errs.Field(path, "%s must be an id", f.Label)
		}
		rs.add(LinkKind(f.Type), strings.TrimSpace(s), path)
		return strings.TrimSpace(s), nil
	case LinkField:
		l, err := checkLink(v, path, rs)
		if err != nil {
			return nil, err
		}
		return map[string]any{"kind": string(l.Kind), "ref": l.Ref}, nil
	}
	return nil, errs.Field(path, "unknown field type %q", f.Type)
}

// assetKind marks image asset keys in refs.
const assetKind LinkKind = "asset"

// validateSettings checks in against fields: unknown keys are refused,
// missing ones take their defaults.
func validateSettings(fields []Field, in Settings, path, assetPrefix string, rs refs) (Settings, error) {
	known := make(map[string]*Field, len(fields))
	for i := range fields {
		known[fields[i].Key] = &fields[i]
	}
	for k := range in {
		if known[k] == nil {
			return nil, errs.Field(path+"."+k, "unknown setting %q", k)
		}
	}
	out := make(Settings, len(fields))
	for i := range fields {
		f := &fields[i]
		v, has := in[f.Key]
		if !has {
			v = f.Default
		}
		nv, err := f.validate(v, path+"."+f.Key, assetPrefix, rs)
		if err != nil {
			return nil, err
		}
		if nv != nil {
			out[f.Key] = nv
		}
	}
	return out, nil
}

func label(kind LinkKind) string {
	switch kind {
	case assetKind:
		return "image"
	}
	return string(kind)
}

func missingRef(kind LinkKind, paths []string) error {
	return &errs.Error{Code: errs.Invalid, Field: paths[0], Message: fmt.Sprintf("links to a %s that does not exist in this shop", label(kind))}
}
