package content

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/richtext"
	"github.com/wasmart/wasmart/core/store"
)

// Article is a blog post.
type Article struct {
	ID             string
	Handle         string
	Title          string
	Author         string
	BodyHTML       string
	Excerpt        string // plain text; derived from the body when not given
	Image          string // design asset blob key or http(s) URL
	ImageAlt       string
	Tags           []string
	SEOTitle       string
	SEODescription string
	PublishedAt    *time.Time // nil: draft; future: scheduled
	Version        int
	UpdatedAt      time.Time
}

// Live reports whether the article is visible at now.
func (a *Article) Live(now time.Time) bool { return a.PublishedAt != nil && !a.PublishedAt.After(now) }

// ArticleInput creates or edits an article.
type ArticleInput struct {
	Handle         string
	Title          string
	Author         string
	BodyHTML       string
	Excerpt        string
	Image          string
	ImageAlt       string
	Tags           []string
	SEOTitle       string
	SEODescription string
	PublishedAt    *time.Time
}

type articleRow struct {
	bun.BaseModel  `bun:"table:content_articles"`
	TenantID       string     `bun:"tenant_id,pk"`
	ID             string     `bun:"id,pk"`
	Handle         string     `bun:"handle"`
	Title          string     `bun:"title"`
	Author         string     `bun:"author"`
	BodyHTML       string     `bun:"body_html"`
	Excerpt        string     `bun:"excerpt"`
	Image          string     `bun:"image"`
	ImageAlt       string     `bun:"image_alt"`
	SEOTitle       string     `bun:"seo_title"`
	SEODescription string     `bun:"seo_description"`
	PublishedAt    *time.Time `bun:"published_at"`
	Version        int        `bun:"version"`
	CreatedAt      time.Time  `bun:"created_at"`
	UpdatedAt      time.Time  `bun:"updated_at"`
}

func (r *articleRow) toArticle() *Article {
	a := &Article{ID: r.ID, Handle: r.Handle, Title: r.Title, Author: r.Author, BodyHTML: r.BodyHTML, Excerpt: r.Excerpt, Image: r.Image,
		ImageAlt: r.ImageAlt, SEOTitle: r.SEOTitle, SEODescription: r.SEODescription, Version: r.Version, UpdatedAt: r.UpdatedAt.UTC()}
	if r.PublishedAt != nil {
		t := r.PublishedAt.UTC()
		a.PublishedAt = &t
	}
	return a
}

func (s *Service) normalizeArticle(tid string, in *ArticleInput) (err error) {
	if in.Title, err = cleanText("title", in.Title, 200, true); err != nil {
		return err
	}
	if in.Handle == "" {
		in.Handle = in.Title
	}
	if in.Handle = slugify(in.Handle); in.Handle == "" {
		return errs.Field("handle", "must contain letters or digits")
	}
	if in.Author, err = cleanText("author", in.Author, 120, false); err != nil {
		return err
	}
	if in.BodyHTML, err = CleanHTML("body_html", in.BodyHTML); err != nil {
		return err
	}
	if in.Excerpt, err = cleanText("excerpt", in.Excerpt, 500, false); err != nil {
		return err
	}
	if in.Excerpt == "" {
		in.Excerpt = richtext.Excerpt(in.BodyHTML, 240)
	}
	if in.SEOTitle, err = cleanText("seo_title", in.SEOTitle, 120, false); err != nil {
		return err
	}
	if in.SEODescription, err = cleanText("seo_description", in.SEODescription, 320, false); err != nil {
		return err
	}
	if in.ImageAlt, err = cleanText("image_alt", in.ImageAlt, 200, false); err != nil {
		return err
	}
	in.Image = strings.TrimSpace(in.Image)
	if in.Image != "" && !strings.HasPrefix(in.Image, tid+"/design/") {
		u, err := url.Parse(in.Image)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(in.Image) > 2048 {
			return errs.Field("image", "choose an image uploaded to this shop or an http(s) URL")
		}
	}
	if in.Tags, err = sortTags(in.Tags); err != nil {
		return err
	}
	if in.PublishedAt != nil {
		t := in.PublishedAt.UTC().Truncate(time.Microsecond)
		in.PublishedAt = &t
	}
	return nil
}

func (s *Service) checkImage(ctx context.Context, q bun.IDB, tid, image string) error {
	if image == "" || !strings.HasPrefix(image, tid+"/design/") {
		return nil
	}
	var found map[string]bool
	if s.assets != nil {
		var err error
		if found, err = s.assets(ctx, q, tid, []string{image}); err != nil {
			return err
		}
	}
	if !found[image] {
		return errs.Field("image", "choose an image uploaded to this shop")
	}
	return nil
}

func writeTags(ctx context.Context, q bun.IDB, tid, id string, tags []string) error {
	if _, err := q.NewRaw("DELETE FROM content_article_tags WHERE tenant_id = ? AND article_id = ?", tid, id).Exec(ctx); err != nil {
		return errs.Wrap(err, "content: tags")
	}
	for _, t := range tags {
		if _, err := q.NewRaw("INSERT INTO content_article_tags (tenant_id, article_id, tag) VALUES (?, ?, ?)", tid, id, t).Exec(ctx); err != nil {
			return errs.Wrap(err, "content: tags")
		}
	}
	return nil
}

