package console

import (
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/content"
	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/session"
	"github.com/wasmart/wasmart/web/internal/view"
)

// The console's shop builder: the builder screen (template tabs, the
// section list with up/down reorder, a settings form per section generated
// from its schema, add and remove, theme switcher and theme settings, a
// preview frame of the draft, publish and restore), the menus editor, and
// the pages and articles editors. Forms work without JavaScript; every
// draft form carries the draft version it was rendered from, so a stale
// form is refused with the name of whoever saved in between.

// builderPages are the shop builder, menus, content pages and articles.
func (s *Builder) builderPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/builder", perm.DesignRead, "Shop builder: sections, theme, preview, publish", s.builderPage)
	html.Page("POST", "/console/builder/theme", perm.DesignWrite, "Switch theme and save theme settings (logo and favicon uploads)", s.builderTheme)
	html.Page("POST", "/console/builder/sections", perm.DesignWrite, "Add a section", s.builderSectionAdd)
	html.Page("POST", "/console/builder/sections/:section", perm.DesignWrite, "Save a section's settings", s.builderSectionSave)
	html.Page("POST", "/console/builder/sections/:section/move", perm.DesignWrite, "Move a section up or down", s.builderSectionMove)
	html.Page("POST", "/console/builder/sections/:section/delete", perm.DesignWrite, "Remove a section", s.builderSectionDelete)
	html.Page("POST", "/console/builder/publish", perm.DesignWrite, "Publish the draft", s.builderPublish)
	html.Page("POST", "/console/builder/versions/:number/restore", perm.DesignWrite, "Restore a published version", s.builderRestore)
	html.Page("POST", "/console/builder/preview-link", perm.DesignWrite, "Create a link that previews the draft on the shop's own host (expires)", s.builderPreviewLink)
	html.Page("GET", "/console/builder/preview/*", perm.DesignRead, "Live preview of the draft with real catalog data (staff only)", s.builderPreview)
	html.Page("GET", "/console/menus", perm.DesignRead, "Menus editor", s.menusPage)
	html.Page("POST", "/console/menus/:menu", perm.DesignWrite, "Save a menu", s.menuSave)
	html.Page("GET", "/console/pages", perm.DesignRead, "Content pages", s.pagesPage)
	html.Page("GET", "/console/pages/new", perm.DesignWrite, "New content page", s.pageNewPage)
	html.Page("POST", "/console/pages", perm.DesignWrite, "Create a content page", s.pageCreate)
	html.Page("GET", "/console/pages/:page", perm.DesignRead, "Content page editor", s.pageEditPage)
	html.Page("POST", "/console/pages/:page", perm.DesignWrite, "Save a content page", s.pageSave)
	html.Page("POST", "/console/pages/:page/delete", perm.DesignWrite, "Delete a content page", s.pageDelete)
	html.Page("GET", "/console/articles", perm.DesignRead, "Blog articles and newsletter subscribers", s.articlesPage)
	html.Page("GET", "/console/articles/new", perm.DesignWrite, "New article", s.articleNewPage)
	html.Page("POST", "/console/articles", perm.DesignWrite, "Create an article", s.articleCreate)
	html.Page("GET", "/console/articles/:article", perm.DesignRead, "Article editor", s.articleEditPage)
	html.Page("POST", "/console/articles/:article", perm.DesignWrite, "Save an article", s.articleSave)
	html.Page("POST", "/console/articles/:article/delete", perm.DesignWrite, "Delete an article", s.articleDelete)
}

// ---- form fields generated from schemas ----

type builderOption struct {
	Value, Label, Group string
	Selected            bool
}

// builderField is one generated form control.
type builderField struct {
	Name, Label, Help, Type string
	Value                   string
	Checked                 bool
	Required                bool
	Min, Max                int
	Options                 []builderOption
	URL                     string // a link field's URL when its kind is url
	Asset                   string // preview path of the chosen image
}

// pickLists are the choices reference fields offer.
type pickLists struct {
	Collections []*catalog.Collection
	Products    []*catalog.Product
	Pages       []*content.Page
	Articles    []*content.Article
	Assets      []*design.Asset
}

