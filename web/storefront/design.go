package storefront

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/content"
	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/web/internal/session"
)

// The storefront side of the shop builder. Every storefront page gets a
// *shopDesign (shopView.Design): the published theme's settings as CSS
// variables and body classes, the logo and favicon, the header and footer
// menus with their links resolved to current handles, and the announcement
// bars. Home (once the shop has published a design), content pages and
// articles are composed from the template's sections, rendered server-side
// into the same cached HTML as before. Theme stylesheets (themes/) are
// embedded and served at /theme/<id>.css with the shop's variables inline
// in <head>, so a theme costs one cacheable request.
//
// Preview: the console's builder renders storefront pages through
// builderPreview, which calls the storefront app in-process with the draft
// Document set (session.PreviewDraft). Nothing a client sends can set it,
// so only staff with design.read see a draft; preview responses bypass the
// page cache and are never stored.

//go:embed themes
var themesFS embed.FS

// shopDesign is the design of the page being rendered.
type shopDesign struct {
	Theme        string
	Number       int
	Preview      bool
	Vars         template.CSS
	Classes      string
	HeaderLayout string
	FooterLayout string
	CardStyle    string
	Logo         *shopImageView
	LogoWidth    int
	Favicon      string
	Header       []shopMenuItem
	Footer       []shopMenuItem
	FooterText   string
	ShowVendor   bool
	Global       []sectionView
	HasHome      bool // the shop published a design (or this is a preview)

	doc *design.Document
}

type shopMenuItem struct {
	Title    string
	URL      string
	Children []shopMenuItem
}

// sectionView is a section ready for its template.
type sectionView struct {
	ID, Type      string
	S             design.Settings
	Text          template.HTML
	Image         *shopImageView
	Link          string
	Collection    *catalog.Collection
	CollectionURL string
	Cards         []shopCard
	Columns       int
	FAQ           []faqView
	Testimonials  []testimonialView
	Style         template.CSS
}

type faqView struct {
	Q string
	A template.HTML
}

type testimonialView struct {
	Quote, Author, Detail, Stars string
	Rating                       int
}

// designDoc is the document for this request: the draft in a preview,
// else the published one.
func (s *layout) designDoc(c *fiber.Ctx) (*design.Document, int, bool, error) {
	if d := session.Draft(c); d != nil {
		return d, -1, true, nil
	}
	p, err := s.design.Live(c.UserContext())
	if err != nil {
		return nil, 0, false, err
	}
	return p.Doc, p.Number, false, nil
}

func isPreview(c *fiber.Ctx) bool {
	return session.Draft(c) != nil
}

