package tenants_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants"
)

// TestDomainClaimsFirstVerifierWins: two shops claim one host; neither
// serves it while pending; a check that fails says why and leaves the claim
// pending; the shop that proves control wins, the other's pending claim is
// dropped, and the host cannot be claimed again by anyone else.
func TestDomainClaimsFirstVerifierWins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _, dns := newServiceDNS(t, db, func(c *tenants.Config) { c.ConsoleURL = "https://admin.platform-example.net:8443" })
		ctx := context.Background()
		a, ua := signup(t, s, "owner-shop")
		_, ub := signup(t, s, "squatter")
		pa := login(t, s, ua.Email, goodPassword, "1.1.1.1")
		pb := login(t, s, ub.Email, goodPassword, "1.1.1.1")

		db1, err := s.AddDomain(ctx, pb, "shop.example.com") // the squatter is first
		if err != nil {
			t.Fatal(err)
		}
		da, err := s.AddDomain(ctx, pa, "shop.example.com") // not blocked by it
		if err != nil {
			t.Fatalf("a pending claim blocks the owner: %v", err)
		}
		if da.Token == "" || da.Token == db1.Token || da.Status() != tenants.DomainPending {
			t.Fatalf("claims: %+v %+v", da, db1)
		}
		_, err = s.AddDomain(ctx, pa, "shop.example.com")
		wantErr(t, err, errs.Conflict, "domain")
		_, err = s.AddDomain(ctx, pa, "Admin.Platform-Example.net") // the console's host
		wantErr(t, err, errs.Invalid, "domain")
		if _, err := s.ResolveHost(ctx, "shop.example.com"); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("pending domain resolves: %v", err)
		}

		// No record: refused with the reason, recorded on the claim.
		_, err = s.VerifyDomain(ctx, pb, "shop.example.com")
		wantErr(t, err, errs.Unprocessable, "domain")
		if msg := err.Error(); !strings.Contains(msg, "_wasmart-verify.shop.example.com") || !strings.Contains(msg, "does not exist") {
			t.Fatalf("reason: %v", err)
		}
		ds, err := s.Domains(ctx, pb)
		if err != nil || len(ds) != 1 || ds[0].Status() != tenants.DomainPending || ds[0].CheckedAt == nil || !strings.Contains(ds[0].CheckError, "does not exist") {
			t.Fatalf("after a failed check: %+v %v", ds, err)
		}
		// The owner publishes its token: the squatter's check still fails.
		dns.SetTXT(da.TXTName(), da.Token)
		_, err = s.VerifyDomain(ctx, pb, "shop.example.com")
		wantErr(t, err, errs.Unprocessable, "domain")
		if !strings.Contains(err.Error(), "does not hold the token") {
			t.Fatalf("reason: %v", err)
		}
		got, err := s.VerifyDomain(ctx, pa, "Shop.Example.COM.")
		if err != nil || got.Status() != tenants.DomainVerified || got.VerifiedVia != "dns" {
			t.Fatalf("verify: %+v %v", got, err)
		}
		if tn, err := s.ResolveHost(ctx, "shop.example.com"); err != nil || tn.ID != a.ID {
			t.Fatalf("verified domain: %+v %v", tn, err)
		}
		// The squatter's claim is gone and cannot come back.
		if ds, err := s.Domains(ctx, pb); err != nil || len(ds) != 0 {
			t.Fatalf("squatter's claim kept: %+v %v", ds, err)
		}
		_, err = s.AddDomain(ctx, pb, "shop.example.com")
		wantErr(t, err, errs.Conflict, "domain")
		wantErrCode(t, func() error { _, err := s.VerifyDomain(ctx, pb, "shop.example.com"); return err }(), errs.NotFound)
		wantErrCode(t, s.RemoveDomain(ctx, pb, "shop.example.com"), errs.NotFound)
		// Verifying again is a no-op; the owner can still remove it.
		if again, err := s.VerifyDomain(ctx, pa, "shop.example.com"); err != nil || again.VerifiedVia != "dns" {
			t.Fatalf("verify again: %+v %v", again, err)
		}
		if err := s.RemoveDomain(ctx, pa, "shop.example.com"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResolveHost(ctx, "shop.example.com"); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("removed domain resolves: %v", err)
		}
		if n := count(t, db, "audit_log", "tenant_id = ? AND action = 'domain.verify'", a.ID); n != 1 {
			t.Fatalf("%d domain.verify audit entries", n)
		}
	})
}

