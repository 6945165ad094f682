-- The birthday automation (core/mailing) looks customers up by birthday
-- across shops, a few days at a time.
CREATE INDEX customer_birthdays ON customer_customers (birth_month, birth_day) WHERE birth_month IS NOT NULL;
