-- Per-shop mailing settings: the send rate (mails per second), the
-- attribution window and an optional mailto for List-Unsubscribe.
CREATE TABLE mailing_settings (
    tenant_id TEXT NOT NULL,
    rate_per_second INTEGER NOT NULL,
    attribution_days INTEGER NOT NULL,
    unsubscribe_mailto TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id)
);

-- A campaign: its content (product_ids is a JSON array), its audience
-- (a segment id) and where sending is. version changes on every schedule,
-- send and cancel, so a stale start event does nothing.
CREATE TABLE mailing_campaigns (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    subject TEXT NOT NULL,
    preheader TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    product_ids TEXT NOT NULL DEFAULT '[]',
    segment_id TEXT NOT NULL,
    status TEXT NOT NULL,
    send_at TIMESTAMP NULL,
    version INTEGER NOT NULL DEFAULT 0,
    audience_cursor TEXT NOT NULL DEFAULT '',
    audience_done BOOLEAN NOT NULL DEFAULT FALSE,
    next_batch_at TIMESTAMP NULL,
    started_at TIMESTAMP NULL,
    finished_at TIMESTAMP NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX mailing_campaigns_list ON mailing_campaigns (tenant_id, created_at);

-- One row per recipient of a campaign: the idempotency key of its mail
-- (a recipient is mailed once: queued -> sending -> sent) and its results.
CREATE TABLE mailing_recipients (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    customer_id TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    claimed_at TIMESTAMP NULL,
    sent_at TIMESTAMP NULL,
    opened_at TIMESTAMP NULL,
    clicked_at TIMESTAMP NULL,
    last_clicked_at TIMESTAMP NULL,
    unsubscribed_at TIMESTAMP NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, campaign_id, email)
);
CREATE INDEX mailing_recipients_status ON mailing_recipients (tenant_id, campaign_id, status);
CREATE INDEX mailing_recipients_customer ON mailing_recipients (tenant_id, customer_id, last_clicked_at);
CREATE INDEX mailing_recipients_email ON mailing_recipients (tenant_id, email, last_clicked_at);

-- Addresses that unsubscribed (customers or not): never mailed again.
CREATE TABLE mailing_suppressions (
    tenant_id TEXT NOT NULL,
    email TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, email)
);

-- Orders attributed to a campaign: placed by a recipient within the
-- attribution window after a click. One campaign per order.
CREATE TABLE mailing_attributions (
    tenant_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    recipient_id TEXT NOT NULL,
    total BIGINT NOT NULL,
    currency TEXT NOT NULL,
    placed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, order_id)
);
CREATE INDEX mailing_attributions_campaign ON mailing_attributions (tenant_id, campaign_id);