func (s *Builder) pickLists(c *fiber.Ctx) (*pickLists, error) {
	ctx := c.UserContext()
	pl := &pickLists{}
	var err error
	if pl.Collections, err = s.catalog.Collections(ctx, false); err != nil {
		return nil, err
	}
	pg, err := s.catalog.List(ctx, catalog.Filter{Sort: catalog.SortTitle, Limit: 250})
	if err != nil {
		return nil, err
	}
	pl.Products = pg.Products
	if pl.Pages, err = s.content.Pages(ctx, false); err != nil {
		return nil, err
	}
	if pl.Articles, _, err = s.content.Articles(ctx, content.ArticleFilter{Limit: 100}); err != nil {
		return nil, err
	}
	if pl.Assets, err = s.design.Assets(ctx); err != nil {
		return nil, err
	}
	return pl, nil
}

func (pl *pickLists) linkOptions(cur design.Link) []builderOption {
	sel := string(cur.Kind) + ":" + cur.Ref
	if cur.Kind == design.LinkURL {
		sel = "url:"
	}
	opts := []builderOption{{Value: "", Label: "— none —"}, {Value: "home:", Label: "Home page"}, {Value: "search:", Label: "All products (search)"}, {Value: "blog:", Label: "Blog"}, {Value: "url:", Label: "Web address (below)"}}
	for _, c := range pl.Collections {
		opts = append(opts, builderOption{Value: "collection:" + c.ID, Label: c.Title, Group: "Collections"})
	}
	for _, p := range pl.Products {
		opts = append(opts, builderOption{Value: "product:" + p.ID, Label: p.Title, Group: "Products"})
	}
	for _, p := range pl.Pages {
		opts = append(opts, builderOption{Value: "page:" + p.ID, Label: p.Title, Group: "Pages"})
	}
	for _, a := range pl.Articles {
		opts = append(opts, builderOption{Value: "article:" + a.ID, Label: a.Title, Group: "Articles"})
	}
	for i := range opts {
		opts[i].Selected = opts[i].Value == sel
	}
	return opts
}

// fields generates the controls of a schema with values from set; prefix
// namespaces the input names (blocks).
func (pl *pickLists) fields(schema []design.Field, set design.Settings, prefix string) []builderField {
	var out []builderField
	for _, f := range schema {
		ff := builderField{Name: prefix + f.Key, Label: f.Label, Help: f.Help, Type: string(f.Type), Required: f.Required, Min: f.Min, Max: f.Max}
		v := set[f.Key]
		switch f.Type {
		case design.Bool:
			ff.Checked = set.Bool(f.Key)
		case design.Int:
			if v != nil {
				ff.Value = strconv.Itoa(set.Int(f.Key))
			}
		case design.LinkField:
			l := set.Link(f.Key)
			ff.Options = pl.linkOptions(l)
			if l.Kind == design.LinkURL {
				ff.URL = l.Ref
			}
		default:
			ff.Value = set.String(f.Key)
		}
		switch f.Type {
		case design.Select:
			for _, o := range f.Options {
				ff.Options = append(ff.Options, builderOption{Value: o.Value, Label: o.Label, Selected: o.Value == ff.Value})
			}
		case design.Font:
			for _, fs := range design.FontList() {
				ff.Options = append(ff.Options, builderOption{Value: fs.Key, Label: fs.Label, Selected: fs.Key == ff.Value})
			}
		case design.Collection:
			ff.Options = append(ff.Options, builderOption{Value: "", Label: "— choose —"})
			for _, c := range pl.Collections {
				ff.Options = append(ff.Options, builderOption{Value: c.ID, Label: c.Title, Selected: c.ID == ff.Value})
			}
		case design.Product:
			ff.Options = append(ff.Options, builderOption{Value: "", Label: "— choose —"})
			for _, p := range pl.Products {
				ff.Options = append(ff.Options, builderOption{Value: p.ID, Label: p.Title, Selected: p.ID == ff.Value})
			}
		case design.Page:
			ff.Options = append(ff.Options, builderOption{Value: "", Label: "— choose —"})
			for _, p := range pl.Pages {
				ff.Options = append(ff.Options, builderOption{Value: p.ID, Label: p.Title, Selected: p.ID == ff.Value})
			}
		case design.Image:
			ff.Options = append(ff.Options, builderOption{Value: "", Label: "— none —"})
			for _, a := range pl.Assets {
				label := a.Filename
				if label == "" {
					label = a.ID
				}
				ff.Options = append(ff.Options, builderOption{Value: a.Key, Label: label + " (" + strconv.Itoa(a.Width) + "×" + strconv.Itoa(a.Height) + ")", Selected: a.Key == ff.Value})
			}
			if ff.Value != "" && !strings.HasPrefix(ff.Value, "http") {
				ff.Asset = "/console/builder/preview/brand/" + ff.Value
			}
		}
		out = append(out, ff)
	}
	return out
}

