package tenants

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loginguard"
	"github.com/wasmart/wasmart/core/mailtoken"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

type sessionRow struct {
	bun.BaseModel `bun:"table:sessions"`

	ID            string    `bun:"id,pk"`
	TokenHash     string    `bun:"token_hash"`
	UserID        string    `bun:"user_id"`
	CurrentTenant string    `bun:"current_tenant"`
	MFA           bool      `bun:"mfa"`
	IP            string    `bun:"ip"`
	UserAgent     string    `bun:"user_agent"`
	CreatedAt     time.Time `bun:"created_at"`
	LastSeenAt    time.Time `bun:"last_seen_at"`
	ExpiresAt     time.Time `bun:"expires_at"`
}

type challengeRow struct {
	bun.BaseModel `bun:"table:login_challenges"`

	ID        string    `bun:"id,pk"`
	TokenHash string    `bun:"token_hash"`
	UserID    string    `bun:"user_id"`
	IP        string    `bun:"ip"`
	UserAgent string    `bun:"user_agent"`
	Attempts  int       `bun:"attempts"`
	CreatedAt time.Time `bun:"created_at"`
	ExpiresAt time.Time `bun:"expires_at"`
}

// Session is a server-side login session.
type Session struct {
	ID         string
	UserID     string
	TenantID   string // current shop, "" for none
	MFA        bool
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute expiry
}

func (r sessionRow) public() Session {
	return Session{ID: r.ID, UserID: r.UserID, TenantID: r.CurrentTenant, MFA: r.MFA, IP: r.IP, UserAgent: r.UserAgent, CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt, ExpiresAt: r.ExpiresAt}
}

// LoginInput is a password login.
type LoginInput struct {
	Email     string
	Password  string
	Shop      string // slug of the shop to open, optional
	IP        string
	UserAgent string
	// Device is the device token the browser keeps from a past sign-in
	// (LoginResult.Device), if any: a known device is not slowed down when
	// the account is under attack (see throttle.go).
	Device string
}

// LoginResult is either a session (Token is the cookie value, shown once)
// or, when the account has MFA, a pending challenge to pass to LoginMFA.
type LoginResult struct {
	Token          string
	Session        Session
	MFARequired    bool
	ChallengeToken string
	ChallengeUntil time.Time
	// Device is the token the browser should keep (in a long-lived cookie)
	// to be a known device for this account; set once the password is right.
	Device string
}

var errBadLogin = &errs.Error{Code: errs.Unauthenticated, Field: "password", Message: "e-mail or password is incorrect"}

// Login checks an e-mail and password, with throttling (see throttle.go).
// Without MFA it starts a session with a fresh token; with MFA it returns a
// short-lived challenge token for LoginMFA.
func (s *Service) Login(ctx context.Context, in LoginInput) (LoginResult, error) {
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if email == "" {
		return LoginResult{}, errs.Field("email", "is required")
	}
	if in.Password == "" {
		return LoginResult{}, errs.Field("password", "is required")
	}
	if len(in.Password) > 4*MaxPasswordLen {
		return LoginResult{}, errBadLogin
	}
	in.UserAgent = truncateString(in.UserAgent, 300)
	unlock, err := s.gate.Lock(ctx, email)
	if err != nil {
		return LoginResult{}, &errs.Error{Code: errs.RateLimited, Field: "password", Message: "too many login attempts at once"}
	}
	defer unlock()
	var u userRow
	found := false
	account := ""
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		err := q.NewSelect().Model(&u).Where("email = ?", email).Scan(ctx)
		if err != nil && !store.NoRows(err) {
			return err
		}
		found = err == nil
		account = guardAccount(u.ID, email)
		known := false
		if found {
			if known, err = loginguard.Known(ctx, q, account, in.Device, s.now()); err != nil {
				return err
			}
		}
		return s.checkThrottle(ctx, q, email, in.IP, account, known)
	})
	if err != nil {
		return LoginResult{}, errs.Wrap(err, "tenants.Login")
	}
	hash := dummyHash
	if found {
		hash = u.PasswordHash
	}
	ok, rehash := VerifyPassword(in.Password, hash)
	if !found || !ok || u.Status != "active" {
		if err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			return s.recordFailure(ctx, q, email, in.IP, account)
		}); err != nil {
			return LoginResult{}, errs.Wrap(err, "tenants.Login")
		}
		return LoginResult{}, errBadLogin
	}
	var res LoginResult
	device := ""
	err = s.db.Write(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
		var err error
		if device, err = s.recordSuccess(ctx, q, u.ID, email, in.IP, in.Device); err != nil {
			return err
		}
		if rehash {
			if h, err := HashPassword(in.Password); err == nil {
				if _, err := q.NewUpdate().Model((*userRow)(nil)).Set("password_hash = ?", h).Where("id = ?", u.ID).Exec(ctx); err != nil {
					return err
				}
			}
		}
		if u.TOTPEnabled {
			tok := randomToken(32)
			now := s.now()
			c := challengeRow{ID: store.NewID(), TokenHash: hashToken(tok), UserID: u.ID, IP: in.IP, UserAgent: in.UserAgent, CreatedAt: now, ExpiresAt: now.Add(s.cfg.ChallengeTTL)}
			if _, err := q.NewInsert().Model(&c).Exec(ctx); err != nil {
				return err
			}
			res = LoginResult{MFARequired: true, ChallengeToken: tok + "." + in.Shop, ChallengeUntil: c.ExpiresAt}
			return nil
		}
		res, err = s.startSession(ctx, q, u.ID, in.Shop, false, in.IP, in.UserAgent)
		return err
	})
	if err != nil {
		return LoginResult{}, errs.Wrap(err, "tenants.Login")
	}
	res.Device = device
	return res, nil
}

