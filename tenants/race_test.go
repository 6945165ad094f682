package tenants_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/tenants/perm"
)

// parallel runs fn n times at once and returns how many succeeded; every
// failure must be a clear errs error (not an internal one).
func parallel(t *testing.T, n int, fn func() error) int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := fn()
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
			} else if errs.CodeOf(err) == errs.Internal && !strings.Contains(err.Error(), "could not serialize") {
				t.Errorf("internal error: %v", err)
			}
		}()
	}
	wg.Wait()
	return ok
}

// TestSingleUseUnderConcurrency fires the same reset token, invitation and
// TOTP code several times at once: exactly one use wins.
func TestSingleUseUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, clk := newService(t, db)
		ctx := context.Background()
		tn, u := signup(t, s, "race")
		if err := s.ChangePlan(ctx, tenants.System(), tn.ID, tenants.PlanGrowth); err != nil {
			t.Fatal(err)
		}
		owner := login(t, s, u.Email, goodPassword, "1.1.1.1")

		if err := s.RequestPasswordReset(ctx, u.Email, ""); err != nil {
			t.Fatal(err)
		}
		tok := lastMailToken(t, db, u.Email, "user.password_reset")
		if n := parallel(t, 4, func() error { return resetPassword(s, tok, "raced new passphrase") }); n != 1 {
			t.Fatalf("reset token used %d times", n)
		}

		if _, err := s.InviteStaff(ctx, owner, "racer@example.com", perm.Analyst); err != nil {
			t.Fatal(err)
		}
		itok := lastMailToken(t, db, "racer@example.com", "staff.invitation")
		if n := parallel(t, 4, func() error {
			_, _, err := s.AcceptInvitation(ctx, tenants.AcceptInput{Token: itok, Password: "racer's passphrase"})
			return err
		}); n != 1 {
			t.Fatalf("invitation accepted %d times", n)
		}

		owner = login(t, s, u.Email, "raced new passphrase", "1.1.1.1")
		enr, err := s.BeginTOTP(ctx, owner)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(enr.Secret, clk.now())
		if _, err := s.ConfirmTOTP(ctx, owner, code); err != nil {
			t.Fatal(err)
		}
		clk.add(30e9)
		var challenges []string
		for i := 0; i < 4; i++ {
			res, err := s.Login(ctx, tenants.LoginInput{Email: u.Email, Password: "raced new passphrase", IP: "1.1.1.1"})
			if err != nil {
				t.Fatal(err)
			}
			challenges = append(challenges, res.ChallengeToken)
		}
		code, _ = totp.GenerateCode(enr.Secret, clk.now())
		var mu sync.Mutex
		i := 0
		if n := parallel(t, 4, func() error {
			mu.Lock()
			c := challenges[i]
			i++
			mu.Unlock()
			_, err := s.LoginMFA(ctx, c, code, "1.1.1.1", "")
			return err
		}); n != 1 {
			t.Fatalf("one TOTP code opened %d sessions", n)
		}
	})
}

func TestMailTemplatesEscape(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := newService(t, db)
		ctx := context.Background()
		tn, _, err := s.Signup(ctx, tenants.SignupInput{
			ShopInput: tenants.ShopInput{Name: `<script>alert("x")</script> & Co`, Slug: "escape", Currency: "EUR", Country: "DE"},
			Email:     "esc@example.com", Password: goodPassword,
		})
		if err != nil {
			t.Fatal(err)
		}
		owner := login(t, s, "esc@example.com", goodPassword, "1.1.1.1")
		if _, err := s.InviteStaff(ctx, owner, "new@example.com", perm.Marketing); err != nil {
			t.Fatal(err)
		}
		page, err := outbox.ListMail(ctx, db, outbox.MailFilter{To: "new@example.com"})
		if err != nil || len(page.Mail) != 1 {
			t.Fatalf("mail: %v %v", page, err)
		}
		m := page.Mail[0]
		if m.TenantID != tn.ID || m.Topic != "staff.invitation" {
			t.Fatalf("mail meta: %+v", m)
		}
		if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "&lt;script&gt;") {
			t.Fatalf("HTML not escaped: %s", m.HTML)
		}
		if !strings.Contains(m.Text, "https://console.wasmart.test/invitations/accept?token=") || !strings.Contains(m.Subject, "invited you") {
			t.Fatalf("text: %s / %s", m.Subject, m.Text)
		}
	})
}

