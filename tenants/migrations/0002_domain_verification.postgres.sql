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
ALTER TABLE domains ADD COLUMN token TEXT NOT NULL DEFAULT '';
ALTER TABLE domains ADD COLUMN verified_at TIMESTAMP;
ALTER TABLE domains ADD COLUMN verified_via TEXT NOT NULL DEFAULT '';
ALTER TABLE domains ADD COLUMN checked_at TIMESTAMP;
ALTER TABLE domains ADD COLUMN check_error TEXT NOT NULL DEFAULT '';
UPDATE domains SET verified_at = created_at, verified_via = 'existing';
ALTER TABLE domains DROP CONSTRAINT domains_pkey;
ALTER TABLE domains ADD PRIMARY KEY (host, shop_id);
CREATE UNIQUE INDEX domains_verified_host ON domains (host) WHERE verified_at IS NOT NULL;
