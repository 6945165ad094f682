CREATE TABLE design_drafts (
    tenant_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    published_version INTEGER NOT NULL DEFAULT 0,
    document TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',
    updated_by_name TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id)
);

CREATE TABLE design_versions (
    tenant_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    theme TEXT NOT NULL,
    document TEXT NOT NULL,
    draft_version INTEGER NOT NULL DEFAULT 0,
    restored_from INTEGER NOT NULL DEFAULT 0,
    published_at TIMESTAMP NOT NULL,
    published_by TEXT NOT NULL DEFAULT '',
    published_by_name TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, number)
);

CREATE TABLE design_live (
    tenant_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    document TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id)
);

CREATE TABLE design_assets (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    filename TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    size_bytes BIGINT NOT NULL,
    renditions TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, blob_key)
);

CREATE TABLE design_preview_tokens (
    tenant_id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, token_hash)
);
CREATE INDEX design_preview_tokens_expiry ON design_preview_tokens (tenant_id, expires_at);
