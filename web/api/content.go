package api

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/content"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// The shop's content over JSON: pages, blog articles and newsletter
// subscribers. Handlers are thin over core/content, which validates
// everything; every update names the version it started from.

// Content serves the content routes.
type Content struct {
	content *content.Service
}

// Routes are the shop's content (pages, articles, subscribers) over JSON.
func (s *Content) Routes() []httpx.Route {
	var t httpx.Table
	content := t.Group(httpx.ScopeTenant, "content")
	content.API("GET", "/api/pages", perm.DesignRead, "Content pages", nil, []PageJSON{}, s.apiPages)
	content.API("POST", "/api/pages", perm.DesignWrite, "Create a content page (kind about, contact, shipping, returns, privacy, terms, faq or custom)", PageBody{}, PageJSON{}, s.apiPageCreate)
	content.API("GET", "/api/pages/:page", perm.DesignRead, "One content page", nil, PageJSON{}, s.apiPage)
	content.API("PUT", "/api/pages/:page", perm.DesignWrite, "Update a page (send the version you read)", PageBody{}, PageJSON{}, s.apiPageUpdate)
	content.API("DELETE", "/api/pages/:page", perm.DesignWrite, "Delete a page", nil, nil, s.apiPageDelete)
	content.API("GET", "/api/articles", perm.DesignRead, "Blog articles (?tag=, ?limit=, ?offset=)", nil, ArticleList{}, s.apiArticles)
	content.API("POST", "/api/articles", perm.DesignWrite, "Create an article (published_at in the future schedules it; absent keeps it a draft)", ArticleBody{}, ArticleJSON{}, s.apiArticleCreate)
	content.API("GET", "/api/articles/:article", perm.DesignRead, "One article", nil, ArticleJSON{}, s.apiArticle)
	content.API("PUT", "/api/articles/:article", perm.DesignWrite, "Update an article (send the version you read)", ArticleBody{}, ArticleJSON{}, s.apiArticleUpdate)
	content.API("DELETE", "/api/articles/:article", perm.DesignWrite, "Delete an article", nil, nil, s.apiArticleDelete)
	content.API("GET", "/api/subscribers", perm.CustomersRead, "Newsletter subscribers with consent time and wording (?active=1)", nil, SubscriberList{}, s.apiSubscribers)
	return t.Routes()
}

