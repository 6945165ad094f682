// Package view renders the server-rendered pages of every web area: the
// shared layout and partials (templates/layout, templates/common), the
// template functions, the Page every console and platform page gets, and
// the console page helpers (navigation header, flash messages, input errors
// shown on the form they came from). Money is formatted by Money, the one
// place that does.
//
// Each area embeds its own page templates and parses them over the shared
// base with New. The package imports no area and not the web server
// package.
package view

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
	"github.com/wasmart/wasmart/web/internal/httpx"
)

//go:embed templates
var sharedFS embed.FS

// Page is what every server-rendered console and platform page gets.
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

// Money formats an amount in minor units with its currency code ("12.50
// EUR", "1250 JPY", "1.250 KWD"), with as many decimals as the currency
// has. Every page shows money through it.
func Money(minor int64, currency string) string {
	return money.Formatter{}.Display(minor, currency)
}

// Funcs are the template functions every page may use.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"money": Money,
		"time": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
		"inc":   func(i int) int { return i + 1 },
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
}

// Templates are an area's parsed pages, by name "<dir>/<page>".
type Templates struct {
	pages map[string]*template.Template
}

// New parses an area's pages over the shared base. In area, every
// <dir>/<page>.html is a page named "<dir>/<page>"; files in layout/ are
// the area's own partials, parsed into each of its pages. funcs adds the
// area's own template functions to Funcs (nil: none). The shared pages
// (common/error) are included; a nil area has only those.
func New(area fs.FS, funcs template.FuncMap) (*Templates, error) {
	all := Funcs()
	for k, f := range funcs {
		all[k] = f
	}
	base, err := template.New("").Funcs(all).ParseFS(sharedFS, "templates/layout/*.html")
	if err != nil {
		return nil, err
	}
	if area != nil {
		if partials, _ := fs.Glob(area, "layout/*.html"); len(partials) > 0 {
			if _, err := base.ParseFS(area, partials...); err != nil {
				return nil, err
			}
		}
	}
	t := &Templates{pages: map[string]*template.Template{}}
	if err := t.parsePages(base, sharedFS, "templates"); err != nil {
		return nil, err
	}
	if area == nil {
		return t, nil
	}
	if err := t.parsePages(base, area, "."); err != nil {
		return nil, err
	}
	return t, nil
}

// parsePages adds every page under root of fsys (layout/ excepted), each
// parsed over its own clone of base.
func (t *Templates) parsePages(base *template.Template, fsys fs.FS, root string) error {
	return fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".html" {
			return err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(p, root+"/"), ".html")
		if root == "." {
			name = strings.TrimSuffix(p, ".html")
		}
		if strings.HasPrefix(name, "layout/") {
			return nil
		}
		if _, dup := t.pages[name]; dup {
			return fmt.Errorf("view: two templates for page %q", name)
		}
		page, err := base.Clone()
		if err != nil {
			return err
		}
		if _, err := page.ParseFS(fsys, p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		t.pages[name] = page
		return nil
	})
}

// Execute runs a page's "page" template with data.
func (t *Templates) Execute(name string, data any) ([]byte, error) {
	tp := t.pages[name]
	if tp == nil {
		return nil, fmt.Errorf("web: no template %q", name)
	}
	var buf bytes.Buffer
	if err := tp.ExecuteTemplate(&buf, "page", data); err != nil {
		return nil, fmt.Errorf("web: render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// Render writes a page; name is "<dir>/<page>", and the page's template
// decides which layout it uses by the block it defines ("console" or
// "plain").
func (t *Templates) Render(c *fiber.Ctx, name string, p Page) error {
	if p.CSRF == "" {
		p.CSRF = httpx.CSRFToken(c)
	}
	b, err := t.Execute(name, p)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b)
}

// RenderError is the error page a browser gets (the server's error
// handler's HTML side).
func (t *Templates) RenderError(c *fiber.Ctx, status int, e *errs.Error) error {
	p := Page{Title: "Error", Error: e, Data: map[string]any{"Status": status}}
	if err := t.Render(c, "common/error", p); err != nil {
		return c.Status(status).SendString(e.Message)
	}
	return nil
}