// readFields reads a schema's values from the posted form (prefix as in
// fields); image fields take an uploaded file <name>__file first.
func (s *Builder) readFields(c *fiber.Ctx, schema []design.Field, prefix string) (design.Settings, bool, error) {
	out := design.Settings{}
	filled := false
	for _, f := range schema {
		name := prefix + f.Key
		v := c.FormValue(name)
		switch f.Type {
		case design.Bool:
			out[f.Key] = v == "on" || v == "true"
			continue
		case design.LinkField:
			kind, ref, _ := strings.Cut(v, ":")
			if kind == "" {
				continue
			}
			if kind == string(design.LinkURL) {
				ref = strings.TrimSpace(c.FormValue(name + "__url"))
			}
			out[f.Key] = map[string]any{"kind": kind, "ref": ref}
			filled = true
			continue
		case design.Image:
			if fh, err := c.FormFile(name + "__file"); err == nil && fh.Size > 0 {
				a, err := s.admin.UploadDesignImage(c, name+"__file")
				if err != nil {
					return nil, false, &errs.Error{Code: errs.CodeOf(err), Field: name, Message: f.Label + ": " + errMessage(err)}
				}
				v = a.Key
			}
		}
		if strings.TrimSpace(v) != "" {
			out[f.Key] = v
			filled = true
		}
	}
	return out, filled, nil
}

func errMessage(err error) string {
	if e, ok := err.(*errs.Error); ok {
		return e.Message
	}
	return err.Error()
}

func formVersion(c *fiber.Ctx) int {
	v, err := strconv.Atoi(c.FormValue("version"))
	if err != nil {
		return -1
	}
	return v
}

// ---- the builder screen ----

type builderSection struct {
	ID, Type, Name, Summary string
	Disabled                bool
	First, Last             bool
	Open                    bool
	Fields                  []builderField
	Blocks                  [][]builderField
	BlockName               string
	HasBlocks               bool
}

type builderData struct {
	Draft        *design.Draft
	Template     string
	Templates    []string
	Themes       []*design.Theme
	Theme        *design.Theme
	ThemeFields  []builderField
	Sections     []builderSection
	SectionTypes []*design.SectionType
	Versions     []*design.Published
	PreviewURL   string
	Live         int
	CanWrite     bool
	Storefront   string
	PreviewLink  string
	PreviewUntil time.Time
}

var previewPaths = map[string]string{design.TemplateHome: "", design.TemplateGlobal: "", design.TemplatePage: "pages", design.TemplateArticle: "blog"}

func sectionSummary(sec design.Section) string {
	for _, k := range []string{"heading", "text", "question"} {
		if v := sec.Settings.String(k); v != "" {
			return view.Clip(view.PlainText(v), 60)
		}
	}
	return ""
}

