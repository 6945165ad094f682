package customer

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loginguard"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/text"
)

// SignUpInput registers a customer. Email or Phone (or both) is required.
type SignUpInput struct {
	Email            string
	Phone            string
	Password         string
	FirstName        string
	LastName         string
	Locale           string
	AcceptsMarketing bool
	ConsentSource    string // where consent was given, e.g. "signup form"
	// Verify, when set, e-mails a verification link (SendVerification) in
	// the sign-up's transaction if the account has an e-mail address.
	Verify *MailLink
}

// SessionMeta describes the client a session is for.
type SessionMeta struct {
	IP        string
	UserAgent string
	// Device is the device token the browser keeps from a past sign-in
	// (RememberDevice), if any: Login lets a known device in even while
	// the account is under attack.
	Device string
}

// Session is a signed-in customer's session (without its token).
type Session struct {
	CustomerID string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end
}

// SignUp creates an account, or turns the guest customer with the same
// e-mail or phone into one, and signs it in: it returns the session token.
func (s *Service) SignUp(ctx context.Context, in SignUpInput, meta SessionMeta) (*Customer, string, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, "", err
	}
	email, err := text.NormaliseEmail("email", in.Email)
	if err != nil {
		return nil, "", err
	}
	phone, err := s.NormalizePhone(in.Phone)
	if err != nil {
		return nil, "", err
	}
	if email == "" && phone == "" {
		return nil, "", errs.Field("email", "give an e-mail address or a phone number")
	}
	if err := checkPassword(in.Password); err != nil {
		return nil, "", err
	}
	first, err := cleanName("first_name", in.FirstName)
	if err != nil {
		return nil, "", err
	}
	last, err := cleanName("last_name", in.LastName)
	if err != nil {
		return nil, "", err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, "", errs.Wrap(err, "customer: hash")
	}
	now := s.now()
	var row customerRow
	token := newToken()
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		// A guest with this e-mail or phone becomes the account.
		sel := q.NewSelect().Model(&row).Where("tenant_id = ? AND state <> 'deleted'", tid).WhereGroup(" AND ", func(g *bun.SelectQuery) *bun.SelectQuery {
			if email != "" {
				g = g.WhereOr("email = ?", email)
			}
			if phone != "" {
				g = g.WhereOr("phone = ?", phone)
			}
			return g
		})
		var found []customerRow
		if err := sel.Scan(ctx, &found); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "customer: sign up")
		}
		switch {
		case len(found) > 1 || (len(found) == 1 && !found[0].Guest):
			field := "email"
			if email == "" || (found[0].Email != nil && *found[0].Email != email) {
				field = "phone"
			}
			return &errs.Error{Code: errs.Conflict, Field: field, Message: "an account already exists; sign in instead"}
		case len(found) == 1:
			row = found[0]
		default:
			row = customerRow{TenantID: tid, ID: store.NewID(), State: string(Enabled), CreatedAt: now}
		}
		row.Email, row.Phone = strp(email), strp(phone)
		if email == "" && len(found) == 1 {
			row.Email = found[0].Email
		}
		if phone == "" && len(found) == 1 {
			row.Phone = found[0].Phone
		}
		row.PasswordHash, row.Guest, row.UpdatedAt, row.LastLoginAt = &hash, false, now, &now
		if first != "" || last != "" {
			row.FirstName, row.LastName = first, last
		}
		row.Locale = in.Locale
		if in.AcceptsMarketing {
			row.AcceptsMarketing, row.MarketingConsentAt, row.MarketingConsentSource = true, &now, consentSource(in.ConsentSource, "signup")
		}
		var err error
		if len(found) == 1 {
			_, err = q.NewUpdate().Model(&row).WherePK().Exec(ctx)
		} else {
			_, err = q.NewInsert().Model(&row).Exec(ctx)
		}
		if err != nil {
			return uniqueErr(err)
		}
		if in.Verify != nil && email != "" {
			if err := s.sendVerification(ctx, q, &row, *in.Verify); err != nil {
				return err
			}
		}
		// Listeners (loyalty's sign-up points) hear of the new account.
		if _, err := outbox.EnqueueEvent(ctx, q, tid, "customer.signed_up", map[string]any{"customer_id": row.ID}); err != nil {
			return err
		}
		return s.insertSession(ctx, q, tid, row.ID, token, meta, now)
	})
	if err != nil {
		return nil, "", err
	}
	return s.withTags(ctx, row.out()), token, nil
}

