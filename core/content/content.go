// Package content is a shop's own words: content pages (About, contact,
// shipping and returns policies, privacy, terms, FAQ, or any other), a blog
// of articles (author, tags, publish date, SEO fields, a cover image) and
// the newsletter's subscribers with the time and wording of their consent.
//
// Rich text is refused when it carries scripts, styles, frames or event
// handlers (UnsafeMarkup) and sanitised (core/richtext) before it is
// stored, so read paths emit it as is. Pages and articles carry a version
// number; an update names the version it edited and a stale one is refused
// with errs.Conflict. A page is live when Published; an article when its
// PublishedAt has passed (a future date schedules it).
//
// Tables: the package owns content_pages, content_articles,
// content_article_tags and content_subscribers. Article images from the
// design library are checked through the AssetCheck wired with SetAssets
// (core/design owns that library).
package content

import (
	"context"
	"embed"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/richtext"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/text"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	store.RegisterMigrations(store.Migrations{Module: "content", Order: 49, FS: sub})
}

var unsafeRe = regexp.MustCompile(`(?i)<\s*/?\s*(script|style|iframe|frame|object|embed|link|meta|base|form|svg|math)\b|\son[a-z]+\s*=|javascript\s*:|vbscript\s*:|data\s*:\s*text/html|srcdoc\s*=`)

// UnsafeMarkup reports whether html contains scripts, event handlers,
// styles, frames or script URLs. Merchant input that does is refused with
// an error rather than silently cleaned, so they learn why a pasted widget
// does nothing.
func UnsafeMarkup(html string) bool { return unsafeRe.MatchString(html) }

// CleanHTML refuses unsafe markup and returns the sanitised HTML.
func CleanHTML(field, s string) (string, error) {
	if UnsafeMarkup(s) {
		return "", errs.Field(field, "contains scripts, styles, frames or event handlers, which are not allowed")
	}
	if len(s) > 200_000 {
		return "", errs.Field(field, "may be at most 200 kB")
	}
	return richtext.Sanitize(s), nil
}

// slugify makes a page or article handle: text.Slugify capped at 120
// characters.
func slugify(s string) string { return text.Slugify(s, 120) }

// Service keeps every shop's pages, articles and subscribers; each call
// acts on the context's tenant.
type Service struct {
	db     *store.DB
	now    func() time.Time
	assets AssetCheck
}

// AssetCheck reports which of the given blob keys are images the tenant
// uploaded to its design library, inside the caller's transaction.
// core/design's ExistingAssets is one (content does not import design,
// which links to pages and articles).
type AssetCheck func(ctx context.Context, q bun.IDB, tenantID string, keys []string) (map[string]bool, error)

// SetAssets wires the check of article images taken from the shop's
// design library; until it is set such images are refused.
func (s *Service) SetAssets(check AssetCheck) { s.assets = check }

// ExistingPages reports which of ids are the tenant's pages, in q.
func ExistingPages(ctx context.Context, q bun.IDB, tenantID string, ids []string) (map[string]bool, error) {
	return store.Existing(ctx, q, "content_pages", "id", tenantID, ids)
}

// ExistingArticles reports which of ids are the tenant's articles, in q.
func ExistingArticles(ctx context.Context, q bun.IDB, tenantID string, ids []string) (map[string]bool, error) {
	return store.Existing(ctx, q, "content_articles", "id", tenantID, ids)
}

// New returns a Service; now may be nil.
func New(db *store.DB, now func() time.Time) *Service {
	if now == nil {
		now = store.Now
	}
	return &Service{db: db, now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }}
}

// PageKind says what a page is for (the console offers starters for each).
type PageKind string

// Page kinds.
const (
	KindAbout    PageKind = "about"
	KindContact  PageKind = "contact"
	KindShipping PageKind = "shipping"
	KindReturns  PageKind = "returns"
	KindPrivacy  PageKind = "privacy"
	KindTerms    PageKind = "terms"
	KindFAQ      PageKind = "faq"
	KindCustom   PageKind = "custom"
)

