-- A customer's birthday as month and day (no year: it is not needed for
-- birthday gifts and segments, and is personal data the shop need not keep).
ALTER TABLE customer_customers ADD COLUMN birth_month INTEGER CHECK (birth_month BETWEEN 1 AND 12);
ALTER TABLE customer_customers ADD COLUMN birth_day INTEGER CHECK (birth_day BETWEEN 1 AND 31);