func consentSource(s, def string) string {
	if s == "" {
		return def
	}
	if len(s) > 100 {
		return s[:100]
	}
	return s
}

func (s *Service) insertSession(ctx context.Context, q bun.IDB, tid, cid, token string, meta SessionMeta, now time.Time) error {
	ua := meta.UserAgent
	if len(ua) > 512 {
		ua = ua[:512]
	}
	_, err := q.NewRaw(`INSERT INTO customer_sessions (tenant_id, token_hash, customer_id, created_at, last_seen_at, expires_at, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tid, hashToken(token), cid, now, now, now.Add(s.opts.AbsoluteTimeout), meta.IP, ua).Exec(ctx)
	return errs.Wrap(err, "customer: session")
}

// GuestInput identifies a customer checking out without an account.
type GuestInput struct {
	Email            string
	Phone            string
	FirstName        string
	LastName         string
	AcceptsMarketing bool
	ConsentSource    string
}

// Guest returns the customer with this e-mail (or phone), creating a guest
// customer when there is none. It never signs anyone in.
func (s *Service) Guest(ctx context.Context, in GuestInput) (*Customer, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	email, err := text.NormaliseEmail("email", in.Email)
	if err != nil {
		return nil, err
	}
	phone, err := s.NormalizePhone(in.Phone)
	if err != nil {
		return nil, err
	}
	if email == "" && phone == "" {
		return nil, errs.Field("email", "give an e-mail address or a phone number")
	}
	first, _ := cleanName("first_name", in.FirstName)
	last, _ := cleanName("last_name", in.LastName)
	now := s.now()
	var row customerRow
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		col, val := "email", email
		if email == "" {
			col, val = "phone", phone
		}
		err := q.NewSelect().Model(&row).Where("tenant_id = ?", tid).Where("? = ?", bun.Ident(col), val).Scan(ctx)
		if err == nil {
			if in.AcceptsMarketing && !row.AcceptsMarketing {
				row.AcceptsMarketing, row.MarketingConsentAt, row.MarketingConsentSource, row.UpdatedAt = true, &now, consentSource(in.ConsentSource, "checkout"), now
				_, err = q.NewUpdate().Model(&row).Column("accepts_marketing", "marketing_consent_at", "marketing_consent_source", "updated_at").WherePK().Exec(ctx)
			}
			return errs.Wrap(err, "customer: guest")
		}
		if !store.NoRows(err) {
			return errs.Wrap(err, "customer: guest")
		}
		row = customerRow{TenantID: tid, ID: store.NewID(), Email: strp(email), Phone: strp(phone), FirstName: first, LastName: last,
			Guest: true, State: string(Enabled), CreatedAt: now, UpdatedAt: now}
		if in.AcceptsMarketing {
			row.AcceptsMarketing, row.MarketingConsentAt, row.MarketingConsentSource = true, &now, consentSource(in.ConsentSource, "checkout")
		}
		_, err = q.NewInsert().Model(&row).Exec(ctx)
		return uniqueErr(err)
	})
	if err != nil {
		return nil, err
	}
	return s.withTags(ctx, row.out()), nil
}

var errBadLogin = &errs.Error{Code: errs.Unauthenticated, Field: "password", Message: "wrong e-mail, phone number or password"}

// Login checks an e-mail address or phone number and a password and
// returns a new session token. Failures all look alike and take as long.
// Guessing is capped per account (see the package comment): an attempt
// that must wait is refused with a *loginguard.Wait (errs.RateLimited)
// before the password is checked. Limits per client address are the
// caller's job.
func (s *Service) Login(ctx context.Context, identifier, password string, meta SessionMeta) (*Customer, string, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, "", err
	}
	col, val := "email", ""
	if e, err := text.NormaliseEmail("email", identifier); err == nil && e != "" {
		val = e
	} else if p, err := s.NormalizePhone(identifier); err == nil && p != "" {
		col, val = "phone", p
	}
	var row customerRow
	found := false
	if val != "" && len(password) <= 256 {
		err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
			return q.NewSelect().Model(&row).Where("tenant_id = ?", tid).Where("? = ?", bun.Ident(col), val).Scan(ctx)
		})
		if err != nil && !store.NoRows(err) {
			return nil, "", errs.Wrap(err, "customer: login")
		}
		found = err == nil && row.PasswordHash != nil && row.State == string(Enabled)
	}
	if val == "" {
		VerifyPassword(dummyHash, password)
		return nil, "", errBadLogin
	}
	account := guardAccount(tid, row.ID, col+":"+val)
	unlock, err := s.gate.Lock(ctx, account)
	if err != nil {
		return nil, "", &errs.Error{Code: errs.RateLimited, Field: "password", Message: "too many sign-in attempts at once; try again"}
	}
	defer unlock()
	var wait time.Duration
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		known := false
		if found {
			var err error
			if known, err = loginguard.Known(ctx, q, account, meta.Device, s.now()); err != nil {
				return err
			}
		}
		var err error
		wait, err = loginguard.Check(ctx, q, account, known, s.now())
		return err
	})
	if err != nil {
		return nil, "", errs.Wrap(err, "customer: login")
	}
	if wait > 0 {
		return nil, "", loginguard.Refuse("password", wait, pacedMessage)
	}
	hash := dummyHash
	if found {
		hash = *row.PasswordHash
	}
	if !VerifyPassword(hash, password) || !found {
		if err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			return loginguard.Failed(ctx, q, account, s.now())
		}); err != nil {
			return nil, "", errs.Wrap(err, "customer: login")
		}
		return nil, "", errBadLogin
	}
	now := s.now()
	token := newToken()
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if _, err := q.NewRaw("UPDATE customer_customers SET last_login_at = ? WHERE tenant_id = ? AND id = ?", now, tid, row.ID).Exec(ctx); err != nil {
			return errs.Wrap(err, "customer: login")
		}
		// Drop this customer's expired sessions while we are here.
		if _, err := q.NewRaw("DELETE FROM customer_sessions WHERE tenant_id = ? AND customer_id = ? AND (expires_at <= ? OR last_seen_at <= ?)", tid, row.ID, now, now.Add(-s.opts.IdleTimeout)).Exec(ctx); err != nil {
			return errs.Wrap(err, "customer: login")
		}
		return s.insertSession(ctx, q, tid, row.ID, token, meta, now)
	})
	if err != nil {
		return nil, "", err
	}
	row.LastLoginAt = &now
	return s.withTags(ctx, row.out()), token, nil
}

// Under attack, this is what a shopper on a new device is told.
const pacedMessage = "Many wrong passwords have been tried for this account recently, so sign-ins from devices it has not used before are paused. " +
	"Try again in %s, or sign in on a device you have signed in on before."

// guardAccount names a customer account to loginguard: the customer, or the
// identifier typed when the shop has no such customer (so a missing account
// behaves like a real one).
func guardAccount(tenantID, customerID, identifier string) string {
	if customerID != "" {
		return "customer:" + tenantID + ":" + customerID
	}
	return "customer-identifier:" + tenantID + ":" + identifier
}

// RememberDevice records that the browser sending device (its cookie value,
// possibly empty) signed in to the customer, and returns the token it should
// keep in a long-lived cookie to be a known device next time. Call it after
// a successful Login or SignUp.
func (s *Service) RememberDevice(ctx context.Context, customerID, device string) (string, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return "", err
	}
	var out string
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		out, err = loginguard.Remember(ctx, q, guardAccount(tid, customerID, ""), device, s.now())
		return err
	})
	return out, errs.Wrap(err, "customer: remember device")
}

// Authenticate returns the customer a session token belongs to, refreshing
// the session's idle timer (at most once a minute). An unknown, expired or
// other shop's token gives errs.Unauthenticated.
func (s *Service) Authenticate(ctx context.Context, token string) (*Customer, *Session, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, nil, err
	}
	bad := &errs.Error{Code: errs.Unauthenticated, Message: "please sign in"}
	if len(token) != len(TokenPrefix)+43 || token[:len(TokenPrefix)] != TokenPrefix {
		return nil, nil, bad
	}
	h := hashToken(token)
	var sess struct {
		CustomerID string    `bun:"customer_id"`
		CreatedAt  time.Time `bun:"created_at"`
		LastSeenAt time.Time `bun:"last_seen_at"`
		ExpiresAt  time.Time `bun:"expires_at"`
	}
	var row customerRow
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := q.NewRaw("SELECT customer_id, created_at, last_seen_at, expires_at FROM customer_sessions WHERE tenant_id = ? AND token_hash = ?", tid, h).Scan(ctx, &sess); err != nil {
			return err
		}
		return q.NewSelect().Model(&row).Where("tenant_id = ? AND id = ?", tid, sess.CustomerID).Scan(ctx)
	})
	if store.NoRows(err) {
		return nil, nil, bad
	}
	if err != nil {
		return nil, nil, errs.Wrap(err, "customer: authenticate")
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || !now.Before(sess.LastSeenAt.Add(s.opts.IdleTimeout)) || row.State != string(Enabled) {
		s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := q.NewRaw("DELETE FROM customer_sessions WHERE tenant_id = ? AND token_hash = ?", tid, h).Exec(ctx)
			return err
		})
		return nil, nil, bad
	}
	if now.Sub(sess.LastSeenAt) > time.Minute {
		err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := q.NewRaw("UPDATE customer_sessions SET last_seen_at = ? WHERE tenant_id = ? AND token_hash = ?", now, tid, h).Exec(ctx)
			return err
		})
		if err != nil {
			return nil, nil, errs.Wrap(err, "customer: touch session")
		}
		sess.LastSeenAt = now
	}
	return s.withTags(ctx, row.out()), &Session{CustomerID: sess.CustomerID, CreatedAt: sess.CreatedAt.UTC(), LastSeenAt: sess.LastSeenAt.UTC(), ExpiresAt: sess.ExpiresAt.UTC()}, nil
}

// Logout ends one session.
func (s *Service) Logout(ctx context.Context, token string) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		_, err := q.NewRaw("DELETE FROM customer_sessions WHERE tenant_id = ? AND token_hash = ?", tid, hashToken(token)).Exec(ctx)
		return errs.Wrap(err, "customer: logout")
	})
}

// LogoutAll ends every session of a customer (staff action or "sign out
// everywhere").
func (s *Service) LogoutAll(ctx context.Context, customerID string) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		_, err := q.NewRaw("DELETE FROM customer_sessions WHERE tenant_id = ? AND customer_id = ?", tid, customerID).Exec(ctx)
		return errs.Wrap(err, "customer: logout")
	})
}

// ChangePassword checks the old password, sets the new one, ends every
// session and returns a fresh token for the caller's client.
func (s *Service) ChangePassword(ctx context.Context, customerID, oldPassword, newPassword string, meta SessionMeta) (string, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return "", err
	}
	if err := checkPassword(newPassword); err != nil {
		return "", err
	}
	var row customerRow
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&row).Where("tenant_id = ? AND id = ?", tid, customerID).Scan(ctx)
	})
	if store.NoRows(err) {
		return "", errs.NotFoundf("customer not found")
	}
	if err != nil {
		return "", errs.Wrap(err, "customer: change password")
	}
	if row.PasswordHash == nil || !VerifyPassword(*row.PasswordHash, oldPassword) {
		return "", &errs.Error{Code: errs.Unauthenticated, Field: "old_password", Message: "the current password is wrong"}
	}
	hash, err := HashPassword(newPassword)
	if err != nil {
		return "", errs.Wrap(err, "customer: hash")
	}
	now := s.now()
	token := newToken()
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if _, err := q.NewRaw("UPDATE customer_customers SET password_hash = ?, updated_at = ? WHERE tenant_id = ? AND id = ?", hash, now, tid, customerID).Exec(ctx); err != nil {
			return errs.Wrap(err, "customer: change password")
		}
		if _, err := q.NewRaw("DELETE FROM customer_sessions WHERE tenant_id = ? AND customer_id = ?", tid, customerID).Exec(ctx); err != nil {
			return errs.Wrap(err, "customer: change password")
		}
		return s.insertSession(ctx, q, tid, customerID, token, meta, now)
	})
	return token, err
}
