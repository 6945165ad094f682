package design

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/wasmart/wasmart/core/errs"
)

// Templates a document composes from sections.
const (
	TemplateGlobal     = "global"     // above the header on every page (announcement bars)
	TemplateHome       = "home"       // the home page
	TemplateProduct    = "product"    // below the product on product pages
	TemplateCollection = "collection" // below the product list on collection pages
	TemplatePage       = "page"       // below the text of content pages
	TemplateArticle    = "article"    // below blog articles
)

// TemplateNames lists the templates in console order.
var TemplateNames = []string{TemplateHome, TemplateGlobal, TemplateProduct, TemplateCollection, TemplatePage, TemplateArticle}

// Menu handles.
const (
	MenuHeader = "header"
	MenuFooter = "footer"
)

// MenuNames lists the editable menus.
var MenuNames = []string{MenuHeader, MenuFooter}

// Limits on a document's size.
const (
	MaxSections  = 40 // per template
	MaxMenuItems = 30 // top-level items per menu
	MaxChildren  = 20 // children per item
)

// Section is one configured section of a template.
type Section struct {
	ID       string     `json:"id"`
	Type     string     `json:"type"`
	Disabled bool       `json:"disabled,omitempty"`
	Settings Settings   `json:"settings"`
	Blocks   []Settings `json:"blocks,omitempty"`
}

// MenuItem is an entry of a menu; top-level items may have children (one
// level only).
type MenuItem struct {
	ID       string     `json:"id"`
	Title    string     `json:"title"`
	Link     Link       `json:"link"`
	Children []MenuItem `json:"children,omitempty"`
}

// Document is everything a shop's design consists of: the theme, its
// settings, the section compositions of each template and the menus. A
// draft and every published version are one Document each.
type Document struct {
	Theme     string                `json:"theme"`
	Settings  Settings              `json:"settings"`
	Templates map[string][]Section  `json:"templates"`
	Menus     map[string][]MenuItem `json:"menus"`
}

