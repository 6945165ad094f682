package customer

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loginguard"
	"github.com/wasmart/wasmart/core/mailtoken"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/text"
)

// Password reset and e-mail verification by e-mailed link, through
// package mailtoken (the same single-use, hashed, expiring, throttled links
// as staff resets) and the outbox.

// How long links work (the mails say so in words), and how many may be
// live per account at once.
const (
	ResetTTL  = time.Hour
	VerifyTTL = 72 * time.Hour
	maxLive   = 3
)

// MailLink says how a mail names the shop and where its link points: URL
// is the page the token is appended to (e.g.
// "https://shop.example/account/reset?token="), made by the web layer,
// which knows the shop's host.
type MailLink struct {
	Shop string
	URL  string
	IP   string // who asked (password reset), shown in the mail
}

var (
	resetTpl = outbox.NewTemplate("customer_password_reset",
		`Reset your password at {{.Shop}}`,
		`Hello,

Someone (hopefully you) asked to reset the password of your {{.Shop}} account{{if .IP}} from {{.IP}}{{end}}.

Choose a new password here (the link works once, for {{.TTL}}):
{{.Link}}

If you did not ask for this, ignore this message: your password is unchanged.
`,
		outbox.MailHead+`<p>Hello,</p><p>Someone (hopefully you) asked to reset the password of your {{.Shop}} account{{if .IP}} from {{.IP}}{{end}}.</p>
<p><a href="{{.Link}}" style="background:#2d5bd7;color:#fff;padding:.6em 1em;border-radius:.4em;text-decoration:none">Choose a new password</a></p>
<p>The link works once, for {{.TTL}}. If you did not ask for this, ignore this message: your password is unchanged.</p>`+outbox.MailFoot("{{.Shop}}"))

	verifyTpl = outbox.NewTemplate("customer_verify_email",
		`Confirm your e-mail address for {{.Shop}}`,
		`Hello,

Please confirm that {{.Email}} is your e-mail address for your {{.Shop}} account:
{{.Link}}

The link works once, for {{.TTL}}. If you did not create an account, ignore this message.
`,
		outbox.MailHead+`<p>Hello,</p><p>Please confirm that <b>{{.Email}}</b> is your e-mail address for your {{.Shop}} account.</p>
<p><a href="{{.Link}}" style="background:#2d5bd7;color:#fff;padding:.6em 1em;border-radius:.4em;text-decoration:none">Confirm my e-mail address</a></p>
<p>The link works once, for {{.TTL}}. If you did not create an account, ignore this message.</p>`+outbox.MailFoot("{{.Shop}}"))
)

// Mail topics.
const (
	TopicPasswordReset = "customer.password_reset"
	TopicVerifyEmail   = "customer.verify_email"
)

// RequestPasswordReset e-mails a single-use reset link, valid for
// ResetTTL, to the shop's account with this e-mail address. It answers
// the same whether or not there is such an account (so it tells nobody
// who has one), and sends nothing while the account already has 3 live
// links.
func (s *Service) RequestPasswordReset(ctx context.Context, email string, link MailLink) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	email, err = text.NormaliseEmail("email", email)
	if err != nil {
		return err
	}
	if email == "" {
		return errs.Field("email", "enter the e-mail address of your account")
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var row customerRow
		if err := q.NewSelect().Model(&row).Where("tenant_id = ? AND email = ? AND state = ? AND NOT guest", tid, email, Enabled).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return nil
			}
			return errs.Wrap(err, "customer: reset request")
		}
		tok, err := mailtoken.Issue(ctx, q, mailtoken.Request{TenantID: tid, Purpose: mailtoken.CustomerPasswordReset, Subject: row.ID, TTL: ResetTTL, MaxLive: maxLive, Now: s.now()})
		if err != nil || tok == "" {
			return err
		}
		_, err = outbox.EnqueueMail(ctx, q, resetTpl.Render(TopicPasswordReset, tid, email,
			map[string]any{"Shop": link.Shop, "Link": link.URL + tok, "TTL": "one hour", "IP": link.IP}))
		return err
	})
}

