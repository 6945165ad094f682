// Package customer keeps a shop's customers (shoppers), who are separate
// from the shop's staff: sign-up by e-mail or phone number with a password,
// guest customers created at checkout, addresses, tags, notes, marketing
// consent with its timestamp and source, storefront sessions, export of one
// customer's data and deletion that anonymises what must stay.
//
// Passwords are hashed with argon2id (m = 19 MiB, t = 2, p = 1) in PHC
// string form. Sessions live in their own table (customer_sessions), keyed
// by the SHA-256 of a 256-bit random token prefixed "wsc_"; staff sessions
// are a different table in another package, so a staff cookie can never
// authenticate a shopper or the reverse. Sessions end after an idle timeout
// and an absolute timeout, and on password change or deletion.
//
// Sign-in is guarded per account by package loginguard: after 10 wrong
// passwords for one account in 24 h, from however many addresses, devices
// that have not signed in to it before wait 30 s after the latest failure,
// doubling up to 15 min, while a device the customer signed in on before
// (RememberDevice gives it a token to keep in a cookie) gets in at once.
// Per-address limits are the caller's job.
//
// Forgotten passwords are reset, and e-mail addresses verified, by
// single-use e-mailed links (mail.go, over package mailtoken, shared with
// staff resets); Customer.Verified and Facts.Verified tell others whether
// the address is proved. Changing the address clears the proof.
//
// Deleting a customer keeps the row (orders refer to it) but erases every
// personal field, addresses, tags and sessions, and calls the registered
// Erasers (e.g. orders anonymising their shipping addresses) in the same
// transaction.
//
// Tables: the package owns customer_customers, customer_addresses,
// customer_tags and customer_sessions; no other package names them in SQL.
package customer

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"strings"
	"time"
	"unicode"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loginguard"
	"github.com/wasmart/wasmart/core/store"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	store.RegisterMigrations(store.Migrations{Module: "customer", Order: 22, FS: sub})
}

// State of a customer account.
type State string

// States.
const (
	Enabled  State = "enabled"
	Disabled State = "disabled"
	Deleted  State = "deleted"
)

// Customer is a shopper of one shop.
type Customer struct {
	ID                     string
	Email                  string
	Phone                  string // E.164
	FirstName              string
	LastName               string
	Guest                  bool // no password: created at checkout
	State                  State
	Note                   string
	Locale                 string
	Tags                   []string
	AcceptsMarketing       bool
	MarketingConsentAt     *time.Time
	MarketingConsentSource string
	Birthday               Birthday // zero: not given
	LastLoginAt            *time.Time
	// EmailVerifiedAt is when the customer proved they read Email (nil:
	// not verified; cleared when the address changes).
	EmailVerifiedAt *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Birthday is a month and day (1-12, 1-31); the year is not kept. The
// zero value means none was given.
type Birthday struct {
	Month int `json:"month,omitempty"`
	Day   int `json:"day,omitempty"`
}

// IsZero reports whether no birthday was given.
func (b Birthday) IsZero() bool { return b.Month == 0 && b.Day == 0 }

// daysIn is the most days a month can have (29 for February).
var daysIn = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// validate refuses a month or day out of range (field "birthday").
func (b Birthday) validate() error {
	if b.IsZero() {
		return nil
	}
	if b.Month < 1 || b.Month > 12 {
		return errs.Field("birthday.month", "must be 1 to 12")
	}
	if b.Day < 1 || b.Day > daysIn[b.Month] {
		return errs.Field("birthday.day", "must be 1 to %d", daysIn[b.Month])
	}
	return nil
}

// Verified reports whether the customer's e-mail address is verified.
func (c *Customer) Verified() bool { return c.Email != "" && c.EmailVerifiedAt != nil }

// Name is the customer's display name.
func (c *Customer) Name() string { return strings.TrimSpace(c.FirstName + " " + c.LastName) }

// Eraser removes or anonymises a customer's data held by another module,
// inside the deletion's transaction.
type Eraser interface {
	EraseCustomer(ctx context.Context, q bun.IDB, tenantID, customerID string) error
}

// Exporter adds another module's data about a customer to an export.
type Exporter interface {
	ExportCustomer(ctx context.Context, q bun.IDB, tenantID, customerID string) (section string, data any, err error)
}

// Options configure a Service.
type Options struct {
	// IdleTimeout ends a session not used for this long (default 30 days);
	// AbsoluteTimeout ends any session this long after login (default 90 days).
	IdleTimeout     time.Duration
	AbsoluteTimeout time.Duration
	// DefaultCallingCode is prefixed to phone numbers given without "+"
	// (e.g. "86"); empty means such numbers are refused.
	DefaultCallingCode string
	Erasers            []Eraser
	Exporters          []Exporter
	Now                func() time.Time
}

// Service manages customers of every shop; calls act on the context's tenant.
type Service struct {
	db   *store.DB
	opts Options
	gate loginguard.Gate // one sign-in attempt per account at a time
}

// New returns a Service.
func New(db *store.DB, opts Options) *Service {
	if opts.IdleTimeout == 0 {
		opts.IdleTimeout = 30 * 24 * time.Hour
	}
	if opts.AbsoluteTimeout == 0 {
		opts.AbsoluteTimeout = 90 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = store.Now
	}
	return &Service{db: db, opts: opts}
}

func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Microsecond) }

