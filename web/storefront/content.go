package storefront

import (
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/content"
	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// The shop builder's pages on the shop host, served by catalogPages:
// theme stylesheets, design images, content pages, the blog and the
// newsletter sign-up, and the template sections shown on the home,
// product and collection pages. The design each page is drawn with is in
// design.go.

// contentRoutes are the theme stylesheets, design images, content pages,
// blog and newsletter sign-up on the shop's own host.
func (s *catalogPages) contentRoutes(t *httpx.Table) {
	shop := t.Group(httpx.ScopeStorefront, "storefront")
	shop.Browse("/theme/:file", "Theme stylesheet (embedded)", s.shopThemeCSS)
	shop.Browse("/brand/*", "Design images (logo, favicon, banners) and their renditions", s.shopBrandMedia)
	shop.Browse("/pages/:handle", "Content page (about, contact, policies, FAQ)", s.shopContentPage)
	shop.Browse("/blog", "Blog: articles, newest first (?tag=)", s.shopBlog)
	shop.Browse("/blog/:handle", "Blog article", s.shopArticle)
	shop.Page("GET", "/newsletter", httpx.Public, "Newsletter sign-up: confirm consent", s.shopNewsletterForm)
	shop.Page("POST", "/newsletter", httpx.Public, "Newsletter sign-up: record the e-mail with its consent", s.shopNewsletterSubmit)
}

func (s *catalogPages) shopThemeCSS(c *fiber.Ctx) error {
	name := path.Base(c.Params("file"))
	if !strings.HasSuffix(name, ".css") {
		return errs.NotFoundf("no such stylesheet")
	}
	b, err := themeCSS(name)
	if err != nil {
		return errs.NotFoundf("no such stylesheet")
	}
	etag := etagOf(b)
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	if notModified(c, etag, time.Time{}) {
		c.Status(fiber.StatusNotModified)
		return nil
	}
	c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	return c.Send(b)
}

func (s *catalogPages) shopBrandMedia(c *fiber.Ctx) error {
	t := s.Shop(c)
	key, err := url.PathUnescape(c.Params("*"))
	if err != nil || s.blobs == nil || !blob.ValidKey(key) || !design.OwnsKey(t.ID, key) {
		return errs.NotFoundf("no such image")
	}
	rc, info, err := s.blobs.Open(c.UserContext(), key)
	if err != nil {
		return err
	}
	ct := info.ContentType
	if ct == "" || ct == "application/octet-stream" {
		ct = mime.TypeByExtension(path.Ext(key))
	}
	if !strings.HasPrefix(ct, "image/") {
		rc.Close()
		return errs.NotFoundf("no such image")
	}
	etag := `"` + strconv.FormatInt(info.Size, 36) + "-" + strconv.FormatInt(info.ModTime.UnixNano(), 36) + `"`
	h := &c.Response().Header
	h.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	h.Set(fiber.HeaderETag, etag)
	h.Set(fiber.HeaderLastModified, info.ModTime.UTC().Format(http.TimeFormat))
	if notModified(c, etag, info.ModTime) {
		rc.Close()
		c.Status(fiber.StatusNotModified)
		return nil
	}
	h.Set(fiber.HeaderContentType, ct)
	return c.SendStream(rc, int(info.Size))
}

// shopContent is the data of content pages, the blog and articles.
type shopContent struct {
	Page     *content.Page
	Article  *content.Article
	Articles []*content.Article
	Tag      string
	Body     template.HTML
	Image    *shopImageView
	Sections []sectionView
	Email    string
	Consent  string
	Source   string
	Done     bool
}

// contentView is a storefront view for a content page.
func (s *catalogPages) contentView(c *fiber.Ctx) (*shopView, error) {
	ix, err := s.categoryIndex(c.UserContext())
	if err != nil {
		return nil, err
	}
	return s.newView(c, ix), nil
}

func (s *catalogPages) shopContentPage(c *fiber.Ctx) error {
	return s.cachedPage(c, "themes/page", func() (*shopView, error) {
		p, err := s.content.PageByHandle(c.UserContext(), c.Params("handle"), true)
		if err != nil {
			return nil, err
		}
		v, err := s.contentView(c)
		if err != nil {
			return nil, err
		}
		desc := p.SEODescription
		if desc == "" {
			desc = view.Clip(view.PlainText(p.BodyHTML), 160)
		}
		v.Head = shopHead{Title: view.FirstNonEmpty(p.SEOTitle, p.Title) + " · " + v.Shop.Name, Description: desc, Canonical: s.BaseURL(c) + "/pages/" + url.PathEscape(p.Handle)}
		v.Crumbs = []shopCrumb{{Name: "Home", URL: "/"}, {Name: p.Title, URL: "/pages/" + url.PathEscape(p.Handle)}}
		v.Content = &shopContent{Page: p, Body: template.HTML(p.BodyHTML), Sections: s.templateSections(c, v.Design, design.TemplatePage)}
		return v, nil
	})
}

func (s *catalogPages) shopBlog(c *fiber.Ctx) error {
	return s.cachedPage(c, "themes/blog", func() (*shopView, error) {
		tag := c.Query("tag")
		as, _, err := s.content.Articles(c.UserContext(), content.ArticleFilter{LiveOnly: true, Tag: tag, Limit: 50})
		if err != nil {
			return nil, err
		}
		v, err := s.contentView(c)
		if err != nil {
			return nil, err
		}
		canon := s.BaseURL(c) + "/blog"
		if tag != "" {
			canon += "?tag=" + url.QueryEscape(tag)
		}
		v.Head = shopHead{Title: "Journal · " + v.Shop.Name, Description: "News and stories from " + v.Shop.Name, Canonical: canon}
		v.Crumbs = []shopCrumb{{Name: "Home", URL: "/"}, {Name: "Journal", URL: "/blog"}}
		v.Content = &shopContent{Articles: as, Tag: tag}
		return v, nil
	})
}

func (s *catalogPages) shopArticle(c *fiber.Ctx) error {
	return s.cachedPage(c, "themes/article", func() (*shopView, error) {
		ctx := c.UserContext()
		a, err := s.content.ArticleByHandle(ctx, c.Params("handle"), true)
		if err != nil {
			return nil, err
		}
		v, err := s.contentView(c)
		if err != nil {
			return nil, err
		}
		canon := s.BaseURL(c) + "/blog/" + url.PathEscape(a.Handle)
		v.Head = shopHead{Title: view.FirstNonEmpty(a.SEOTitle, a.Title) + " · " + v.Shop.Name, Description: view.FirstNonEmpty(a.SEODescription, a.Excerpt), Canonical: canon, OGType: "article"}
		v.Crumbs = []shopCrumb{{Name: "Home", URL: "/"}, {Name: "Journal", URL: "/blog"}, {Name: a.Title, URL: "/blog/" + url.PathEscape(a.Handle)}}
		sc := &shopContent{Article: a, Body: template.HTML(a.BodyHTML), Sections: s.templateSections(c, v.Design, design.TemplateArticle)}
		if a.Image != "" {
			r := s.newResolver()
			r.asset(a.Image)
			if err := r.load(ctx); err == nil {
				sc.Image = r.image(a.Image, 1200, a.ImageAlt)
				if sc.Image != nil {
					v.Head.OGImage = sc.Image.Src
					if strings.HasPrefix(v.Head.OGImage, "/") {
						v.Head.OGImage = s.BaseURL(c) + v.Head.OGImage
					}
				}
			}
		}
		ld := map[string]any{"@context": "https://schema.org", "@type": "BlogPosting", "headline": a.Title, "url": canon, "description": a.Excerpt,
			"publisher": map[string]any{"@type": "Organization", "name": v.Shop.Name}}
		if a.Author != "" {
			ld["author"] = map[string]any{"@type": "Person", "name": a.Author}
		}
		if a.PublishedAt != nil {
			ld["datePublished"] = a.PublishedAt.Format(time.RFC3339)
		}
		ld["dateModified"] = a.UpdatedAt.Format(time.RFC3339)
		if len(a.Tags) > 0 {
			ld["keywords"] = strings.Join(a.Tags, ", ")
		}
		v.JSONLD = ldJSON(ld)
		v.Content = sc
		return v, nil
	})
}

// newsletterSection finds the live newsletter section (for its consent
// wording) by id, or the first one.
func newsletterSection(doc *design.Document, id string) *design.Section {
	var first *design.Section
	for _, t := range design.TemplateNames {
		for i := range doc.Templates[t] {
			sec := &doc.Templates[t][i]
			if sec.Type != design.TypeNewsletter || sec.Disabled {
				continue
			}
			if sec.ID == id {
				return sec
			}
			if first == nil {
				first = sec
			}
		}
	}
	return first
}

func (s *catalogPages) newsletterView(c *fiber.Ctx) (*shopView, *shopContent, error) {
	v, err := s.contentView(c)
	if err != nil {
		return nil, nil, err
	}
	sc := &shopContent{Email: strings.TrimSpace(c.FormValue("email")), Source: c.FormValue("section")}
	consent := "I agree to receive marketing e-mails. I can unsubscribe at any time."
	if sec := newsletterSection(v.Design.doc, sc.Source); sec != nil {
		consent = view.FirstNonEmpty(sec.Settings.String("consent_text"), consent)
		sc.Source = sec.ID
	}
	sc.Consent = consent
	v.Head = shopHead{Title: "Newsletter · " + v.Shop.Name, NoIndex: true}
	v.Content = sc
	return v, sc, nil
}

// shopNewsletterForm is the second step of the sign-up: the section on a
// cached page sends the address here by GET (no side effects), and this
// per-visitor page asks for explicit consent with a CSRF-protected form.
func (s *catalogPages) shopNewsletterForm(c *fiber.Ctx) error {
	v, _, err := s.newsletterView(c)
	if err != nil {
		return err
	}
	return s.renderShop(c, "themes/newsletter", v)
}

func (s *catalogPages) shopNewsletterSubmit(c *fiber.Ctx) error {
	v, sc, err := s.newsletterView(c)
	if err != nil {
		return err
	}
	if c.FormValue("consent") != "yes" {
		v.Error = errs.Field("consent", "tick the box to agree to receive our e-mails")
		c.Status(fiber.StatusBadRequest)
		return s.renderShop(c, "themes/newsletter", v)
	}
	if _, err := s.content.Subscribe(c.UserContext(), sc.Email, sc.Consent, "section:"+sc.Source); err != nil {
		status, de := s.ToError(c, err)
		if status >= 500 {
			return err
		}
		v.Error = de
		c.Status(status)
		return s.renderShop(c, "themes/newsletter", v)
	}
	sc.Done = true
	return s.renderShop(c, "themes/newsletter", v)
}

// contentSitemapURLs lists live pages and articles for sitemap.xml.
func (s *catalogPages) contentSitemapURLs(c *fiber.Ctx) ([]sitemapURL, error) {
	es, err := s.content.SitemapEntries(c.UserContext(), 5000)
	if err != nil {
		return nil, err
	}
	base := s.BaseURL(c)
	var out []sitemapURL
	blog := false
	for _, e := range es {
		prefix := "/pages/"
		if e.Kind == "article" {
			prefix = "/blog/"
			if !blog {
				out = append(out, sitemapURL{Loc: base + "/blog"})
				blog = true
			}
		}
		out = append(out, sitemapURL{Loc: base + prefix + url.PathEscape(e.Handle), LastMod: day(e.UpdatedAt)})
	}
	return out, nil
}

// designHome is the home page of a shop that published a design: its
// sections, with the same head and JSON-LD as the default home page.
func (s *catalogPages) designHome(c *fiber.Ctx, v *shopView) *shopView {
	t := v.Shop
	v.Sections = s.templateSections(c, v.Design, design.TemplateHome)
	base := s.BaseURL(c)
	v.Head = shopHead{Title: t.Name, Description: "Shop " + t.Name + " online.", Canonical: base + "/", OGType: "website"}
	v.JSONLD = ldJSON(map[string]any{"@context": "https://schema.org", "@type": "WebSite", "name": t.Name, "url": base + "/",
		"potentialAction": map[string]any{"@type": "SearchAction", "target": base + "/search?q={query}", "query-input": "required name=query"}})
	return v
}

// afterSections adds the product or collection template's sections below
// those pages' content.
func (s *catalogPages) afterSections(c *fiber.Ctx, name string, v *shopView) {
	if v == nil || v.Design == nil {
		return
	}
	tpl := ""
	switch {
	case name == "shop/product":
		tpl = design.TemplateProduct
	case name == "shop/list" && v.Collection != nil:
		tpl = design.TemplateCollection
	default:
		return
	}
	v.After = s.templateSections(c, v.Design, tpl)
}
