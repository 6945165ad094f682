-- E-mail addresses are stored in one form everywhere (core/text.NormaliseEmail:
-- lower-cased as a whole); subscribers used to keep the local part's case.
-- Rows that would collide with an existing lower-case row stay as they are.
UPDATE content_subscribers SET email = lower(email)
WHERE email <> lower(email)
  AND NOT EXISTS (SELECT 1 FROM content_subscribers o
                  WHERE o.tenant_id = content_subscribers.tenant_id AND o.email = lower(content_subscribers.email));
