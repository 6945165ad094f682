-- Plain lookup indexes: the partial unique indexes of 0001 cannot serve
-- queries whose status is a bound parameter.
CREATE INDEX carts_token ON carts (tenant_id, token_hash);
CREATE INDEX carts_customer ON carts (tenant_id, customer_id);
CREATE INDEX cart_lines_cart ON cart_lines (tenant_id, cart_id, id);