// NewID returns a short random id for sections and menu items.
func NewID() string {
	var b [5]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// DefaultDocument is the design of a shop that has not saved one: the
// default theme with its defaults and starter home page.
func DefaultDocument() *Document {
	d, _ := NewDocument(DefaultTheme)
	return d
}

// NewDocument starts a document with theme's defaults.
func NewDocument(theme string) (*Document, error) {
	t, ok := ThemeByID(theme)
	if !ok {
		return nil, errs.Field("theme", "unknown theme %q", theme)
	}
	d := &Document{Theme: t.ID, Settings: Settings{}, Templates: map[string][]Section{}, Menus: map[string][]MenuItem{}}
	for _, f := range t.Settings {
		if f.Default != nil {
			d.Settings[f.Key] = f.Default
		}
	}
	for i, s := range t.Home {
		s.ID = fmt.Sprintf("start%d", i+1)
		s.Settings = cloneSettings(s.Settings)
		d.Templates[TemplateHome] = append(d.Templates[TemplateHome], s)
	}
	d.Menus[MenuHeader] = []MenuItem{{ID: "home", Title: "Home", Link: Link{Kind: LinkHome}}, {ID: "shop", Title: "Shop", Link: Link{Kind: LinkSearch}}}
	d.Menus[MenuFooter] = []MenuItem{{ID: "search", Title: "Search", Link: Link{Kind: LinkSearch}}}
	return d, nil
}

func cloneSettings(s Settings) Settings {
	out := make(Settings, len(s))
	for k, v := range s {
		if m, ok := v.(map[string]any); ok {
			c := make(map[string]any, len(m))
			for a, b := range m {
				c[a] = b
			}
			v = c
		}
		out[k] = v
	}
	return out
}

// Clone returns a deep copy.
func (d *Document) Clone() *Document {
	c := &Document{Theme: d.Theme, Settings: cloneSettings(d.Settings), Templates: map[string][]Section{}, Menus: map[string][]MenuItem{}}
	for k, ss := range d.Templates {
		out := make([]Section, len(ss))
		for i, s := range ss {
			s.Settings = cloneSettings(s.Settings)
			if s.Blocks != nil {
				bs := make([]Settings, len(s.Blocks))
				for j, b := range s.Blocks {
					bs[j] = cloneSettings(b)
				}
				s.Blocks = bs
			}
			out[i] = s
		}
		c.Templates[k] = out
	}
	for k, items := range d.Menus {
		c.Menus[k] = cloneItems(items)
	}
	return c
}

func cloneItems(items []MenuItem) []MenuItem {
	out := make([]MenuItem, len(items))
	for i, it := range items {
		if it.Children != nil {
			it.Children = cloneItems(it.Children)
		}
		out[i] = it
	}
	return out
}

// ThemeDef returns the document's theme (the default one if unknown).
func (d *Document) ThemeDef() *Theme {
	if t, ok := ThemeByID(d.Theme); ok {
		return t
	}
	t, _ := ThemeByID(DefaultTheme)
	return t
}

// Section finds a section by id in any template.
func (d *Document) Section(id string) (template string, index int, s *Section) {
	for t, ss := range d.Templates {
		for i := range ss {
			if ss[i].ID == id {
				return t, i, &ss[i]
			}
		}
	}
	return "", -1, nil
}

func validTemplate(name string) bool {
	for _, t := range TemplateNames {
		if t == name {
			return true
		}
	}
	return false
}

// AddSection appends a section of type typ with its defaults to template
// (at index, or at the end when index is out of range) and returns it.
func (d *Document) AddSection(template, typ string, index int) (*Section, error) {
	if !validTemplate(template) {
		return nil, errs.Field("template", "unknown template %q", template)
	}
	st, ok := SectionTypeByName(typ)
	if !ok {
		return nil, errs.Field("type", "unknown section type %q", typ)
	}
	if !d.ThemeDef().Supports(typ) {
		return nil, errs.Field("type", "the %s theme has no %s section", d.ThemeDef().Name, st.Name)
	}
	s := Section{ID: NewID(), Type: typ, Settings: st.Defaults()}
	ss := d.Templates[template]
	if index < 0 || index > len(ss) {
		index = len(ss)
	}
	ss = append(ss, Section{})
	copy(ss[index+1:], ss[index:])
	ss[index] = s
	if d.Templates == nil {
		d.Templates = map[string][]Section{}
	}
	d.Templates[template] = ss
	return &d.Templates[template][index], nil
}

// MoveSection moves a section by delta places within its template
// (-1 up, +1 down); moves past either end stop there.
func (d *Document) MoveSection(id string, delta int) error {
	t, i, s := d.Section(id)
	if s == nil {
		return errs.NotFoundf("section not found")
	}
	ss := d.Templates[t]
	j := max(0, min(len(ss)-1, i+delta))
	sec := ss[i]
	if j < i {
		copy(ss[j+1:i+1], ss[j:i])
	} else {
		copy(ss[i:j], ss[i+1:j+1])
	}
	ss[j] = sec
	return nil
}

// ReorderSections sets a template's order to ids (each of its sections once).
func (d *Document) ReorderSections(template string, ids []string) error {
	ss := d.Templates[template]
	if len(ids) != len(ss) {
		return errs.Field("ids", "list every section of the template once")
	}
	by := map[string]Section{}
	for _, s := range ss {
		by[s.ID] = s
	}
	out := make([]Section, 0, len(ss))
	for _, id := range ids {
		s, ok := by[id]
		if !ok {
			return errs.Field("ids", "list every section of the template once")
		}
		delete(by, id)
		out = append(out, s)
	}
	d.Templates[template] = out
	return nil
}

// RemoveSection deletes a section.
func (d *Document) RemoveSection(id string) error {
	t, i, s := d.Section(id)
	if s == nil {
		return errs.NotFoundf("section not found")
	}
	d.Templates[t] = append(d.Templates[t][:i:i], d.Templates[t][i+1:]...)
	return nil
}

// SetTheme switches to another theme, keeping the settings both themes
// have and taking the new theme's defaults for the rest. Colours and fonts
// are the new theme's (that is most of what switching means); the logo,
// favicon and footer text stay.
func (d *Document) SetTheme(id string) error {
	t, ok := ThemeByID(id)
	if !ok {
		return errs.Field("theme", "unknown theme %q", id)
	}
	if id == d.Theme {
		return nil
	}
	keep := map[string]bool{SetLogo: true, SetLogoWidth: true, SetFavicon: true, SetFooterText: true, SetShowVendor: true}
	s := Settings{}
	for _, f := range t.Settings {
		if v, has := d.Settings[f.Key]; has && keep[f.Key] {
			s[f.Key] = v
		} else if f.Default != nil {
			s[f.Key] = f.Default
		}
	}
	for tpl, ss := range d.Templates {
		for _, sec := range ss {
			if !t.Supports(sec.Type) {
				return errs.Field("theme", "the %s theme has no %s section (used in %s); remove it first", t.Name, sec.Type, tpl)
			}
		}
	}
	d.Theme, d.Settings = t.ID, s
	return nil
}

// validate checks the whole document against its theme and the section
// schemas, normalising values in place, and returns the objects it links
// to for the caller to check they exist.
func (d *Document) validate(assetPrefix string) (refs, error) {
	rs := refs{}
	t, ok := ThemeByID(d.Theme)
	if !ok {
		return nil, errs.Field("theme", "unknown theme %q", d.Theme)
	}
	s, err := validateSettings(t.Settings, d.Settings, "settings", assetPrefix, rs)
	if err != nil {
		return nil, err
	}
	if c := Contrast(s.String(SetColorText), s.String(SetColorBackground)); c < 4.5 {
		return nil, errs.Field("settings."+SetColorText, "text on the background has a contrast of %.1f:1; at least 4.5:1 is needed to be readable", c)
	}
	if c := Contrast(s.String(SetColorAccentText), s.String(SetColorAccent)); c < 3 {
		return nil, errs.Field("settings."+SetColorAccentText, "text on the accent colour has a contrast of %.1f:1; at least 3:1 is needed for buttons", c)
	}
	d.Settings = s
	ids := map[string]bool{}
	if d.Templates == nil {
		d.Templates = map[string][]Section{}
	}
	for tpl, ss := range d.Templates {
		if !validTemplate(tpl) {
			return nil, errs.Field("templates."+tpl, "unknown template %q", tpl)
		}
		if len(ss) > MaxSections {
			return nil, errs.Field("templates."+tpl, "at most %d sections per page", MaxSections)
		}
		count := map[string]int{}
		for i := range ss {
			sec := &ss[i]
			path := fmt.Sprintf("templates.%s[%d]", tpl, i)
			st, ok := SectionTypeByName(sec.Type)
			if !ok {
				return nil, errs.Field(path+".type", "unknown section type %q", sec.Type)
			}
			if !t.Supports(sec.Type) {
				return nil, errs.Field(path+".type", "the %s theme has no %s section", t.Name, st.Name)
			}
			if tpl == TemplateGlobal && sec.Type != TypeAnnouncement {
				return nil, errs.Field(path+".type", "only announcement bars go above the header")
			}
			if count[sec.Type]++; st.MaxPerPage > 0 && count[sec.Type] > st.MaxPerPage {
				return nil, errs.Field(path+".type", "at most %d %s section per page", st.MaxPerPage, st.Name)
			}
			if sec.ID == "" {
				sec.ID = NewID()
			}
			if !validID(sec.ID) || ids[sec.ID] {
				return nil, errs.Field(path+".id", "section ids must be unique letters and digits")
			}
			ids[sec.ID] = true
			if sec.Settings, err = validateSettings(st.Fields, sec.Settings, path+".settings", assetPrefix, rs); err != nil {
				return nil, err
			}
			if len(sec.Blocks) > 0 && st.BlockFields == nil {
				return nil, errs.Field(path+".blocks", "a %s section has no blocks", st.Name)
			}
			if st.MaxBlocks > 0 && len(sec.Blocks) > st.MaxBlocks {
				return nil, errs.Field(path+".blocks", "at most %d %s entries", st.MaxBlocks, strings.ToLower(st.BlockName))
			}
			for j := range sec.Blocks {
				if sec.Blocks[j], err = validateSettings(st.BlockFields, sec.Blocks[j], fmt.Sprintf("%s.blocks[%d]", path, j), assetPrefix, rs); err != nil {
					return nil, err
				}
			}
		}
	}
	if d.Menus == nil {
		d.Menus = map[string][]MenuItem{}
	}
	for name, items := range d.Menus {
		if name != MenuHeader && name != MenuFooter {
			return nil, errs.Field("menus."+name, "unknown menu %q (header or footer)", name)
		}
		if err := validateItems(items, "menus."+name, 0, ids, rs); err != nil {
			return nil, err
		}
	}
	return rs, nil
}

func validID(id string) bool {
	if id == "" || len(id) > 32 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func validateItems(items []MenuItem, path string, depth int, ids map[string]bool, rs refs) error {
	max := MaxMenuItems
	if depth > 0 {
		max = MaxChildren
	}
	if len(items) > max {
		return errs.Field(path, "at most %d items", max)
	}
	for i := range items {
		it := &items[i]
		p := fmt.Sprintf("%s[%d]", path, i)
		if it.ID == "" {
			it.ID = NewID()
		}
		if !validID(it.ID) || ids[it.ID] {
			return errs.Field(p+".id", "menu item ids must be unique letters and digits")
		}
		ids[it.ID] = true
		it.Title = strings.Join(strings.Fields(it.Title), " ")
		if it.Title == "" || utf8.RuneCountInString(it.Title) > 80 {
			return errs.Field(p+".title", "a menu item needs a title (at most 80 characters)")
		}
		l, err := checkLink(it.Link, p+".link", rs)
		if err != nil {
			return err
		}
		it.Link = l
		if len(it.Children) > 0 {
			if depth > 0 {
				return errs.Field(p+".children", "menus nest one level only")
			}
			if err := validateItems(it.Children, p+".children", 1, ids, rs); err != nil {
				return err
			}
		}
	}
	return nil
}

// Validate checks a document for tenantID without looking anything up:
// links to shop objects are checked for form only (Service.Validate also
// checks that they exist).
func (d *Document) Validate(tenantID string) error {
	_, err := d.validate(AssetPrefix(tenantID))
	return err
}

// AssetPrefix is the blob key prefix of a shop's design images.
func AssetPrefix(tenantID string) string { return tenantID + "/design/" }