type customerRow struct {
	bun.BaseModel          `bun:"table:customer_customers"`
	TenantID               string     `bun:"tenant_id,pk"`
	ID                     string     `bun:"id,pk"`
	Email                  *string    `bun:"email"`
	Phone                  *string    `bun:"phone"`
	PasswordHash           *string    `bun:"password_hash"`
	FirstName              string     `bun:"first_name"`
	LastName               string     `bun:"last_name"`
	Guest                  bool       `bun:"guest"`
	State                  string     `bun:"state"`
	Note                   string     `bun:"note"`
	Locale                 string     `bun:"locale"`
	AcceptsMarketing       bool       `bun:"accepts_marketing"`
	MarketingConsentAt     *time.Time `bun:"marketing_consent_at"`
	MarketingConsentSource string     `bun:"marketing_consent_source"`
	BirthMonth             *int       `bun:"birth_month"`
	BirthDay               *int       `bun:"birth_day"`
	LastLoginAt            *time.Time `bun:"last_login_at"`
	EmailVerifiedAt        *time.Time `bun:"email_verified_at"`
	DeletedAt              *time.Time `bun:"deleted_at"`
	CreatedAt              time.Time  `bun:"created_at"`
	UpdatedAt              time.Time  `bun:"updated_at"`
}

func (r *customerRow) out() *Customer {
	c := &Customer{ID: r.ID, FirstName: r.FirstName, LastName: r.LastName, Guest: r.Guest, State: State(r.State), Note: r.Note,
		Locale: r.Locale, AcceptsMarketing: r.AcceptsMarketing, MarketingConsentAt: utcp(r.MarketingConsentAt),
		MarketingConsentSource: r.MarketingConsentSource, LastLoginAt: utcp(r.LastLoginAt), EmailVerifiedAt: utcp(r.EmailVerifiedAt), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.Email != nil {
		c.Email = *r.Email
	}
	if r.Phone != nil {
		c.Phone = *r.Phone
	}
	if r.BirthMonth != nil && r.BirthDay != nil {
		c.Birthday = Birthday{Month: *r.BirthMonth, Day: *r.BirthDay}
	}
	return c
}

func utcp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func strp(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// NormalizePhone returns a phone number in E.164 form ("+8613800138000").
func (s *Service) NormalizePhone(p string) (string, error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return "", nil
	}
	plus := strings.HasPrefix(p, "+") || strings.HasPrefix(p, "00")
	p = strings.TrimPrefix(strings.TrimPrefix(p, "+"), "00")
	var d strings.Builder
	for _, r := range p {
		switch {
		case r >= '0' && r <= '9':
			d.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return "", errs.Field("phone", "may contain only digits, spaces and - ( ) .")
		}
	}
	n := d.String()
	if !plus {
		if s.opts.DefaultCallingCode == "" {
			return "", errs.Field("phone", "include the country code, e.g. +44 20 7946 0958")
		}
		n = s.opts.DefaultCallingCode + strings.TrimLeft(n, "0")
	}
	if len(n) < 8 || len(n) > 15 || n[0] == '0' {
		return "", errs.Field("phone", "is not a valid phone number")
	}
	return "+" + n, nil
}

func cleanName(field, s string) (string, error) {
	s = strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
	if len(s) > 100 {
		return "", errs.Field(field, "is longer than 100 characters")
	}
	return s, nil
}

func checkPassword(p string) error {
	if len([]rune(p)) < 8 {
		return errs.Field("password", "must have at least 8 characters")
	}
	if len(p) > 256 {
		return errs.Field("password", "must have at most 256 characters")
	}
	return nil
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// TokenPrefix starts every customer session token.
const TokenPrefix = "wsc_"

func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

func uniqueErr(err error) error {
	if store.IsUniqueViolation(err) {
		if strings.Contains(err.Error(), "phone") {
			return &errs.Error{Code: errs.Conflict, Field: "phone", Message: "an account with this phone number exists"}
		}
		return &errs.Error{Code: errs.Conflict, Field: "email", Message: "an account with this e-mail address exists"}
	}
	return errs.Wrap(err, "customer: write")
}
