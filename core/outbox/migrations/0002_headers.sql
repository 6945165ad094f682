-- Extra e-mail headers (List-Unsubscribe, List-Unsubscribe-Post, ...) as a
-- JSON object; '' for none.
ALTER TABLE outbox ADD COLUMN headers TEXT NOT NULL DEFAULT '';
