package tenants

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loginguard"
	"github.com/wasmart/wasmart/core/mailtoken"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

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
		tok, err := mailtoken.Issue(ctx, q, mailtoken.Request{Purpose: mailtoken.StaffPasswordReset, Subject: u.ID, TTL: s.cfg.ResetTTL, MaxLive: 3, Now: s.now()})
		if err != nil || tok == "" {
			return err
		}
		_, err = outbox.EnqueueMail(ctx, q, resetMail(u.Email, s.cfg.ConsoleURL+"/reset-password?token="+tok, s.cfg.ResetTTL, ip))
		return err
	}), "tenants.RequestPasswordReset")
}

// ResetPassword sets a new password with a reset token. The token works
// once; every session of the user is logged out and pending MFA login
// challenges are dropped. The browser that used the link proved it reads
// the account's e-mail, so it becomes a known device (see throttle.go): the
// returned token is for its cookie, as LoginResult.Device; device is the
// one it already had, if any.
func (s *Service) ResetPassword(ctx context.Context, token, password, device string) (string, error) {
	var newDevice string
	err := s.writeNotify(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
		now := s.now()
		userID, err := mailtoken.Redeem(ctx, q, "", mailtoken.StaffPasswordReset, token, now)
		if err != nil {
			return err
		}
		u, err := s.userByID(ctx, q, userID)
		if err != nil {
			return err
		}
		if err := CheckPassword("password", password, u.Email); err != nil {
			return err
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
