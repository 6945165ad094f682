package customer

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loginguard"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestLoginGuessesAcrossManyAddressesCappedPerAccount: a shopper's account
// took any number of wrong passwords from different addresses (the only
// per-account limit was an in-memory 10 a minute that also shut the real
// shopper out). Now the account allows loginguard.FreeFailures, then paces
// devices it does not know, and the shopper's known device still signs in.
func TestLoginGuessesAcrossManyAddressesCappedPerAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("s1")
		clock := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
		s := New(db, Options{Now: func() time.Time { return clock }})
		cu, _, err := s.SignUp(ctx, SignUpInput{Email: "mei@example.com", Phone: "+33 6 12 34 56 78", Password: "s3cret-pass"}, SessionMeta{})
		if err != nil {
			t.Fatal(err)
		}
		// The shopper's phone signed in before: it keeps a device token.
		phone, err := s.RememberDevice(ctx, cu.ID, "")
		if err != nil || !strings.HasPrefix(phone, "wsd_") {
			t.Fatalf("remember device: %q %v", phone, err)
		}
		if again, err := s.RememberDevice(ctx, cu.ID, phone); err != nil || again != phone {
			t.Fatalf("a known device keeps its token: %q %v", again, err)
		}

		// 31 wrong passwords from 31 addresses in the same second, by e-mail
		// and by phone number (one account either way).
		checked, throttled := 0, 0
		for i := 1; i <= 31; i++ {
			id := "mei@example.com"
			if i%2 == 0 {
				id = "+33612345678"
			}
			_, _, err := s.Login(ctx, id, "guess-"+strconv.Itoa(i), SessionMeta{IP: "203.0.113." + strconv.Itoa(i)})
			switch errs.CodeOf(err) {
			case errs.Unauthenticated:
				checked++
			case errs.RateLimited:
				throttled++
				var w *loginguard.Wait
				if !errors.As(err, &w) || w.RetryAfter() <= 0 || !strings.Contains(w.Err.Message, "device you have signed in on before") {
					t.Fatalf("throttled guess %d: %v", i, err)
				}
			default:
				t.Fatalf("guess %d: %v", i, err)
			}
		}
		if checked != loginguard.FreeFailures || throttled != 31-loginguard.FreeFailures {
			t.Fatalf("31 guesses from 31 addresses: %d checked, %d throttled; want %d checked", checked, throttled, loginguard.FreeFailures)
		}
		// The right password on an unknown device waits too (no probing).
		if _, _, err := s.Login(ctx, "mei@example.com", "s3cret-pass", SessionMeta{IP: "198.51.100.7"}); !errs.Is(err, errs.RateLimited) {
			t.Fatalf("right password, unknown device, during the attack: %v", err)
		}
		// The shopper's phone gets in from any address.
		if got, tok, err := s.Login(ctx, "mei@example.com", "s3cret-pass", SessionMeta{IP: "192.0.2.50", Device: phone}); err != nil || tok == "" || got.ID != cu.ID {
			t.Fatalf("known device refused during the attack: %v", err)
		}
		// Another shop's customer with the same e-mail is not affected.
		other := shop("s2")
		if _, _, err := s.SignUp(other, SignUpInput{Email: "mei@example.com", Password: "s3cret-pass"}, SessionMeta{}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Login(other, "mei@example.com", "s3cret-pass", SessionMeta{IP: "198.51.100.7"}); err != nil {
			t.Fatalf("another shop's customer: %v", err)
		}
		// The phone's token is this customer's only.
		if _, _, err := s.Login(other, "mei@example.com", "wrong", SessionMeta{Device: phone}); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("wrong password on another shop: %v", err)
		}

		// An address with no account behaves the same (no enumeration).
		codes := map[errs.Code]int{}
		for i := 1; i <= 12; i++ {
			_, _, err := s.Login(ctx, "nobody@example.com", "guess", SessionMeta{IP: "203.0.113." + strconv.Itoa(i)})
			codes[errs.CodeOf(err)]++
		}
		if codes[errs.Unauthenticated] != loginguard.FreeFailures || codes[errs.RateLimited] != 12-loginguard.FreeFailures {
			t.Fatalf("missing account: %v", codes)
		}

		// After the wait one more guess is checked.
		clock = clock.Add(loginguard.FirstDelay)
		if _, _, err := s.Login(ctx, "mei@example.com", "guess", SessionMeta{IP: "203.0.113.99"}); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("after the wait: %v", err)
		}
		if _, _, err := s.Login(ctx, "mei@example.com", "s3cret-pass", SessionMeta{IP: "203.0.113.98"}); !errs.Is(err, errs.RateLimited) {
			t.Fatalf("paced again: %v", err)
		}
	})
}
