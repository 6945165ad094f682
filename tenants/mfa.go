package tenants

import (
	"bytes"
	"context"
	"crypto/subtle"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/tenancy"
)

// TOTP parameters: RFC 6238 defaults every authenticator app supports.
const (
	totpPeriod = 30
	totpSkew   = 1 // accept the previous and next time-step too
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Skew: totpSkew, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// RecoveryCodeCount is how many recovery codes enrolment issues.
const RecoveryCodeCount = 10

// TOTPEnrolment is what the console shows while enrolling: the secret (for
// manual entry), the otpauth:// URL and a QR code of it as PNG.
type TOTPEnrolment struct {
	Secret string
	URL    string
	QRPNG  []byte
}

type recoveryCode struct {
	bun.BaseModel `bun:"table:recovery_codes"`
	UserID        string     `bun:"user_id,pk"`
	CodeHash      string     `bun:"code_hash,pk"`
	UsedAt        *time.Time `bun:"used_at"`
}

// BeginTOTP starts MFA enrolment for the principal's user: a new secret is
// kept pending until ConfirmTOTP proves the app has it.
func (s *Service) BeginTOTP(ctx context.Context, p Principal) (TOTPEnrolment, error) {
	if p.UserID == "" || p.Kind == KindToken {
		return TOTPEnrolment{}, errs.E(errs.Unauthenticated, "please log in")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.cfg.MFAIssuer, AccountName: p.Email, Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return TOTPEnrolment{}, errs.Wrap(err, "tenants.BeginTOTP")
	}
	img, err := key.Image(256, 256)
	if err != nil {
		return TOTPEnrolment{}, errs.Wrap(err, "tenants.BeginTOTP")
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return TOTPEnrolment{}, errs.Wrap(err, "tenants.BeginTOTP")
	}
	sealed, err := s.sealSecret(p.UserID, key.Secret())
	if err != nil {
		return TOTPEnrolment{}, errs.Wrap(err, "tenants.BeginTOTP")
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		_, err := q.NewUpdate().Model((*userRow)(nil)).Set("totp_pending = ?", sealed).Set("updated_at = ?", s.now()).Where("id = ?", p.UserID).Exec(ctx)
		return err
	})
	if err != nil {
		return TOTPEnrolment{}, errs.Wrap(err, "tenants.BeginTOTP")
	}
	return TOTPEnrolment{Secret: key.Secret(), URL: key.URL(), QRPNG: buf.Bytes()}, nil
}

// ConfirmTOTP checks a code from the app against the pending secret,
// enables MFA, and returns 10 single-use recovery codes (shown once, stored
// hashed). A notice is e-mailed to the user.
func (s *Service) ConfirmTOTP(ctx context.Context, p Principal, code string) ([]string, error) {
	if p.UserID == "" || p.Kind == KindToken {
		return nil, errs.E(errs.Unauthenticated, "please log in")
	}
	var codes []string
	err := s.db.Write(tenancy.WithPlatform(p.Context(ctx)), func(ctx context.Context, q bun.IDB) error {
		u, err := s.userByID(ctx, q, p.UserID)
		if err != nil {
			return err
		}
		if u.TOTPPending == "" {
			return errs.Field("code", "start enrolment first")
		}
		secret, err := s.openSecret(u.ID, u.TOTPPending)
		if err != nil {
			return err
		}
		step, ok := matchTOTP(secret, code, s.now())
		if !ok {
			return errs.Field("code", "is incorrect; check the time on your device")
		}
		if _, err := q.NewUpdate().Model((*userRow)(nil)).
			Set("totp_secret = totp_pending").Set("totp_pending = ''").Set("totp_enabled = ?", true).
			Set("totp_last_step = ?", step).Set("updated_at = ?", s.now()).
			Where("id = ?", u.ID).Exec(ctx); err != nil {
			return err
		}
		if codes, err = s.newRecoveryCodes(ctx, q, u.ID); err != nil {
			return err
		}
		m := mfaEnrolledMail(u.Email, s.cfg.ConsoleURL, s.now())
		if _, err := outbox.EnqueueMail(ctx, q, m); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: "", Action: "user.mfa_enable", ObjectType: "user", ObjectID: u.ID})
	})
	if err != nil {
		return nil, errs.Wrap(err, "tenants.ConfirmTOTP")
	}
	return codes, nil
}

// RegenerateRecoveryCodes replaces the recovery codes after checking a
// current TOTP code.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, p Principal, code string) ([]string, error) {
	var codes []string
	err := s.db.Write(tenancy.WithPlatform(p.Context(ctx)), func(ctx context.Context, q bun.IDB) error {
		u, err := s.userByID(ctx, q, p.UserID)
		if err != nil {
			return err
		}
		if !u.TOTPEnabled {
			return errs.Field("code", "MFA is not enabled")
		}
		if err := s.useTOTP(ctx, q, u, code); err != nil {
			return err
		}
		codes, err = s.newRecoveryCodes(ctx, q, u.ID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: "", Action: "user.recovery_codes", ObjectType: "user", ObjectID: u.ID})
	})
	return codes, errs.Wrap(err, "tenants.RegenerateRecoveryCodes")
}

