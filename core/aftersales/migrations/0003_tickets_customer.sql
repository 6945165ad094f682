-- A customer's tickets (the console's customer page, the shopper's
-- account page) are read by customer.
CREATE INDEX tickets_customer ON tickets (tenant_id, customer_id, id);