func (s *Builder) builderPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	d, err := s.design.Draft(ctx)
	if err != nil {
		return err
	}
	tpl := c.Query("template", design.TemplateHome)
	if _, ok := previewPaths[tpl]; !ok && tpl != design.TemplateProduct && tpl != design.TemplateCollection {
		tpl = design.TemplateHome
	}
	pl, err := s.pickLists(c)
	if err != nil {
		return err
	}
	th := d.Doc.ThemeDef()
	data := builderData{Draft: d, Template: tpl, Templates: design.TemplateNames, Themes: design.Themes(), Theme: th,
		ThemeFields: pl.fields(th.Settings, d.Doc.Settings, ""), SectionTypes: design.SectionTypes(), CanWrite: s.Can(c, perm.DesignWrite),
		Storefront: s.StorefrontURL(s.Current(c).TenantSlug)}
	open := c.Query("section")
	ss := d.Doc.Templates[tpl]
	for i, sec := range ss {
		st, ok := design.SectionTypeByName(sec.Type)
		if !ok {
			continue
		}
		bs := builderSection{ID: sec.ID, Type: sec.Type, Name: st.Name, Summary: sectionSummary(sec), Disabled: sec.Disabled,
			First: i == 0, Last: i == len(ss)-1, Open: sec.ID == open, BlockName: st.BlockName, HasBlocks: st.BlockFields != nil}
		if bs.Open {
			bs.Fields = pl.fields(st.Fields, sec.Settings, "")
			for j, b := range sec.Blocks {
				bs.Blocks = append(bs.Blocks, pl.fields(st.BlockFields, b, "b"+strconv.Itoa(j)+"."))
			}
			if st.BlockFields != nil && (st.MaxBlocks == 0 || len(sec.Blocks) < st.MaxBlocks) {
				bs.Blocks = append(bs.Blocks, pl.fields(st.BlockFields, design.Settings{}, "b"+strconv.Itoa(len(sec.Blocks))+"."))
			}
		}
		data.Sections = append(data.Sections, bs)
	}
	if data.Versions, err = s.design.Versions(ctx); err != nil {
		return err
	}
	for _, v := range data.Versions {
		if v.Live {
			data.Live = v.Number
		}
	}
	data.PreviewURL = "/console/builder/preview/"
	switch tpl {
	case design.TemplateProduct:
		if len(pl.Products) > 0 {
			data.PreviewURL += "products/" + url.PathEscape(pl.Products[0].Handle)
		}
	case design.TemplateCollection:
		if len(pl.Collections) > 0 {
			data.PreviewURL += "collections/" + url.PathEscape(pl.Collections[0].Handle)
		}
	case design.TemplatePage:
		if len(pl.Pages) > 0 {
			data.PreviewURL += "pages/" + url.PathEscape(pl.Pages[0].Handle)
		}
	case design.TemplateArticle:
		if len(pl.Articles) > 0 {
			data.PreviewURL += "blog/" + url.PathEscape(pl.Articles[0].Handle)
		}
	}
	if link, ok := c.Locals("preview_link").(string); ok {
		data.PreviewLink = link
		data.PreviewUntil, _ = c.Locals("preview_until").(time.Time)
	}
	return s.PageWithError(c, "console/builder", "Shop builder", "builder", data)
}

// builderPreviewLink creates a preview token and shows the shop link
// carrying it.
func (s *Builder) builderPreviewLink(c *fiber.Ctx) error {
	tok, until, err := s.design.CreatePreviewToken(c.UserContext())
	if err != nil {
		return err
	}
	c.Locals("preview_link", s.StorefrontURL(s.Current(c).TenantSlug)+"/?preview="+url.QueryEscape(tok))
	c.Locals("preview_until", until)
	return s.builderPage(c)
}

func builderURL(c *fiber.Ctx, section string) string {
	q := url.Values{}
	if t := c.FormValue("template"); t != "" {
		q.Set("template", t)
	}
	if section != "" {
		q.Set("section", section)
	}
	if len(q) == 0 {
		return "/console/builder"
	}
	return "/console/builder?" + q.Encode()
}

// builderFail shows the builder again with the error.
func (s *Builder) builderFail(c *fiber.Ctx, err error) error {
	return s.PageError(c, err, func() error {
		c.Request().URI().QueryArgs().Set("template", c.FormValue("template"))
		if id := c.Params("section"); id != "" {
			c.Request().URI().QueryArgs().Set("section", id)
		}
		return s.builderPage(c)
	})
}

func (s *Builder) builderTheme(c *fiber.Ctx) error {
	theme := c.FormValue("theme")
	var set design.Settings
	if c.FormValue("switch") == "" {
		t, ok := design.ThemeByID(theme)
		if !ok {
			return s.builderFail(c, errs.Field("theme", "unknown theme %q", theme))
		}
		var err error
		if set, _, err = s.readFields(c, t.Settings, ""); err != nil {
			return s.builderFail(c, err)
		}
	}
	if _, err := s.admin.EditDraft(c, formVersion(c), "draft.theme", func(doc *design.Document) error { return admin.ApplyTheme(doc, theme, set) }); err != nil {
		return s.builderFail(c, err)
	}
	return view.Done(c, builderURL(c, ""))
}

func (s *Builder) builderSectionAdd(c *fiber.Ctx) error {
	var id string
	_, err := s.admin.EditDraft(c, formVersion(c), "section.add", func(doc *design.Document) error {
		sec, err := doc.AddSection(c.FormValue("template"), c.FormValue("type"), -1)
		if err != nil {
			return err
		}
		id = sec.ID
		// Sections that need a choice start with the first one available,
		// so they show something at once.
		if sec.Type == design.TypeFeaturedCollection {
			if cols, err := s.catalog.Collections(c.UserContext(), true); err == nil && len(cols) > 0 {
				sec.Settings["collection"] = cols[0].ID
				sec.Settings["heading"] = cols[0].Title
			}
		}
		return nil
	})
	if err != nil {
		return s.builderFail(c, err)
	}
	return view.Done(c, builderURL(c, id))
}

