package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/cmd/wasmart/wire"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/jobs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/review"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/plugins"
	"github.com/wasmart/wasmart/plugins/sandbox"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web"
)

// Demo logins printed by `make run`. They exist only in a database seeded
// with --demo.
const (
	demoSlug          = "demo"
	demoOwnerEmail    = "owner@demo.wasmart.test"
	demoOwnerPassword = "demo-owner-pass-2026"
	demoAdminEmail    = "admin@wasmart.test"
	demoAdminPassword = "demo-admin-pass-2026"
)

// serveConfig is what `wasmart serve` runs with.
type serveConfig struct {
	addr, baseDomain, publicURL, smtpURL string
	secretKey                            string
	ipRate, shopBudget                   int
	pluginInputDays, pluginRunDays       int
	secure, demo, trustProxy             bool
	trustedProxies                       []string
	db                                   dbFlags
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("serve", stderr)
	var cfg serveConfig
	cfg.db = addDBFlags(f)
	addr := f.String("addr", ":8080", "listen address")
	base := f.String("base-domain", "localhost", "shops are served on <slug>.<base-domain>")
	public := f.String("public-url", "", "URL of the console, for links in e-mails (default http://localhost<addr port>)")
	smtpURL := f.String("smtp-url", "", "smtp://user:pass@host:587?from=noreply@example.com; without it mail stays in the mailbox")
	secure := f.Bool("secure", false, "served over https: __Host- Secure cookies and HSTS")
	demo := f.Bool("demo", false, "seed the demo shop and logins if missing")
	trust := f.Bool("trust-proxy", false, "read client IPs and scheme from X-Forwarded-For/-Proto sent by a trusted proxy")
	proxies := f.String("trusted-proxies", "", "with --trust-proxy: comma-separated proxy addresses or CIDR ranges (default: loopback and private networks)")
	ipRate := f.Int("ip-rate-limit", 6000, "requests per minute from one client IP")
	shopBudget := f.Int("shop-budget", 500, "each shop's storefront budget in units a second, times its plan's factor (cached page 1, rendered page 5, cart/checkout/writes 20); over it shoppers get 429; -1: no limit")
	inputDays := f.Int("plugin-input-days", 7, "days plugin run inputs are kept for replay and dry runs")
	runDays := f.Int("plugin-run-days", 30, "days plugin run records are kept")
	secret := f.String("secret-key", "", "64 hex digits encrypting secrets at rest (TOTP); default: generated once into <data-dir>/secret.key")
	if err := f.Parse(args); err != nil {
		return err
	}
	cfg.addr, cfg.baseDomain, cfg.publicURL, cfg.smtpURL = *addr, *base, *public, *smtpURL
	cfg.secure, cfg.demo, cfg.trustProxy, cfg.secretKey, cfg.ipRate = *secure, *demo, *trust, *secret, *ipRate
	for _, p := range strings.Split(*proxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			return fmt.Errorf("--trusted-proxies: %q is not an address or CIDR range", p)
		}
		cfg.trustedProxies = append(cfg.trustedProxies, p)
	}
	cfg.pluginInputDays, cfg.pluginRunDays, cfg.shopBudget = *inputDays, *runDays, *shopBudget
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, ln, stdout)
}

