// Package tenants is Wasmart's tenancy and access layer: shops (tenants)
// with their lifecycle, plans, quotas and host names; people's accounts,
// sessions, MFA and password resets; staff invitations; API tokens; roles
// and permissions (casbin); and the Principal every request acts as. It has
// no HTTP: the web layer calls a *Service and maps the *errs.Error values it
// returns to responses.
//
// # Data
//
// Global tables (no tenant_id): tenants, domains (shops' claims on custom
// hosts: a claim serves only once the shop has proved it controls the
// domain by a DNS TXT record or an HTTP token, and a host is verified for
// one shop platform-wide; domains.go, domaincheck.go), users, sessions,
// login_challenges, recovery_codes, login_throttle, platform_admins (and
// package loginguard's per-account counters and known devices, and package
// mailtoken's reset links).
// Tenant-owned tables, keyed (tenant_id, ...): memberships, invitations,
// api_tokens, roles, casbin_rules, and audit_log (owned by core/audit). Code that
// crosses tenants by design (authentication, platform console) reads in the
// platform scope; everything else runs in the shop's scope, so PostgreSQL
// row-level security backs up the WHERE clauses.
//
// # Secrets
//
// Passwords: argon2id, m = 19 MiB, t = 2, p = 1, PHC strings, re-hashed at
// login when the parameters change; policy of 10-128 characters not on an
// embedded list of ~5,700 common passwords. Every bearer secret (session
// 256 bits, API token "wsm_" + 256 bits, reset and invitation tokens, MFA
// challenges, recovery codes) is random and stored as SHA-256 only.
// Sessions get a new token at every login and expire after 12 h idle or 7
// days in all. TOTP codes are single-use: the last accepted time-step is
// stored and only a later one is accepted (with a conditional update).
// Throttling is described in throttle.go: it slows guessing per (account,
// IP), per IP and per account (package loginguard) but never locks the
// real user out.
//
// # Permissions
//
// Permission names and the built-in roles are defined once, in package
// perm. casbin decides every check with a minimal (role, permission) model:
// one global SyncedCachedEnforcer holds the built-in roles (so 10,000 shops
// do not mean 10,000 copies of them) and each shop's custom roles live in
// their own small enforcer, loaded on first use through a bun adapter
// (Adapter, table casbin_rules), kept in an LRU (Config.TenantEnforcers)
// and dropped when the shop's roles change. Which roles a principal holds
// comes from its membership or token at authentication, so a check costs a
// cached casbin decision, independent of the number of shops. Several
// server processes stay in step through PostgreSQL LISTEN/NOTIFY
// (StartWatcher): each change NOTIFYs inside its transaction.
//
// # Per-request cost
//
// AuthenticateSession and AuthenticateToken are one indexed SELECT joining
// everything a Principal needs (on PostgreSQL inside a read-only
// transaction in the platform scope, since memberships and tokens are
// tenant tables under row-level security), and the result is cached for 10
// s; last-seen / last-used times are written at most once a minute. Every
// change that could alter a cached answer clears it here after commit and,
// via StartWatcher, in every other process, so revocation is immediate.
// Run StartWatcher on PostgreSQL whenever more than one server process
// shares the database.
//
// A suspended shop keeps read-only permissions (its console shows data but
// refuses changes, its API tokens are refused); a closed shop has none.
// Only owners grant or remove the owner role, and a shop keeps one owner.
//
// Tables: the package owns tenants, users, memberships, platform_admins,
// roles, casbin_rules, domains, invitations, sessions, login_challenges,
// login_throttle, recovery_codes and api_tokens. No other
// package names them in SQL (cmd/wasmart's TestTableOwnership checks every
// package's SQL against the migrations that create the tables).
package tenants
