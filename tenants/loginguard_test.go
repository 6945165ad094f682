package tenants_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loginguard"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/tenants"
)

// TestLoginGuessesAcrossManyIPsCappedPerAccount: 31 wrong passwords for one
// staff account from 31 addresses in one second were all checked (none
// throttled), since the per-account limit only paced addresses that had
// already failed. Now the account allows loginguard.FreeFailures, then
// paces every device it does not know, while the owner's known device
// still signs in at once.
func TestLoginGuessesAcrossManyIPsCappedPerAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, clk := newService(t, db)
		ctx := context.Background()
		_, u := signup(t, s, "guard")
		// The owner signs in on their laptop once: it becomes a known device.
		res, err := s.Login(ctx, tenants.LoginInput{Email: u.Email, Password: goodPassword, IP: "10.0.0.1"})
		if err != nil || res.Device == "" {
			t.Fatalf("owner's first sign-in: %v, device %q", err, res.Device)
		}
		laptop := res.Device
		try := func(ip, pw, device string) (tenants.LoginResult, error) {
			return s.Login(ctx, tenants.LoginInput{Email: u.Email, Password: pw, IP: ip, Device: device})
		}

		// 31 wrong passwords from 31 addresses, all within the same second.
		checked, throttled := 0, 0
		for i := 1; i <= 31; i++ {
			_, err := try("203.0.113."+strconv.Itoa(i), "botnet guess "+strconv.Itoa(i), "")
			switch errs.CodeOf(err) {
			case errs.Unauthenticated:
				checked++
			case errs.RateLimited:
				throttled++
				var w *loginguard.Wait
				if !errors.As(err, &w) || w.RetryAfter() <= 0 || w.RetryAfter() > loginguard.FirstDelay {
					t.Fatalf("throttled guess %d: no usable wait: %v", i, err)
				}
				if msg := w.Err.Message; !strings.Contains(msg, "device you have used before") || !strings.Contains(msg, "Forgot your password?") {
					t.Fatalf("the refusal does not tell the owner what to do: %q", msg)
				}
			default:
				t.Fatalf("guess %d: %v", i, err)
			}
		}
		if checked != loginguard.FreeFailures || throttled != 31-loginguard.FreeFailures {
			t.Fatalf("31 guesses from 31 addresses: %d checked, %d throttled; want %d checked", checked, throttled, loginguard.FreeFailures)
		}
		// The right password from a new address and device is refused too,
		// before it is checked, so the guesser learns nothing.
		_, err = try("198.51.100.7", goodPassword, "")
		wantErr(t, err, errs.RateLimited, "password")
		// A made-up device token does not help.
		_, err = try("198.51.100.8", goodPassword, "wsd_"+strings.Repeat("A", 43))
		wantErr(t, err, errs.RateLimited, "password")
		// The owner's laptop signs in, even from an address it never used.
		res, err = try("192.0.2.50", goodPassword, laptop)
		if err != nil || res.Token == "" || res.Device != laptop {
			t.Fatalf("owner's known device refused during the attack: %v (device %q)", err, res.Device)
		}
		// An address the owner signed in from is no proof of the owner
		// (a shared NAT, a carrier's CGNAT, a proxy): without the device
		// cookie it waits like any other.
		_, err = try("10.0.0.1", goodPassword, "")
		wantErr(t, err, errs.RateLimited, "password")

		// After the wait one more guess is checked, and the next wait doubles.
		clk.add(loginguard.FirstDelay)
		_, err = try("203.0.113.100", "botnet guess 100", "")
		wantErr(t, err, errs.Unauthenticated, "password")
		_, err = try("203.0.113.101", "botnet guess 101", "")
		var w *loginguard.Wait
		if !errors.As(err, &w) || w.RetryAfter() != 2*loginguard.FirstDelay {
			t.Fatalf("second paced guess: want a %s wait, got %v", 2*loginguard.FirstDelay, err)
		}

		// On a new device the owner resets the password by e-mail: that
		// browser is known from then on, while other new devices still wait.
		if err := s.RequestPasswordReset(ctx, u.Email, "192.0.2.77"); err != nil {
			t.Fatal(err)
		}
		phone, err := s.ResetPassword(ctx, lastMailToken(t, db, u.Email, "user.password_reset"), "a fresh passphrase for 2026", "")
		if err != nil || phone == "" {
			t.Fatalf("reset: %v, device %q", err, phone)
		}
		if _, err := try("192.0.2.77", "a fresh passphrase for 2026", phone); err != nil {
			t.Fatalf("owner's phone after the reset: %v", err)
		}
		_, err = try("198.51.100.9", "a fresh passphrase for 2026", "")
		wantErr(t, err, errs.RateLimited, "password")

		// A day later the window is over.
		clk.add(loginguard.Window)
		if _, err := try("198.51.100.9", "a fresh passphrase for 2026", ""); err != nil {
			t.Fatalf("a day later: %v", err)
		}
		if err := s.PurgeExpired(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