// PageKinds lists the kinds with a default title each.
var PageKinds = []struct {
	Kind  PageKind
	Title string
}{
	{KindAbout, "About us"}, {KindContact, "Contact"}, {KindShipping, "Shipping policy"}, {KindReturns, "Returns policy"},
	{KindPrivacy, "Privacy policy"}, {KindTerms, "Terms of service"}, {KindFAQ, "FAQ"}, {KindCustom, "Page"},
}

func validKind(k PageKind) bool {
	for _, p := range PageKinds {
		if p.Kind == k {
			return true
		}
	}
	return false
}

// Page is a content page.
type Page struct {
	ID             string
	Handle         string
	Kind           PageKind
	Title          string
	BodyHTML       string
	SEOTitle       string
	SEODescription string
	Published      bool
	Version        int
	UpdatedAt      time.Time
}

// PageInput creates or edits a page.
type PageInput struct {
	Handle         string
	Kind           PageKind
	Title          string
	BodyHTML       string
	SEOTitle       string
	SEODescription string
	Published      bool
}

type pageRow struct {
	bun.BaseModel  `bun:"table:content_pages"`
	TenantID       string    `bun:"tenant_id,pk"`
	ID             string    `bun:"id,pk"`
	Handle         string    `bun:"handle"`
	Kind           string    `bun:"kind"`
	Title          string    `bun:"title"`
	BodyHTML       string    `bun:"body_html"`
	SEOTitle       string    `bun:"seo_title"`
	SEODescription string    `bun:"seo_description"`
	Published      bool      `bun:"published"`
	Version        int       `bun:"version"`
	CreatedAt      time.Time `bun:"created_at"`
	UpdatedAt      time.Time `bun:"updated_at"`
}

func (r *pageRow) toPage() *Page {
	return &Page{ID: r.ID, Handle: r.Handle, Kind: PageKind(r.Kind), Title: r.Title, BodyHTML: r.BodyHTML, SEOTitle: r.SEOTitle,
		SEODescription: r.SEODescription, Published: r.Published, Version: r.Version, UpdatedAt: r.UpdatedAt.UTC()}
}

func cleanText(field, s string, max int, required bool) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	if required && s == "" {
		return "", errs.Field(field, "is required")
	}
	if utf8.RuneCountInString(s) > max {
		return "", errs.Field(field, "may be at most %d characters", max)
	}
	return s, nil
}

func (in *PageInput) normalize() (err error) {
	if in.Kind == "" {
		in.Kind = KindCustom
	}
	if !validKind(in.Kind) {
		return errs.Field("kind", "unknown page kind %q", in.Kind)
	}
	if in.Title, err = cleanText("title", in.Title, 200, true); err != nil {
		return err
	}
	if in.Handle == "" {
		in.Handle = in.Title
	}
	if in.Handle = slugify(in.Handle); in.Handle == "" {
		return errs.Field("handle", "must contain letters or digits")
	}
	if in.SEOTitle, err = cleanText("seo_title", in.SEOTitle, 120, false); err != nil {
		return err
	}
	if in.SEODescription, err = cleanText("seo_description", in.SEODescription, 320, false); err != nil {
		return err
	}
	in.BodyHTML, err = CleanHTML("body_html", in.BodyHTML)
	return err
}

func uniqueErr(err error, what string) error {
	if store.IsUniqueViolation(err) {
		return &errs.Error{Code: errs.Conflict, Field: "handle", Message: "another " + what + " uses this handle"}
	}
	return errs.Wrap(err, "content: "+what)
}

// CreatePage adds a page.
func (s *Service) CreatePage(ctx context.Context, in PageInput) (*Page, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.normalize(); err != nil {
		return nil, err
	}
	now := s.now()
	row := &pageRow{TenantID: tid, ID: store.NewID(), Handle: in.Handle, Kind: string(in.Kind), Title: in.Title, BodyHTML: in.BodyHTML,
		SEOTitle: in.SEOTitle, SEODescription: in.SEODescription, Published: in.Published, Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if _, err := q.NewInsert().Model(row).Exec(ctx); err != nil {
			return uniqueErr(err, "page")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "page.create", ObjectType: "page", ObjectID: row.ID, After: row.Title})
	})
	if err != nil {
		return nil, err
	}
	return row.toPage(), nil
}

