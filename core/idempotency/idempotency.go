// Package idempotency makes retried writes safe: a client sends an
// Idempotency-Key with a request that must not happen twice (placing an
// order, taking a payment, refunding), and Wasmart stores the key per tenant
// with a hash of the request body and the response it gave.
//
//   - Same key, same body: the stored response (status and body) is
//     replayed, byte for byte, even after a restart.
//   - Same key, different body: refused with errs.Unprocessable (422).
//   - Concurrent duplicates: exactly one effect.
//   - Keys are kept for TTL (at least 24 h), then purged.
//
// # Two ways to use it
//
// Do (and Claim/Complete for callers that already hold a transaction)
// claims the key with an INSERT in the same transaction as the effect and
// stores the response in that transaction too. Either both commit or neither
// does, so a crash at any point leaves nothing half-done: no key without its
// effect, no effect without its key. A concurrent duplicate waits on the
// key's row (PostgreSQL) or behind the single writer (SQLite), then sees the
// committed key and replays its response; if the first attempt rolled back,
// the duplicate simply performs the effect. A failed effect (an error
// returned by fn) stores nothing, so a retry with the same key is a fresh
// attempt.
//
// Begin/Finish/Abort is for effects that call out of process (a payment
// provider) and cannot sit inside a database transaction: Begin commits an
// "in progress" lease, a racer gets errs.Conflict (409) until Finish stores
// the response, and a lease abandoned by a crash expires after Lease so a
// retry can take it over (the provider call must itself be idempotent on the
// same key, which built-in providers are).
//
// Tables: the package owns idempotency_keys.
package idempotency

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	store.RegisterMigrations(store.Migrations{Module: "idempotency", Order: 40, FS: sub})
}

// Defaults.
const (
	DefaultTTL   = 48 * time.Hour
	MinTTL       = 24 * time.Hour
	DefaultLease = 2 * time.Minute
	MaxKeyLen    = 255
)

// Request identifies one idempotent request.
type Request struct {
	Scope string // what is guarded, e.g. "checkout", "refund:<payment id>"
	Key   string // the client's Idempotency-Key
	Body  []byte // the request body (or a canonical encoding of the input)
}

// Response is what was answered the first time.
type Response struct {
	Status int    `json:"status"`
	Body   []byte `json:"body"`
}

// Service stores idempotency keys.
type Service struct {
	db    *store.DB
	TTL   time.Duration    // how long keys are kept (>= 24 h)
	Lease time.Duration    // how long an in-progress Begin holds a key
	Now   func() time.Time // clock (tests)
}

// New returns a Service with the default TTL and lease.
func New(db *store.DB) *Service {
	return &Service{db: db, TTL: DefaultTTL, Lease: DefaultLease, Now: store.Now}
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return store.Now()
	}
	return s.Now().UTC().Truncate(time.Microsecond)
}

func (s *Service) ttl() time.Duration {
	if s.TTL < MinTTL {
		return MinTTL
	}
	return s.TTL
}

// Hash returns the hex SHA-256 of a request's scope and body.
func Hash(scope string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(scope))
	h.Write([]byte{0})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// ValidKey checks a client-supplied key.
func ValidKey(key string) error {
	if key == "" {
		return errs.Field("idempotency_key", "is required")
	}
	if len(key) > MaxKeyLen || !utf8.ValidString(key) || strings.ContainsAny(key, "\x00\r\n") {
		return errs.Field("idempotency_key", "must be at most %d printable characters", MaxKeyLen)
	}
	return nil
}

type row struct {
	bun.BaseModel  `bun:"table:idempotency_keys"`
	TenantID       string    `bun:"tenant_id,pk"`
	Scope          string    `bun:"scope,pk"`
	Key            string    `bun:"idem_key,pk"`
	RequestHash    string    `bun:"request_hash"`
	State          string    `bun:"state"`
	ResponseStatus int       `bun:"response_status"`
	ResponseBody   string    `bun:"response_body"`
	CreatedAt      time.Time `bun:"created_at"`
	ExpiresAt      time.Time `bun:"expires_at"`
	LockedUntil    time.Time `bun:"locked_until"`
}

const (
	stateInProgress = "in_progress"
	stateDone       = "done"
)