// LoginMFA completes a login with a TOTP code or a recovery code. A
// challenge allows 5 wrong codes and expires after a few minutes; codes are
// single-use.
func (s *Service) LoginMFA(ctx context.Context, challengeToken, code, ip, userAgent string) (LoginResult, error) {
	tok, shop, _ := strings.Cut(challengeToken, ".")
	if tok == "" {
		return LoginResult{}, errs.Field("challenge", "is invalid or has expired; log in again")
	}
	var res LoginResult
	var codeErr error
	err := s.db.Write(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
		var c challengeRow
		if err := q.NewSelect().Model(&c).Where("token_hash = ?", hashToken(tok)).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return errs.Field("challenge", "is invalid or has expired; log in again")
			}
			return err
		}
		now := s.now()
		if !now.Before(c.ExpiresAt) || c.Attempts >= 5 {
			if _, err := q.NewDelete().Model((*challengeRow)(nil)).Where("id = ?", c.ID).Exec(ctx); err != nil {
				return err
			}
			codeErr = errs.Field("challenge", "is invalid or has expired; log in again")
			return nil
		}
		u, err := s.userByID(ctx, q, c.UserID)
		if err != nil {
			return err
		}
		if err := s.useSecondFactor(ctx, q, u, code); err != nil {
			if errs.CodeOf(err) != errs.Invalid {
				return err
			}
			codeErr = err
			_, err := q.NewUpdate().Model((*challengeRow)(nil)).Set("attempts = attempts + 1").Where("id = ?", c.ID).Exec(ctx)
			return err
		}
		if _, err := q.NewDelete().Model((*challengeRow)(nil)).Where("id = ?", c.ID).Exec(ctx); err != nil {
			return err
		}
		res, err = s.startSession(ctx, q, u.ID, shop, true, ip, truncateString(userAgent, 300))
		return err
	})
	if err != nil {
		return LoginResult{}, errs.Wrap(err, "tenants.LoginMFA")
	}
	if codeErr != nil {
		return LoginResult{}, codeErr
	}
	return res, nil
}

// startSession creates a session with a fresh 256-bit token, opening the
// requested shop if the user belongs to it, else their first shop.
func (s *Service) startSession(ctx context.Context, q bun.IDB, userID, shopSlug string, mfa bool, ip, ua string) (LoginResult, error) {
	var shops []ShopMembership
	if err := q.NewRaw(`SELECT m.tenant_id, t.slug, t.name, t.status, m.role FROM memberships m
		JOIN tenants t ON t.id = m.tenant_id WHERE m.user_id = ? AND t.status <> ? ORDER BY m.created_at, t.slug`,
		userID, StatusClosed).Scan(ctx, &shops); err != nil {
		return LoginResult{}, err
	}
	current := ""
	for _, sh := range shops {
		if current == "" || sh.Slug == shopSlug {
			current = sh.TenantID
		}
		if sh.Slug == shopSlug {
			break
		}
	}
	tok := randomToken(32)
	now := s.now()
	r := sessionRow{ID: store.NewID(), TokenHash: hashToken(tok), UserID: userID, CurrentTenant: current, MFA: mfa, IP: ip, UserAgent: ua,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.SessionAbsolute)}
	if _, err := q.NewInsert().Model(&r).Exec(ctx); err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Token: tok, Session: r.public()}, nil
}

