-- Store credit becomes spendable (issue 12): each customer key's balance per
-- currency, kept equal to the sum of its store_credits entries and never
-- below zero (spending is a conditional UPDATE on this row), and one ledger
-- entry per source (an order's spend, its give-back, a return's credit), so
-- a retried grant or give-back cannot count twice.
CREATE TABLE store_credit_accounts (
    tenant_id TEXT NOT NULL,
    customer_key TEXT NOT NULL,
    currency TEXT NOT NULL,
    balance BIGINT NOT NULL CHECK (balance >= 0),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, customer_key, currency)
);

INSERT INTO store_credit_accounts (tenant_id, customer_key, currency, balance, updated_at)
SELECT tenant_id, customer_key, currency, SUM(amount), MAX(created_at) FROM store_credits
GROUP BY tenant_id, customer_key, currency;

CREATE UNIQUE INDEX store_credits_source ON store_credits (tenant_id, source) WHERE source <> '';