// designFor builds the page's design: theme variables, logo, menus and
// announcement bars. Errors degrade to the default look rather than fail
// the page.
func (s *layout) designFor(c *fiber.Ctx) *shopDesign {
	doc, number, preview, err := s.designDoc(c)
	if err != nil {
		s.log.Warn("storefront design", "err", err)
		doc, number = design.DefaultDocument(), 0
	}
	set := doc.Settings
	d := &shopDesign{Theme: doc.ThemeDef().ID, Number: number, Preview: preview, doc: doc, HasHome: preview || number > 0,
		HeaderLayout: set.String(design.SetHeaderLayout), FooterLayout: set.String(design.SetFooterLayout), CardStyle: set.String(design.SetCardStyle),
		LogoWidth: max(40, set.Int(design.SetLogoWidth)), FooterText: set.String(design.SetFooterText), ShowVendor: set.Bool(design.SetShowVendor)}
	font := func(k string) string {
		if f, ok := design.Fonts[set.String(k)]; ok {
			return f.CSS
		}
		return design.Fonts["system"].CSS
	}
	radius := map[string]string{"square": "0", "rounded": "6px", "pill": "999px"}[set.String(design.SetButtonStyle)]
	if radius == "" {
		radius = "6px"
	}
	size := set.Int(design.SetBaseSize)
	if size == 0 {
		size = 16
	}
	// Every value is a validated #rrggbb, a font stack from the safe list
	// or a number, so nothing a merchant typed reaches the CSS as is.
	bg, text, accent := settingColor(set, design.SetColorBackground, "#ffffff"), settingColor(set, design.SetColorText, "#1f2328"), settingColor(set, design.SetColorAccent, "#0b6bcb")
	muted := settingColor(set, design.SetColorMuted, "#eef1f4")
	// The base storefront stylesheet's own variables (--bg, --fg, --accent,
	// --soft) take the theme's colours too, so pages styled only by it
	// (cart, account) follow the brand.
	d.Vars = template.CSS(fmt.Sprintf(":root{--c-bg:%s;--c-text:%s;--c-accent:%s;--c-accent-text:%s;--c-muted:%s;--f-heading:%s;--f-body:%s;--radius:%s;--base:%dpx;--logo-w:%dpx;--bg:%s;--fg:%s;--accent:%s;--soft:%s;--line:%s}",
		bg, text, accent, settingColor(set, design.SetColorAccentText, "#ffffff"), muted, font(design.SetFontHeading), font(design.SetFontBody), radius, size, d.LogoWidth,
		bg, text, accent, muted, muted))
	d.Classes = "theme-" + d.Theme + " header-" + d.HeaderLayout + " footer-" + d.FooterLayout + " cards-" + d.CardStyle + " buttons-" + set.String(design.SetButtonStyle)

	r := s.newResolver()
	r.menus(doc)
	r.sections(doc.Templates[design.TemplateGlobal])
	for _, k := range []string{design.SetLogo, design.SetFavicon} {
		r.asset(set.String(k))
	}
	ctx := c.UserContext()
	if err := r.load(ctx); err != nil {
		s.log.Warn("storefront design links", "err", err)
	}
	d.Header = r.menu(doc.Menus[design.MenuHeader])
	d.Footer = r.menu(doc.Menus[design.MenuFooter])
	d.Logo = r.image(set.String(design.SetLogo), d.LogoWidth*2, "")
	if f := r.image(set.String(design.SetFavicon), 64, ""); f != nil {
		d.Favicon = f.Src
	}
	d.Global = s.sectionViews(ctx, r, doc.Templates[design.TemplateGlobal])
	return d
}

func settingColor(s design.Settings, k, def string) string {
	if c, ok := design.NormalizeColor(s.String(k)); ok {
		return c
	}
	return def
}

// resolver looks up what a design links to, in one batch per kind.
type resolver struct {
	s           *layout
	collections map[string]bool
	products    map[string]bool // shown as cards (full products)
	prodLinks   map[string]bool // only linked to (handles)
	pages       map[string]bool
	articles    map[string]bool
	assets      map[string]bool

	cols   map[string]*catalog.Collection
	prods  map[string]*catalog.Product
	plinks map[string]string // product id → handle, visible ones
	pgs    map[string]content.Ref
	arts   map[string]content.Ref
	imgs   map[string]*design.Asset
	loaded bool
}

func (s *layout) newResolver() *resolver {
	return &resolver{s: s, collections: map[string]bool{}, products: map[string]bool{}, prodLinks: map[string]bool{}, pages: map[string]bool{}, articles: map[string]bool{}, assets: map[string]bool{}}
}

func (r *resolver) link(l design.Link) {
	switch l.Kind {
	case design.LinkCollection:
		r.collections[l.Ref] = true
	case design.LinkProduct:
		r.prodLinks[l.Ref] = true
	case design.LinkPage:
		r.pages[l.Ref] = true
	case design.LinkArticle:
		r.articles[l.Ref] = true
	}
}

func (r *resolver) asset(key string) {
	if key != "" && !strings.HasPrefix(key, "http") {
		r.assets[key] = true
	}
}

