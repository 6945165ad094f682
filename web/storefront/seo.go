package storefront

import (
	"bytes"
	"encoding/xml"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
)

// SitemapMax is the most URLs in one sitemap file (the protocol's cap).
// Above it /sitemap.xml becomes an index of child sitemaps: one for the
// home, collection and category pages, then one per SitemapMax products.
// Tests lower it to see the index without 50,000 products.
var SitemapMax = 50000

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

type urlset struct {
	XMLName xml.Name     `xml:"urlset"`
	NS      string       `xml:"xmlns,attr"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapIndex struct {
	XMLName  xml.Name     `xml:"sitemapindex"`
	NS       string       `xml:"xmlns,attr"`
	Sitemaps []sitemapURL `xml:"sitemap"`
}

const sitemapNS = "http://www.sitemaps.org/schemas/sitemap/0.9"

func xmlBytes(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", " ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

// pageURLs are the home, collection and category pages.
func (s *catalogPages) pageURLs(c *fiber.Ctx) ([]sitemapURL, error) {
	ctx := c.UserContext()
	base := s.BaseURL(c)
	out := []sitemapURL{{Loc: base + "/"}}
	cols, err := s.catalog.Collections(ctx, true)
	if err != nil {
		return nil, err
	}
	if len(cols) > 0 {
		out = append(out, sitemapURL{Loc: base + "/collections"})
	}
	for _, col := range cols {
		out = append(out, sitemapURL{Loc: base + "/collections/" + url.PathEscape(col.Handle), LastMod: day(col.UpdatedAt)})
	}
	cats, err := s.catalog.Categories(ctx)
	if err != nil {
		return nil, err
	}
	for _, cat := range cats {
		out = append(out, sitemapURL{Loc: base + "/categories/" + url.PathEscape(cat.Slug)})
	}
	content, err := s.contentSitemapURLs(c) // pages and articles (content.go)
	if err != nil {
		return nil, err
	}
	return append(out, content...), nil
}

func (s *catalogPages) productURLs(c *fiber.Ctx, es []catalog.SitemapEntry) []sitemapURL {
	base := s.BaseURL(c)
	out := make([]sitemapURL, len(es))
	for i, e := range es {
		out[i] = sitemapURL{Loc: base + "/products/" + url.PathEscape(e.Handle), LastMod: day(e.UpdatedAt)}
	}
	return out
}

func (s *catalogPages) shopSitemap(c *fiber.Ctx) error {
	return s.cached(c, func() ([]byte, string, []string, error) {
		ctx := c.UserContext()
		pages, err := s.pageURLs(c)
		if err != nil {
			return nil, "", nil, err
		}
		first, next, err := s.catalog.SitemapEntries(ctx, "", SitemapMax)
		if err != nil {
			return nil, "", nil, err
		}
		if next == "" && len(pages)+len(first) <= SitemapMax {
			b, err := xmlBytes(urlset{NS: sitemapNS, URLs: append(pages, s.productURLs(c, first)...)})
			return b, "application/xml; charset=utf-8", nil, err
		}
		// An index: pages, then the product files by cursor.
		base := s.BaseURL(c)
		idx := sitemapIndex{NS: sitemapNS, Sitemaps: []sitemapURL{{Loc: base + "/sitemaps/pages.xml"}}}
		after := ""
		es := first
		for {
			var latest time.Time
			for _, e := range es {
				if e.UpdatedAt.After(latest) {
					latest = e.UpdatedAt
				}
			}
			name := "products.xml"
			if after != "" {
				name = "products-" + after + ".xml"
			}
			if len(es) > 0 {
				idx.Sitemaps = append(idx.Sitemaps, sitemapURL{Loc: base + "/sitemaps/" + name, LastMod: day(latest)})
			}
			if next == "" {
				break
			}
			after = next
			if es, next, err = s.catalog.SitemapEntries(ctx, after, SitemapMax); err != nil {
				return nil, "", nil, err
			}
		}
		b, err := xmlBytes(idx)
		return b, "application/xml; charset=utf-8", nil, err
	})
}

func (s *catalogPages) shopSitemapChild(c *fiber.Ctx) error {
	name := c.Params("name")
	var after string
	switch {
	case name == "pages.xml", name == "products.xml":
	case strings.HasPrefix(name, "products-") && strings.HasSuffix(name, ".xml"):
		after = strings.TrimSuffix(strings.TrimPrefix(name, "products-"), ".xml")
		if after == "" || len(after) > 64 {
			return errs.NotFoundf("no sitemap %s", name)
		}
	default:
		return errs.NotFoundf("no sitemap %s", name)
	}
	return s.cached(c, func() ([]byte, string, []string, error) {
		var urls []sitemapURL
		if name == "pages.xml" {
			var err error
			if urls, err = s.pageURLs(c); err != nil {
				return nil, "", nil, err
			}
		} else {
			es, _, err := s.catalog.SitemapEntries(c.UserContext(), after, SitemapMax)
			if err != nil {
				return nil, "", nil, err
			}
			if len(es) == 0 {
				return nil, "", nil, errs.NotFoundf("no sitemap %s", name)
			}
			urls = s.productURLs(c, es)
		}
		b, err := xmlBytes(urlset{NS: sitemapNS, URLs: urls})
		return b, "application/xml; charset=utf-8", nil, err
	})
}

func (s *catalogPages) shopRobots(c *fiber.Ctx) error {
	return s.cached(c, func() ([]byte, string, []string, error) {
		b := "User-agent: *\nDisallow: /account\nDisallow: /search\nAllow: /\n\nSitemap: " + s.BaseURL(c) + "/sitemap.xml\n"
		return []byte(b), "text/plain; charset=utf-8", nil, nil
	})
}

// shopMedia serves the shop's uploaded images from the blob store. Keys
// name the image and rendition, so a URL's bytes never change: they are
// cached for a year.
func (s *catalogPages) shopMedia(c *fiber.Ctx) error {
	t := s.Shop(c)
	key, err := url.PathUnescape(c.Params("*"))
	// Only product images and published review photos: other blobs under the shop's prefix (import
	// files, ...) are private.
	// Review photos only while their review is published.
	if err != nil || s.blobs == nil || !blob.ValidKey(key) || (!strings.HasPrefix(key, t.ID+"/products/") && !s.reviewPhotoKey(c, key)) {
		return errs.NotFoundf("no such image")
	}
	rc, info, err := s.blobs.Open(c.UserContext(), key)
	if err != nil {
		return err
	}
	markCheap(c) // a file sent as it is (shop budget)
	if !strings.HasPrefix(info.ContentType, "image/") {
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
	h.Set(fiber.HeaderContentType, info.ContentType)
	return c.SendStream(rc, int(info.Size))
}

// shopAsset serves the storefront's CSS and JS (static/shop*).
func (s *catalogPages) shopAsset(c *fiber.Ctx) error {
	name := path.Clean("/" + c.Params("*"))[1:]
	if !strings.HasPrefix(name, "shop") || strings.Contains(name, "/") {
		return errs.NotFoundf("no such asset")
	}
	b, err := fs.ReadFile(staticFS, "static/"+name)
	if err != nil {
		return errs.NotFoundf("no such asset")
	}
	markCheap(c) // embedded in the binary (shop budget)
	etag := etagOf(b)
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	if notModified(c, etag, time.Time{}) {
		c.Status(fiber.StatusNotModified)
		return nil
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	c.Set(fiber.HeaderContentType, ct)
	return c.Send(b)
}
