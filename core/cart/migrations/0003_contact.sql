-- Abandoned-cart mail (core/mailing): the e-mail address the shopper gave
-- at checkout (a guest's cart; a customer's cart is mailed at the
-- account's address), and the automation mail (its mailing recipient id)
-- a cart was restored from, so an order placed from it is attributed to
-- that mail. updated_at is the cart's last activity.
ALTER TABLE carts ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE carts ADD COLUMN restored_from TEXT NOT NULL DEFAULT '';
-- The abandoned-cart round reads a shop's active carts by last activity.
CREATE INDEX carts_activity ON carts (tenant_id, status, updated_at);
-- Attribution finds the cart an order came from.
CREATE INDEX carts_order ON carts (tenant_id, order_id) WHERE order_id <> '';