// TestDomainVerifyRaceHasOneWinner: two shops whose checks both pass verify
// the same host at once (both tokens published): exactly one wins, the
// other is told so (409, never a 500 or a deadlock).
func TestDomainVerifyRaceHasOneWinner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _, dns := newServiceDNS(t, db, nil)
		ctx := context.Background()
		var ps []tenants.Principal
		var tokens []string
		for _, slug := range []string{"race-a", "race-b", "race-c"} {
			_, u := signup(t, s, slug)
			p := login(t, s, u.Email, goodPassword, "1.1.1.1")
			d, err := s.AddDomain(ctx, p, "race.example.com")
			if err != nil {
				t.Fatal(err)
			}
			ps, tokens = append(ps, p), append(tokens, d.Token)
		}
		dns.SetTXT("_wasmart-verify.race.example.com", tokens...)
		errsOut := make([]error, len(ps))
		var wg sync.WaitGroup
		for i, p := range ps {
			wg.Go(func() { _, errsOut[i] = s.VerifyDomain(ctx, p, "race.example.com") })
		}
		wg.Wait()
		won := 0
		for i, err := range errsOut {
			switch errs.CodeOf(err) {
			case "":
				won++
			case errs.Conflict, errs.NotFound: // lost the race (claim dropped)
			default:
				t.Errorf("verifier %d: %v", i, err)
			}
		}
		if won != 1 {
			t.Fatalf("%d winners: %v", won, errsOut)
		}
		if n := count(t, db, "domains", "host = 'race.example.com'"); n != 1 {
			t.Fatalf("%d claims left on the host", n)
		}
	})
}

// TestDomainVerificationByHTTPToken: the token served by the domain's own
// web server verifies it; a server that answers something else (as Wasmart
// does for a host it does not serve) does not; and the default client never
// connects to a non-public address, whatever the domain's DNS says.
func TestDomainVerificationByHTTPToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var mu sync.Mutex
		serve := map[string]string{} // path -> body
		var hosts []string
		web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			hosts = append(hosts, r.Host)
			body, ok := serve[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Write([]byte(body + "\n"))
		}))
		t.Cleanup(web.Close)
		s, _, _ := newServiceDNS(t, db, func(c *tenants.Config) { c.DomainHTTPClient = dialOnly(web.Listener.Addr().String()) })
		ctx := context.Background()
		a, ua := signup(t, s, "http-owner")
		pa := login(t, s, ua.Email, goodPassword, "1.1.1.1")
		d, err := s.AddDomain(ctx, pa, "www.example.org")
		if err != nil {
			t.Fatal(err)
		}
		if want := "http://www.example.org/.well-known/wasmart-verify/" + d.Token; d.HTTPURL() != want {
			t.Fatalf("HTTPURL %s, want %s", d.HTTPURL(), want)
		}
		_, err = s.VerifyDomain(ctx, pa, "www.example.org")
		wantErr(t, err, errs.Unprocessable, "domain")
		if !strings.Contains(err.Error(), "answered 404") {
			t.Fatalf("reason: %v", err)
		}
		mu.Lock()
		serve["/.well-known/wasmart-verify/"+d.Token] = "someone else's token"
		mu.Unlock()
		_, err = s.VerifyDomain(ctx, pa, "www.example.org")
		wantErr(t, err, errs.Unprocessable, "domain")
		if !strings.Contains(err.Error(), "did not answer the token") {
			t.Fatalf("reason: %v", err)
		}
		mu.Lock()
		serve["/.well-known/wasmart-verify/"+d.Token] = d.Token
		mu.Unlock()
		got, err := s.VerifyDomain(ctx, pa, "www.example.org")
		if err != nil || got.VerifiedVia != "http" {
			t.Fatalf("verify: %+v %v", got, err)
		}
		if tn, err := s.ResolveHost(ctx, "www.example.org"); err != nil || tn.ID != a.ID {
			t.Fatalf("verified domain: %+v %v", tn, err)
		}
		mu.Lock()
		for _, h := range hosts {
			if h != "www.example.org" {
				t.Errorf("check sent Host %q", h)
			}
		}
		mu.Unlock()

		// The default client: the domain's A record points at this
		// machine, where the token is served; it must not connect.
		_, port, _ := net.SplitHostPort(web.Listener.Addr().String())
		p, _ := strconv.Atoi(port)
		s2, _, dns2 := newServiceDNS(t, db, func(c *tenants.Config) { c.DomainHTTPPort = p })
		_, ub := signup(t, s2, "http-local")
		pb := login(t, s2, ub.Email, goodPassword, "1.1.1.1")
		d2, err := s2.AddDomain(ctx, pb, "local.example.org")
		if err != nil {
			t.Fatal(err)
		}
		dns2.SetA("local.example.org", net.IPv4(127, 0, 0, 1))
		mu.Lock()
		serve["/.well-known/wasmart-verify/"+d2.Token] = d2.Token
		n := len(hosts)
		mu.Unlock()
		_, err = s2.VerifyDomain(ctx, pb, "local.example.org")
		wantErr(t, err, errs.Unprocessable, "domain")
		if !strings.Contains(err.Error(), "not public") {
			t.Fatalf("reason: %v", err)
		}
		mu.Lock()
		if len(hosts) != n {
			t.Fatalf("the default client connected to 127.0.0.1: %v", hosts[n:])
		}
		mu.Unlock()
	})
}

