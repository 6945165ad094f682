CREATE TABLE reviews (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    order_line_id TEXT NOT NULL,
    customer_id TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    title TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    reply TEXT NOT NULL DEFAULT '',
    replied_at TIMESTAMP,
    photo_count INTEGER NOT NULL DEFAULT 0 CHECK (photo_count >= 0),
    moderated_at TIMESTAMP,
    first_approved_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, order_line_id)
);
CREATE INDEX reviews_product ON reviews (tenant_id, product_id, status, created_at);
CREATE INDEX reviews_queue ON reviews (tenant_id, status, created_at);
CREATE INDEX reviews_order ON reviews (tenant_id, order_id);

CREATE TABLE review_photos (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    review_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    blob_key TEXT NOT NULL,
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    size_bytes BIGINT NOT NULL,
    renditions TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, blob_key),
    FOREIGN KEY (tenant_id, review_id) REFERENCES reviews (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX review_photos_review ON review_photos (tenant_id, review_id, position);

CREATE TABLE review_settings (
    tenant_id TEXT NOT NULL,
    request_emails BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id)
);

CREATE TABLE review_requests (
    tenant_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, order_id)
);
