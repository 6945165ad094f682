package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// shopMailPath is the path (with query) of the link in the newest mail of
// a topic to an address, as the shop's outbox captured it.
func shopMailPath(t *testing.T, e *shopEnv, to, topic string, want int) string {
	t.Helper()
	pg, err := outbox.ListMail(e.ctx, e.srv.DB, outbox.MailFilter{To: to, Topic: topic})
	if err != nil || len(pg.Mail) != want {
		t.Fatalf("%d %s mails to %s, want %d (%v)", len(pg.Mail), topic, to, want, err)
	}
	u, err := url.Parse(hrefRe.FindString(pg.Mail[0].Text))
	if err != nil || !strings.HasPrefix(u.Host, e.shop.Slug+".") {
		t.Fatalf("link %v in %q (%v)", u, pg.Mail[0].Text, err)
	}
	return u.RequestURI()
}

// TestShopPasswordResetAndVerification: /account/forgot mails a reset
// link (the same answer for an unknown address); the link's page takes a
// new password once (a weak one is refused in words and leaves the link
// usable; a used or forged link is refused with a way to ask again); the
// shopper signs in with it. Sign-up mails a verification link; confirming
// it shows "Verified" on the account; a resend mails a new link; a used
// link is refused clearly.
func TestShopPasswordResetAndVerification(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := startShop(t, db, "resets", nil)
		c := e.client()
		wantSeeOther(t, c.post("/account/signup", url.Values{"email": {"ann@example.com"}, "password": {shopperPassword}}), "/account")
		wantPage(t, c.get("/account"), 200, `id="email-status"`, "Not confirmed yet", `form="verify-resend"`)
		verify := shopMailPath(t, e, "ann@example.com", customer.TopicVerifyEmail, 1)

		// Confirm from another browser (the mail app's), signed out.
		o := e.client()
		wantPage(t, o.get(verify), 200, `id="verify-confirm"`)
		tok := strings.TrimPrefix(verify, "/account/verify?token=")
		wantPage(t, o.post("/account/verify", url.Values{"token": {tok}}), 200, "your e-mail address is confirmed")
		wantPage(t, o.post("/account/verify", url.Values{"token": {tok}}), 400, "this link has expired or was already used", `id="verify-again"`)
		wantPage(t, c.get("/account"), 200, `class="badge verified">Verified`)

		// Resend for an unconfirmed account.
		b := e.client()
		wantSeeOther(t, b.post("/account/signup", url.Values{"email": {"bo@example.com"}, "password": {shopperPassword}}), "/account")
		wantSeeOther(t, b.post("/account/verify/resend", url.Values{}), "/account?saved=verify")
		wantPage(t, b.get("/account?saved=verify"), 200, "We sent you a new link")
		tok = strings.TrimPrefix(shopMailPath(t, e, "bo@example.com", customer.TopicVerifyEmail, 2), "/account/verify?token=")
		wantSeeOther(t, b.post("/account/verify", url.Values{"token": {tok}}), "/account?saved=verified")
		wantPage(t, b.get("/account?saved=verified"), 200, "your e-mail address is confirmed", "Verified")

		// Forgotten password.
		wantPage(t, c.get("/account/login"), 200, `href="/account/forgot"`)
		f := e.client()
		wantPage(t, f.get("/account/forgot"), 200, `action="/account/forgot"`, `name="email"`)
		wantPage(t, f.post("/account/forgot", url.Values{"email": {"not-an-address"}}), 400, "(email)", `value="not-an-address"`)
		wantPage(t, f.post("/account/forgot", url.Values{"email": {"ghost@example.com"}}), 200, "If that address has an account here")
		wantPage(t, f.post("/account/forgot", url.Values{"email": {"Ann@Example.com"}}), 200, "If that address has an account here")
		reset := shopMailPath(t, e, "ann@example.com", customer.TopicPasswordReset, 1)
		wantPage(t, f.get(reset), 200, `action="/account/reset"`, `name="password"`)
		tok = strings.TrimPrefix(reset, "/account/reset?token=")
		wantPage(t, f.post("/account/reset", url.Values{"token": {tok}, "password": {"short"}}), 400, "(password)")
		wantPage(t, f.post("/account/reset", url.Values{"token": {"forged"}, "password": {"a brand new passphrase"}}), 400, "this link has expired or was already used", `id="reset-again"`)
		wantSeeOther(t, f.post("/account/reset", url.Values{"token": {tok}, "password": {"a brand new passphrase"}}), "/account/login?reset=1")
		wantPage(t, f.get("/account/login?reset=1"), 200, "Your password is changed")
		wantPage(t, f.post("/account/reset", url.Values{"token": {tok}, "password": {"yet another passphrase"}}), 400, "this link has expired or was already used")
		// The old session ended; the new password signs in.
		if r := c.get("/account"); r.Status != 303 {
			t.Fatalf("old session after reset: %d", r.Status)
		}
		wantSeeOther(t, f.post("/account/login", url.Values{"identifier": {"ann@example.com"}, "password": {"a brand new passphrase"}}), "/account")
	})
}