// TestDomainMigrationKeepsExistingDomainsServing runs the verification
// migration over a domains table in its old shape: a domain that served a
// shop before keeps serving it (verified as "existing"), on both engines.
func TestDomainMigrationKeepsExistingDomainsServing(t *testing.T) {
	run := func(t *testing.T, db, owner *store.DB) {
		ctx := context.Background()
		s, _ := newService(t, db)
		a, _ := signup(t, s, "old-domain")
		_, ub := signup(t, s, "late-claimer")
		for _, q := range []string{
			"DROP TABLE domains",
			"CREATE TABLE domains (host TEXT PRIMARY KEY, shop_id TEXT NOT NULL REFERENCES tenants (id), created_at TIMESTAMP NOT NULL)",
			"CREATE INDEX domains_shop ON domains (shop_id)",
			"INSERT INTO domains (host, shop_id, created_at) VALUES ('old.example.com', '" + a.ID + "', CURRENT_TIMESTAMP)",
			"DELETE FROM schema_migrations WHERE module = 'tenants' AND version LIKE '0002_domain_verification%'",
		} {
			if _, err := owner.Raw().ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		s2, _ := newService(t, db)
		if tn, err := s2.ResolveHost(ctx, "old.example.com"); err != nil || tn.ID != a.ID {
			t.Fatalf("existing domain after the migration: %+v %v", tn, err)
		}
		pb := login(t, s2, ub.Email, goodPassword, "1.1.1.1")
		_, err := s2.AddDomain(ctx, pb, "old.example.com")
		wantErr(t, err, errs.Conflict, "domain")
		var via string
		if err := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
			return q.NewRaw("SELECT verified_via FROM domains WHERE host = 'old.example.com'").Scan(ctx, &via)
		}); err != nil || via != "existing" {
			t.Fatalf("verified_via %q %v", via, err)
		}
	}
	t.Run(store.SQLite, func(t *testing.T) {
		db := storetest.SQLite(t)
		run(t, db, db)
	})
	t.Run(store.Postgres, func(t *testing.T) {
		url := storetest.PostgresURL(t)
		open := func(role string) *store.DB {
			db, err := store.Open(context.Background(), store.Config{URL: url, AppRole: role})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
		run(t, open(""), open("-"))
	})
}

// dialOnly is an HTTP client that sends every request, whatever its host,
// to addr (the domain's web server in a test).
func dialOnly(addr string) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}}}
}
