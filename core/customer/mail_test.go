package customer

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/mailtoken"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

var linkToken = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

// mails are the shop's mails of a topic to an address, newest first.
func mails(t *testing.T, db *store.DB, ctx context.Context, to, topic string) []outbox.Message {
	t.Helper()
	pg, err := outbox.ListMail(ctx, db, outbox.MailFilter{To: to, Topic: topic})
	if err != nil {
		t.Fatal(err)
	}
	return pg.Mail
}

func tokenOf(t *testing.T, m outbox.Message) string {
	t.Helper()
	if x := linkToken.FindStringSubmatch(m.Text); x != nil {
		return x[1]
	}
	t.Fatalf("no link in %q", m.Text)
	return ""
}

// TestResetAndVerify: a shopper's reset link arrives by mail, is
// throttled, works once and not in another shop, ends the sessions and
// verifies the e-mail; the verification link sent at sign-up marks the
// address verified (Facts.Verified too) and stops working when the address
// changed.
func TestResetAndVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("s1")
		clock := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
		s := New(db, Options{Now: func() time.Time { return clock }})
		link := MailLink{Shop: "Tea & Co", URL: "https://tea.example/account/verify?token="}
		c, sess, err := s.SignUp(ctx, SignUpInput{Email: "ann@example.com", Password: "s3cret-pass", Verify: &link}, SessionMeta{})
		if err != nil || c.Verified() {
			t.Fatal(c, err)
		}
		vm := mails(t, db, ctx, "ann@example.com", TopicVerifyEmail)
		if len(vm) != 1 || !strings.Contains(vm[0].Subject, "Tea & Co") || !strings.Contains(vm[0].HTML, "Tea &amp; Co") || !strings.Contains(vm[0].Text, link.URL) {
			t.Fatalf("verification mail %+v", vm)
		}
		if _, err := s.VerifyEmail(shop("s2"), tokenOf(t, vm[0])); err != mailtoken.ErrInvalid {
			t.Fatalf("verification link in another shop: %v", err)
		}

		// Reset: unknown addresses answer the same and get nothing.
		rl := MailLink{Shop: "Tea & Co", URL: "https://tea.example/account/reset?token=", IP: "9.9.9.9"}
		if err := s.RequestPasswordReset(ctx, "nobody@example.com", rl); err != nil {
			t.Fatal(err)
		}
		if err := s.RequestPasswordReset(ctx, "not an address", rl); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("bad address: %v", err)
		}
		for i := 0; i < 5; i++ {
			if err := s.RequestPasswordReset(ctx, "Ann@Example.com", rl); err != nil {
				t.Fatal(err)
			}
		}
		rm := mails(t, db, ctx, "ann@example.com", TopicPasswordReset)
		if len(rm) != maxLive || !strings.Contains(rm[0].Text, "9.9.9.9") {
			t.Fatalf("%d reset mails, want %d (throttled)", len(rm), maxLive)
		}
		tok, older := tokenOf(t, rm[0]), tokenOf(t, rm[1])
		if _, err := s.ResetPassword(ctx, tok, "short", SessionMeta{}); errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), "password") {
			t.Fatalf("weak password: %v", err)
		}
		if _, err := s.ResetPassword(shop("s2"), tok, "a new s3cret", SessionMeta{}); err != mailtoken.ErrInvalid {
			t.Fatalf("other shop: %v", err)
		}
		if _, err := s.ResetPassword(ctx, tok, "a new s3cret", SessionMeta{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResetPassword(ctx, tok, "a third s3cret", SessionMeta{}); err != mailtoken.ErrInvalid {
			t.Fatalf("used token: %v", err)
		}
		if _, err := s.VerifyEmail(ctx, older); err != mailtoken.ErrInvalid {
			t.Fatalf("reset link used to verify: %v", err)
		}
		if _, err := s.ResetPassword(ctx, older, "a third s3cret", SessionMeta{}); err != mailtoken.ErrInvalid {
			t.Fatalf("sibling link still works: %v", err)
		}
		if _, _, err := s.Authenticate(ctx, sess); err == nil {
			t.Fatal("session survived the reset")
		}
		if _, _, err := s.Login(ctx, "ann@example.com", "a new s3cret", SessionMeta{}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Get(ctx, c.ID); !got.Verified() {
			t.Fatal("a reset link proves the address")
		}

		// Verification: a second account; its link expires, then works once.
		b, _, err := s.SignUp(ctx, SignUpInput{Email: "bo@example.com", Password: "s3cret-pass", Verify: &link}, SessionMeta{})
		if err != nil {
			t.Fatal(err)
		}
		btok := tokenOf(t, mails(t, db, ctx, "bo@example.com", TopicVerifyEmail)[0])
		clock = clock.Add(VerifyTTL)
		if _, err := s.VerifyEmail(ctx, btok); err != mailtoken.ErrInvalid {
			t.Fatalf("expired link: %v", err)
		}
		if err := s.SendVerification(ctx, b.ID, link); err != nil {
			t.Fatal(err)
		}
		btok = tokenOf(t, mails(t, db, ctx, "bo@example.com", TopicVerifyEmail)[0])
		got, err := s.VerifyEmail(ctx, btok)
		if err != nil || !got.Verified() || got.ID != b.ID {
			t.Fatal(got, err)
		}
		if _, err := s.VerifyEmail(ctx, btok); err != mailtoken.ErrInvalid {
			t.Fatalf("used link: %v", err)
		}
		var f *Facts
		err = db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
			f, err = FactsIn(ctx, q, "s1", b.ID)
			return err
		})
		if err != nil || f == nil || !f.Verified {
			t.Fatalf("facts %+v %v", f, err)
		}
		// Once verified, a resend sends nothing.
		if err := s.SendVerification(ctx, b.ID, link); err != nil || len(mails(t, db, ctx, "bo@example.com", TopicVerifyEmail)) != 2 {
			t.Fatalf("resend when verified: %v", err)
		}
		// A link sent before the address changed verifies nothing.
		c2, _, _ := s.SignUp(ctx, SignUpInput{Email: "cy@example.com", Password: "s3cret-pass", Verify: &link}, SessionMeta{})
		ctok := tokenOf(t, mails(t, db, ctx, "cy@example.com", TopicVerifyEmail)[0])
		if _, err := s.Update(tenancy.WithActor(ctx, tenancy.Actor{Kind: "customer", ID: c2.ID}), c2.ID, UpdateInput{Email: "cy2@example.com"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.VerifyEmail(ctx, ctok); err != mailtoken.ErrInvalid {
			t.Fatalf("link for the old address: %v", err)
		}
		if got, _ := s.Get(ctx, c2.ID); got.Verified() {
			t.Fatal("old link verified the new address")
		}
	})
}