func (r *resolver) menus(doc *design.Document) {
	for _, items := range doc.Menus {
		for _, it := range items {
			r.link(it.Link)
			for _, ch := range it.Children {
				r.link(ch.Link)
			}
		}
	}
}

func (r *resolver) sections(ss []design.Section) {
	for _, sec := range ss {
		if sec.Disabled {
			continue
		}
		st, ok := design.SectionTypeByName(sec.Type)
		if !ok {
			continue
		}
		visit := func(fields []design.Field, set design.Settings) {
			for _, f := range fields {
				switch f.Type {
				case design.LinkField:
					r.link(set.Link(f.Key))
				case design.Image:
					r.asset(set.String(f.Key))
				case design.Collection:
					if v := set.String(f.Key); v != "" {
						r.collections[v] = true
					}
				case design.Product:
					if v := set.String(f.Key); v != "" {
						r.products[v] = true
					}
				}
			}
		}
		visit(st.Fields, sec.Settings)
		for _, b := range sec.Blocks {
			visit(st.BlockFields, b)
		}
	}
}

func setKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func (r *resolver) load(ctx context.Context) error {
	r.cols, r.prods, r.pgs, r.arts, r.imgs = map[string]*catalog.Collection{}, map[string]*catalog.Product{}, map[string]content.Ref{}, map[string]content.Ref{}, map[string]*design.Asset{}
	r.plinks = map[string]string{}
	r.loaded = true
	s := r.s
	if len(r.collections) > 0 {
		cols, err := s.catalog.Collections(ctx, true)
		if err != nil {
			return err
		}
		for _, c := range cols {
			if r.collections[c.ID] {
				r.cols[c.ID] = c
			}
		}
	}
	now := store.Now()
	for id := range r.products {
		p, err := s.catalog.Get(ctx, id)
		if err != nil {
			if errs.Is(err, errs.NotFound) {
				continue
			}
			return err
		}
		if p.Visible(now) {
			r.prods[id] = p
		}
	}
	var err error
	if len(r.prodLinks) > 0 { // links need only the handle: one query for all of them
		if r.plinks, err = s.catalog.VisibleHandles(ctx, setKeys(r.prodLinks)); err != nil {
			return err
		}
	}
	if len(r.pages) > 0 {
		if r.pgs, err = s.content.PageRefs(ctx, setKeys(r.pages)); err != nil {
			return err
		}
	}
	if len(r.articles) > 0 {
		if r.arts, err = s.content.ArticleRefs(ctx, setKeys(r.articles)); err != nil {
			return err
		}
	}
	if len(r.assets) > 0 {
		if r.imgs, err = s.design.AssetsByKey(ctx, setKeys(r.assets)); err != nil {
			return err
		}
	}
	return nil
}

// url is where a link goes now ("" when its target is gone or hidden).
func (r *resolver) url(l design.Link) string {
	switch l.Kind {
	case design.LinkHome:
		return "/"
	case design.LinkBlog:
		return "/blog"
	case design.LinkSearch:
		return "/search"
	case design.LinkURL:
		return l.Ref
	case design.LinkCollection:
		if c := r.cols[l.Ref]; c != nil {
			return "/collections/" + url.PathEscape(c.Handle)
		}
	case design.LinkProduct:
		if p := r.prods[l.Ref]; p != nil {
			return "/products/" + url.PathEscape(p.Handle)
		}
		if h, ok := r.plinks[l.Ref]; ok {
			return "/products/" + url.PathEscape(h)
		}
	case design.LinkPage:
		if p, ok := r.pgs[l.Ref]; ok && p.Live {
			return "/pages/" + url.PathEscape(p.Handle)
		}
	case design.LinkArticle:
		if a, ok := r.arts[l.Ref]; ok && a.Live {
			return "/blog/" + url.PathEscape(a.Handle)
		}
	}
	return ""
}