// DisableTOTP turns MFA off after checking a current code (TOTP or
// recovery).
func (s *Service) DisableTOTP(ctx context.Context, p Principal, code string) error {
	return errs.Wrap(s.db.Write(tenancy.WithPlatform(p.Context(ctx)), func(ctx context.Context, q bun.IDB) error {
		u, err := s.userByID(ctx, q, p.UserID)
		if err != nil {
			return err
		}
		if !u.TOTPEnabled {
			return nil
		}
		if err := s.useSecondFactor(ctx, q, u, code); err != nil {
			return err
		}
		if _, err := q.NewUpdate().Model((*userRow)(nil)).Set("totp_secret = ''").Set("totp_enabled = ?", false).Set("totp_last_step = 0").Where("id = ?", u.ID).Exec(ctx); err != nil {
			return err
		}
		if _, err := q.NewDelete().Model((*recoveryCode)(nil)).Where("user_id = ?", u.ID).Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: "", Action: "user.mfa_disable", ObjectType: "user", ObjectID: u.ID})
	}), "tenants.DisableTOTP")
}

func (s *Service) newRecoveryCodes(ctx context.Context, q bun.IDB, userID string) ([]string, error) {
	if _, err := q.NewDelete().Model((*recoveryCode)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return nil, err
	}
	codes := make([]string, RecoveryCodeCount)
	rows := make([]recoveryCode, RecoveryCodeCount)
	for i := range codes {
		c := newRecoveryCode()
		codes[i] = c
		rows[i] = recoveryCode{UserID: userID, CodeHash: hashToken(normalizeRecovery(c))}
	}
	_, err := q.NewInsert().Model(&rows).Exec(ctx)
	return codes, err
}

// newRecoveryCode returns 10 characters from an unambiguous alphabet
// (about 50 bits), formatted xxxxx-xxxxx.
func newRecoveryCode() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	raw := []byte(randomToken(16))
	var b strings.Builder
	for i := 0; i < 10; i++ {
		if i == 5 {
			b.WriteByte('-')
		}
		b.WriteByte(alphabet[int(raw[i])%len(alphabet)])
	}
	return b.String()
}

func normalizeRecovery(c string) string {
	return strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(c)))
}

// matchTOTP returns the time-step a code matches within the skew window.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	step := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		t := time.Unix((step+d)*totpPeriod, 0)
		want, err := totp.GenerateCodeCustom(secret, t, totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step + d, true
		}
	}
	return 0, false
}

// useTOTP accepts a TOTP code once: its time-step must be later than the
// last one used, and the update is conditional so two concurrent uses of
// one code cannot both pass.
func (s *Service) useTOTP(ctx context.Context, q bun.IDB, u userRow, code string) error {
	secret, err := s.openSecret(u.ID, u.TOTPSecret)
	if err != nil {
		return err
	}
	step, ok := matchTOTP(secret, code, s.now())
	if !ok {
		return errs.Field("code", "is incorrect")
	}
	if step <= u.TOTPLastStep {
		return errs.Field("code", "has already been used; wait for the next one")
	}
	res, err := q.NewUpdate().Model((*userRow)(nil)).Set("totp_last_step = ?", step).Where("id = ? AND totp_last_step < ?", u.ID, step).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.Field("code", "has already been used; wait for the next one")
	}
	return nil
}

// useSecondFactor accepts a TOTP code or an unused recovery code.
func (s *Service) useSecondFactor(ctx context.Context, q bun.IDB, u userRow, code string) error {
	c := strings.TrimSpace(code)
	if c == "" {
		return errs.Field("code", "is required")
	}
	if len(strings.ReplaceAll(c, " ", "")) == 6 {
		return s.useTOTP(ctx, q, u, c)
	}
	res, err := q.NewUpdate().Model((*recoveryCode)(nil)).Set("used_at = ?", s.now()).
		Where("user_id = ? AND code_hash = ? AND used_at IS NULL", u.ID, hashToken(normalizeRecovery(c))).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.Field("code", "is incorrect or has already been used")
	}
	return audit.Record(ctx, q, audit.Entry{TenantID: "", ActorKind: KindStaff, ActorID: u.ID, ActorName: u.Email, Action: "user.recovery_code_used", ObjectType: "user", ObjectID: u.ID})
}

// RecoveryCodesLeft counts a user's unused recovery codes.
func (s *Service) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		c, err := q.NewSelect().Model((*recoveryCode)(nil)).Where("user_id = ? AND used_at IS NULL", userID).Count(ctx)
		n = int(c)
		return err
	})
	return n, errs.Wrap(err, "tenants.RecoveryCodesLeft")
}
