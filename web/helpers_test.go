package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmart/wasmart/cmd/wasmart/wire"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/tenants/domaintest"
	"github.com/wasmart/wasmart/web"
	"github.com/wasmart/wasmart/web/api"
)

// testServer is the real server on a port-0 listener over a real database.
type testServer struct {
	t       testing.TB
	URL     string // console base URL, http://localhost:PORT
	Port    string
	DB      *store.DB
	Tenants *tenants.Service
	Server  *web.Server
	// Services are every service the server runs, wired as serve wires
	// them (cmd/wasmart/wire).
	Services *wire.Services
	// DNS answers the custom-domain checks' TXT look-ups; their HTTP
	// check reaches this server, as if every domain pointed here.
	DNS *domaintest.DNS
}

var (
	testOrderSecret   = []byte("0123456789abcdef0123456789abcdef")
	testGatewaySecret = []byte("test-gateway-webhook-secret")
)

// serverSetup is how a test server differs from the default one.
type serverSetup struct {
	wire func(*wire.Options) // services (image store, plugin options, ...)
	cfg  func(*web.Config)   // server configuration
}

// launch starts the real server over db with every service built by
// wire.Build, as serve builds them, with fixed commerce secrets (so order
// tokens and webhook signatures survive a restart). stop shuts it down and
// closes the services (once; the test's clean-up calls it too).
func launch(t testing.TB, db *store.DB, setup serverSetup) (*testServer, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	public := "http://localhost:" + port
	dns := domaintest.Start(t)
	toHere := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", ln.Addr().String())
	}}}
	opts := wire.Options{Tenants: tenants.Config{BaseDomain: "localhost", ConsoleURL: public, DomainResolver: dns.Resolver(), DomainHTTPClient: toHere},
		OrderSecret: testOrderSecret, GatewaySecret: testGatewaySecret}
	if setup.wire != nil {
		setup.wire(&opts)
	}
	svc, err := wire.Build(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	cfg := web.Config{BaseDomain: "localhost", PublicURL: public, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RateLimitPerIP: 1_000_000}
	if setup.cfg != nil {
		setup.cfg(&cfg)
	}
	srv, err := web.New(cfg, svc.Deps())
	if err != nil {
		svc.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln, 5*time.Second) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			<-done
			svc.Close()
		})
	}
	t.Cleanup(stop)
	return &testServer{t: t, URL: public, Port: port, DB: db, Tenants: svc.Tenants, Server: srv, Services: svc, DNS: dns}, stop
}

// startServer is the default test server; opts adjust its configuration.
func startServer(t testing.TB, db *store.DB, opts ...func(*web.Config)) *testServer {
	t.Helper()
	srv, _ := launch(t, db, serverSetup{cfg: func(c *web.Config) {
		for _, o := range opts {
			o(c)
		}
	}})
	return srv
}

// client is a browser-like HTTP client: a cookie jar, no redirects
// followed, and the CSRF token echoed on writes.
type client struct {
	t      testing.TB
	srv    *testServer
	http   *http.Client
	bearer string
}

func (s *testServer) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: s.t, srv: s, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (s *testServer) tokenClient(token string) *client {
	c := s.client()
	c.bearer = token
	return c
}

type response struct {
	Status int
	Body   string
	Header http.Header
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("bad JSON %q: %v", r.Body, err)
	}
}

func (c *client) csrf() string {
	u, _ := url.Parse(c.srv.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "wsm_csrf" {
			return ck.Value
		}
	}
	// A GET mints the cookie.
	c.do("GET", "/healthz", "", nil)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "wsm_csrf" {
			return ck.Value
		}
	}
	return ""
}

// do sends a request to the console host (or to host, when set in hdr as
// "Host").
func (c *client) do(method, path, body string, hdr map[string]string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.srv.URL+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		if strings.HasPrefix(body, "{") || strings.HasPrefix(body, "[") {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	} else if method != "GET" && method != "HEAD" {
		if path != "/healthz" {
			req.Header.Set("X-CSRF-Token", c.csrf())
		}
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Body: string(b), Header: resp.Header}
}

func (c *client) getJSON(path string, v any) {
	c.t.Helper()
	r := c.do("GET", path, "", nil)
	if r.Status != 200 {
		c.t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	r.json(c.t, v)
}

func (c *client) post(path string, v any, want int) response {
	c.t.Helper()
	b, _ := json.Marshal(v)
	r := c.do("POST", path, string(b), nil)
	if want != 0 && r.Status != want {
		c.t.Fatalf("POST %s: got %d, want %d: %s", path, r.Status, want, r.Body)
	}
	return r
}

// shop is a signed-up shop with its owner's signed-in client.
type shop struct {
	ID, Slug, Name, OwnerEmail, OwnerID string
	Owner                               *client
}

const testPassword = "correct horse battery staple 9"

func (s *testServer) signup(slug string) shop {
	s.t.Helper()
	c := s.client()
	email := "owner@" + slug + ".example.com"
	var res api.SignupResponse
	r := c.post("/api/signup", api.SignupRequest{ShopName: "Shop " + slug, Slug: slug, Email: email, Password: testPassword, Currency: "EUR", Country: "FR"}, 201)
	r.json(s.t, &res)
	c.login(email, testPassword)
	return shop{ID: res.TenantID, Slug: slug, Name: "Shop " + slug, OwnerEmail: email, OwnerID: res.UserID, Owner: c}
}

func (c *client) login(email, password string) {
	c.t.Helper()
	r := c.post("/api/sessions", api.LoginRequest{Email: email, Password: password}, 200)
	var lr api.LoginResponse
	r.json(c.t, &lr)
	if lr.MFARequired {
		c.t.Fatalf("login %s wants MFA", email)
	}
}

var hrefRe = regexp.MustCompile(`https?://[^\s"<>]+`)