// serve runs the server on ln until ctx ends. Tests call it with a port-0
// listener.
func serve(ctx context.Context, cfg serveConfig, ln net.Listener, stdout io.Writer) error {
	log := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: slog.LevelInfo}))
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	if cfg.publicURL == "" {
		cfg.publicURL = "http://localhost:" + port
	}
	db, err := openDB(ctx, cfg.db)
	if err != nil {
		ln.Close()
		return err
	}
	defer db.Close()
	key, err := secretKey(cfg.secretKey, *cfg.db.dataDir)
	if err != nil {
		ln.Close()
		return err
	}
	smtp, err := parseSMTP(cfg.smtpURL)
	if err != nil {
		ln.Close()
		return err
	}
	blobs, err := blob.NewFS(filepath.Join(*cfg.db.dataDir, "blobs"))
	if err != nil {
		ln.Close()
		return err
	}
	svc, err := wire.Build(db, wire.Options{
		Tenants: tenants.Config{BaseDomain: cfg.baseDomain, ConsoleURL: cfg.publicURL, Log: log, SecretKey: key},
		Plugins: plugins.ServiceOptions{
			Host:           sandbox.Options{CacheDir: filepath.Join(*cfg.db.dataDir, "wazero")},
			InputRetention: time.Duration(cfg.pluginInputDays) * 24 * time.Hour,
			RunRetention:   time.Duration(cfg.pluginRunDays) * 24 * time.Hour,
			Log:            log,
		},
		Blobs:         blobs,
		LowStock:      inventory.OutboxNotifier{},
		OrderSecret:   deriveKey(key, "order-token"),
		GatewaySecret: deriveKey(key, "test-gateway-webhook"),
		MailingSecret: deriveKey(key, "mailing-links"),
		StorefrontURL: func(slug string) string { return storefrontURL(cfg, slug, port) },
	})
	if err != nil {
		ln.Close()
		return err
	}
	defer svc.Close()
	ts := svc.Tenants
	if err := ts.StartWatcher(ctx); err != nil {
		ln.Close()
		return err
	}
	if cfg.demo {
		if err := seedDemoAll(ctx, svc, *cfg.db.dataDir); err != nil {
			ln.Close()
			return err
		}
	}
	worker := outbox.NewWorker(db, smtp)
	(&order.Notifier{DB: db, Brand: svc.Design}).Register(worker) // order e-mails in the shop's look
	worker.Handle(inventory.TopicLowStock, lowStockMailer(db, ts, cfg.publicURL))
	worker.Handle(analytics.TopicGoalStatus, svc.Analytics.GoalMailer(goalAudience(ts), cfg.publicURL)) // goals at risk or met
	webCfg := web.Config{BaseDomain: cfg.baseDomain, PublicURL: cfg.publicURL, Secure: cfg.secure, TrustProxy: cfg.trustProxy, TrustedProxies: cfg.trustedProxies, Logger: log, RateLimitPerIP: cfg.ipRate, ShopBudget: float64(cfg.shopBudget)}
	askReview := svc.Reviews.RequestMailer(func(ctx context.Context, tenantID string) (string, string, error) {
		t, err := ts.Tenant(ctx, tenantID)
		return t.Name, webCfg.ShopURL(t.Slug), err
	})
	for _, topic := range review.DeliveredTopics {
		worker.Handle(topic, askReview) // review requests after delivery (if the shop has them on)
	}
	for topic, h := range svc.Loyalty.Handlers() { // points for orders, refunds, sign-ups, reviews
		worker.Handle(topic, h)
	}
	svc.Mailing.Register(worker) // campaigns: audience, paced batches, attribution
	// Background work recovers from panics (core/jobs): a failing round
	// is logged and the next runs on schedule.
	worker.Log = log
	go worker.Run(ctx)
	go jobs.Every(ctx, log, "commerce sweeper", time.Minute, func(ctx context.Context) { sweepCommerce(ctx, svc, time.Now(), log) })
	go jobs.Every(ctx, log, "loyalty sweep", 5*time.Minute, func(ctx context.Context) { // points expiry, notices, tier reviews, monthly coupons
		if _, err := svc.Loyalty.Sweep(ctx); err != nil && ctx.Err() == nil {
			log.Warn("loyalty sweep", "err", err)
		}
	})
	go jobs.Every(ctx, log, "mailing automations", 5*time.Minute, func(ctx context.Context) { // abandoned carts, win-back, birthdays
		if _, err := svc.Mailing.RunAutomations(ctx); err != nil && ctx.Err() == nil {
			log.Warn("mailing automations", "err", err)
		}
	})
	go jobs.Every(ctx, log, "segment rfm refresh", time.Minute, func(ctx context.Context) { // RFM scores of customers with new orders
		if _, err := svc.Segments.Refresh(ctx); err != nil && ctx.Err() == nil {
			log.Warn("segment rfm refresh", "err", err)
		}
	})
	go jobs.Every(ctx, log, "plugin run purge", time.Hour, func(ctx context.Context) {
		if _, _, err := svc.Plugins.Purge(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Warn("purge plugin runs", "err", err)
		}
	})
	// Analytics: event partitions and retention now and hourly; the
	// rollups of the shop-days that changed every minute.
	if err := svc.Analytics.Maintain(ctx); err != nil {
		log.Warn("analytics maintenance", "err", err)
	}
	go jobs.Every(ctx, log, "analytics maintenance", time.Hour, func(ctx context.Context) {
		if err := svc.Analytics.Maintain(ctx); err != nil && ctx.Err() == nil {
			log.Warn("analytics maintenance", "err", err)
		}
	})
	go jobs.Every(ctx, log, "analytics rollup", time.Minute, func(ctx context.Context) {
		if _, err := svc.Analytics.Rollup(ctx); err != nil && ctx.Err() == nil {
			log.Warn("analytics rollup", "err", err)
		}
	})
	go jobs.Every(ctx, log, "analytics bought together", time.Hour, func(ctx context.Context) { // re-mine the rules of shops with new orders
		if _, err := svc.Analytics.MineBaskets(ctx); err != nil && ctx.Err() == nil {
			log.Warn("analytics bought together", "err", err)
		}
	})
	go jobs.Every(ctx, log, "analytics reports", 5*time.Minute, func(ctx context.Context) { // scheduled reports, once per period
		if _, err := svc.Analytics.SendDue(ctx); err != nil && ctx.Err() == nil {
			log.Warn("analytics reports", "err", err)
		}
	})
	go jobs.Every(ctx, log, "analytics goals", 5*time.Minute, func(ctx context.Context) { // goal statuses, notices once per transition
		if _, err := svc.Analytics.EvaluateGoals(ctx); err != nil && ctx.Err() == nil {
			log.Warn("analytics goals", "err", err)
		}
	})
	go jobs.Every(ctx, log, "session purge", 10*time.Minute, func(ctx context.Context) {
		if err := ts.PurgeExpired(ctx); err != nil && ctx.Err() == nil {
			log.Warn("purge expired sessions", "err", err)
		}
	})

	srv, err := web.New(webCfg, svc.Deps())
	if err != nil {
		ln.Close()
		return err
	}
	scheme := "http"
	if cfg.secure {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "\nWasmart is running (%s database)\n  console:    %s/console\n  platform:   %s/platform\n", db.Dialect(), cfg.publicURL, cfg.publicURL)
	if cfg.demo {
		fmt.Fprintf(stdout, "  storefront: %s://%s.%s:%s/\n  demo shop owner: %s / %s\n  platform admin:  %s / %s\n",
			scheme, demoSlug, cfg.baseDomain, port, demoOwnerEmail, demoOwnerPassword, demoAdminEmail, demoAdminPassword)
	}
	fmt.Fprintln(stdout)
	return srv.Serve(ctx, ln, 20*time.Second)
}

