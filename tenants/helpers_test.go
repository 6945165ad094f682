package tenants_test

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/tenants/domaintest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newService(t testing.TB, db *store.DB) (*tenants.Service, *clock) {
	t.Helper()
	s, c, _ := newServiceDNS(t, db, nil)
	return s, c
}

// newServiceDNS is newService whose domain checks ask a DNS server of the
// test's own (never the machine's); edit changes the config further.
func newServiceDNS(t testing.TB, db *store.DB, edit func(*tenants.Config)) (*tenants.Service, *clock, *domaintest.DNS) {
	t.Helper()
	dns := domaintest.Start(t)
	cfg := tenants.Config{BaseDomain: "wasmart.test", ConsoleURL: "https://console.wasmart.test", DomainResolver: dns.Resolver()}
	if edit != nil {
		edit(&cfg)
	}
	s, err := tenants.New(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	s.SetClock(c.now)
	return s, c, dns
}

const goodPassword = "correct horse battery staple"

func signup(t testing.TB, s *tenants.Service, slug string) (tenants.Tenant, tenants.User) {
	t.Helper()
	tn, u, err := s.Signup(context.Background(), tenants.SignupInput{
		ShopInput: tenants.ShopInput{Name: "Shop " + slug, Slug: slug, Currency: "eur", Country: "fr"},
		OwnerName: "Owner", Email: "owner@" + slug + ".example.com", Password: goodPassword,
	})
	if err != nil {
		t.Fatalf("signup %s: %v", slug, err)
	}
	return tn, u
}

func login(t testing.TB, s *tenants.Service, email, password, ip string) tenants.Principal {
	t.Helper()
	res, err := s.Login(context.Background(), tenants.LoginInput{Email: email, Password: password, IP: ip})
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	if res.MFARequired {
		t.Fatalf("login %s: unexpected MFA", email)
	}
	p, err := s.AuthenticateSession(context.Background(), res.Token)
	if err != nil {
		t.Fatalf("authenticate %s: %v", email, err)
	}
	sessionTokens[res.Token] = p.SessionID
	return p
}

// sessionTokens maps session tokens to ids so tests can rebuild principals.
var sessionTokens = map[string]string{}

func errorsAs(err error, target **errs.Error) bool { return errors.As(err, target) }

func auditFilter() audit.Filter               { return audit.Filter{Limit: 200} }
func auditFilterAction(a string) audit.Filter { return audit.Filter{Action: a} }
func mailFilter() outbox.MailFilter           { return outbox.MailFilter{} }

// wantErr fails unless err is an *errs.Error with the code and field.
func wantErr(t testing.TB, err error, code errs.Code, field string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("want %s error on %q, got %v", code, field, err)
	}
	if e.Code != code || e.Field != field {
		t.Fatalf("want %s error on %q, got %s on %q: %v", code, field, e.Code, e.Field, err)
	}
}

var tokenRE = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

// lastMailToken returns the token in the newest e-mail to addr.
func lastMailToken(t testing.TB, db *store.DB, to, topic string) string {
	t.Helper()
	page, err := outbox.ListMail(context.Background(), db, outbox.MailFilter{To: to, Topic: topic})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Mail) == 0 {
		t.Fatalf("no %s mail to %s", topic, to)
	}
	m := tokenRE.FindStringSubmatch(page.Mail[0].Text)
	if m == nil {
		t.Fatalf("no token in mail: %s", page.Mail[0].Text)
	}
	return m[1]
}

func loginIn(email string) tenants.LoginInput {
	return tenants.LoginInput{Email: email, Password: goodPassword, IP: "1.1.1.1"}
}

// resetPassword uses a reset link from a browser with no device cookie.
func resetPassword(s *tenants.Service, token, password string) error {
	_, err := s.ResetPassword(context.Background(), token, password, "")
	return err
}