func (s *Builder) builderSectionSave(c *fiber.Ctx) error {
	id := c.Params("section")
	_, err := s.admin.EditDraft(c, formVersion(c), "section.save", func(doc *design.Document) error {
		_, _, sec := doc.Section(id)
		if sec == nil {
			return errs.NotFoundf("section not found")
		}
		st, ok := design.SectionTypeByName(sec.Type)
		if !ok {
			return errs.Field("type", "unknown section type %q", sec.Type)
		}
		set, _, err := s.readFields(c, st.Fields, "")
		if err != nil {
			return err
		}
		sec.Settings = set
		sec.Disabled = c.FormValue("disabled") == "on"
		if st.BlockFields != nil {
			var blocks []design.Settings
			for j := 0; j <= len(sec.Blocks); j++ {
				p := "b" + strconv.Itoa(j) + "."
				if c.FormValue(p+"__remove") == "on" {
					continue
				}
				b, filled, err := s.readFields(c, st.BlockFields, p)
				if err != nil {
					return err
				}
				if filled {
					blocks = append(blocks, b)
				}
			}
			sec.Blocks = blocks
		}
		return nil
	})
	if err != nil {
		return s.builderFail(c, err)
	}
	return view.Done(c, builderURL(c, id))
}

func (s *Builder) builderSectionMove(c *fiber.Ctx) error {
	delta := -1
	if c.FormValue("dir") == "down" {
		delta = 1
	}
	if _, err := s.admin.EditDraft(c, formVersion(c), "section.move", func(doc *design.Document) error { return doc.MoveSection(c.Params("section"), delta) }); err != nil {
		return s.builderFail(c, err)
	}
	return view.Done(c, builderURL(c, ""))
}

func (s *Builder) builderSectionDelete(c *fiber.Ctx) error {
	if _, err := s.admin.EditDraft(c, formVersion(c), "section.delete", func(doc *design.Document) error { return doc.RemoveSection(c.Params("section")) }); err != nil {
		return s.builderFail(c, err)
	}
	return view.Done(c, builderURL(c, ""))
}

func (s *Builder) builderPublish(c *fiber.Ctx) error {
	if _, err := s.admin.PublishDesign(c, formVersion(c)); err != nil {
		return s.builderFail(c, err)
	}
	return view.Done(c, builderURL(c, ""))
}

func (s *Builder) builderRestore(c *fiber.Ctx) error {
	n, err := strconv.Atoi(c.Params("number"))
	if err != nil {
		return errs.NotFoundf("version not found")
	}
	if _, err := s.admin.RestoreDesign(c, n, formVersion(c)); err != nil {
		return s.builderFail(c, err)
	}
	return view.Done(c, builderURL(c, ""))
}

// ---- preview ----

var previewAttrRe = regexp.MustCompile(`\b(href|src|action|srcset)="([^"]*)"`)

const previewPrefix = "/console/builder/preview"

// rewritePreview points the shop page's own links (absolute paths) at the
// preview route, so browsing inside the frame stays in the preview.
func rewritePreview(body []byte) []byte {
	return previewAttrRe.ReplaceAllFunc(body, func(m []byte) []byte {
		sub := previewAttrRe.FindSubmatch(m)
		attr, val := string(sub[1]), string(sub[2])
		fix := func(u string) string {
			if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
				return previewPrefix + u
			}
			return u
		}
		if attr == "srcset" {
			parts := strings.Split(val, ", ")
			for i, p := range parts {
				parts[i] = fix(p)
			}
			val = strings.Join(parts, ", ")
		} else {
			val = fix(val)
		}
		return []byte(attr + `="` + val + `"`)
	})
}

// builderPreview renders a storefront page of the current shop with the
// draft design, by calling the shop host in-process (s.preview, which the
// server hands in) with the draft in the request's locals. GET only; the
// page cache is bypassed.
func (s *Builder) builderPreview(c *fiber.Ctx) error {
	p := s.Current(c)
	d, err := s.design.Draft(c.UserContext())
	if err != nil {
		return err
	}
	var req fasthttp.Request
	uri := "/" + strings.TrimPrefix(c.Params("*"), "/")
	if q := string(c.Request().URI().QueryString()); q != "" {
		uri += "?" + q
	}
	req.SetRequestURI(uri)
	req.Header.SetMethod(fiber.MethodGet)
	host := p.TenantSlug + "." + s.BaseDomain()
	req.Header.SetHost(host)
	var rc fasthttp.RequestCtx
	rc.Init(&req, c.Context().RemoteAddr(), nil)
	session.PreviewDraft(&rc, d.Doc)
	s.preview(&rc)
	resp := &rc.Response
	ct := string(resp.Header.ContentType())
	body := resp.Body()
	if strings.HasPrefix(ct, "text/html") {
		body = rewritePreview(body)
	}
	c.Status(resp.StatusCode())
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderCacheControl, "no-store")
	if loc := string(resp.Header.Peek(fiber.HeaderLocation)); strings.HasPrefix(loc, "/") {
		c.Set(fiber.HeaderLocation, previewPrefix+loc)
	}
	return c.Send(append([]byte(nil), body...))
}

