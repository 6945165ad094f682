package tenants

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loginguard"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

type passwordReset struct {
	bun.BaseModel `bun:"table:password_resets"`
	ID            string     `bun:"id,pk"`
	TokenHash     string     `bun:"token_hash"`
	UserID        string     `bun:"user_id"`
	CreatedAt     time.Time  `bun:"created_at"`
	ExpiresAt     time.Time  `bun:"expires_at"`
	UsedAt        *time.Time `bun:"used_at"`
}

// RequestPasswordReset e-mails a single-use reset link valid for
// Config.ResetTTL. It answers the same whether or not the address has an
// account, so it cannot be used to find out who has one; at most 3 live
// links per account are kept.
func (s *Service) RequestPasswordReset(ctx context.Context, email, ip string) error {
	email, err := requiredEmail("email", email)
	if err != nil {
		return err
	}
	return errs.Wrap(s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var u userRow
		if err := q.NewSelect().Model(&u).Where("email = ? AND status = 'active'", email).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return nil
			}
			return err
		}
		now := s.now()
		live, err := q.NewSelect().Model((*passwordReset)(nil)).Where("user_id = ? AND used_at IS NULL AND expires_at > ?", u.ID, now).Count(ctx)
		if err != nil {
			return err
		}
		if live >= 3 {
			return nil
		}
		tok := randomToken(32)
		r := passwordReset{ID: store.NewID(), TokenHash: hashToken(tok), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.ResetTTL)}
		if _, err := q.NewInsert().Model(&r).Exec(ctx); err != nil {
			return err
		}
		_, err = outbox.EnqueueMail(ctx, q, resetMail(u.Email, s.cfg.ConsoleURL+"/reset-password?token="+tok, s.cfg.ResetTTL, ip))
		return err
	}), "tenants.RequestPasswordReset")
}

var errBadReset = errs.Field("token", "is invalid, expired or already used; ask for a new link")

// ResetPassword sets a new password with a reset token. The token works
// once; every session of the user is logged out and pending MFA login
// challenges are dropped. The browser that used the link proved it reads
// the account's e-mail, so it becomes a known device (see throttle.go): the
// returned token is for its cookie, as LoginResult.Device; device is the
// one it already had, if any.
func (s *Service) ResetPassword(ctx context.Context, token, password, device string) (string, error) {
	if token == "" || len(token) > 100 {
		return "", errBadReset
	}
	var newDevice string
	err := s.writeNotify(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
		var r passwordReset
		if err := q.NewSelect().Model(&r).Where("token_hash = ?", hashToken(token)).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return errBadReset
			}
			return err
		}
		now := s.now()
		if r.UsedAt != nil || !now.Before(r.ExpiresAt) {
			return errBadReset
		}
		u, err := s.userByID(ctx, q, r.UserID)
		if err != nil {
			return err
		}
		if err := CheckPassword("password", password, u.Email); err != nil {
			return err
		}
		res, err := q.NewUpdate().Model((*passwordReset)(nil)).Set("used_at = ?", now).Where("id = ? AND used_at IS NULL", r.ID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errBadReset
		}
		h, err := HashPassword(password)
		if err != nil {
			return err
		}
		if _, err := q.NewUpdate().Model((*userRow)(nil)).Set("password_hash = ?", h).Set("updated_at = ?", now).Where("id = ?", u.ID).Exec(ctx); err != nil {
			return err
		}
		for _, m := range []any{(*sessionRow)(nil), (*challengeRow)(nil)} {
			if _, err := q.NewDelete().Model(m).Where("user_id = ?", u.ID).Exec(ctx); err != nil {
				return err
			}
		}
		if newDevice, err = loginguard.Remember(ctx, q, guardAccount(u.ID, u.Email), device, now); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: "", ActorKind: KindStaff, ActorID: u.ID, ActorName: u.Email, Action: "user.password_reset", ObjectType: "user", ObjectID: u.ID})
	}, sessionsChanged)
	if err != nil {
		return "", errs.Wrap(err, "tenants.ResetPassword")
	}
	return newDevice, nil
}