func (r *resolver) menu(items []design.MenuItem) []shopMenuItem {
	var out []shopMenuItem
	for _, it := range items {
		u := r.url(it.Link)
		if u == "" {
			continue
		}
		m := shopMenuItem{Title: it.Title, URL: u}
		for _, ch := range it.Children {
			if cu := r.url(ch.Link); cu != "" {
				m.Children = append(m.Children, shopMenuItem{Title: ch.Title, URL: cu})
			}
		}
		out = append(out, m)
	}
	return out
}

// image is a design image (asset key or external URL) at about width
// pixels, with a srcset of its renditions.
func (r *resolver) image(key string, width int, alt string) *shopImageView {
	if key == "" {
		return nil
	}
	if strings.HasPrefix(key, "http://") || strings.HasPrefix(key, "https://") {
		return &shopImageView{Src: key, Alt: alt, Width: width, Height: width / 2}
	}
	a := r.imgs[key]
	if a == nil {
		return nil
	}
	w := min(width, a.Width)
	v := &shopImageView{Src: "/brand/" + a.RenditionKey(width), Alt: alt, Width: w, Height: max(1, a.Height*w/max(1, a.Width))}
	var set []string
	for _, p := range a.SrcSet() {
		set = append(set, "/brand/"+p[0]+" "+p[1]+"w")
	}
	if len(set) > 1 {
		v.SrcSet = strings.Join(set, ", ")
	}
	return v
}

var heroHeights = map[string]string{"small": "18rem", "medium": "28rem", "large": "40rem"}

// sectionViews renders the data of a template's sections: one catalog read
// per featured collection or product grid, links and images from the
// resolver (load must have run with these sections visited).
func (s *layout) sectionViews(ctx context.Context, r *resolver, ss []design.Section) []sectionView {
	var out []sectionView
	for _, sec := range ss {
		if sec.Disabled {
			continue
		}
		set := sec.Settings
		v := sectionView{ID: sec.ID, Type: sec.Type, S: set, Columns: max(2, set.Int("columns"))}
		switch sec.Type {
		case design.TypeHero:
			v.Image = r.image(set.String("image"), 1600, set.String("image_alt"))
			v.Link = r.url(set.Link("button_link"))
			v.Style = template.CSS(fmt.Sprintf("--hero-h:%s;--overlay:%.2f", heroHeights[set.String("height")], float64(set.Int("overlay"))/100))
		case design.TypeImageWithText:
			v.Image = r.image(set.String("image"), 960, set.String("image_alt"))
			v.Link = r.url(set.Link("button_link"))
			v.Text = template.HTML(set.String("text")) // sanitised when saved
		case design.TypeRichText:
			v.Text = template.HTML(set.String("text"))
		case design.TypeAnnouncement:
			v.Link = r.url(set.Link("link"))
			var css []string
			if c, ok := design.NormalizeColor(set.String("color_background")); ok {
				css = append(css, "--ann-bg:"+c)
			}
			if c, ok := design.NormalizeColor(set.String("color_text")); ok {
				css = append(css, "--ann-text:"+c)
			}
			v.Style = template.CSS(strings.Join(css, ";"))
		case design.TypeFAQ:
			for _, b := range sec.Blocks {
				v.FAQ = append(v.FAQ, faqView{Q: b.String("question"), A: template.HTML(b.String("answer"))})
			}
		case design.TypeTestimonials:
			for _, b := range sec.Blocks {
				n := b.Int("rating")
				v.Testimonials = append(v.Testimonials, testimonialView{Quote: b.String("quote"), Author: b.String("author"), Detail: b.String("detail"), Rating: n, Stars: strings.Repeat("★", n) + strings.Repeat("☆", max(0, 5-n))})
			}
		case design.TypeFeaturedCollection:
			col := r.cols[set.String("collection")]
			if col == nil {
				continue // unpublished or deleted since
			}
			v.Collection, v.CollectionURL = col, "/collections/"+url.PathEscape(col.Handle)
			pg, err := s.catalog.ListPublished(ctx, catalog.Filter{CollectionID: col.ID, Limit: max(1, set.Int("limit"))})
			if err != nil {
				s.log.Warn("featured collection section", "err", err)
				continue
			}
			v.Cards = shopCards(pg.Products)
		case design.TypeProductGrid:
			for _, b := range sec.Blocks {
				if p := r.prods[b.String("product")]; p != nil {
					v.Cards = append(v.Cards, shopCardOf(p))
				}
			}
			if len(sec.Blocks) == 0 {
				pg, err := s.catalog.ListPublished(ctx, catalog.Filter{Sort: catalog.SortNewest, Limit: max(1, set.Int("limit"))})
				if err != nil {
					s.log.Warn("product grid section", "err", err)
					continue
				}
				v.Cards = shopCards(pg.Products)
			}
		}
		out = append(out, v)
	}
	return out
}