// ---- menus ----

type menuRow struct {
	Index    int
	Title    string
	Options  []builderOption
	URL      string
	Parent   int // index of the parent row, -1 for top level
	Position int
}

type menuEdit struct {
	Name    string
	Rows    []menuRow
	Parents []menuRow
}

type menusData struct {
	Version  int
	Menus    []menuEdit
	CanWrite bool
}

func (s *Builder) menusPage(c *fiber.Ctx) error {
	d, err := s.design.Draft(c.UserContext())
	if err != nil {
		return err
	}
	pl, err := s.pickLists(c)
	if err != nil {
		return err
	}
	data := menusData{Version: d.Version, CanWrite: s.Can(c, perm.DesignWrite)}
	for _, name := range design.MenuNames {
		me := menuEdit{Name: name}
		add := func(it design.MenuItem, parent int) int {
			r := menuRow{Index: len(me.Rows), Title: it.Title, Options: pl.linkOptions(it.Link), Parent: parent, Position: len(me.Rows) + 1}
			if it.Link.Kind == design.LinkURL {
				r.URL = it.Link.Ref
			}
			me.Rows = append(me.Rows, r)
			return r.Index
		}
		for _, it := range d.Doc.Menus[name] {
			i := add(it, -1)
			me.Parents = append(me.Parents, me.Rows[i])
			for _, ch := range it.Children {
				add(ch, i)
			}
		}
		for range 4 {
			add(design.MenuItem{}, -1)
		}
		data.Menus = append(data.Menus, me)
	}
	return s.PageWithError(c, "console/menus", "Menus", "menus", data)
}

func (s *Builder) menuSave(c *fiber.Ctx) error {
	name, err := admin.MenuName(c)
	if err != nil {
		return err
	}
	type row struct {
		item     design.MenuItem
		parent   int
		position float64
		index    int
	}
	var rows []row
	for i := 0; i < 200; i++ {
		p := "r" + strconv.Itoa(i) + "."
		if c.FormValue(p+"present") == "" {
			break
		}
		title := strings.TrimSpace(c.FormValue(p + "title"))
		kind, ref, _ := strings.Cut(c.FormValue(p+"link"), ":")
		if title == "" && kind == "" || c.FormValue(p+"remove") == "on" {
			continue
		}
		if kind == string(design.LinkURL) {
			ref = strings.TrimSpace(c.FormValue(p + "url"))
		}
		parent, err := strconv.Atoi(c.FormValue(p + "parent"))
		if err != nil {
			parent = -1
		}
		pos, err := strconv.ParseFloat(c.FormValue(p+"position"), 64)
		if err != nil {
			pos = float64(i + 1)
		}
		rows = append(rows, row{item: design.MenuItem{Title: title, Link: design.Link{Kind: design.LinkKind(kind), Ref: ref}}, parent: parent, position: pos, index: i})
	}
	sort.SliceStable(rows, func(a, b int) bool { return rows[a].position < rows[b].position })
	var items []design.MenuItem
	at := map[int]int{} // row index → position in items
	for _, r := range rows {
		if r.parent < 0 {
			at[r.index] = len(items)
			items = append(items, r.item)
		}
	}
	for _, r := range rows {
		if r.parent >= 0 {
			k, ok := at[r.parent]
			if !ok {
				return s.PageError(c, errs.Field("menus."+name, "“%s” is nested under an item that is not at the top level", r.item.Title), func() error { return s.menusPage(c) })
			}
			items[k].Children = append(items[k].Children, r.item)
		}
	}
	if _, err := s.admin.EditDraft(c, formVersion(c), "menu.save", func(doc *design.Document) error { doc.Menus[name] = items; return nil }); err != nil {
		return s.PageError(c, err, func() error { return s.menusPage(c) })
	}
	return view.Done(c, "/console/menus")
}

