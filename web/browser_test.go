package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants"
)

// The browser tests drive Debian's Chromium, headless, through the real
// server: every step is a page a person would see, filled and clicked as a
// person would. Screenshots go to testdata/artifacts (gitignored).

const (
	browserPassword = "Tangerine-Harbour-4821"
	artifactsDir    = "testdata/artifacts"
	stepTimeout     = 15 * time.Second
)

// chromiumPath finds Chromium, or skips the test (fails it in CI).
func chromiumPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" || os.Getenv("WASMART_REQUIRE_PG") == "1" {
		t.Fatalf("chromium is not installed (make deps installs it): %v", err)
	}
	t.Skipf("chromium is not installed: %v", err)
	return ""
}

// newBrowser starts a headless Chromium and returns a context for its first
// tab. The browser stops when the test ends.
func newBrowser(t *testing.T, parent context.Context) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // the tests run as root
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Run starts the browser; it gets no step timeout, which
	// would stop the browser with it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// tab is one browser context (its own cookies) with one tab, driven step by
// step; any failure ends the test with the page's URL, text and a
// screenshot.
type tab struct {
	t    *testing.T
	name string
	base string // the console URL
	ctx  context.Context
}

// newTab opens a tab in a new browser context of browser, so that its
// cookies are its own: a second person at a second computer.
func newTab(t *testing.T, browser context.Context, name, base string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: open tab: %v", name, err)
	}
	return &tab{t: t, name: name, base: base, ctx: ctx}
}

// fail reports err with what the tab shows, and saves a screenshot of it.
func (b *tab) fail(what string, err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if len(body) > 1500 {
		body = body[:1500] + "…"
	}
	shot := ""
	if buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		shot = filepath.Join(artifactsDir, "fail-"+b.name+".png")
		if os.MkdirAll(artifactsDir, 0o755) != nil || os.WriteFile(shot, buf, 0o644) != nil {
			shot = ""
		}
	}
	b.t.Fatalf("%s: %s: %v\n  at %s (screenshot %s)\n  page text:\n%s", b.name, what, err, loc, shot, indent(body))
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ")
}

func (b *tab) stepCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, stepTimeout)
}

// do runs actions that need no page load.
func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(what, err)
	}
}

// open navigates to a console path (or a full URL) and checks the status.
func (b *tab) open(path string, wantStatus int) {
	b.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = b.base + path
	}
	ctx, cancel := b.stepCtx()
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
	b.checkResponse("open "+path, resp, err, wantStatus)
}

// click clicks what sel selects, waits for the page it loads and checks
// its status.
func (b *tab) click(sel string, wantStatus int) {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	b.checkResponse("click "+sel, resp, err, wantStatus)
}

func (b *tab) checkResponse(what string, resp *network.Response, err error, want int) {
	b.t.Helper()
	if err != nil {
		b.fail(what, err)
	}
	if resp == nil {
		b.fail(what, errors.New("no response"))
	}
	if int(resp.Status) != want {
		b.fail(what, fmt.Errorf("HTTP %d %s, want %d", resp.Status, resp.URL, want))
	}
}

// fill replaces the value of each field (name=value pairs within form) by
// typing it.
func (b *tab) fill(form string, pairs ...string) {
	b.t.Helper()
	var actions []chromedp.Action[chromedp.Void]
	for i := 0; i+1 < len(pairs); i += 2 {
		sel := chromedp.CSS(fmt.Sprintf(`%s [name=%q]`, form, pairs[i]))
		actions = append(actions, chromedp.Clear(sel), chromedp.SendKeys(sel, pairs[i+1]))
	}
	b.do("fill "+form, actions...)
}

// text is the visible text of the first element sel selects.
func (b *tab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.fail("text of "+sel, err)
	}
	return s
}

// texts is the visible text of every element sel selects (none is fine).
func (b *tab) texts(sel string) []string {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	js := fmt.Sprintf(`Array.from(document.querySelectorAll(%q), e => e.innerText)`, sel)
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js))
	if err != nil {
		b.fail("texts of "+sel, err)
	}
	return out
}

