package customer

// SQL for selecting a shop's customers by rules (core/segment compiles a
// segment's rules into one statement over these): the table stays this
// package's, the caller gets expressions. In all of them the customer row
// is aliased c; its columns email, first_name, last_name,
// accepts_marketing, birth_month and birth_day may be read by the caller.

// SelectFromSQL is the FROM item for the customer rows, aliased c.
const SelectFromSQL = "customer_customers AS c"

// SelectLiveSQL is the condition for a customer who can be selected at
// all: enabled (not disabled, not deleted).
const SelectLiveSQL = "c.state = 'enabled'"

// HasTagSQL is a boolean expression: the customer c has one of the tags
// bound to its one placeholder (bun.List).
const HasTagSQL = "EXISTS (SELECT 1 FROM customer_tags t WHERE t.tenant_id = c.tenant_id AND t.customer_id = c.id AND t.tag IN (?))"

// InCountrySQL is a boolean expression: the customer c has an address in
// one of the ISO country codes bound to its one placeholder (bun.List).
const InCountrySQL = "EXISTS (SELECT 1 FROM customer_addresses a WHERE a.tenant_id = c.tenant_id AND a.customer_id = c.id AND a.country IN (?))"
