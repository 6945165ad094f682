package web_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants"
)

// TestLoginGuessesAcrossManyIPsCappedPerAccount (HTTP): after 31 wrong
// passwords for one account from 31 addresses, a browser that never signed
// in to it is refused with 429, Retry-After and words saying what to do,
// while the owner's browser (its device cookie from an earlier sign-in)
// still signs in; on the console and on a shop's storefront. The guesses
// go through the service layer because the test server, like a default
// install, does not take client addresses from X-Forwarded-For.
func TestLoginGuessesAcrossManyIPsCappedPerAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// Console: the owner's browser signed in at sign-up.
		srv := startServer(t, db)
		sh := srv.signup("gattack")
		ctx := context.Background()
		for i := 1; i <= 31; i++ {
			_, _ = srv.Tenants.Login(ctx, tenants.LoginInput{Email: sh.OwnerEmail, Password: "guess " + strconv.Itoa(i), IP: "203.0.113." + strconv.Itoa(i)})
		}
		form := url.Values{"email": {sh.OwnerEmail}, "password": {testPassword}, "next": {"/console"}}.Encode()
		stranger := srv.client()
		r := stranger.do("POST", "/login", form, nil)
		wantThrottled(t, "console, new browser", r, "device you have used before")
		r = stranger.do("POST", "/api/sessions", `{"email":"`+sh.OwnerEmail+`","password":"`+testPassword+`"}`, nil)
		wantThrottled(t, "API, new browser", r, `"code":"rate_limited"`)
		r = sh.Owner.do("POST", "/login", form, nil)
		if r.Status != 303 || r.Header.Get("Location") != "/console" {
			t.Fatalf("console, owner's browser during the attack: %d %.300s", r.Status, r.Body)
		}

		// Storefront: the shopper's browser signed up there.
		e := startShop(t, db, "gattackshop", nil)
		shopper := e.client()
		if r := shopper.post("/account/signup", url.Values{"email": {"ann@example.com"}, "password": {shopperPassword}}); r.Status != 303 {
			t.Fatalf("sign-up: %d %.300s", r.Status, r.Body)
		}
		if shopper.cookie("wsm_device") == "" {
			t.Fatal("sign-up gave the browser no device cookie")
		}
		if r := shopper.post("/account/logout", url.Values{}); r.Status != 303 {
			t.Fatalf("logout: %d", r.Status)
		}
		cs := e.srv.Services.Customers
		sctx := tenancy.WithTenant(ctx, e.shop.ID)
		for i := 1; i <= 31; i++ {
			_, _, _ = cs.Login(sctx, "ann@example.com", "guess "+strconv.Itoa(i), customer.SessionMeta{IP: "203.0.113." + strconv.Itoa(i)})
		}
		login := url.Values{"identifier": {"ann@example.com"}, "password": {shopperPassword}}
		r = e.client().post("/account/login", login)
		wantThrottled(t, "storefront, new browser", r, "device you have signed in on before")
		r = shopper.post("/account/login", login)
		if r.Status != 303 || r.Header.Get("Location") != "/account" {
			t.Fatalf("storefront, shopper's browser during the attack: %d %.300s", r.Status, r.Body)
		}
	})
}

func wantThrottled(t *testing.T, what string, r response, says string) {
	t.Helper()
	if r.Status != 429 {
		t.Fatalf("%s: status %d, want 429: %.400s", what, r.Status, r.Body)
	}
	if n, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || n < 1 {
		t.Errorf("%s: Retry-After %q", what, r.Header.Get("Retry-After"))
	}
	if !strings.Contains(r.Body, says) {
		t.Errorf("%s: the answer does not say %q: %.600s", what, says, r.Body)
	}
	for _, ck := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(ck, "wsm_session=") || strings.HasPrefix(ck, "wsm_customer=") {
			t.Errorf("%s: a refused sign-in set %s", what, ck)
		}
	}
}