// ---- pages ----

type pagesData struct {
	Pages    []*content.Page
	Page     *content.Page
	Kinds    []builderOption
	CanWrite bool
	New      bool
}

func pageKinds(cur content.PageKind) []builderOption {
	var out []builderOption
	for _, k := range content.PageKinds {
		out = append(out, builderOption{Value: string(k.Kind), Label: k.Title, Selected: k.Kind == cur})
	}
	return out
}

func (s *Builder) pagesPage(c *fiber.Ctx) error {
	ps, err := s.content.Pages(c.UserContext(), false)
	if err != nil {
		return err
	}
	return s.PageWithError(c, "console/pages", "Pages", "pages", pagesData{Pages: ps, CanWrite: s.Can(c, perm.DesignWrite)})
}

func (s *Builder) pageForm(c *fiber.Ctx, p *content.Page, isNew bool) error {
	return s.PageWithError(c, "console/pages_edit", "Page", "pages", pagesData{Page: p, Kinds: pageKinds(p.Kind), CanWrite: s.Can(c, perm.DesignWrite), New: isNew})
}

func (s *Builder) pageNewPage(c *fiber.Ctx) error {
	kind := content.PageKind(c.Query("kind", string(content.KindAbout)))
	title := "Page"
	for _, k := range content.PageKinds {
		if k.Kind == kind {
			title = k.Title
		}
	}
	return s.pageForm(c, &content.Page{Kind: kind, Title: title, Published: true}, true)
}

func pageInput(c *fiber.Ctx) content.PageInput {
	return content.PageInput{Handle: c.FormValue("handle"), Kind: content.PageKind(c.FormValue("kind")), Title: c.FormValue("title"), BodyHTML: c.FormValue("body_html"),
		SEOTitle: c.FormValue("seo_title"), SEODescription: c.FormValue("seo_description"), Published: c.FormValue("published") == "on"}
}

func (s *Builder) pageCreate(c *fiber.Ctx) error {
	in := pageInput(c)
	p, err := s.content.CreatePage(c.UserContext(), in)
	if err != nil {
		return s.PageError(c, err, func() error {
			return s.pageForm(c, &content.Page{Handle: in.Handle, Kind: in.Kind, Title: in.Title, BodyHTML: in.BodyHTML, SEOTitle: in.SEOTitle, SEODescription: in.SEODescription, Published: in.Published}, true)
		})
	}
	return view.Done(c, "/console/pages/"+p.ID)
}

func (s *Builder) pageEditPage(c *fiber.Ctx) error {
	p, err := s.content.Page(c.UserContext(), c.Params("page"))
	if err != nil {
		return err
	}
	return s.pageForm(c, p, false)
}

func (s *Builder) pageSave(c *fiber.Ctx) error {
	in := pageInput(c)
	p, err := s.content.UpdatePage(c.UserContext(), c.Params("page"), formVersion(c), in)
	if err != nil {
		return s.PageError(c, err, func() error {
			cur, gerr := s.content.Page(c.UserContext(), c.Params("page"))
			if gerr != nil {
				return gerr
			}
			cur.Title, cur.Handle, cur.Kind, cur.BodyHTML, cur.SEOTitle, cur.SEODescription, cur.Published = in.Title, in.Handle, in.Kind, in.BodyHTML, in.SEOTitle, in.SEODescription, in.Published
			return s.pageForm(c, cur, false)
		})
	}
	return view.Done(c, "/console/pages/"+p.ID)
}

func (s *Builder) pageDelete(c *fiber.Ctx) error {
	if err := s.content.DeletePage(c.UserContext(), c.Params("page")); err != nil {
		return err
	}
	return view.Done(c, "/console/pages")
}

// ---- articles ----

type articlesData struct {
	Articles    []*content.Article
	Total       int
	Article     *content.Article
	Tags        string
	PublishAt   string
	Images      []builderOption
	Subscribers []*content.Subscriber
	SubTotal    int
	CanWrite    bool
	CanSubs     bool
	New         bool
}

func (s *Builder) articlesPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	as, total, err := s.content.Articles(ctx, content.ArticleFilter{Limit: 100})
	if err != nil {
		return err
	}
	d := articlesData{Articles: as, Total: total, CanWrite: s.Can(c, perm.DesignWrite), CanSubs: s.Can(c, perm.CustomersRead)}
	if d.CanSubs {
		if d.Subscribers, d.SubTotal, err = s.content.Subscribers(ctx, false, 50, 0); err != nil {
			return err
		}
	}
	return s.PageWithError(c, "console/articles", "Blog", "articles", d)
}

