-- A/B test of a campaign: variant B's subject and content (empty: A's)
-- and the share of the audience (percent, 0: no test) that gets it; each
-- recipient records the variant they were sent.
ALTER TABLE mailing_campaigns ADD COLUMN variant_subject TEXT NOT NULL DEFAULT '';
ALTER TABLE mailing_campaigns ADD COLUMN variant_body TEXT NOT NULL DEFAULT '';
ALTER TABLE mailing_campaigns ADD COLUMN variant_percent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailing_recipients ADD COLUMN variant TEXT NOT NULL DEFAULT 'A';
