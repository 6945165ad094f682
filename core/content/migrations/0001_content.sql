CREATE TABLE content_pages (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    handle TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('about', 'contact', 'shipping', 'returns', 'privacy', 'terms', 'faq', 'custom')),
    title TEXT NOT NULL,
    body_html TEXT NOT NULL DEFAULT '',
    seo_title TEXT NOT NULL DEFAULT '',
    seo_description TEXT NOT NULL DEFAULT '',
    published BOOLEAN NOT NULL DEFAULT FALSE,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, handle)
);
CREATE INDEX content_pages_updated ON content_pages (tenant_id, updated_at);

CREATE TABLE content_articles (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    handle TEXT NOT NULL,
    title TEXT NOT NULL,
    author TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    excerpt TEXT NOT NULL DEFAULT '',
    image TEXT NOT NULL DEFAULT '',
    image_alt TEXT NOT NULL DEFAULT '',
    seo_title TEXT NOT NULL DEFAULT '',
    seo_description TEXT NOT NULL DEFAULT '',
    published_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, handle)
);
CREATE INDEX content_articles_published ON content_articles (tenant_id, published_at, id);
CREATE INDEX content_articles_updated ON content_articles (tenant_id, updated_at);

CREATE TABLE content_article_tags (
    tenant_id TEXT NOT NULL,
    article_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (tenant_id, article_id, tag),
    FOREIGN KEY (tenant_id, article_id) REFERENCES content_articles (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX content_article_tags_tag ON content_article_tags (tenant_id, tag, article_id);

CREATE TABLE content_subscribers (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    email TEXT NOT NULL,
    consent_at TIMESTAMP NOT NULL,
    consent_text TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    unsubscribed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, email)
);
