-- E-mail verification (issue 12): when the customer proved they read the
-- account's e-mail (a verification link, or a password reset link); NULL
-- again whenever the address changes.
ALTER TABLE customer_customers ADD COLUMN email_verified_at TIMESTAMP NULL;
