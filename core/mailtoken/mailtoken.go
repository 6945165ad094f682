// Package mailtoken issues and redeems the single-use links Wasmart sends
// by e-mail: staff password resets (package tenants), shoppers' password
// resets and e-mail verification (package customer). One mechanism serves
// them all, so they share its rules:
//
//   - a token is 256 random bits (URL-safe base64); only its SHA-256 is
//     stored, so a database read gives nobody a working link;
//   - it expires after the caller's TTL and works once: redeeming marks it
//     used with a conditional UPDATE, so two concurrent uses cannot both
//     succeed;
//   - issuing is throttled per subject and purpose: while MaxLive unexpired
//     unused links exist, no new one is made (the caller answers as if it
//     had sent one, so the form reveals nothing and cannot flood a
//     mailbox).
//
// A token belongs to a tenant (a shop, or "" for the platform's staff) and
// a purpose: a link for one shop or purpose never works for another.
//
// Tables: the package owns mail_tokens.
package mailtoken

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		panic(err)
	}
	store.RegisterMigrations(store.Migrations{Module: "mailtoken", Order: 7, FS: sub})
}

// Purpose is what a link is for.
type Purpose string

// Purposes.
const (
	StaffPasswordReset    Purpose = "staff.password_reset"
	CustomerPasswordReset Purpose = "customer.password_reset"
	CustomerVerifyEmail   Purpose = "customer.verify_email"
)

type row struct {
	bun.BaseModel `bun:"table:mail_tokens"`

	TenantID  string     `bun:"tenant_id,pk"`
	TokenHash string     `bun:"token_hash,pk"`
	Purpose   Purpose    `bun:"purpose"`
	Subject   string     `bun:"subject"`
	CreatedAt time.Time  `bun:"created_at"`
	ExpiresAt time.Time  `bun:"expires_at"`
	UsedAt    *time.Time `bun:"used_at"`
}

// Request asks for a link.
type Request struct {
	TenantID string // the shop; "" for the platform
	Purpose  Purpose
	Subject  string // whom it is for (the caller's account id, maybe with the address)
	TTL      time.Duration
	MaxLive  int // at most this many unexpired unused links per subject and purpose
	Now      time.Time
}

// Issue makes a link's token in q, or returns "" when the subject already
// has MaxLive live links (the caller then sends nothing and answers as if
// it had).
func Issue(ctx context.Context, q bun.IDB, r Request) (string, error) {
	now := r.Now.UTC().Truncate(time.Microsecond)
	live, err := q.NewSelect().Model((*row)(nil)).
		Where("tenant_id = ? AND purpose = ? AND subject = ? AND used_at IS NULL AND expires_at > ?", r.TenantID, r.Purpose, r.Subject, now).Count(ctx)
	if err != nil {
		return "", errs.Wrap(err, "mailtoken: count")
	}
	if live >= int64(r.MaxLive) {
		return "", nil
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", errs.Wrap(err, "mailtoken: random")
	}
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	_, err = q.NewInsert().Model(&row{TenantID: r.TenantID, TokenHash: hash(tok), Purpose: r.Purpose, Subject: r.Subject, CreatedAt: now, ExpiresAt: now.Add(r.TTL)}).Exec(ctx)
	return tok, errs.Wrap(err, "mailtoken: insert")
}

// ErrInvalid is the answer to a token that is unknown, for another shop or
// purpose, expired or used.
var ErrInvalid = errs.Field("token", "is invalid, expired or already used; ask for a new link")

// Redeem uses a token once, in q, and returns its subject; any token that
// does not work now is ErrInvalid. An error the caller returns afterwards
// rolls the use back with the rest of its transaction.
func Redeem(ctx context.Context, q bun.IDB, tenantID string, p Purpose, token string, now time.Time) (string, error) {
	if token == "" || len(token) > 100 {
		return "", ErrInvalid
	}
	var r row
	if err := q.NewSelect().Model(&r).Where("tenant_id = ? AND token_hash = ?", tenantID, hash(token)).Scan(ctx); err != nil {
		if store.NoRows(err) {
			return "", ErrInvalid
		}
		return "", errs.Wrap(err, "mailtoken: load")
	}
	now = now.UTC().Truncate(time.Microsecond)
	if r.Purpose != p || r.UsedAt != nil || !now.Before(r.ExpiresAt) {
		return "", ErrInvalid
	}
	res, err := q.NewUpdate().Model((*row)(nil)).Set("used_at = ?", now).
		Where("tenant_id = ? AND token_hash = ? AND used_at IS NULL", tenantID, r.TokenHash).Exec(ctx)
	if err != nil {
		return "", errs.Wrap(err, "mailtoken: use")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return "", ErrInvalid
	}
	return r.Subject, nil
}

// Revoke ends every live link of a subject and purpose (e.g. the other
// reset links once the password is reset).
func Revoke(ctx context.Context, q bun.IDB, tenantID string, p Purpose, subject string, now time.Time) error {
	_, err := q.NewUpdate().Model((*row)(nil)).Set("used_at = ?", now.UTC().Truncate(time.Microsecond)).
		Where("tenant_id = ? AND purpose = ? AND subject = ? AND used_at IS NULL", tenantID, p, subject).Exec(ctx)
	return errs.Wrap(err, "mailtoken: revoke")
}

// Purge deletes links that expired before `before` (every tenant's: run
// it in the platform scope from a periodic job).
func Purge(ctx context.Context, q bun.IDB, before time.Time) error {
	_, err := q.NewDelete().Model((*row)(nil)).Where("expires_at < ?", before).Exec(ctx)
	return errs.Wrap(err, "mailtoken: purge")
}

func hash(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}