// UpdatePage edits a page last seen at version.
func (s *Service) UpdatePage(ctx context.Context, id string, version int, in PageInput) (*Page, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.normalize(); err != nil {
		return nil, err
	}
	row := &pageRow{TenantID: tid, ID: id, Handle: in.Handle, Kind: string(in.Kind), Title: in.Title, BodyHTML: in.BodyHTML,
		SEOTitle: in.SEOTitle, SEODescription: in.SEODescription, Published: in.Published, Version: version + 1, UpdatedAt: s.now()}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewUpdate().Model(row).ExcludeColumn("created_at").WherePK().Where("version = ?", version).Exec(ctx)
		if err != nil {
			return uniqueErr(err, "page")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return staleOrMissing(ctx, q, "content_pages", tid, id, "page")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "page.update", ObjectType: "page", ObjectID: id, After: row.Title})
	})
	if err != nil {
		return nil, err
	}
	return s.Page(ctx, id)
}

func staleOrMissing(ctx context.Context, q bun.IDB, table, tid, id, what string) error {
	var v int
	err := q.NewRaw("SELECT version FROM "+table+" WHERE tenant_id = ? AND id = ?", tid, id).Scan(ctx, &v)
	if store.NoRows(err) {
		return errs.NotFoundf("%s not found", what)
	}
	if err != nil {
		return errs.Wrap(err, "content: "+what)
	}
	return &errs.Error{Code: errs.Conflict, Field: "version", Message: "someone else changed this " + what + " (it is now version " + strconv.Itoa(v) + "); reload to see their changes"}
}

// DeletePage removes a page. Design links to it then fail validation on
// the next publish; the storefront skips them meanwhile.
func (s *Service) DeletePage(ctx context.Context, id string) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewDelete().Table("content_pages").Where("tenant_id = ? AND id = ?", tid, id).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "content: delete page")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("page not found")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "page.delete", ObjectType: "page", ObjectID: id})
	})
}

// Page returns a page by id.
func (s *Service) Page(ctx context.Context, id string) (*Page, error) {
	return s.pageBy(ctx, "id", id, false)
}

// PageByHandle returns a page by handle; publishedOnly hides unpublished
// pages (the storefront).
func (s *Service) PageByHandle(ctx context.Context, handle string, publishedOnly bool) (*Page, error) {
	return s.pageBy(ctx, "handle", handle, publishedOnly)
}

func (s *Service) pageBy(ctx context.Context, col, val string, publishedOnly bool) (*Page, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	row := &pageRow{}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sq := q.NewSelect().Model(row).Where("tenant_id = ? AND "+col+" = ?", tid, val)
		if publishedOnly {
			sq = sq.Where("published")
		}
		err := sq.Scan(ctx)
		if store.NoRows(err) {
			return errs.NotFoundf("page not found")
		}
		return errs.Wrap(err, "content: page")
	})
	if err != nil {
		return nil, err
	}
	return row.toPage(), nil
}

// Pages lists the shop's pages by title (publishedOnly: live ones).
func (s *Service) Pages(ctx context.Context, publishedOnly bool) ([]*Page, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var rows []pageRow
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sq := q.NewSelect().Model(&rows).Where("tenant_id = ?", tid).Order("title", "id").Limit(1000)
		if publishedOnly {
			sq = sq.Where("published")
		}
		err := sq.Scan(ctx)
		if store.NoRows(err) {
			err = nil
		}
		return errs.Wrap(err, "content: pages")
	})
	out := make([]*Page, len(rows))
	for i := range rows {
		out[i] = rows[i].toPage()
	}
	return out, err
}

// Ref is what a link to a page or article needs.
type Ref struct {
	ID, Handle, Title string
	Live              bool
}

// PageRefs returns handles and titles of pages by id (missing ids absent).
func (s *Service) PageRefs(ctx context.Context, ids []string) (map[string]Ref, error) {
	return s.refs(ctx, "SELECT id, handle, title, published AS live FROM content_pages WHERE tenant_id = ? AND id IN (?)", ids)
}

