-- Per-shop e-mail automations: on or off, the delay after the trigger and
-- the mail's subject and body (empty: the built-in text). A mail an
-- automation sends is a mailing_recipients row whose campaign_id is
-- "auto:<kind>:<trigger>", so it is sent once per trigger, with the same
-- consent checks, unsubscribe link and tracking as a campaign.
CREATE TABLE mailing_automations (
    tenant_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT FALSE,
    delay_minutes INTEGER NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, kind)
);
