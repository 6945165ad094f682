-- Per-account sign-in guard (package loginguard). Global tables: an account
-- is a platform staff user or one shop's customer, named by the caller and
-- stored only as a SHA-256 hash.

-- Failed sign-ins per account in the current window, and until when
-- attempts from devices the account does not know must wait.
CREATE TABLE login_guard_accounts (
    account TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_start TIMESTAMP NOT NULL,
    paced_until TIMESTAMP NOT NULL
);

-- Devices (browsers) that signed in to an account successfully: the hash of
-- the random token kept in their cookie.
CREATE TABLE login_guard_devices (
    account TEXT NOT NULL,
    device_hash TEXT NOT NULL,
    last_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account, device_hash)
);
CREATE INDEX login_guard_devices_last ON login_guard_devices (last_at);
