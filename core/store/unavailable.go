package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// IsUnavailable reports whether err means the database cannot be reached or
// cannot serve right now, so the request may well succeed if retried in a
// little while: a refused or broken connection (connect errors, a pooled
// connection gone bad), the server shutting down, starting up or out of
// connections, a deadline that ran out (typically while waiting for a pool
// connection), or, on SQLite, a database file that cannot be opened or stays
// locked beyond the busy timeout. The web layer answers these with 503 and
// Retry-After instead of 500. Errors about the request itself (constraint
// violations, bad SQL, no rows) and a server refusing our credentials are
// not unavailability.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgUnavailable(pgErr.Code)
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() & 0xff { // primary result code
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN:
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	return errors.As(err, &connectErr) || // refused, unreachable, or the server said no at connect
		errors.Is(err, driver.ErrBadConn) || // a pooled connection broke (pgx reports cuts this way)
		errors.Is(err, sql.ErrConnDone) ||
		pgconn.SafeToRetry(err) || // pgx: failed before anything reached the server ("conn closed")
		errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err)
}

// pgUnavailable reports whether a PostgreSQL SQLSTATE says the server cannot
// serve right now (rather than that the statement is wrong).
func pgUnavailable(code string) bool {
	switch {
	case strings.HasPrefix(code, "08"): // connection exception
		return true
	case code == "57P01", code == "57P02", code == "57P03": // admin shutdown, crash shutdown, cannot connect now
		return true
	case code == "53300": // too many connections
		return true
	}
	return false
}
