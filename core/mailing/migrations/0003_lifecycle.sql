-- Lifecycle automations (abandoned cart, win-back, birthday): the
-- win-back's audience (a segment id; '' is the RFM groups "at risk" and
-- "hibernating") and the coded promotion its personal coupons come from
-- ('' for none), and when the shop's last win-back pass ran (once a day).
ALTER TABLE mailing_automations ADD COLUMN segment_id TEXT NOT NULL DEFAULT '';
ALTER TABLE mailing_automations ADD COLUMN promotion_id TEXT NOT NULL DEFAULT '';
ALTER TABLE mailing_automations ADD COLUMN last_run_at TIMESTAMP NULL;