// templateSections resolves and renders one template's sections for v.
func (s *layout) templateSections(c *fiber.Ctx, d *shopDesign, template string) []sectionView {
	if d == nil || d.doc == nil {
		return nil
	}
	ss := d.doc.Templates[template]
	if len(ss) == 0 {
		return nil
	}
	r := s.newResolver()
	r.sections(ss)
	ctx := c.UserContext()
	if err := r.load(ctx); err != nil {
		s.log.Warn("storefront sections", "err", err)
	}
	return s.sectionViews(ctx, r, ss)
}

// themeCSS is the shared base followed by the theme's own rules.
func themeCSS(name string) ([]byte, error) {
	if name == "base.css" {
		return nil, fs.ErrNotExist
	}
	own, err := fs.ReadFile(themesFS, "themes/"+name)
	if err != nil {
		return nil, err
	}
	base, err := fs.ReadFile(themesFS, "themes/base.css")
	if err != nil {
		return nil, err
	}
	return append(append(base, '\n'), own...), nil
}

const previewTokenLocal = "design_preview_token"

// previewFromToken puts the draft design in the request's locals when the
// URL carries a valid preview token of this shop (a link the builder
// hands to staff, for a phone or a colleague; it expires). Invalid tokens
// are ignored: the visitor sees the live shop.
func (s *Handler) previewFromToken(c *fiber.Ctx) {
	tok := c.Query("preview")
	if tok == "" || c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		return
	}
	ctx := c.UserContext()
	if !s.design.CheckPreviewToken(ctx, tok) {
		return
	}
	d, err := s.design.Draft(ctx)
	if err != nil {
		return
	}
	session.SetDraft(c, d.Doc)
	c.Locals(previewTokenLocal, tok)
	c.Set("X-Robots-Tag", "noindex")
}

var previewHrefRe = regexp.MustCompile(`\b(href|action)="(/[^"/][^"]*|/)"`)

// previewLinks makes a token preview's own links keep the token, so the
// holder can browse the draft; forms get it as a hidden field.
func previewLinks(c *fiber.Ctx, body []byte) []byte {
	tok, _ := c.Locals(previewTokenLocal).(string)
	if tok == "" {
		return body
	}
	q := "preview=" + url.QueryEscape(tok)
	body = previewHrefRe.ReplaceAllFunc(body, func(m []byte) []byte {
		sub := previewHrefRe.FindSubmatch(m)
		attr, val := string(sub[1]), string(sub[2])
		if attr == "action" || strings.HasPrefix(val, "/brand/") || strings.HasPrefix(val, "/media/") || strings.HasPrefix(val, "/theme/") || strings.HasPrefix(val, "/assets/") {
			return m
		}
		sep := "?"
		if strings.Contains(val, "?") {
			sep = "&amp;"
		}
		return []byte(attr + `="` + val + sep + q + `"`)
	})
	return bytes.ReplaceAll(body, []byte(`method="get" action="/search">`), []byte(`method="get" action="/search"><input type="hidden" name="preview" value="`+template.HTMLEscapeString(tok)+`">`))
}