// seedDemoAll seeds the demo shop, its logins, plugins, catalog, checkout
// settings and design, each unless already there.
func seedDemoAll(ctx context.Context, svc *wire.Services, dataDir string) error {
	if err := seedDemo(ctx, svc.Tenants); err != nil {
		return fmt.Errorf("demo seed: %w", err)
	}
	if err := seedDemoPlugins(ctx, svc.Tenants, svc.Plugins, dataDir); err != nil {
		return fmt.Errorf("demo plugins: %w", err)
	}
	if err := seedDemoCatalog(ctx, svc.Tenants, svc.Catalog, svc.Inventory); err != nil {
		return fmt.Errorf("demo catalog: %w", err)
	}
	if err := seedDemoCheckout(ctx, svc.Tenants, svc.DB); err != nil {
		return fmt.Errorf("demo checkout settings: %w", err)
	}
	if err := seedDemoDesign(ctx, svc.Tenants, svc.Catalog, svc.Design, svc.Content); err != nil {
		return fmt.Errorf("demo design: %w", err)
	}
	return nil
}

// seedDemo creates the demo shop, its owner and a platform admin unless
// they exist (a second run changes nothing).
func seedDemo(ctx context.Context, ts *tenants.Service) error {
	sys := tenants.System()
	if _, err := ts.TenantBySlug(ctx, demoSlug); errs.Is(err, errs.NotFound) {
		if _, _, err := ts.Signup(ctx, tenants.SignupInput{
			ShopInput: tenants.ShopInput{Name: "Demo Shop", Slug: demoSlug, Currency: "EUR", Country: "FR", Plan: tenants.PlanGrowth},
			OwnerName: "Demo Owner", Email: demoOwnerEmail, Password: demoOwnerPassword}); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	admins, err := ts.PlatformAdmins(ctx, sys)
	if err != nil {
		return err
	}
	for _, a := range admins {
		if a.Email == demoAdminEmail {
			return nil
		}
	}
	_, err = ts.CreatePlatformAdmin(ctx, sys, demoAdminEmail, demoAdminPassword, "platform_admin")
	return err
}

// storefrontURL is a shop's address on the base domain as this server
// answers it (the scheme, and the port unless it is the scheme's own).
func storefrontURL(cfg serveConfig, slug, port string) string {
	scheme, def := "http", "80"
	if cfg.secure {
		scheme, def = "https", "443"
	}
	if cfg.publicURL != "" {
		if u, err := url.Parse(cfg.publicURL); err == nil && u.Port() == "" {
			port = def // behind a proxy on the default port
		}
	}
	if port == def {
		return scheme + "://" + slug + "." + cfg.baseDomain
	}
	return scheme + "://" + slug + "." + cfg.baseDomain + ":" + port
}

// parseSMTP reads smtp://user:pass@host:port?from=addr.
func parseSMTP(raw string) (outbox.SMTPConfig, error) {
	if raw == "" {
		return outbox.SMTPConfig{}, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return outbox.SMTPConfig{}, errs.Field("smtp-url", "must look like smtp://user:pass@host:587?from=noreply@example.com")
	}
	cfg := outbox.SMTPConfig{Host: u.Hostname(), Port: 587, From: u.Query().Get("from")}
	if p := u.Port(); p != "" {
		if cfg.Port, err = strconv.Atoi(p); err != nil {
			return cfg, errs.Field("smtp-url", "port must be a number")
		}
	}
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Pass, _ = u.User.Password()
	}
	if !strings.Contains(cfg.From, "@") {
		return cfg, errs.Field("smtp-url", "needs ?from=<sender address>")
	}
	return cfg, nil
}

