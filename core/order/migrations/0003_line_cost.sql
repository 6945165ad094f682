-- What one unit of the line's variant cost the shop when it was sold (the
-- catalog variant's cost at checkout), for margin reports; NULL when the
-- variant had no cost recorded.
ALTER TABLE order_lines ADD COLUMN cost BIGINT;
