package tenants_test

import (
	"context"
	"strconv"
	"strings"
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

func TestPasswordHashing(t *testing.T) {
	h, err := tenants.HashPassword(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("not PHC argon2id with OWASP parameters: %s", h)
	}
	if ok, rehash := tenants.VerifyPassword(goodPassword, h); !ok || rehash {
		t.Fatalf("verify: %v %v", ok, rehash)
	}
	if ok, _ := tenants.VerifyPassword(goodPassword+"x", h); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := tenants.HashPassword(goodPassword)
	if h == h2 {
		t.Fatal("salt not random")
	}
	// Older parameters verify and ask for a re-hash.
	old := "$argon2id$v=19$m=8192,t=1,p=1$" + strings.Split(h, "$")[4] + "$" + strings.Split(h, "$")[5]
	if ok, _ := tenants.VerifyPassword(goodPassword, old); ok {
		t.Fatal("hash with other parameters matched")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$x$y", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA", "plain"} {
		if ok, _ := tenants.VerifyPassword("x", bad); ok {
			t.Fatalf("malformed hash %q accepted", bad)
		}
	}
	if err := tenants.CheckPassword("password", "Tr0ub4dor&3-horse", "a@b.example.com"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"short", "iloveyou123", "Sunshine2024", "1234567890", "letmein12345", strings.Repeat("x", 129)} {
		wantErr(t, tenants.CheckPassword("password", bad, ""), errs.Invalid, "password")
	}
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, clk := newService(t, db)
		ctx := context.Background()
		_, u := signup(t, s, "sess")
		_, err := s.Login(ctx, tenants.LoginInput{Email: u.Email, Password: "wrong password!", IP: "1.1.1.1"})
		wantErr(t, err, errs.Unauthenticated, "password")
		_, err = s.Login(ctx, tenants.LoginInput{Email: "nobody@example.com", Password: "wrong password!", IP: "1.1.1.1"})
		wantErr(t, err, errs.Unauthenticated, "password")
		_, err = s.Login(ctx, tenants.LoginInput{Email: "", Password: "x"})
		wantErr(t, err, errs.Invalid, "email")

		r1, err := s.Login(ctx, tenants.LoginInput{Email: " OWNER@sess.example.com ", Password: goodPassword, IP: "1.1.1.1", UserAgent: "test"})
		if err != nil {
			t.Fatal(err)
		}
		r2, err := s.Login(ctx, tenants.LoginInput{Email: u.Email, Password: goodPassword, IP: "2.2.2.2"})
		if err != nil {
			t.Fatal(err)
		}
		if r1.Token == r2.Token || len(r1.Token) < 43 {
			t.Fatalf("tokens not fresh or too short: %q %q", r1.Token, r2.Token)
		}
		if n := count(t, db, "sessions", "token_hash = ?", r1.Token); n != 0 {
			t.Fatal("session token stored in clear")
		}
		_, err = s.AuthenticateSession(ctx, "bogus")
		wantErr(t, err, errs.Unauthenticated, "session")

		// Idle timeout: activity keeps it alive, 12 h of silence ends it.
		clk.add(11 * time.Hour)
		if _, err := s.AuthenticateSession(ctx, r1.Token); err != nil {
			t.Fatalf("active session: %v", err)
		}
		clk.add(11 * time.Hour)
		if _, err := s.AuthenticateSession(ctx, r1.Token); err != nil {
			t.Fatalf("touched session expired: %v", err)
		}
		_, err = s.AuthenticateSession(ctx, r2.Token)
		wantErr(t, err, errs.Unauthenticated, "session")
		// Absolute timeout: 7 days whatever the activity.
		for i := 0; i < 14; i++ {
			clk.add(11 * time.Hour)
			if _, err := s.AuthenticateSession(ctx, r1.Token); err != nil {
				if i < 12 {
					t.Fatalf("expired early at step %d: %v", i, err)
				}
				break
			}
			if i == 13 {
				t.Fatal("session outlived the absolute timeout")
			}
		}

		// Logout one, log out all.
		a := login(t, s, u.Email, goodPassword, "1.1.1.1")
		var tokA string
		for tk, id := range sessionTokens {
			if id == a.SessionID {
				tokA = tk
			}
		}
		b, _ := s.Login(ctx, tenants.LoginInput{Email: u.Email, Password: goodPassword, IP: "1.1.1.1"})
		c, _ := s.Login(ctx, tenants.LoginInput{Email: u.Email, Password: goodPassword, IP: "1.1.1.1"})
		if err := s.Logout(ctx, b.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateSession(ctx, b.Token); err == nil {
			t.Fatal("logged out session still works")
		}
		list, _ := s.Sessions(ctx, a)
		if len(list) != 2 {
			t.Fatalf("sessions: %d", len(list))
		}
		n, err := s.LogoutAll(ctx, a, true)
		if err != nil || n != 1 {
			t.Fatalf("logout all: %d %v", n, err)
		}
		if _, err := s.AuthenticateSession(ctx, c.Token); err == nil {
			t.Fatal("other session survived log out all")
		}
		if _, err := s.AuthenticateSession(ctx, tokA); err != nil {
			t.Fatal("current session killed")
		}
		// Change password: wrong current, weak new, then ok.
		wantErr(t, s.ChangePassword(ctx, a, "nope", "another good passphrase"), errs.Invalid, "current_password")
		wantErr(t, s.ChangePassword(ctx, a, goodPassword, "password1234"), errs.Invalid, "password")
		if err := s.ChangePassword(ctx, a, goodPassword, "another good passphrase"); err != nil {
			t.Fatal(err)
		}
		login(t, s, u.Email, "another good passphrase", "1.1.1.1")
		if err := s.PurgeExpired(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestThrottling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, clk := newService(t, db)
		ctx := context.Background()
		_, u := signup(t, s, "thr")
		// The owner's usual browser, on their usual IP.
		first, err := s.Login(ctx, tenants.LoginInput{Email: u.Email, Password: goodPassword, IP: "10.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		attacker := "66.6.6.6"
		try := func(ip, pw string) error {
			_, err := s.Login(ctx, tenants.LoginInput{Email: u.Email, Password: pw, IP: ip})
			return err
		}
		for i := 0; i < 5; i++ {
			wantErr(t, try(attacker, "guess number one"), errs.Unauthenticated, "password")
		}
		// The sixth guess from the attacker's IP must wait...
		wantErr(t, try(attacker, "guess number one"), errs.RateLimited, "password")
		// ...even with the right password (the attacker cannot probe).
		wantErr(t, try(attacker, goodPassword), errs.RateLimited, "password")
		// The real user from their IP, or a new one, is not blocked.
		if err := try("10.0.0.1", goodPassword); err != nil {
			t.Fatalf("owner locked out: %v", err)
		}
		if err := try("10.0.0.2", goodPassword); err != nil {
			t.Fatalf("owner on a new IP locked out: %v", err)
		}
		// The delay grows exponentially per (account, IP).
		clk.add(1100 * time.Millisecond)
		wantErr(t, try(attacker, "guess number two"), errs.Unauthenticated, "password")
		wantErr(t, try(attacker, "guess number two"), errs.RateLimited, "password")
		clk.add(1100 * time.Millisecond)
		wantErr(t, try(attacker, "guess number three"), errs.RateLimited, "password")
		clk.add(time.Second)
		wantErr(t, try(attacker, "guess number three"), errs.Unauthenticated, "password")

		// Distributed attack: many IPs, each below the pair threshold.
		for i := 0; i < 25; i++ {
			ip := "77.0.0." + itoa(i)
			_ = try(ip, "botnet guess")
		}
		// The owner's known browser is unaffected (see also
		// TestLoginGuessesAcrossManyIPsCappedPerAccount).
		if _, err := s.Login(ctx, tenants.LoginInput{Email: u.Email, Password: goodPassword, IP: "10.0.0.1", Device: first.Device}); err != nil {
			t.Fatalf("owner blocked during distributed attack: %v", err)
		}
		// Bot IPs, old and fresh, are paced.
		wantErr(t, try("77.0.0.3", "botnet guess 2"), errs.RateLimited, "password")
		wantErr(t, try("77.0.0.200", "botnet guess 2"), errs.RateLimited, "password")

		// Credential stuffing: one IP, many accounts -> that IP is capped.
		stuffer := "88.8.8.8"
		for i := 0; i < 101; i++ {
			_, _ = s.Login(ctx, tenants.LoginInput{Email: "user" + itoa(i) + "@example.com", Password: "x stuffing pw", IP: stuffer})
		}
		_, err = s.Login(ctx, tenants.LoginInput{Email: "other@example.com", Password: "x stuffing pw", IP: stuffer})
		wantErr(t, err, errs.RateLimited, "password")
		if _, err := s.Login(ctx, tenants.LoginInput{Email: u.Email, Password: goodPassword, IP: "10.0.0.1", Device: first.Device}); err != nil {
			t.Fatalf("owner blocked by another IP's stuffing: %v", err)
		}
	})
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestMFA(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, clk := newService(t, db)
		ctx := context.Background()
		_, u := signup(t, s, "mfa")
		p := login(t, s, u.Email, goodPassword, "1.1.1.1")
		_, err := s.ConfirmTOTP(ctx, p, "123456")
		wantErr(t, err, errs.Invalid, "code")
		enr, err := s.BeginTOTP(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(enr.URL, "otpauth://totp/") || len(enr.QRPNG) < 100 || string(enr.QRPNG[1:4]) != "PNG" {
			t.Fatalf("enrolment: %q %d bytes", enr.URL, len(enr.QRPNG))
		}
		code := func() string {
			c, err := totp.GenerateCode(enr.Secret, clk.now())
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		_, err = s.ConfirmTOTP(ctx, p, "000000")
		wantErr(t, err, errs.Invalid, "code")
		recovery, err := s.ConfirmTOTP(ctx, p, code())
		if err != nil {
			t.Fatal(err)
		}
		if len(recovery) != 10 {
			t.Fatalf("%d recovery codes", len(recovery))
		}
		mail := lastMailSubject(t, db, u.Email, "user.mfa_enrolled")
		if !strings.Contains(mail, "Two-step") {
			t.Fatalf("notice: %q", mail)
		}

		// Login now asks for a second factor.
		clk.add(30 * time.Second)
		res, err := s.Login(ctx, tenants.LoginInput{Email: u.Email, Password: goodPassword, IP: "1.1.1.1"})
		if err != nil || !res.MFARequired || res.Token != "" || res.ChallengeToken == "" {
			t.Fatalf("login with MFA: %+v %v", res, err)
		}
		_, err = s.LoginMFA(ctx, res.ChallengeToken, "000000", "1.1.1.1", "")
		wantErr(t, err, errs.Invalid, "code")
		c := code()
		done, err := s.LoginMFA(ctx, res.ChallengeToken, c, "1.1.1.1", "")
		if err != nil || done.Token == "" || !done.Session.MFA {
			t.Fatalf("LoginMFA: %+v %v", done, err)
		}
		// The challenge is single-use.
		_, err = s.LoginMFA(ctx, res.ChallengeToken, c, "1.1.1.1", "")
		wantErr(t, err, errs.Invalid, "challenge")
		// The same code cannot be used twice, even in a new challenge.
		res2, _ := s.Login(ctx, tenants.LoginInput{Email: u.Email, Password: goodPassword, IP: "1.1.1.1"})
		_, err = s.LoginMFA(ctx, res2.ChallengeToken, c, "1.1.1.1", "")
		wantErr(t, err, errs.Invalid, "code")
		// A recovery code works once.
		if _, err := s.LoginMFA(ctx, res2.ChallengeToken, strings.ToUpper(recovery[0]), "1.1.1.1", ""); err != nil {
			t.Fatalf("recovery code: %v", err)
		}
		res3, _ := s.Login(ctx, tenants.LoginInput{Email: u.Email, Password: goodPassword, IP: "1.1.1.1"})
		_, err = s.LoginMFA(ctx, res3.ChallengeToken, recovery[0], "1.1.1.1", "")
		wantErr(t, err, errs.Invalid, "code")
		if n, _ := s.RecoveryCodesLeft(ctx, u.ID); n != 9 {
			t.Fatalf("%d recovery codes left", n)
		}
		// The next time-step's code is fine.
		clk.add(30 * time.Second)
		if _, err := s.LoginMFA(ctx, res3.ChallengeToken, code(), "1.1.1.1", ""); err != nil {
			t.Fatal(err)
		}
		// An expired challenge is refused.
		res4, _ := s.Login(ctx, tenants.LoginInput{Email: u.Email, Password: goodPassword, IP: "1.1.1.1"})
		clk.add(6 * time.Minute)
		_, err = s.LoginMFA(ctx, res4.ChallengeToken, code(), "1.1.1.1", "")
		wantErr(t, err, errs.Invalid, "challenge")
		// Five wrong codes burn a challenge.
		res5, _ := s.Login(ctx, tenants.LoginInput{Email: u.Email, Password: goodPassword, IP: "1.1.1.1"})
		for i := 0; i < 5; i++ {
			_, err = s.LoginMFA(ctx, res5.ChallengeToken, "999999", "1.1.1.1", "")
			wantErr(t, err, errs.Invalid, "code")
		}
		clk.add(30 * time.Second)
		_, err = s.LoginMFA(ctx, res5.ChallengeToken, code(), "1.1.1.1", "")
		wantErr(t, err, errs.Invalid, "challenge")
		// Disable with a code.
		clk.add(30 * time.Second)
		if err := s.DisableTOTP(ctx, p, code()); err != nil {
			t.Fatal(err)
		}
		login(t, s, u.Email, goodPassword, "1.1.1.1")
	})
}

func lastMailSubject(t *testing.T, db *store.DB, to, topic string) string {
	t.Helper()
	page, err := outbox.ListMail(context.Background(), db, outbox.MailFilter{To: to, Topic: topic})
	if err != nil || len(page.Mail) == 0 {
		t.Fatalf("no %s mail to %s: %v", topic, to, err)
	}
	return page.Mail[0].Subject + "\n" + page.Mail[0].Text
}

func TestPasswordReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, clk := newService(t, db)
		ctx := context.Background()
		_, u := signup(t, s, "reset")
		old, _ := s.Login(ctx, tenants.LoginInput{Email: u.Email, Password: goodPassword, IP: "1.1.1.1"})
		// Unknown addresses get the same answer and no mail.
		if err := s.RequestPasswordReset(ctx, "ghost@example.com", "1.1.1.1"); err != nil {
			t.Fatal(err)
		}
		wantErr(t, s.RequestPasswordReset(ctx, "not-an-email", ""), errs.Invalid, "email")
		if err := s.RequestPasswordReset(ctx, u.Email, "1.1.1.1"); err != nil {
			t.Fatal(err)
		}
		tok := lastMailToken(t, db, u.Email, "user.password_reset")
		if !strings.Contains(lastMailSubject(t, db, u.Email, "user.password_reset"), "https://console.wasmart.test/reset-password?token=") {
			t.Fatal("reset link not in mail")
		}
		wantErr(t, resetPassword(s, "forged", "a brand new passphrase"), errs.Invalid, "token")
		// A weak password is refused and the token stays usable.
		wantErr(t, resetPassword(s, tok, "password123"), errs.Invalid, "password")
		if err := resetPassword(s, tok, "a brand new passphrase"); err != nil {
			t.Fatal(err)
		}
		wantErr(t, resetPassword(s, tok, "yet another passphrase"), errs.Invalid, "token")
		if _, err := s.AuthenticateSession(ctx, old.Token); err == nil {
			t.Fatal("old sessions survive a reset")
		}
		login(t, s, u.Email, "a brand new passphrase", "1.1.1.1")
		// Expired tokens are refused.
		if err := s.RequestPasswordReset(ctx, u.Email, ""); err != nil {
			t.Fatal(err)
		}
		tok2 := lastMailToken(t, db, u.Email, "user.password_reset")
		clk.add(61 * time.Minute)
		wantErr(t, resetPassword(s, tok2, "yet another passphrase"), errs.Invalid, "token")
	})
}

func TestInvitations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, clk := newService(t, db)
		ctx := context.Background()
		tn, u := signup(t, s, "inv")
		owner := login(t, s, u.Email, goodPassword, "1.1.1.1")
		_, err := s.InviteStaff(ctx, owner, "bad@", perm.Analyst)
		wantErr(t, err, errs.Invalid, "email")
		_, err = s.InviteStaff(ctx, owner, "x@example.com", "janitor")
		wantErr(t, err, errs.Invalid, "role")
		_, err = s.InviteStaff(ctx, owner, u.Email, perm.Analyst)
		wantErr(t, err, errs.Conflict, "email")
		inv, err := s.InviteStaff(ctx, owner, "Wendy@Example.com", perm.Warehouse)
		if err != nil {
			t.Fatal(err)
		}
		if inv.Email != "wendy@example.com" {
			t.Fatalf("email not normalised: %s", inv.Email)
		}
		// Free plan: 2 seats, owner + one pending invitation.
		_, err = s.InviteStaff(ctx, owner, "second@example.com", perm.Analyst)
		wantErr(t, err, errs.QuotaExceeded, "staff_seats")
		tok := lastMailToken(t, db, "wendy@example.com", "staff.invitation")
		info, err := s.InvitationByToken(ctx, tok)
		if err != nil || info.ShopSlug != "inv" || info.HasAccount || info.Role != perm.Warehouse {
			t.Fatalf("info: %+v %v", info, err)
		}
		_, _, err = s.AcceptInvitation(ctx, tenants.AcceptInput{Token: tok, Password: "qwertyuiop123"})
		wantErr(t, err, errs.Invalid, "password")
		w, t2, err := s.AcceptInvitation(ctx, tenants.AcceptInput{Token: tok, Name: "Wendy", Password: "wendy's own passphrase"})
		if err != nil || t2.ID != tn.ID {
			t.Fatalf("accept: %v", err)
		}
		_, _, err = s.AcceptInvitation(ctx, tenants.AcceptInput{Token: tok, Password: "wendy's own passphrase"})
		wantErr(t, err, errs.Invalid, "token")
		wp := login(t, s, w.Email, "wendy's own passphrase", "2.2.2.2")
		if wp.TenantID != tn.ID || !wp.HasRole(perm.Warehouse) {
			t.Fatalf("wendy: %+v", wp)
		}
		if ok, _ := s.Can(ctx, wp, perm.FulfillmentWrite); !ok {
			t.Fatal("warehouse cannot fulfil")
		}
		_, err = s.InviteStaff(ctx, wp, "x@example.com", perm.Analyst)
		wantErrCode(t, err, errs.Forbidden)
		staff, err := s.Staff(ctx, owner)
		if err != nil || len(staff) != 2 {
			t.Fatalf("staff: %v %v", staff, err)
		}
		// An existing account joins another shop with its own password.
		if err := s.ChangePlan(ctx, tenants.System(), tn.ID, tenants.PlanGrowth); err != nil {
			t.Fatal(err)
		}
		_, ou := signup(t, s, "elsewhere")
		if _, err := s.InviteStaff(ctx, owner, ou.Email, perm.Administrator); err != nil {
			t.Fatal(err)
		}
		tok2 := lastMailToken(t, db, ou.Email, "staff.invitation")
		if info, _ := s.InvitationByToken(ctx, tok2); !info.HasAccount {
			t.Fatal("existing account not detected")
		}
		_, _, err = s.AcceptInvitation(ctx, tenants.AcceptInput{Token: tok2, Password: "not their password"})
		wantErr(t, err, errs.Invalid, "password")
		if _, _, err := s.AcceptInvitation(ctx, tenants.AcceptInput{Token: tok2, Password: goodPassword}); err != nil {
			t.Fatal(err)
		}
		shops, _ := s.Shops(ctx, ou.ID)
		if len(shops) != 2 {
			t.Fatalf("shops: %v", shops)
		}
		// Administrators cannot make owners; the last owner stays.
		op := login(t, s, ou.Email, goodPassword, "3.3.3.3")
		if err := s.SwitchShop(ctx, op, tn.ID); err != nil {
			t.Fatal(err)
		}
		op = reauth(t, s, op)
		wantErr(t, s.SetStaffRole(ctx, op, w.ID, perm.Owner), errs.Forbidden, "role")
		wantErr(t, s.SetStaffRole(ctx, op, u.ID, perm.Analyst), errs.Forbidden, "role")
		wantErr(t, s.SetStaffRole(ctx, owner, u.ID, perm.Analyst), errs.Conflict, "role")
		wantErr(t, s.RemoveStaff(ctx, owner, u.ID), errs.Conflict, "role")
		if err := s.SetStaffRole(ctx, op, w.ID, perm.Analyst); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveStaff(ctx, op, w.ID); err != nil {
			t.Fatal(err)
		}
		wp = reauth(t, s, wp)
		if wp.TenantID != "" {
			t.Fatalf("removed staff keeps the shop: %+v", wp)
		}
		// Expired invitations are refused and free their seat.
		if _, err := s.InviteStaff(ctx, owner, "late@example.com", perm.Analyst); err != nil {
			t.Fatal(err)
		}
		tok3 := lastMailToken(t, db, "late@example.com", "staff.invitation")
		clk.add(8 * 24 * time.Hour)
		_, _, err = s.AcceptInvitation(ctx, tenants.AcceptInput{Token: tok3, Password: "late comer passphrase"})
		wantErr(t, err, errs.Invalid, "token")
		owner = login(t, s, u.Email, goodPassword, "1.1.1.1")
		invs, _ := s.Invitations(ctx, owner)
		if len(invs) != 0 {
			t.Fatalf("expired invitation listed: %v", invs)
		}
	})
}

func TestAPITokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, clk := newService(t, db)
		ctx := context.Background()
		tn, u := signup(t, s, "tok")
		owner := login(t, s, u.Email, goodPassword, "1.1.1.1")
		_, _, err := s.CreateToken(ctx, owner, "", perm.Analyst)
		wantErr(t, err, errs.Invalid, "name")
		_, _, err = s.CreateToken(ctx, owner, "ci", "nope")
		wantErr(t, err, errs.Invalid, "role")
		info, secret, err := s.CreateToken(ctx, owner, "reporting", perm.Analyst)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "wsm_") || len(secret) < 40 || !strings.HasPrefix(secret, info.Prefix) {
			t.Fatalf("secret %q prefix %q", secret, info.Prefix)
		}
		if n := count(t, db, "api_tokens", "token_hash = ?", secret); n != 0 {
			t.Fatal("token stored in clear")
		}
		p, err := s.AuthenticateToken(ctx, secret)
		if err != nil || p.Kind != tenants.KindToken || p.TenantID != tn.ID || !p.HasRole(perm.Analyst) {
			t.Fatalf("token principal: %+v %v", p, err)
		}
		if ok, _ := s.Can(ctx, p, perm.ReportsRead); !ok {
			t.Fatal("analyst token cannot read reports")
		}
		if ok, _ := s.Can(ctx, p, perm.CatalogWrite); ok {
			t.Fatal("analyst token can write")
		}
		list, _ := s.Tokens(ctx, owner)
		first := list[0].LastUsedAt
		if first == nil {
			t.Fatal("last used not recorded")
		}
		clk.add(10 * time.Second)
		_, _ = s.AuthenticateToken(ctx, secret)
		list, _ = s.Tokens(ctx, owner)
		if !list[0].LastUsedAt.Equal(*first) {
			t.Fatal("last used written more than once a minute")
		}
		clk.add(time.Minute)
		_, _ = s.AuthenticateToken(ctx, secret)
		list, _ = s.Tokens(ctx, owner)
		if !list[0].LastUsedAt.After(*first) {
			t.Fatal("last used not refreshed after a minute")
		}
		for _, bad := range []string{"", "wsm_nope", "Bearer " + secret, secret + "x"} {
			_, err := s.AuthenticateToken(ctx, bad)
			wantErr(t, err, errs.Unauthenticated, "token")
		}
		// Suspended shop: refused with a clear error; resumed: works again.
		if err := s.Suspend(ctx, tenants.System(), tn.ID, "fraud check"); err != nil {
			t.Fatal(err)
		}
		_, err = s.AuthenticateToken(ctx, secret)
		wantErr(t, err, errs.Forbidden, "token")
		if err := s.Resume(ctx, tenants.System(), tn.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateToken(ctx, secret); err != nil {
			t.Fatal(err)
		}
		// Tokens cannot manage tokens unless their role allows it.
		_, _, err = s.CreateToken(ctx, p, "x", perm.Analyst)
		wantErrCode(t, err, errs.Forbidden)
		// Another shop cannot revoke it; the owner can.
		_, ou := signup(t, s, "tok-other")
		other := login(t, s, ou.Email, goodPassword, "1.1.1.1")
		wantErrCode(t, s.RevokeToken(ctx, other, info.ID), errs.NotFound)
		if err := s.RevokeToken(ctx, owner, info.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.AuthenticateToken(ctx, secret)
		wantErr(t, err, errs.Unauthenticated, "token")
	})
}