// ResetPassword sets a new password with a reset link's token: the token
// works once (and the account's other reset links end with it), every
// session ends, the e-mail counts as verified (the link proved it) and the
// browser becomes a known device for sign-in pacing. A token that does not
// work is refused on "token"; a weak password on "password", leaving the
// token usable.
func (s *Service) ResetPassword(ctx context.Context, token, password string, meta SessionMeta) (string, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return "", err
	}
	if err := checkPassword(password); err != nil {
		return "", err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return "", errs.Wrap(err, "customer: hash")
	}
	now := s.now()
	var device string
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		id, err := mailtoken.Redeem(ctx, q, tid, mailtoken.CustomerPasswordReset, token, now)
		if err != nil {
			return err
		}
		res, err := q.NewUpdate().Model((*customerRow)(nil)).Set("password_hash = ?", hash).Set("updated_at = ?", now).
			Set("email_verified_at = COALESCE(email_verified_at, ?)", now).
			Where("tenant_id = ? AND id = ? AND state = ?", tid, id, Enabled).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "customer: reset")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return mailtoken.ErrInvalid // disabled or deleted since
		}
		if err := mailtoken.Revoke(ctx, q, tid, mailtoken.CustomerPasswordReset, id, now); err != nil {
			return err
		}
		if _, err := q.NewRaw("DELETE FROM customer_sessions WHERE tenant_id = ? AND customer_id = ?", tid, id).Exec(ctx); err != nil {
			return errs.Wrap(err, "customer: reset")
		}
		if device, err = loginguard.Remember(ctx, q, guardAccount(tid, id, ""), meta.Device, now); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "customer.password_reset", ObjectType: "customer", ObjectID: id})
	})
	return device, err
}

// SendVerification e-mails the customer a single-use link, valid for
// VerifyTTL, that marks their current e-mail address verified. Nothing is
// sent when it is verified already or 3 links are live; an account without
// an e-mail is refused on "email".
func (s *Service) SendVerification(ctx context.Context, customerID string, link MailLink) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var row customerRow
		if err := q.NewSelect().Model(&row).Where("tenant_id = ? AND id = ? AND state = ?", tid, customerID, Enabled).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return errs.NotFoundf("customer not found")
			}
			return errs.Wrap(err, "customer: verification")
		}
		return s.sendVerification(ctx, q, &row, link)
	})
}

func (s *Service) sendVerification(ctx context.Context, q bun.IDB, row *customerRow, link MailLink) error {
	if row.Email == nil || *row.Email == "" {
		return errs.Field("email", "add an e-mail address to your account first")
	}
	if row.EmailVerifiedAt != nil {
		return nil
	}
	// The subject names the address too: a link sent before the address
	// changed verifies nothing.
	tok, err := mailtoken.Issue(ctx, q, mailtoken.Request{TenantID: row.TenantID, Purpose: mailtoken.CustomerVerifyEmail, Subject: row.ID + " " + *row.Email,
		TTL: VerifyTTL, MaxLive: maxLive, Now: s.now()})
	if err != nil || tok == "" {
		return err
	}
	_, err = outbox.EnqueueMail(ctx, q, verifyTpl.Render(TopicVerifyEmail, row.TenantID, *row.Email,
		map[string]any{"Shop": link.Shop, "Email": *row.Email, "Link": link.URL + tok, "TTL": "3 days"}))
	return err
}

// VerifyEmail marks the address a verification link was sent to as
// verified, if it is still the customer's address, and returns the
// customer; a token that does not work is refused on "token".
func (s *Service) VerifyEmail(ctx context.Context, token string) (*Customer, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var id string
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		subject, err := mailtoken.Redeem(ctx, q, tid, mailtoken.CustomerVerifyEmail, token, now)
		if err != nil {
			return err
		}
		var email string
		id, email, _ = strings.Cut(subject, " ")
		res, err := q.NewUpdate().Model((*customerRow)(nil)).Set("email_verified_at = COALESCE(email_verified_at, ?)", now).
			Where("tenant_id = ? AND id = ? AND email = ? AND state = ?", tid, id, email, Enabled).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "customer: verify")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return mailtoken.ErrInvalid // the address changed since
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "customer.email_verified", ObjectType: "customer", ObjectID: id, After: email})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}