// attr is an attribute of the first element sel selects.
func (b *tab) attr(sel, name string) string {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		b.fail("attribute "+name+" of "+sel, err)
	}
	if !v.Exists {
		b.fail("attribute "+name+" of "+sel, errors.New("missing"))
	}
	return v.Value
}

// value is the value of the form field sel selects.
func (b *tab) value(sel string) string {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.fail("value of "+sel, err)
	}
	return v
}

// checkAssets fails the test unless the page's stylesheet and script
// load (without them pages are unstyled and data-autosubmit /
// data-confirm do nothing).
func (b *tab) checkAssets() {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	const js = `Promise.all(Array.from(document.querySelectorAll('link[rel=stylesheet], script[src]'),
		e => fetch(e.href || e.src).then(r => (r.ok ? '' : (e.href || e.src) + ': HTTP ' + r.status))))
		.then(a => a.filter(Boolean).join('; '))`
	broken, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail("check assets", err)
	}
	if broken != "" {
		b.t.Errorf("console assets do not load, so pages are unstyled and data-autosubmit / data-confirm do nothing: %s", broken)
	}
}

// path is the path of the page the tab shows.
func (b *tab) path() string {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.fail("location", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.fail("location", err)
	}
	return u.Path
}

// wantPath checks the page's path.
func (b *tab) wantPath(want string) {
	b.t.Helper()
	if got := b.path(); got != want {
		b.fail("path", fmt.Errorf("on %s, want %s", got, want))
	}
}

// wantText checks that the element sel selects shows each of want.
func (b *tab) wantText(sel string, want ...string) {
	b.t.Helper()
	got := b.text(sel)
	for _, w := range want {
		if !strings.Contains(got, w) {
			b.fail("text of "+sel, fmt.Errorf("%q does not contain %q", got, w))
		}
	}
}

// screenshot saves the whole page as testdata/artifacts/name.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.fail("screenshot "+name, err)
	}
	if err := os.MkdirAll(artifactsDir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	p := filepath.Join(artifactsDir, name)
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
	abs, _ := filepath.Abs(p)
	b.t.Logf("screenshot %s (%d KiB)", abs, len(buf)/1024)
}

const logoutButton = `header.topbar form[action="/logout"] button`

// logout clicks "Log out" in the top bar and lands on the sign-in page.
func (b *tab) logout() {
	b.t.Helper()
	if got := strings.TrimSpace(b.text(logoutButton)); got != "Log out" {
		b.fail("log out button", fmt.Errorf("reads %q", got))
	}
	b.click(logoutButton, 200)
	b.wantPath("/login")
	b.wantText("p.flash", "You are signed out.")
}

// login signs in at /login; the caller checks where it lands.
func (b *tab) login(email, password string) {
	b.t.Helper()
	b.open("/login", 200)
	b.fill(`form[action="/login"]`, "email", email, "password", password)
	b.click(`form[action="/login"] button[type=submit]`, 200)
}

// mfa submits a code on the two-step page; want is the status.
func (b *tab) mfa(code string, want int) {
	b.t.Helper()
	b.wantText("main h1", "Two-step verification")
	b.fill(`form[action="/login/mfa"]`, "code", code)
	b.click(`form[action="/login/mfa"] button[type=submit]`, want)
}

