package tenants

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants/perm"
)

// TokenPrefix starts every API token, so leaked tokens are easy to find
// with secret scanners.
const TokenPrefix = "wsm_"

type apiToken struct {
	bun.BaseModel `bun:"table:api_tokens"`

	TenantID   string     `bun:"tenant_id,pk"`
	ID         string     `bun:"id,pk"`
	Name       string     `bun:"name"`
	Prefix     string     `bun:"prefix"`
	TokenHash  string     `bun:"token_hash"`
	Role       string     `bun:"role"`
	CreatedBy  string     `bun:"created_by"`
	CreatedAt  time.Time  `bun:"created_at"`
	LastUsedAt *time.Time `bun:"last_used_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
}

// APIToken describes a token (never its secret).
type APIToken struct {
	ID         string
	Name       string
	Prefix     string // first characters, to recognise it
	Role       string
	CreatedBy  string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

func (t apiToken) public() APIToken {
	return APIToken{ID: t.ID, Name: t.Name, Prefix: t.Prefix, Role: t.Role, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
}

// CreateToken creates an API token for the principal's shop bound to a
// role (tokens.manage). The secret is returned once and stored hashed.
func (s *Service) CreateToken(ctx context.Context, p Principal, name, role string) (APIToken, string, error) {
	if err := s.Authorize(ctx, p, perm.TokensManage); err != nil {
		return APIToken{}, "", err
	}
	name, err := cleanName("name", name, 80, true)
	if err != nil {
		return APIToken{}, "", err
	}
	if err := checkOwnerRule(p, role); err != nil {
		return APIToken{}, "", err
	}
	secret := TokenPrefix + randomToken(32)
	t := apiToken{TenantID: p.TenantID, ID: store.NewID(), Name: name, Prefix: secret[:len(TokenPrefix)+6], TokenHash: hashToken(secret), Role: role, CreatedBy: p.UserID, CreatedAt: s.now()}
	err = s.db.Write(p.Context(ctx), func(ctx context.Context, q bun.IDB) error {
		ok, err := roleExists(ctx, q, p.TenantID, role)
		if err != nil {
			return err
		}
		if !ok {
			return errs.Field("role", "no such role")
		}
		if _, err := q.NewInsert().Model(&t).Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: p.TenantID, Action: "token.create", ObjectType: "api_token", ObjectID: t.ID, After: "name=" + name + " role=" + role})
	})
	if err != nil {
		return APIToken{}, "", errs.Wrap(err, "tenants.CreateToken")
	}
	return t.public(), secret, nil
}

// Tokens lists the shop's API tokens (tokens.manage).
func (s *Service) Tokens(ctx context.Context, p Principal) ([]APIToken, error) {
	if err := s.Authorize(ctx, p, perm.TokensManage); err != nil {
		return nil, err
	}
	var rows []apiToken
	err := s.db.Read(p.Context(ctx), func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&rows).Where("tenant_id = ?", p.TenantID).OrderExpr("id DESC").Scan(ctx)
	})
	out := make([]APIToken, len(rows))
	for i, r := range rows {
		out[i] = r.public()
	}
	return out, errs.Wrap(err, "tenants.Tokens")
}

// RevokeToken revokes an API token at once (tokens.manage).
func (s *Service) RevokeToken(ctx context.Context, p Principal, id string) error {
	if err := s.Authorize(ctx, p, perm.TokensManage); err != nil {
		return err
	}
	return errs.Wrap(s.writeNotify(p.Context(ctx), func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewUpdate().Model((*apiToken)(nil)).Set("revoked_at = ?", s.now()).Where("tenant_id = ? AND id = ? AND revoked_at IS NULL", p.TenantID, id).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.NotFoundf("token not found")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: p.TenantID, Action: "token.revoke", ObjectType: "api_token", ObjectID: id})
	}, tokensChanged), "tenants.RevokeToken")
}

type tokenLookup struct {
	TenantID     string     `bun:"tenant_id"`
	ID           string     `bun:"id"`
	Role         string     `bun:"role"`
	RevokedAt    *time.Time `bun:"revoked_at"`
	LastUsedAt   *time.Time `bun:"last_used_at"`
	Slug         string     `bun:"slug"`
	TenantStatus string     `bun:"tenant_status"`
}

var errBadToken = &errs.Error{Code: errs.Unauthenticated, Field: "token", Message: "the API token is invalid or revoked"}

// tokenTouchEvery bounds how often last_used_at is written.
const tokenTouchEvery = time.Minute

// AuthenticateToken turns a bearer token into a Principal: one indexed
// query joining the token and its shop, plus a last-used update at most once
// a minute. Tokens of suspended or closed shops are refused.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (Principal, error) {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 100 {
		return Principal{}, errBadToken
	}
	hash := hashToken(token)
	now := s.now()
	l, gen, cached := s.auth.token(hash, now)
	if !cached {
		err := s.db.Read(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
			return q.NewRaw(`SELECT k.tenant_id, k.id, k.role, k.revoked_at, k.last_used_at, t.slug, t.status AS tenant_status
				FROM api_tokens k JOIN tenants t ON t.id = k.tenant_id WHERE k.token_hash = ?`, hash).Scan(ctx, &l)
		})
		if store.NoRows(err) {
			return Principal{}, errBadToken
		}
		if err != nil {
			return Principal{}, errs.Wrap(err, "tenants.AuthenticateToken")
		}
		s.auth.putToken(hash, l, now, gen)
	}
	if l.RevokedAt != nil {
		return Principal{}, errBadToken
	}
	switch l.TenantStatus {
	case StatusActive:
	case StatusSuspended:
		return Principal{}, &errs.Error{Code: errs.Forbidden, Field: "token", Message: "this shop is suspended; its API tokens are disabled"}
	default:
		return Principal{}, errBadToken
	}
	if l.LastUsedAt == nil || now.Sub(*l.LastUsedAt) >= tokenTouchEvery {
		if err := s.db.Write(tenancy.WithTenant(ctx, l.TenantID), func(ctx context.Context, q bun.IDB) error {
			_, err := q.NewUpdate().Model((*apiToken)(nil)).Set("last_used_at = ?", now).Where("tenant_id = ? AND id = ?", l.TenantID, l.ID).Exec(ctx)
			return err
		}); err != nil {
			return Principal{}, errs.Wrap(err, "tenants.AuthenticateToken")
		}
		l.LastUsedAt = &now
		s.auth.putToken(hash, l, now, gen)
	}
	return Principal{Kind: KindToken, TenantID: l.TenantID, TenantSlug: l.Slug, TenantStatus: l.TenantStatus, Roles: []string{l.Role}, TokenID: l.ID}, nil
}
