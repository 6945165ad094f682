package tenants

import (
	"context"
	"crypto/cipher"
	"embed"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/loginguard"
	"github.com/wasmart/wasmart/core/store"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		panic(err)
	}
	store.RegisterMigrations(store.Migrations{Module: "tenants", Order: 10, FS: sub})
}

// Config tunes the service. Zero values pick the defaults noted.
type Config struct {
	// BaseDomain is the platform's domain: shops answer at <slug>.<BaseDomain>.
	// <slug>.localhost always works too.
	BaseDomain string
	// ConsoleURL is the console's base URL, used in links in e-mails
	// (default http://localhost:8080).
	ConsoleURL string

	SessionIdle     time.Duration // default 12 h
	SessionAbsolute time.Duration // default 7 days
	ChallengeTTL    time.Duration // MFA step after the password; default 5 min
	ResetTTL        time.Duration // password reset token; default 1 h
	InviteTTL       time.Duration // staff invitation; default 7 days
	MFAIssuer       string        // shown in authenticator apps; default "Wasmart"

	// TenantEnforcers caps how many tenants' custom-role enforcers stay in
	// memory (LRU); default 2,000.
	TenantEnforcers int
	// HostCacheTTL bounds how long a host resolution is cached (it is also
	// invalidated on change); default 1 min.
	HostCacheTTL time.Duration

	// DomainResolver answers the DNS TXT look-ups of custom-domain
	// ownership checks (default net.DefaultResolver; tests point one at a
	// DNS server of their own). It also resolves the HTTP check's host when
	// DomainHTTPClient is nil.
	DomainResolver *net.Resolver
	// DomainHTTPClient fetches the HTTP ownership token (default: a client
	// that connects only to public addresses and follows redirects only on
	// the same host; see domaincheck.go). DomainHTTPPort is the port it asks
	// (default 80). DomainCheckTimeout bounds one verification, both checks
	// together (default 10 s).
	DomainHTTPClient   *http.Client
	DomainHTTPPort     int
	DomainCheckTimeout time.Duration

	// SecretKey (32 bytes), when set, encrypts TOTP secrets at rest with
	// AES-256-GCM. Keep it out of the database (e.g. WASMART_SECRET_KEY).
	SecretKey []byte

	Log *slog.Logger
}

func (c *Config) defaults() {
	if c.ConsoleURL == "" {
		c.ConsoleURL = "http://localhost:8080"
	}
	c.ConsoleURL = strings.TrimSuffix(c.ConsoleURL, "/")
	c.BaseDomain = strings.TrimSuffix(strings.ToLower(c.BaseDomain), ".")
	if c.SessionIdle <= 0 {
		c.SessionIdle = 12 * time.Hour
	}
	if c.SessionAbsolute <= 0 {
		c.SessionAbsolute = 7 * 24 * time.Hour
	}
	if c.ChallengeTTL <= 0 {
		c.ChallengeTTL = 5 * time.Minute
	}
	if c.ResetTTL <= 0 {
		c.ResetTTL = time.Hour
	}
	if c.InviteTTL <= 0 {
		c.InviteTTL = 7 * 24 * time.Hour
	}
	if c.MFAIssuer == "" {
		c.MFAIssuer = "Wasmart"
	}
	if c.TenantEnforcers <= 0 {
		c.TenantEnforcers = 2000
	}
	if c.HostCacheTTL <= 0 {
		c.HostCacheTTL = time.Minute
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.DomainResolver == nil {
		c.DomainResolver = net.DefaultResolver
	}
	if c.DomainCheckTimeout <= 0 {
		c.DomainCheckTimeout = defaultDomainCheckTimeout
	}
	if c.DomainHTTPClient == nil {
		c.DomainHTTPClient = defaultDomainHTTPClient(c.DomainResolver, c.DomainCheckTimeout)
	}
	if c.DomainHTTPPort <= 0 {
		c.DomainHTTPPort = 80
	}
}

// Service is the tenants, accounts and permissions API. It is safe for
// concurrent use. Create one per process with New.
type Service struct {
	db    *store.DB
	cfg   Config
	authz *authorizer
	hosts *hostCache
	auth  *authCache
	gate  loginguard.Gate // one login attempt per account at a time
	aead  cipher.AEAD

	// now is the clock (tests move it).
	now func() time.Time

	watchMu   sync.Mutex
	watchStop context.CancelFunc
	watchDone chan struct{}
}

// New returns a service on db (already migrated).
func New(db *store.DB, cfg Config) (*Service, error) {
	cfg.defaults()
	s := &Service{db: db, cfg: cfg, now: store.Now}
	aead, err := newAEAD(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	s.aead = aead
	az, err := newAuthorizer(db, cfg.TenantEnforcers)
	if err != nil {
		return nil, err
	}
	s.authz = az
	s.hosts = newHostCache(cfg.HostCacheTTL, 10_000)
	s.auth = newAuthCache()
	return s, nil
}

// DB returns the database the service uses.
func (s *Service) DB() *store.DB { return s.db }

// Config returns the effective configuration.
func (s *Service) Config() Config { return s.cfg }

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) {
	s.now = func() time.Time { return now().UTC().Truncate(time.Microsecond) }
}

// Close stops the change watcher, if running.
func (s *Service) Close() {
	s.watchMu.Lock()
	stop, done := s.watchStop, s.watchDone
	s.watchStop, s.watchDone = nil, nil
	s.watchMu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

// Change notifications. Writes that change cached state call notify inside
// their transaction: on PostgreSQL that is a pg_notify delivered to every
// process at commit (and never if the transaction rolls back); the local
// caches are invalidated by the caller after the commit as well.
const notifyChannel = "wasmart_tenants"

type change struct {
	kind   string // "roles" (custom roles of a tenant), "hosts", "tenant", "sessions", "tokens", "all"
	tenant string
}

func (c change) String() string { return c.kind + ":" + c.tenant }

func parseChange(s string) change {
	k, t, _ := strings.Cut(s, ":")
	return change{kind: k, tenant: t}
}

func (s *Service) notify(ctx context.Context, q bun.IDB, c change) error {
	if s.db.Dialect() != store.Postgres {
		return nil
	}
	_, err := q.ExecContext(ctx, "SELECT pg_notify(?, ?)", notifyChannel, c.String())
	return err
}

// apply invalidates local caches for a change (after commit, or when a
// notification arrives from another process).
func (s *Service) apply(c change) {
	switch c.kind {
	case "roles":
		s.authz.invalidate(c.tenant)
	case "hosts":
		s.hosts.clear()
	case "sessions":
		s.auth.clearSessions()
	case "tokens":
		s.auth.clearTokens()
	case "tenant":
		s.hosts.clear()
		s.auth.clearSessions()
		s.auth.clearTokens()
	default: // "all", or a kind from a newer version
		s.authz.invalidateAll()
		s.hosts.clear()
		s.auth.clearSessions()
		s.auth.clearTokens()
	}
}

// write runs fn in a transaction and applies the recorded changes to the
// local caches after it commits.
func (s *Service) write(ctx context.Context, fn func(ctx context.Context, q bun.IDB, changed func(change) error) error) error {
	var changes []change
	err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		changes = changes[:0]
		return fn(ctx, q, func(c change) error {
			changes = append(changes, c)
			return s.notify(ctx, q, c)
		})
	})
	if err == nil {
		for _, c := range changes {
			s.apply(c)
		}
	}
	return err
}