// sessionLookup is the one query behind AuthenticateSession.
type sessionLookup struct {
	ID            string    `bun:"id"`
	UserID        string    `bun:"user_id"`
	CurrentTenant string    `bun:"current_tenant"`
	MFA           bool      `bun:"mfa"`
	LastSeenAt    time.Time `bun:"last_seen_at"`
	ExpiresAt     time.Time `bun:"expires_at"`
	Email         string    `bun:"email"`
	UserStatus    string    `bun:"user_status"`
	Role          string    `bun:"role"`
	Slug          string    `bun:"slug"`
	TenantStatus  string    `bun:"tenant_status"`
	PlatformRole  string    `bun:"platform_role"`
}

// sessionTouchEvery is how stale last_seen_at may get before a request
// updates it (so most requests are a single SELECT).
const sessionTouchEvery = time.Minute

var errNoSession = &errs.Error{Code: errs.Unauthenticated, Field: "session", Message: "your session has expired; please log in again"}

// AuthenticateSession turns a session cookie value into a Principal: one
// indexed query (session, user, membership in the current shop, shop and
// platform role joined), plus an update of the last-seen time at most once a
// minute. Sessions past the idle or absolute timeout are deleted.
func (s *Service) AuthenticateSession(ctx context.Context, token string) (Principal, error) {
	if token == "" || len(token) > 100 {
		return Principal{}, errNoSession
	}
	hash := hashToken(token)
	now := s.now()
	l, gen, cached := s.auth.session(hash, now)
	if !cached {
		var err error
		if l, err = s.lookupSession(ctx, hash); err != nil {
			return Principal{}, err
		}
		s.auth.putSession(hash, l, now, gen)
	}
	if !now.Before(l.ExpiresAt) || now.Sub(l.LastSeenAt) >= s.cfg.SessionIdle || l.UserStatus != "active" {
		s.auth.dropSession(hash)
		_ = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := q.NewDelete().Model((*sessionRow)(nil)).Where("id = ?", l.ID).Exec(ctx)
			return err
		})
		return Principal{}, errNoSession
	}
	if now.Sub(l.LastSeenAt) >= sessionTouchEvery {
		if err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := q.NewUpdate().Model((*sessionRow)(nil)).Set("last_seen_at = ?", now).Where("id = ?", l.ID).Exec(ctx)
			return err
		}); err != nil {
			return Principal{}, errs.Wrap(err, "tenants.AuthenticateSession")
		}
		l.LastSeenAt = now
		s.auth.putSession(hash, l, now, gen)
	}
	p := Principal{Kind: KindStaff, UserID: l.UserID, Email: l.Email, SessionID: l.ID, MFA: l.MFA}
	if l.PlatformRole != "" {
		p.PlatformRoles = []string{l.PlatformRole}
	}
	if l.Role != "" && l.TenantStatus != "" && l.TenantStatus != StatusClosed {
		p.TenantID, p.TenantSlug, p.TenantStatus, p.Roles = l.CurrentTenant, l.Slug, l.TenantStatus, []string{l.Role}
	} else if p.IsPlatformAdmin() {
		p.Kind = KindPlatformAdmin
	}
	return p, nil
}

func (s *Service) lookupSession(ctx context.Context, hash string) (sessionLookup, error) {
	var l sessionLookup
	err := s.db.Read(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw(`SELECT s.id, s.user_id, s.current_tenant, s.mfa, s.last_seen_at, s.expires_at,
			u.email, u.status AS user_status, COALESCE(m.role, '') AS role, COALESCE(t.slug, '') AS slug,
			COALESCE(t.status, '') AS tenant_status, COALESCE(a.role, '') AS platform_role
			FROM sessions s
			JOIN users u ON u.id = s.user_id
			LEFT JOIN memberships m ON m.tenant_id = s.current_tenant AND m.user_id = s.user_id
			LEFT JOIN tenants t ON t.id = s.current_tenant
			LEFT JOIN platform_admins a ON a.user_id = s.user_id
			WHERE s.token_hash = ?`, hash).Scan(ctx, &l)
	})
	if store.NoRows(err) {
		return l, errNoSession
	}
	return l, errs.Wrap(err, "tenants.AuthenticateSession")
}