func TestCatalogue(t *testing.T) {
	seen := map[perm.Permission]bool{}
	for _, i := range perm.All() {
		if seen[i.Name] {
			t.Fatalf("duplicate %s", i.Name)
		}
		seen[i.Name] = true
		if strings.HasPrefix(string(i.Name), "platform.") != (i.Scope == perm.PlatformScope) {
			t.Fatalf("%s has the wrong scope", i.Name)
		}
	}
	for _, r := range append(perm.TenantRoles(), perm.PlatformRoles()...) {
		if len(r.Permissions) == 0 {
			t.Fatalf("role %s is empty", r.Name)
		}
		for _, p := range r.Permissions {
			info, ok := perm.Lookup(p)
			if !ok {
				t.Fatalf("role %s: unknown permission %s", r.Name, p)
			}
			if (info.Scope == perm.PlatformScope) != perm.IsPlatformRole(r.Name) {
				t.Fatalf("role %s holds %s of the wrong scope", r.Name, p)
			}
		}
	}
}

func TestSeatQuotaUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := newService(t, db)
		ctx := context.Background()
		_, u := signup(t, s, "seats")
		owner := login(t, s, u.Email, goodPassword, "1.1.1.1")
		var mu sync.Mutex
		i := 0
		// Free plan: 2 seats, the owner holds one.
		if n := parallel(t, 5, func() error {
			mu.Lock()
			i++
			e := "p" + strings.Repeat("x", i) + "@example.com"
			mu.Unlock()
			_, err := s.InviteStaff(ctx, owner, e, perm.Analyst)
			return err
		}); n != 1 {
			t.Fatalf("%d invitations for one free seat", n)
		}
	})
}

// TestParallelGuessesAreThrottled: a burst of parallel wrong guesses from
// one IP cannot all slip past the throttle before failures are counted.
func TestParallelGuessesAreThrottled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := newService(t, db)
		ctx := context.Background()
		_, u := signup(t, s, "burst")
		var mu sync.Mutex
		codes := map[errs.Code]int{}
		var wg sync.WaitGroup
		for i := 0; i < 12; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Login(ctx, tenants.LoginInput{Email: u.Email, Password: "burst guess!!", IP: "6.6.6.6"})
				mu.Lock()
				codes[errs.CodeOf(err)]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if codes[errs.Unauthenticated] != 5 || codes[errs.RateLimited] != 7 {
			t.Fatalf("outcomes: %v (want 5 checked guesses, 7 throttled)", codes)
		}
	})
}

func TestTOTPSecretEncryptedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		key := []byte("0123456789abcdef0123456789abcdef")
		s, err := tenants.New(db, tenants.Config{SecretKey: key})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tenants.New(db, tenants.Config{SecretKey: []byte("short")}); err == nil {
			t.Fatal("short key accepted")
		}
		ctx := context.Background()
		_, u := signup(t, s, "sealed")
		p := login(t, s, u.Email, goodPassword, "1.1.1.1")
		enr, err := s.BeginTOTP(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(enr.Secret, time.Now())
		if _, err := s.ConfirmTOTP(ctx, p, code); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "users", "id = ? AND totp_secret LIKE 'v1:%'", u.ID); n != 1 {
			t.Fatal("secret not sealed")
		}
		if n := count(t, db, "users", "totp_secret LIKE ?", "%"+enr.Secret+"%"); n != 0 {
			t.Fatal("secret stored in clear")
		}
		res, err := s.Login(ctx, tenants.LoginInput{Email: u.Email, Password: goodPassword, IP: "1.1.1.1"})
		if err != nil || !res.MFARequired {
			t.Fatal(err)
		}
		// Next time-step's code (the enrolment used this one).
		next, _ := totp.GenerateCode(enr.Secret, time.Now().Add(30*time.Second))
		if _, err := s.LoginMFA(ctx, res.ChallengeToken, next, "1.1.1.1", ""); err != nil {
			t.Fatal(err)
		}
	})
}
