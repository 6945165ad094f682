-- The monthly review's notice: when the check a week before the review
-- last ran (previewed_at) and when a downgrade notice was sent (notice_at).
ALTER TABLE loyalty_accounts ADD COLUMN previewed_at TIMESTAMP;
ALTER TABLE loyalty_accounts ADD COLUMN notice_at TIMESTAMP;