// ArticleRefs returns handles and titles of articles by id.
func (s *Service) ArticleRefs(ctx context.Context, ids []string) (map[string]Ref, error) {
	return s.refs(ctx, "SELECT id, handle, title, CASE WHEN published_at IS NOT NULL AND published_at <= ? THEN 1 ELSE 0 END AS live FROM content_articles WHERE tenant_id = ? AND id IN (?)", ids)
}

func (s *Service) refs(ctx context.Context, query string, ids []string) (map[string]Ref, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]Ref{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID     string `bun:"id"`
		Handle string `bun:"handle"`
		Title  string `bun:"title"`
		Live   bool   `bun:"live"`
	}
	args := []any{tid, bun.List(ids)}
	if strings.Count(query, "?") == 3 {
		args = append([]any{s.now()}, args...)
	}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		err := q.NewRaw(query, args...).Scan(ctx, &rows)
		if store.NoRows(err) {
			err = nil
		}
		return errs.Wrap(err, "content: refs")
	})
	for _, r := range rows {
		out[r.ID] = Ref{ID: r.ID, Handle: r.Handle, Title: r.Title, Live: r.Live}
	}
	return out, err
}

// SitemapEntry is a live page or article for sitemap.xml.
type SitemapEntry struct {
	Kind      string // "page" or "article"
	Handle    string
	UpdatedAt time.Time
}

// SitemapEntries lists live pages and articles (at most limit of each).
func (s *Service) SitemapEntries(ctx context.Context, limit int) ([]SitemapEntry, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var out []SitemapEntry
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var rows []struct {
			Handle    string    `bun:"handle"`
			UpdatedAt time.Time `bun:"updated_at"`
		}
		if err := q.NewRaw("SELECT handle, updated_at FROM content_pages WHERE tenant_id = ? AND published ORDER BY handle LIMIT ?", tid, limit).Scan(ctx, &rows); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "content: sitemap")
		}
		for _, r := range rows {
			out = append(out, SitemapEntry{Kind: "page", Handle: r.Handle, UpdatedAt: r.UpdatedAt.UTC()})
		}
		rows = rows[:0]
		if err := q.NewRaw("SELECT handle, updated_at FROM content_articles WHERE tenant_id = ? AND published_at IS NOT NULL AND published_at <= ? ORDER BY published_at DESC, id DESC LIMIT ?", tid, s.now(), limit).Scan(ctx, &rows); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "content: sitemap")
		}
		for _, r := range rows {
			out = append(out, SitemapEntry{Kind: "article", Handle: r.Handle, UpdatedAt: r.UpdatedAt.UTC()})
		}
		return nil
	})
	return out, err
}

// Fingerprint is a cheap summary of the shop's content for page caches:
// the latest update time of pages and articles, and the count of articles
// whose publish date has passed (so a scheduled one appearing changes it).
func (s *Service) Fingerprint(ctx context.Context) (string, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return "", err
	}
	var row struct {
		P *time.Time `bun:"p"`
		A *time.Time `bun:"a"`
		N int        `bun:"n"`
	}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return errs.Wrap(q.NewRaw(`SELECT (SELECT MAX(updated_at) FROM content_pages WHERE tenant_id = ?) AS p,
			(SELECT MAX(updated_at) FROM content_articles WHERE tenant_id = ?) AS a,
			(SELECT count(*) FROM content_articles WHERE tenant_id = ? AND published_at IS NOT NULL AND published_at <= ?) AS n`, tid, tid, tid, s.now()).Scan(ctx, &row), "content: fingerprint")
	})
	if err != nil {
		return "", err
	}
	f := func(t *time.Time) string {
		if t == nil {
			return "0"
		}
		return strconv.Itoa(int(t.UnixMicro() % 1e15))
	}
	return f(row.P) + "." + f(row.A) + "." + strconv.Itoa(row.N), nil
}

func sortTags(tags []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, t := range tags {
		t = strings.Join(strings.Fields(strings.ToLower(t)), " ")
		if t == "" || seen[t] {
			continue
		}
		if utf8.RuneCountInString(t) > 60 {
			return nil, errs.Field("tags", "tags may be at most 60 characters")
		}
		seen[t] = true
		out = append(out, t)
	}
	if len(out) > 30 {
		return nil, errs.Field("tags", "at most 30 tags")
	}
	sort.Strings(out)
	return out, nil
}