// CreateArticle adds an article.
func (s *Service) CreateArticle(ctx context.Context, in ArticleInput) (*Article, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.normalizeArticle(tid, &in); err != nil {
		return nil, err
	}
	now := s.now()
	row := &articleRow{TenantID: tid, ID: store.NewID(), Handle: in.Handle, Title: in.Title, Author: in.Author, BodyHTML: in.BodyHTML,
		Excerpt: in.Excerpt, Image: in.Image, ImageAlt: in.ImageAlt, SEOTitle: in.SEOTitle, SEODescription: in.SEODescription,
		PublishedAt: in.PublishedAt, Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := s.checkImage(ctx, q, tid, in.Image); err != nil {
			return err
		}
		if _, err := q.NewInsert().Model(row).Exec(ctx); err != nil {
			return uniqueErr(err, "article")
		}
		if err := writeTags(ctx, q, tid, row.ID, in.Tags); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "article.create", ObjectType: "article", ObjectID: row.ID, After: row.Title})
	})
	if err != nil {
		return nil, err
	}
	a := row.toArticle()
	a.Tags = in.Tags
	return a, nil
}

// UpdateArticle edits an article last seen at version.
func (s *Service) UpdateArticle(ctx context.Context, id string, version int, in ArticleInput) (*Article, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.normalizeArticle(tid, &in); err != nil {
		return nil, err
	}
	row := &articleRow{TenantID: tid, ID: id, Handle: in.Handle, Title: in.Title, Author: in.Author, BodyHTML: in.BodyHTML,
		Excerpt: in.Excerpt, Image: in.Image, ImageAlt: in.ImageAlt, SEOTitle: in.SEOTitle, SEODescription: in.SEODescription,
		PublishedAt: in.PublishedAt, Version: version + 1, UpdatedAt: s.now()}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := s.checkImage(ctx, q, tid, in.Image); err != nil {
			return err
		}
		res, err := q.NewUpdate().Model(row).ExcludeColumn("created_at").WherePK().Where("version = ?", version).Exec(ctx)
		if err != nil {
			return uniqueErr(err, "article")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return staleOrMissing(ctx, q, "content_articles", tid, id, "article")
		}
		if err := writeTags(ctx, q, tid, id, in.Tags); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "article.update", ObjectType: "article", ObjectID: id, After: row.Title})
	})
	if err != nil {
		return nil, err
	}
	return s.Article(ctx, id)
}

// DeleteArticle removes an article.
func (s *Service) DeleteArticle(ctx context.Context, id string) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewDelete().Table("content_articles").Where("tenant_id = ? AND id = ?", tid, id).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "content: delete article")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("article not found")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "article.delete", ObjectType: "article", ObjectID: id})
	})
}

// Article returns an article by id (any state).
func (s *Service) Article(ctx context.Context, id string) (*Article, error) {
	return s.articleBy(ctx, "id", id, false)
}

// ArticleByHandle returns an article by handle; liveOnly hides drafts and
// scheduled articles (the storefront).
func (s *Service) ArticleByHandle(ctx context.Context, handle string, liveOnly bool) (*Article, error) {
	return s.articleBy(ctx, "handle", handle, liveOnly)
}

func (s *Service) articleBy(ctx context.Context, col, val string, liveOnly bool) (*Article, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	row := &articleRow{}
	var tags []string
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sq := q.NewSelect().Model(row).Where("tenant_id = ? AND "+col+" = ?", tid, val)
		if liveOnly {
			sq = sq.Where("published_at IS NOT NULL AND published_at <= ?", s.now())
		}
		if err := sq.Scan(ctx); err != nil {
			if store.NoRows(err) {
				return errs.NotFoundf("article not found")
			}
			return errs.Wrap(err, "content: article")
		}
		err := q.NewRaw("SELECT tag FROM content_article_tags WHERE tenant_id = ? AND article_id = ? ORDER BY tag", tid, row.ID).Scan(ctx, &tags)
		if store.NoRows(err) {
			err = nil
		}
		return errs.Wrap(err, "content: article tags")
	})
	if err != nil {
		return nil, err
	}
	a := row.toArticle()
	a.Tags = tags
	return a, nil
}

// ArticleFilter selects articles.
type ArticleFilter struct {
	LiveOnly bool   // published and due (the storefront)
	Tag      string // only articles with this tag
	Limit    int    // default 20, at most 100
	Offset   int
}

// Articles lists articles, newest publish date first (drafts last, newest
// first), with the total count.
func (s *Service) Articles(ctx context.Context, f ArticleFilter) ([]*Article, int, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 20
	}
	var rows []articleRow
	var total int
	tags := map[string][]string{}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sq := q.NewSelect().Model(&rows).Where("tenant_id = ?", tid)
		if f.LiveOnly {
			sq = sq.Where("published_at IS NOT NULL AND published_at <= ?", s.now())
		}
		if f.Tag != "" {
			sq = sq.Where("id IN (SELECT article_id FROM content_article_tags WHERE tenant_id = ? AND tag = ?)", tid, strings.ToLower(strings.TrimSpace(f.Tag)))
		}
		n, err := sq.OrderExpr("CASE WHEN published_at IS NULL THEN 1 ELSE 0 END, published_at DESC, id DESC").Limit(int64(f.Limit)).Offset(int64(f.Offset)).ScanAndCount(ctx)
		if err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "content: articles")
		}
		total = int(n)
		if len(rows) == 0 {
			return nil
		}
		ids := make([]string, len(rows))
		for i := range rows {
			ids[i] = rows[i].ID
		}
		var tr []struct {
			ArticleID string `bun:"article_id"`
			Tag       string `bun:"tag"`
		}
		if err := q.NewRaw("SELECT article_id, tag FROM content_article_tags WHERE tenant_id = ? AND article_id IN (?) ORDER BY tag", tid, bun.List(ids)).Scan(ctx, &tr); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "content: article tags")
		}
		for _, t := range tr {
			tags[t.ArticleID] = append(tags[t.ArticleID], t.Tag)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	out := make([]*Article, len(rows))
	for i := range rows {
		out[i] = rows[i].toArticle()
		out[i].Tags = tags[rows[i].ID]
	}
	return out, total, nil
}
