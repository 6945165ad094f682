package customer

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

func shop(id string) context.Context { return tenancy.WithTenant(context.Background(), id) }

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("PHC %q", h)
	}
	if !VerifyPassword(h, "correct horse") || VerifyPassword(h, "correct horsE") || VerifyPassword("$argon2id$v=19$m=1,t=1,p=1$$", "") {
		t.Fatal("verify")
	}
}

type eraser struct{ called []string }

func (e *eraser) EraseCustomer(ctx context.Context, q bun.IDB, tid, cid string) error {
	e.called = append(e.called, tid+"/"+cid)
	return nil
}

func TestAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("s1")
		clock := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
		er := &eraser{}
		s := New(db, Options{DefaultCallingCode: "86", IdleTimeout: time.Hour, AbsoluteTimeout: 24 * time.Hour, Now: func() time.Time { return clock }, Erasers: []Eraser{er}})

		// A guest at checkout, then the same e-mail signs up: one customer.
		g, err := s.Guest(ctx, GuestInput{Email: "Mei@Example.com", FirstName: "Mei", AcceptsMarketing: true})
		if err != nil || !g.Guest || g.Email != "mei@example.com" || g.MarketingConsentAt == nil || g.MarketingConsentSource != "checkout" {
			t.Fatalf("guest %+v %v", g, err)
		}
		if _, _, err := s.SignUp(ctx, SignUpInput{Email: "mei@example.com", Password: "short"}, SessionMeta{}); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("short password: %v", err)
		}
		c, tok, err := s.SignUp(ctx, SignUpInput{Email: "mei@example.com", Phone: "138 0013 8000", Password: "s3cret-pass", FirstName: "Mei", LastName: "Li"}, SessionMeta{IP: "1.2.3.4"})
		if err != nil || c.ID != g.ID || c.Guest || c.Phone != "+8613800138000" || !strings.HasPrefix(tok, TokenPrefix) {
			t.Fatalf("signup %+v %v", c, err)
		}
		if _, _, err := s.SignUp(ctx, SignUpInput{Email: "MEI@example.com", Password: "another-pass"}, SessionMeta{}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("duplicate signup: %v", err)
		}
		if _, _, err := s.SignUp(ctx, SignUpInput{Phone: "+86 138-0013-8000", Password: "another-pass"}, SessionMeta{}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("duplicate phone: %v", err)
		}
		if _, _, err := s.SignUp(ctx, SignUpInput{Email: "not-an-email", Password: "another-pass"}, SessionMeta{}); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("bad email: %v", err)
		}
		// The same e-mail in another shop is another customer.
		if _, _, err := s.SignUp(shop("s2"), SignUpInput{Email: "mei@example.com", Password: "s3cret-pass"}, SessionMeta{}); err != nil {
			t.Fatal(err)
		}

		// Sessions: the token works in its shop only, idles out, and ends on logout.
		got, sess, err := s.Authenticate(ctx, tok)
		if err != nil || got.ID != c.ID || sess.ExpiresAt != clock.Add(24*time.Hour) {
			t.Fatalf("authenticate %+v %v", got, err)
		}
		if _, _, err := s.Authenticate(shop("s2"), tok); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("other shop: %v", err)
		}
		if _, _, err := s.Authenticate(ctx, "wss_staff-token"); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("staff-like token: %v", err)
		}
		clock = clock.Add(50 * time.Minute)
		if _, _, err := s.Authenticate(ctx, tok); err != nil {
			t.Fatal(err) // touched: idle timer restarts
		}
		clock = clock.Add(50 * time.Minute)
		if _, _, err := s.Authenticate(ctx, tok); err != nil {
			t.Fatalf("within idle window: %v", err)
		}
		clock = clock.Add(61 * time.Minute)
		if _, _, err := s.Authenticate(ctx, tok); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("idle session: %v", err)
		}
		// Login by phone or e-mail; wrong password looks like unknown user.
		if _, _, err := s.Login(ctx, "mei@example.com", "wrong-pass", SessionMeta{}); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("wrong password: %v", err)
		}
		if _, _, err := s.Login(ctx, "nobody@example.com", "wrong-pass", SessionMeta{}); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("unknown: %v", err)
		}
		_, tok2, err := s.Login(ctx, "13800138000", "s3cret-pass", SessionMeta{})
		if err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(30 * time.Minute)
		for i := 0; i < 2; i++ { // absolute timeout, even when active
			clock = clock.Add(50 * time.Minute)
			s.Authenticate(ctx, tok2)
		}
		clock = clock.Add(23 * time.Hour)
		if _, _, err := s.Authenticate(ctx, tok2); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("absolute timeout: %v", err)
		}
		_, tok3, _ := s.Login(ctx, "MEI@example.com", "s3cret-pass", SessionMeta{})
		tok4, err := s.ChangePassword(ctx, c.ID, "s3cret-pass", "new-s3cret-pass", SessionMeta{})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Authenticate(ctx, tok3); !errs.Is(err, errs.Unauthenticated) {
			t.Fatal("old session survived password change")
		}
		if _, _, err := s.Authenticate(ctx, tok4); err != nil {
			t.Fatal(err)
		}
		if err := s.Logout(ctx, tok4); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Authenticate(ctx, tok4); !errs.Is(err, errs.Unauthenticated) {
			t.Fatal("logout")
		}

		// Staff edits, tags, consent, addresses, list.
		u, err := s.Update(ctx, c.ID, UpdateInput{Email: "mei@example.com", Phone: "+8613800138000", FirstName: "Mei", LastName: "Li", Note: "VIP since 2024", Tags: []string{"vip", "vip", "wholesale"}})
		if err != nil || strings.Join(u.Tags, ",") != "vip,wholesale" {
			t.Fatalf("update %+v %v", u, err)
		}
		u, err = s.SetMarketingConsent(ctx, c.ID, false, "unsubscribe link")
		if err != nil || u.AcceptsMarketing || !u.MarketingConsentAt.Equal(clock) || u.MarketingConsentSource != "unsubscribe link" {
			t.Fatalf("consent %+v %v", u, err)
		}
		a1, err := s.SaveAddress(ctx, c.ID, Address{FirstName: "Mei", Line1: "1 Nanjing Rd", City: "Shanghai", Country: "cn"})
		if err != nil || !a1.IsDefault || a1.Country != "CN" {
			t.Fatalf("address %+v %v", a1, err)
		}
		if _, err := s.SaveAddress(ctx, c.ID, Address{Line1: "x", City: "y", Country: "China"}); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("bad country: %v", err)
		}
		a2, _ := s.SaveAddress(ctx, c.ID, Address{Line1: "2 Huaihai Rd", City: "Shanghai", Country: "CN", IsDefault: true})
		addrs, _ := s.Addresses(ctx, c.ID)
		if len(addrs) != 2 || addrs[0].ID != a2.ID || addrs[1].IsDefault {
			t.Fatalf("addresses %+v", addrs)
		}
		if _, err := s.SaveAddress(shop("s2"), c.ID, Address{Line1: "x", City: "y", Country: "CN"}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("cross-shop address: %v", err)
		}
		list, _, err := s.List(ctx, ListFilter{Query: "MEI", Tag: "vip"})
		if err != nil || len(list) != 1 || len(list[0].Tags) != 2 {
			t.Fatalf("list %+v %v", list, err)
		}

		// Export, then delete: personal data gone, row kept, eraser called.
		_, tok5, _ := s.Login(ctx, "mei@example.com", "new-s3cret-pass", SessionMeta{IP: "5.6.7.8", UserAgent: "Firefox"})
		js, err := s.ExportJSON(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ex Export
		if err := json.Unmarshal(js, &ex); err != nil || ex.Customer.Email != "mei@example.com" || len(ex.Addresses) != 2 || len(ex.Sessions) != 1 || ex.Sessions[0].IP != "5.6.7.8" {
			t.Fatalf("export %s %v", js, err)
		}
		if strings.Contains(string(js), "argon2") || strings.Contains(string(js), tok5) {
			t.Fatal("export leaks secrets")
		}
		if err := s.Delete(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		d, err := s.Get(ctx, c.ID)
		if err != nil || d.State != Deleted || d.Email != "" || d.Phone != "" || d.FirstName != "" || d.Note != "" || len(d.Tags) != 0 {
			t.Fatalf("deleted %+v %v", d, err)
		}
		if addrs, _ := s.Addresses(ctx, c.ID); len(addrs) != 0 || len(er.called) != 1 {
			t.Fatalf("left behind: %d addresses, erasers %v", len(addrs), er.called)
		}
		if _, _, err := s.Authenticate(ctx, tok5); !errs.Is(err, errs.Unauthenticated) {
			t.Fatal("session survived deletion")
		}
		if _, _, err := s.Login(ctx, "mei@example.com", "new-s3cret-pass", SessionMeta{}); !errs.Is(err, errs.Unauthenticated) {
			t.Fatal("deleted customer can log in")
		}
		// The address is free again.
		if _, _, err := s.SignUp(ctx, SignUpInput{Email: "mei@example.com", Password: "s3cret-pass"}, SessionMeta{}); err != nil {
			t.Fatal(err)
		}
	})
}