// PageJSON is a content page.
type PageJSON struct {
	ID             string    `json:"id"`
	Handle         string    `json:"handle"`
	Kind           string    `json:"kind"`
	Title          string    `json:"title"`
	BodyHTML       string    `json:"body_html"`
	SEOTitle       string    `json:"seo_title"`
	SEODescription string    `json:"seo_description"`
	Published      bool      `json:"published"`
	Version        int       `json:"version"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// PageBody creates or edits a page.
type PageBody struct {
	Handle         string `json:"handle"`
	Kind           string `json:"kind"`
	Title          string `json:"title"`
	BodyHTML       string `json:"body_html"`
	SEOTitle       string `json:"seo_title"`
	SEODescription string `json:"seo_description"`
	Published      bool   `json:"published"`
	Version        int    `json:"version"`
}

// ArticleJSON is a blog article.
type ArticleJSON struct {
	ID             string     `json:"id"`
	Handle         string     `json:"handle"`
	Title          string     `json:"title"`
	Author         string     `json:"author"`
	BodyHTML       string     `json:"body_html"`
	Excerpt        string     `json:"excerpt"`
	Image          string     `json:"image"`
	ImageAlt       string     `json:"image_alt"`
	Tags           []string   `json:"tags"`
	SEOTitle       string     `json:"seo_title"`
	SEODescription string     `json:"seo_description"`
	PublishedAt    *time.Time `json:"published_at,omitempty"`
	Version        int        `json:"version"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// ArticleBody creates or edits an article.
type ArticleBody struct {
	Handle         string     `json:"handle"`
	Title          string     `json:"title"`
	Author         string     `json:"author"`
	BodyHTML       string     `json:"body_html"`
	Excerpt        string     `json:"excerpt"`
	Image          string     `json:"image"`
	ImageAlt       string     `json:"image_alt"`
	Tags           []string   `json:"tags"`
	SEOTitle       string     `json:"seo_title"`
	SEODescription string     `json:"seo_description"`
	PublishedAt    *time.Time `json:"published_at,omitempty"`
	Version        int        `json:"version"`
}

// ArticleList is a page of articles.
type ArticleList struct {
	Articles []ArticleJSON `json:"articles"`
	Total    int           `json:"total"`
}

// SubscriberJSON is a newsletter subscriber.
type SubscriberJSON struct {
	ID             string     `json:"id"`
	Email          string     `json:"email"`
	ConsentAt      time.Time  `json:"consent_at"`
	ConsentText    string     `json:"consent_text"`
	Source         string     `json:"source"`
	UnsubscribedAt *time.Time `json:"unsubscribed_at,omitempty"`
}

// SubscriberList is a page of subscribers.
type SubscriberList struct {
	Subscribers []SubscriberJSON `json:"subscribers"`
	Total       int              `json:"total"`
}

func pageJSON(p *content.Page) PageJSON {
	return PageJSON{ID: p.ID, Handle: p.Handle, Kind: string(p.Kind), Title: p.Title, BodyHTML: p.BodyHTML, SEOTitle: p.SEOTitle,
		SEODescription: p.SEODescription, Published: p.Published, Version: p.Version, UpdatedAt: p.UpdatedAt}
}

func (b *PageBody) input() content.PageInput {
	return content.PageInput{Handle: b.Handle, Kind: content.PageKind(b.Kind), Title: b.Title, BodyHTML: b.BodyHTML, SEOTitle: b.SEOTitle, SEODescription: b.SEODescription, Published: b.Published}
}

func articleJSON(a *content.Article) ArticleJSON {
	tags := a.Tags
	if tags == nil {
		tags = []string{}
	}
	return ArticleJSON{ID: a.ID, Handle: a.Handle, Title: a.Title, Author: a.Author, BodyHTML: a.BodyHTML, Excerpt: a.Excerpt, Image: a.Image,
		ImageAlt: a.ImageAlt, Tags: tags, SEOTitle: a.SEOTitle, SEODescription: a.SEODescription, PublishedAt: a.PublishedAt, Version: a.Version, UpdatedAt: a.UpdatedAt}
}

func (b *ArticleBody) input() content.ArticleInput {
	return content.ArticleInput{Handle: b.Handle, Title: b.Title, Author: b.Author, BodyHTML: b.BodyHTML, Excerpt: b.Excerpt, Image: b.Image,
		ImageAlt: b.ImageAlt, Tags: b.Tags, SEOTitle: b.SEOTitle, SEODescription: b.SEODescription, PublishedAt: b.PublishedAt}
}

func (s *Content) apiPages(c *fiber.Ctx) error {
	ps, err := s.content.Pages(c.UserContext(), false)
	if err != nil {
		return err
	}
	out := make([]PageJSON, len(ps))
	for i, p := range ps {
		out[i] = pageJSON(p)
	}
	return c.JSON(out)
}

func (s *Content) apiPage(c *fiber.Ctx) error {
	p, err := s.content.Page(c.UserContext(), c.Params("page"))
	if err != nil {
		return err
	}
	return c.JSON(pageJSON(p))
}

func (s *Content) apiPageCreate(c *fiber.Ctx) error {
	var b PageBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	p, err := s.content.CreatePage(c.UserContext(), b.input())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(pageJSON(p))
}

func (s *Content) apiPageUpdate(c *fiber.Ctx) error {
	var b PageBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	p, err := s.content.UpdatePage(c.UserContext(), c.Params("page"), b.Version, b.input())
	if err != nil {
		return err
	}
	return c.JSON(pageJSON(p))
}

func (s *Content) apiPageDelete(c *fiber.Ctx) error {
	if err := s.content.DeletePage(c.UserContext(), c.Params("page")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Content) apiArticles(c *fiber.Ctx) error {
	as, total, err := s.content.Articles(c.UserContext(), content.ArticleFilter{Tag: c.Query("tag"), Limit: c.QueryInt("limit"), Offset: max(0, c.QueryInt("offset"))})
	if err != nil {
		return err
	}
	out := ArticleList{Articles: make([]ArticleJSON, len(as)), Total: total}
	for i, a := range as {
		out.Articles[i] = articleJSON(a)
	}
	return c.JSON(out)
}

func (s *Content) apiArticle(c *fiber.Ctx) error {
	a, err := s.content.Article(c.UserContext(), c.Params("article"))
	if err != nil {
		return err
	}
	return c.JSON(articleJSON(a))
}

func (s *Content) apiArticleCreate(c *fiber.Ctx) error {
	var b ArticleBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	a, err := s.content.CreateArticle(c.UserContext(), b.input())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(articleJSON(a))
}

func (s *Content) apiArticleUpdate(c *fiber.Ctx) error {
	var b ArticleBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	a, err := s.content.UpdateArticle(c.UserContext(), c.Params("article"), b.Version, b.input())
	if err != nil {
		return err
	}
	return c.JSON(articleJSON(a))
}

func (s *Content) apiArticleDelete(c *fiber.Ctx) error {
	if err := s.content.DeleteArticle(c.UserContext(), c.Params("article")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Content) apiSubscribers(c *fiber.Ctx) error {
	subs, total, err := s.content.Subscribers(c.UserContext(), c.Query("active") == "1", c.QueryInt("limit"), max(0, c.QueryInt("offset")))
	if err != nil {
		return err
	}
	out := SubscriberList{Subscribers: make([]SubscriberJSON, len(subs)), Total: total}
	for i, x := range subs {
		out.Subscribers[i] = SubscriberJSON{ID: x.ID, Email: x.Email, ConsentAt: x.ConsentAt, ConsentText: x.ConsentText, Source: x.Source, UnsubscribedAt: x.UnsubscribedAt}
	}
	return c.JSON(out)
}
