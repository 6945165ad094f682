-- Editable e-mail templates per shop (defaults are built in) and the
-- events already turned into e-mails (so a redelivered event mails once).
CREATE TABLE order_mail_templates (
    tenant_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, topic)
);

CREATE TABLE order_notifications (
    tenant_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, event_id)
);