// TestBrowserMerchantOnboarding walks a merchant through the console in a
// real browser: sign-up, sign-out and in, two-step verification with
// recovery codes, a staff invitation read from the platform mailbox and
// accepted by the invitee, and the audit log.
func TestBrowserMerchantOnboarding(t *testing.T) {
	chromiumPath(t) // skip before starting anything
	start := time.Now()
	srv := startServer(t, storetest.SQLite(t))

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	browser := newBrowser(t, ctx)

	const (
		shopName = "Bistro Lumière"
		slug     = "bistro-e2e"
	)
	ownerEmail := "owner@" + slug + ".example.com"
	staffEmail := "staff@" + slug + ".example.com"

	owner := newTab(t, browser, "owner", srv.URL)

	// 1. Sign-up lands on the console of the new shop.
	owner.open("/signup", 200)
	owner.wantText("main h1", "Open your shop")
	signup := `form[action="/signup"]`
	owner.fill(signup, "shop_name", shopName, "slug", slug, "email", ownerEmail, "password", browserPassword,
		"currency", "EUR", "country", "FR")
	owner.click(signup+` button[type=submit]`, 200)
	owner.wantPath("/console")
	owner.wantText("main h1", shopName)
	owner.wantText("p.flash", "Welcome! Your shop is ready.")
	owner.wantText("#shop-facts", "currency EUR", "country FR", "your role: owner", "http://"+slug+".localhost:"+srv.Port)
	owner.wantText("header.topbar", ownerEmail, "Log out")
	owner.wantText("aside.sidenav", "Staff & roles", "Audit log")
	owner.screenshot("01-console-home.png")
	owner.checkAssets()

	// 2. Log out and back in.
	owner.logout()
	owner.login(ownerEmail, browserPassword)
	owner.wantPath("/console")
	owner.wantText("main h1", shopName)

	// 3. Two-step verification: the secret from the page, a code from it,
	// and the recovery codes shown once.
	owner.click(`header.topbar a[href="/console/account"]`, 200)
	owner.wantPath("/console/account")
	owner.wantText("main", "Your account", ownerEmail, "Two-step verification")
	setup := `form[action="/console/account/mfa"] button[type=submit]`
	if got := strings.TrimSpace(owner.text(setup)); got != "Set up two-step verification" {
		owner.fail("MFA button", fmt.Errorf("reads %q", got))
	}
	owner.click(setup, 200)
	secret := strings.TrimSpace(owner.text("#totp-secret"))
	if secret == "" {
		owner.fail("TOTP secret", errors.New("empty"))
	}
	owner.do("QR code", chromedp.WaitVisible(chromedp.CSS(`main img[src^="data:image/png;base64,"]`)))
	enrolCode, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	verify := `form[action="/console/account/mfa/verify"]`
	owner.fill(verify, "code", enrolCode)
	owner.click(verify+` button[type=submit]`, 200)
	owner.wantText("main", "Codes from your authenticator app are required at sign-in.")
	recovery := owner.texts("#recovery-codes li code")
	if len(recovery) != tenants.RecoveryCodeCount {
		owner.fail("recovery codes", fmt.Errorf("%d shown, want %d: %q", len(recovery), tenants.RecoveryCodeCount, recovery))
	}
	owner.screenshot("02-mfa-enrolled.png")

	// 4. Signing in now asks for the second step. The code used at
	// enrolment is refused (replay); a recovery code lets the owner in.
	owner.logout()
	owner.login(ownerEmail, browserPassword)
	owner.wantPath("/login")
	owner.mfa(enrolCode, 400)
	owner.wantText("#form-error", "code")
	if msg := owner.text("#form-error"); !strings.Contains(msg, "already been used") && !strings.Contains(msg, "incorrect") {
		owner.fail("reused TOTP code", fmt.Errorf("error reads %q", msg))
	}
	owner.mfa(recovery[0], 200)
	owner.wantPath("/console")
	owner.wantText("main h1", shopName)

	// 5. Invite a staff member with the operations role.
	owner.click(`aside.sidenav a[href="/console/staff"]`, 200)
	owner.wantText("main h1", "Staff & roles")
	invite := `form[action="/console/staff/invite"]`
	owner.fill(invite, "email", staffEmail)
	owner.do("choose role", chromedp.SetValue(chromedp.CSS(invite+` select[name=role]`), "operations"))
	if got := owner.value(invite + ` select[name=role]`); got != "operations" {
		owner.fail("role select", fmt.Errorf("value %q", got))
	}
	owner.click(invite+` button[type=submit]`, 200)
	owner.wantPath("/console/staff")
	owner.wantText("p.flash", "Saved.")
	owner.wantText(invite+` + table`, staffEmail, "operations")
	owner.screenshot("03-staff-invited.png")

	// 6. A platform admin reads the invitation in the mailbox; the invitee
	// follows its link in a browser of their own.
	adminEmail := "ops@platform.example.com"
	if _, err := srv.Tenants.CreatePlatformAdmin(ctx, tenants.System(), adminEmail, browserPassword, "platform_admin"); err != nil {
		t.Fatal(err)
	}
	admin := newTab(t, browser, "admin", srv.URL)
	admin.login(adminEmail, browserPassword)
	admin.wantPath("/platform")
	admin.click(`aside.sidenav a[href="/platform/mailbox"]`, 200)
	admin.wantText("main h1", "Mailbox")
	filter := `form[action="/platform/mailbox"]`
	admin.fill(filter, "to", staffEmail)
	admin.click(filter+` button[type=submit]`, 200)
	mails := admin.texts("details.mail summary")
	if len(mails) != 1 || !strings.Contains(mails[0], staffEmail) || !strings.Contains(mails[0], "invited you to "+shopName) {
		admin.fail("mailbox", fmt.Errorf("mails to %s: %q", staffEmail, mails))
	}
	link := admin.attr("details.mail a.mail-link", "href")
	if !strings.HasPrefix(link, srv.URL+"/invitations/accept?token=") {
		admin.fail("invitation link", fmt.Errorf("%q", link))
	}
	admin.screenshot("04-mailbox.png")

	staff := newTab(t, browser, "staff", srv.URL)
	staff.open(link, 200)
	staff.wantText("main h1", "Join "+shopName)
	staff.wantText("main", "operations", staffEmail)
	accept := `form[action="/invitations/accept"]`
	staff.fill(accept, "name", "Sam Staff", "password", "Juniper-Lantern-7305")
	staff.click(accept+` button[type=submit]`, 200)
	staff.wantPath("/console")
	staff.wantText("main h1", shopName)
	staff.wantText("#shop-facts", "your role: operations")
	staff.wantText("header.topbar", staffEmail)
	nav := staff.text("aside.sidenav")
	for _, want := range []string{"Home", "Products", "Settings"} {
		if !strings.Contains(nav, want) {
			staff.fail("staff nav", fmt.Errorf("%q lacks %q", nav, want))
		}
	}
	for _, hidden := range []string{"Staff & roles", "API tokens", "Audit log"} {
		if strings.Contains(nav, hidden) {
			staff.fail("staff nav", fmt.Errorf("%q shows %q to operations", nav, hidden))
		}
	}
	staff.screenshot("05-staff-console.png")
	staff.open("/console/staff", 403)
	staff.wantText("main h1", "403")

	// The invitation link works once.
	admin.logout()
	admin.open(link, 400)
	admin.wantText("#form-error", "already used")

	// 7. Back as the owner: a used recovery code is refused, another one
	// works, and the audit log shows the invitation and the join.
	owner.logout()
	owner.login(ownerEmail, browserPassword)
	owner.mfa(recovery[0], 400)
	owner.wantText("#form-error", "already been used")
	owner.mfa(recovery[1], 200)
	owner.wantPath("/console")
	owner.click(`aside.sidenav a[href="/console/audit"]`, 200)
	owner.wantText("main h1", "Audit log")
	rows := owner.texts("main table tbody tr")
	var invited, joined bool
	for _, r := range rows {
		invited = invited || strings.Contains(r, "staff.invite") && strings.Contains(r, "email="+staffEmail) && strings.Contains(r, "role=operations")
		joined = joined || strings.Contains(r, "staff.join") && strings.Contains(r, "role=operations")
	}
	if !invited || !joined {
		owner.fail("audit log", fmt.Errorf("invited %v, joined %v in rows %q", invited, joined, rows))
	}
	owner.click(`aside.sidenav a[href="/console/staff"]`, 200)
	owner.wantText("main table", staffEmail)
	if strings.Contains(owner.text("main"), "Expires") {
		owner.fail("pending invitations", errors.New("the accepted invitation is still pending"))
	}
	// The console on a phone: the side navigation becomes a scrollable
	// strip above the content and tables scroll sideways.
	owner.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	owner.screenshot("06-staff-phone.png")
	owner.open("/console", 200)
	owner.wantText("main h1", "Bistro")
	owner.screenshot("07-console-phone.png")
	t.Logf("browser flow took %s", time.Since(start).Round(time.Millisecond))
}
