-- Single-use links sent by e-mail (package mailtoken): staff password
-- resets (tenant_id ''), shoppers' password resets and e-mail
-- verification (their shop's tenant_id). Only the SHA-256 of a token is
-- stored.
CREATE TABLE mail_tokens (
    tenant_id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    purpose TEXT NOT NULL,
    subject TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP NULL,
    PRIMARY KEY (tenant_id, token_hash)
);
CREATE INDEX mail_tokens_subject ON mail_tokens (tenant_id, purpose, subject, expires_at);
CREATE INDEX mail_tokens_expires ON mail_tokens (expires_at);