// claim inserts the key (or takes over an expired one). It returns
// (nil, nil) when the caller now owns the key, a stored response to replay,
// or an error (422 body mismatch, 409 in progress).
func (s *Service) claim(ctx context.Context, q bun.IDB, req Request, lease time.Duration) (*Response, error) {
	if err := ValidKey(req.Key); err != nil {
		return nil, err
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	hash := Hash(req.Scope, req.Body)
	res, err := q.ExecContext(ctx, `INSERT INTO idempotency_keys
		(tenant_id, scope, idem_key, request_hash, state, response_status, response_body, created_at, expires_at, locked_until)
		VALUES (?, ?, ?, ?, ?, 0, '', ?, ?, ?)
		ON CONFLICT (tenant_id, scope, idem_key) DO UPDATE SET
			request_hash = excluded.request_hash, state = excluded.state, response_status = 0, response_body = '',
			created_at = excluded.created_at, expires_at = excluded.expires_at, locked_until = excluded.locked_until
		WHERE idempotency_keys.expires_at < ?
		   OR (idempotency_keys.state = 'in_progress' AND idempotency_keys.locked_until < ?)`,
		tenant, req.Scope, req.Key, hash, stateInProgress, now, now.Add(s.ttl()), now.Add(lease), now, now)
	if err != nil {
		return nil, errs.Wrap(err, "idempotency.claim")
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil, nil
	}
	var r row
	if err := q.NewSelect().Model(&r).Where("tenant_id = ? AND scope = ? AND idem_key = ?", tenant, req.Scope, req.Key).Scan(ctx); err != nil {
		return nil, errs.Wrap(err, "idempotency.claim: read")
	}
	if r.RequestHash != hash {
		return nil, &errs.Error{Code: errs.Unprocessable, Field: "idempotency_key", Message: "this idempotency key was used with a different request"}
	}
	if r.State != stateDone {
		return nil, errs.E(errs.Conflict, "a request with this idempotency key is still in progress; retry later")
	}
	return &Response{Status: r.ResponseStatus, Body: []byte(r.ResponseBody)}, nil
}

// Claim claims req's key inside the caller's transaction q. A nil response
// and nil error mean the caller owns the key: it performs the effect and
// calls Complete in the same transaction. A non-nil response is the stored
// answer to replay (the caller performs nothing).
func (s *Service) Claim(ctx context.Context, q bun.IDB, req Request) (*Response, error) {
	return s.claim(ctx, q, req, 0)
}

// Complete stores the response for a key claimed in the same transaction.
func (s *Service) Complete(ctx context.Context, q bun.IDB, req Request, resp Response) error {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	if !utf8.Valid(resp.Body) {
		return errs.Wrap(errs.E(errs.Internal, "idempotency: response body is not UTF-8"), "idempotency.Complete")
	}
	res, err := q.NewUpdate().Model((*row)(nil)).
		Set("state = ?", stateDone).Set("response_status = ?", resp.Status).Set("response_body = ?", string(resp.Body)).
		Where("tenant_id = ? AND scope = ? AND idem_key = ? AND request_hash = ?", tenant, req.Scope, req.Key, Hash(req.Scope, req.Body)).
		Exec(ctx)
	if err != nil {
		return errs.Wrap(err, "idempotency.Complete")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "idempotency key was lost (lease expired?)")
	}
	return nil
}

// Do performs fn at most once per (tenant, req.Scope, req.Key), in one
// transaction with the key. It returns fn's response, or the stored one with
// replayed = true.
func (s *Service) Do(ctx context.Context, req Request, fn func(ctx context.Context, q bun.IDB) (Response, error)) (resp Response, replayed bool, err error) {
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		prev, err := s.claim(ctx, q, req, 0)
		if err != nil {
			return err
		}
		if prev != nil {
			resp, replayed = *prev, true
			return nil
		}
		if resp, err = fn(ctx, q); err != nil {
			return err
		}
		return s.Complete(ctx, q, req, resp)
	})
	if err != nil {
		return Response{}, false, err
	}
	return resp, replayed, nil
}

// Begin leases req's key for an effect done outside a transaction. A nil
// response and nil error mean the caller owns the key until Finish or Abort
// (or the lease runs out); a non-nil response is the stored answer.
func (s *Service) Begin(ctx context.Context, req Request) (*Response, error) {
	lease := s.Lease
	if lease <= 0 {
		lease = DefaultLease
	}
	var prev *Response
	err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		prev, err = s.claim(ctx, q, req, lease)
		return err
	})
	return prev, err
}

// Finish stores the response of a leased key.
func (s *Service) Finish(ctx context.Context, req Request, resp Response) error {
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error { return s.Complete(ctx, q, req, resp) })
}

// Abort releases a leased key without a response (the effect did not
// happen), so a retry starts afresh.
func (s *Service) Abort(ctx context.Context, req Request) error {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		_, err := q.NewDelete().Model((*row)(nil)).
			Where("tenant_id = ? AND scope = ? AND idem_key = ? AND state = ?", tenant, req.Scope, req.Key, stateInProgress).Exec(ctx)
		return errs.Wrap(err, "idempotency.Abort")
	})
}

// Purge deletes expired keys of every tenant and returns how many.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.Write(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewDelete().Model((*row)(nil)).Where("expires_at < ?", s.now()).Exec(ctx)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, errs.Wrap(err, "idempotency.Purge")
}