// SwitchShop makes another shop the session's current one; the user must
// be a member of it (or a platform admin switching to "" = no shop).
func (s *Service) SwitchShop(ctx context.Context, p Principal, tenantID string) error {
	if p.SessionID == "" {
		return errs.E(errs.Unauthenticated, "please log in")
	}
	return errs.Wrap(s.writeNotify(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
		if tenantID != "" {
			var status string
			err := q.NewRaw(`SELECT t.status FROM memberships m JOIN tenants t ON t.id = m.tenant_id WHERE m.tenant_id = ? AND m.user_id = ?`, tenantID, p.UserID).Scan(ctx, &status)
			if store.NoRows(err) || status == StatusClosed {
				return errs.NotFoundf("shop not found")
			}
			if err != nil {
				return err
			}
		}
		_, err := q.NewUpdate().Model((*sessionRow)(nil)).Set("current_tenant = ?", tenantID).Where("id = ? AND user_id = ?", p.SessionID, p.UserID).Exec(ctx)
		return err
	}, sessionsChanged), "tenants.SwitchShop")
}

// Logout ends one session (idempotent).
func (s *Service) Logout(ctx context.Context, token string) error {
	s.auth.dropSession(hashToken(token))
	return errs.Wrap(s.writeNotify(ctx, func(ctx context.Context, q bun.IDB) error {
		_, err := q.NewDelete().Model((*sessionRow)(nil)).Where("token_hash = ?", hashToken(token)).Exec(ctx)
		return err
	}, sessionsChanged), "tenants.Logout")
}

// LogoutAll ends every session of the principal's user, optionally keeping
// the current one.
func (s *Service) LogoutAll(ctx context.Context, p Principal, keepCurrent bool) (int64, error) {
	if p.UserID == "" || p.Kind == KindToken {
		return 0, errs.E(errs.Unauthenticated, "please log in")
	}
	var n int64
	err := s.writeNotify(tenancy.WithPlatform(p.Context(ctx)), func(ctx context.Context, q bun.IDB) error {
		d := q.NewDelete().Model((*sessionRow)(nil)).Where("user_id = ?", p.UserID)
		if keepCurrent {
			d.Where("id <> ?", p.SessionID)
		}
		res, err := d.Exec(ctx)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return audit.Record(ctx, q, audit.Entry{TenantID: "", Action: "user.logout_all", ObjectType: "user", ObjectID: p.UserID, After: "sessions=" + itoa(n)})
	}, sessionsChanged)
	return n, errs.Wrap(err, "tenants.LogoutAll")
}

// Sessions lists the principal's user's active sessions.
func (s *Service) Sessions(ctx context.Context, p Principal) ([]Session, error) {
	var rows []sessionRow
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&rows).Where("user_id = ?", p.UserID).OrderExpr("created_at DESC").Scan(ctx)
	})
	out := make([]Session, 0, len(rows))
	now := s.now()
	for _, r := range rows {
		if now.Before(r.ExpiresAt) && now.Sub(r.LastSeenAt) < s.cfg.SessionIdle {
			out = append(out, r.public())
		}
	}
	return out, errs.Wrap(err, "tenants.Sessions")
}

// PurgeExpired deletes expired sessions, challenges, reset tokens, stale
// throttle rows and loginguard's stale counters and forgotten devices (staff
// and customers alike); run it from a periodic job.
func (s *Service) PurgeExpired(ctx context.Context) error {
	now := s.now()
	return errs.Wrap(s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		for _, st := range []struct {
			table, where string
			args         []any
		}{
			{"sessions", "expires_at < ? OR last_seen_at < ?", []any{now, now.Add(-s.cfg.SessionIdle)}},
			{"login_challenges", "expires_at < ?", []any{now}},
			{"login_throttle", "window_start < ? AND blocked_until < ?", []any{now.Add(-pairWindow), now}},
		} {
			if _, err := q.NewDelete().Table(st.table).Where(st.where, st.args...).Exec(ctx); err != nil {
				return err
			}
		}
		if err := mailtoken.Purge(ctx, q, now.Add(-24*time.Hour)); err != nil {
			return err
		}
		return loginguard.Purge(ctx, q, now)
	}), "tenants.PurgeExpired")
}

func truncateString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