// deriveKey derives a purpose-specific key from the platform secret key.
func deriveKey(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("wasmart:" + purpose))
	return m.Sum(nil)
}

// sweepCommerce is the commerce scheduler's round: it releases stock
// reservations whose time is up, cancels orders still unpaid after their
// shop's hold hours (their stock goes back), and, at most hourly, purges
// expired idempotency keys. Each step logs and carries on when it fails.
func sweepCommerce(ctx context.Context, com *wire.Services, now time.Time, log *slog.Logger) {
	platform := tenancy.WithPlatform(ctx)
	for range 20 { // at most 10,000 reservations a round
		n, err := com.Inventory.ExpireDue(platform, 500)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("expire stock reservations", "err", err)
			}
			break
		}
		if n < 500 {
			break
		}
	}
	if _, err := sweepUnpaid(ctx, com.DB, com.Orders, now); err != nil && ctx.Err() == nil {
		log.Warn("cancel unpaid orders", "err", err)
	}
	if now.Sub(lastPurge) >= time.Hour {
		lastPurge = now
		if _, err := com.Idempotency.Purge(platform); err != nil && ctx.Err() == nil {
			log.Warn("purge idempotency keys", "err", err)
		}
	}
}

// lastPurge is when sweepCommerce last purged idempotency keys (it runs
// from one goroutine).
var lastPurge time.Time

// sweepUnpaid cancels, shop by shop, the orders still awaiting payment
// after the shop's hold hours through the wired order service (so stock
// and promotion usage come back), and returns how many it cancelled.
func sweepUnpaid(ctx context.Context, db *store.DB, orders *order.Service, now time.Time) (int, error) {
	var shops []string
	err := db.Read(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
		var err error
		shops, err = order.ShopsWithUnpaid(ctx, q, now.Add(-time.Hour))
		return err
	})
	if err != nil {
		return 0, err
	}
	total := 0
	for _, id := range shops {
		tctx := tenancy.WithTenant(ctx, id)
		st, err := checkout.GetSettings(tctx, db)
		if err != nil {
			return total, err
		}
		n, err := orders.CancelUnpaid(tctx, now.Add(-st.Hold()), 500)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// secretKey decodes --secret-key, or reads (creating it the first time)
// <data-dir>/secret.key. Every server process of one platform must use the
// same key.
func secretKey(flagValue, dataDir string) ([]byte, error) {
	if flagValue != "" {
		k, err := hex.DecodeString(strings.TrimSpace(flagValue))
		if err != nil || len(k) != 32 {
			return nil, errs.Field("secret-key", "must be 64 hex digits (32 bytes)")
		}
		return k, nil
	}
	path := filepath.Join(dataDir, "secret.key")
	if b, err := os.ReadFile(path); err == nil {
		return secretKey(string(b), dataDir)
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(k)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return k, nil
}