func (s *Builder) articleForm(c *fiber.Ctx, a *content.Article, isNew bool) error {
	d := articlesData{Article: a, Tags: strings.Join(a.Tags, ", "), CanWrite: s.Can(c, perm.DesignWrite), New: isNew}
	if a.PublishedAt != nil {
		d.PublishAt = a.PublishedAt.UTC().Format("2006-01-02T15:04")
	}
	assets, err := s.design.Assets(c.UserContext())
	if err != nil {
		return err
	}
	d.Images = []builderOption{{Value: "", Label: "— none —"}}
	for _, x := range assets {
		d.Images = append(d.Images, builderOption{Value: x.Key, Label: view.FirstNonEmpty(x.Filename, x.ID), Selected: x.Key == a.Image})
	}
	return s.PageWithError(c, "console/articles_edit", "Article", "articles", d)
}

func (s *Builder) articleNewPage(c *fiber.Ctx) error {
	return s.articleForm(c, &content.Article{Author: s.Current(c).Email}, true)
}

func (s *Builder) articleInput(c *fiber.Ctx) (content.ArticleInput, error) {
	in := content.ArticleInput{Handle: c.FormValue("handle"), Title: c.FormValue("title"), Author: c.FormValue("author"), BodyHTML: c.FormValue("body_html"),
		Excerpt: c.FormValue("excerpt"), Image: c.FormValue("image"), ImageAlt: c.FormValue("image_alt"), Tags: catalog.SplitTags(c.FormValue("tags")),
		SEOTitle: c.FormValue("seo_title"), SEODescription: c.FormValue("seo_description")}
	if v := strings.TrimSpace(c.FormValue("published_at")); v != "" {
		t, err := time.Parse("2006-01-02T15:04", v)
		if err != nil {
			return in, errs.Field("published_at", "enter a date and time")
		}
		in.PublishedAt = &t
	} else if c.FormValue("publish_now") == "on" {
		now := time.Now().UTC()
		in.PublishedAt = &now
	}
	if fh, err := c.FormFile("image__file"); err == nil && fh.Size > 0 {
		a, err := s.admin.UploadDesignImage(c, "image__file")
		if err != nil {
			return in, &errs.Error{Code: errs.CodeOf(err), Field: "image", Message: errMessage(err)}
		}
		in.Image = a.Key
	}
	return in, nil
}

func articleOf(in content.ArticleInput, a *content.Article) *content.Article {
	if a == nil {
		a = &content.Article{}
	}
	a.Handle, a.Title, a.Author, a.BodyHTML, a.Excerpt, a.Image, a.ImageAlt, a.Tags, a.SEOTitle, a.SEODescription, a.PublishedAt =
		in.Handle, in.Title, in.Author, in.BodyHTML, in.Excerpt, in.Image, in.ImageAlt, in.Tags, in.SEOTitle, in.SEODescription, in.PublishedAt
	return a
}

func (s *Builder) articleCreate(c *fiber.Ctx) error {
	in, err := s.articleInput(c)
	var a *content.Article
	if err == nil {
		a, err = s.content.CreateArticle(c.UserContext(), in)
	}
	if err != nil {
		return s.PageError(c, err, func() error { return s.articleForm(c, articleOf(in, nil), true) })
	}
	return view.Done(c, "/console/articles/"+a.ID)
}

func (s *Builder) articleEditPage(c *fiber.Ctx) error {
	a, err := s.content.Article(c.UserContext(), c.Params("article"))
	if err != nil {
		return err
	}
	return s.articleForm(c, a, false)
}

func (s *Builder) articleSave(c *fiber.Ctx) error {
	in, err := s.articleInput(c)
	var a *content.Article
	if err == nil {
		a, err = s.content.UpdateArticle(c.UserContext(), c.Params("article"), formVersion(c), in)
	}
	if err != nil {
		return s.PageError(c, err, func() error {
			cur, gerr := s.content.Article(c.UserContext(), c.Params("article"))
			if gerr != nil {
				return gerr
			}
			return s.articleForm(c, articleOf(in, cur), false)
		})
	}
	return view.Done(c, "/console/articles/"+a.ID)
}

func (s *Builder) articleDelete(c *fiber.Ctx) error {
	if err := s.content.DeleteArticle(c.UserContext(), c.Params("article")); err != nil {
		return err
	}
	return view.Done(c, "/console/articles")
}
