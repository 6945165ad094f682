package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Page is what every server-rendered page gets.
type Page struct {
	Title string
	// Section marks the active navigation entry.
	Section string
	// CSRF is the token forms post back as _csrf.
	CSRF string
	// Flash is a one-line message shown above the content.
	Flash string
	// Error is an input error shown above the content, with its field.
	Error *errs.Error
	// Nav is the signed-in user's navigation context (nil when anonymous).
	Nav  *Nav
	Data any
}

// Nav is what the console's header shows.
type Nav struct {
	UserName   string
	UserEmail  string
	TenantName string
	TenantSlug string
	Shops      []NavShop
	Platform   bool // platform console
	Can        map[string]bool
	Storefront string
}

// NavShop is one entry of the shop switcher.
type NavShop struct {
	ID, Name, Slug string
	Current        bool
}

var funcs = template.FuncMap{
	"money": money.Formatter{}.Display,
	"time": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"join":  strings.Join,
	"lower": strings.ToLower,
	"has":   func(m map[string]bool, k string) bool { return m[k] },
	"field": func(e *errs.Error, name string) string {
		if e != nil && e.Field == name {
			return e.Message
		}
		return ""
	},
}

// loadTemplates parses every page with the shared layout and partials.
// Pages are templates/<area>/<name>.html; shared parts are in
// templates/layout/.
func loadTemplates() (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	err = fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(p, "templates/layout/") || path.Ext(p) != ".html" {
			return err
		}
		t, err := base.Clone()
		if err != nil {
			return err
		}
		if _, err := t.ParseFS(templateFS, p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		pages[strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")] = t
		return nil
	})
	return pages, err
}

// render writes a page; name is "<area>/<page>", and the page's template
// decides which layout it uses by the block it defines ("console" or
// "plain").
func (s *Server) render(c *fiber.Ctx, name string, p Page) error {
	t := s.pages[name]
	if t == nil {
		return fmt.Errorf("web: no template %q", name)
	}
	if p.CSRF == "" {
		p.CSRF = csrfToken(c)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "page", p); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

func (s *Server) renderError(c *fiber.Ctx, status int, e *errs.Error) error {
	p := Page{Title: "Error", Error: e, Data: map[string]any{"Status": status}}
	if err := s.render(c, "common/error", p); err != nil {
		return c.Status(status).SendString(e.Message)
	}
	return nil
}
