-- Custom domains are verified before they serve a shop (issue 9, item 7).
-- A row is one shop's claim on a host: pending (verified_at NULL) until the
-- shop proves it controls the domain with a DNS TXT record or an HTTP token,
-- then verified. Several shops may have a pending claim on one host (a
-- squatter's claim must not block the owner); at most one claim per host is
-- verified, and only a verified claim maps the host to a shop.
--
-- Domains added before verification existed were serving live shops: they
-- are kept as verified (verified_via = 'existing') so those shops keep
-- answering on them.
--
-- SQLite cannot change a primary key in place, so the table is rebuilt.
CREATE TABLE domains_new (
    host TEXT NOT NULL,
    shop_id TEXT NOT NULL REFERENCES tenants (id),
    token TEXT NOT NULL DEFAULT '',
    verified_at TIMESTAMP,
    verified_via TEXT NOT NULL DEFAULT '',
    checked_at TIMESTAMP,
    check_error TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (host, shop_id)
);
INSERT INTO domains_new (host, shop_id, verified_at, verified_via, created_at)
    SELECT host, shop_id, created_at, 'existing', created_at FROM domains;
DROP TABLE domains;
ALTER TABLE domains_new RENAME TO domains;
CREATE INDEX domains_shop ON domains (shop_id);
CREATE UNIQUE INDEX domains_verified_host ON domains (host) WHERE verified_at IS NOT NULL;
