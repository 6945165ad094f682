package tenants_test

import (
	"context"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/tenants/perm"
)

func count(t *testing.T, db *store.DB, table, where string, args ...any) int {
	t.Helper()
	var n int
	err := db.Read(tenancy.WithPlatform(context.Background()), func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw("SELECT count(*) FROM "+table+" WHERE "+where, args...).Scan(ctx, &n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSignup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := newService(t, db)
		ctx := context.Background()
		tn, u := signup(t, s, "acme")
		if tn.Status != tenants.StatusActive || tn.Plan != tenants.PlanFree || tn.Currency != "EUR" || tn.Country != "FR" {
			t.Fatalf("tenant: %+v", tn)
		}
		p := login(t, s, u.Email, goodPassword, "1.2.3.4")
		if p.TenantID != tn.ID || !p.HasRole(perm.Owner) || p.Kind != tenants.KindStaff || p.TenantSlug != "acme" {
			t.Fatalf("owner principal: %+v", p)
		}
		// The new shop's checkout sells in the shop's currency.
		if set, err := checkout.GetSettings(tenancy.WithTenant(ctx, tn.ID), db); err != nil || set.Currency != "EUR" {
			t.Fatalf("checkout settings of a new EUR shop: %+v %v", set, err)
		}

		base := tenants.SignupInput{ShopInput: tenants.ShopInput{Name: "Bob's", Slug: "bobs", Currency: "USD", Country: "US"}, Email: "bob@example.com", Password: goodPassword}
		cases := []struct {
			name  string
			edit  func(*tenants.SignupInput)
			code  errs.Code
			field string
		}{
			{"short slug", func(in *tenants.SignupInput) { in.Slug = "ab" }, errs.Invalid, "slug"},
			{"long slug", func(in *tenants.SignupInput) { in.Slug = strings.Repeat("a", 41) }, errs.Invalid, "slug"},
			{"uppercase ok but bad chars", func(in *tenants.SignupInput) { in.Slug = "bob_s" }, errs.Invalid, "slug"},
			{"leading hyphen", func(in *tenants.SignupInput) { in.Slug = "-bobs" }, errs.Invalid, "slug"},
			{"trailing hyphen", func(in *tenants.SignupInput) { in.Slug = "bobs-" }, errs.Invalid, "slug"},
			{"double hyphen", func(in *tenants.SignupInput) { in.Slug = "bo--bs" }, errs.Invalid, "slug"},
			{"reserved www", func(in *tenants.SignupInput) { in.Slug = "www" }, errs.Invalid, "slug"},
			{"reserved admin", func(in *tenants.SignupInput) { in.Slug = "Admin" }, errs.Invalid, "slug"},
			{"reserved api", func(in *tenants.SignupInput) { in.Slug = "api" }, errs.Invalid, "slug"},
			{"taken slug", func(in *tenants.SignupInput) { in.Slug = "acme" }, errs.Conflict, "slug"},
			{"no name", func(in *tenants.SignupInput) { in.Name = "  " }, errs.Invalid, "name"},
			{"bad currency", func(in *tenants.SignupInput) { in.Currency = "EURO" }, errs.Invalid, "currency"},
			{"unknown currency", func(in *tenants.SignupInput) { in.Currency = "XYZ" }, errs.Invalid, "currency"},
			{"bad country", func(in *tenants.SignupInput) { in.Country = "XX" }, errs.Invalid, "country"},
			{"bad email", func(in *tenants.SignupInput) { in.Email = "bob@" }, errs.Invalid, "email"},
			{"email with name", func(in *tenants.SignupInput) { in.Email = "Bob <bob@example.com>" }, errs.Invalid, "email"},
			{"short password", func(in *tenants.SignupInput) { in.Password = "Short1!" }, errs.Invalid, "password"},
			{"breached password", func(in *tenants.SignupInput) { in.Password = "Password123!" }, errs.Invalid, "password"},
			{"breached password 2", func(in *tenants.SignupInput) { in.Password = "qwerty123456" }, errs.Invalid, "password"},
			{"repeated password", func(in *tenants.SignupInput) { in.Password = "aaaaaaaaaaaa" }, errs.Invalid, "password"},
			{"email as password", func(in *tenants.SignupInput) { in.Password = "bob@example.com" }, errs.Invalid, "password"},
			{"existing email", func(in *tenants.SignupInput) { in.Email = u.Email }, errs.Invalid, "email"},
		}
		for _, c := range cases {
			in := base
			c.edit(&in)
			_, _, err := s.Signup(ctx, in)
			if err == nil {
				t.Fatalf("%s: accepted", c.name)
			}
			var e *errs.Error
			if !errorsAs(err, &e) || e.Code != c.code || e.Field != c.field {
				t.Fatalf("%s: want %s on %s, got %v", c.name, c.code, c.field, err)
			}
		}
		// Nothing half-written: the taken-slug signup left no user behind.
		if n := count(t, db, "users", "email = ?", "bob@example.com"); n != 0 {
			t.Fatalf("failed signup left %d users", n)
		}
		if n := count(t, db, "tenants", "1=1"); n != 1 {
			t.Fatalf("%d tenants, want 1", n)
		}
		// The owner can open a second shop and switch between them.
		t2, err := s.CreateShop(ctx, p, p.UserID, tenants.ShopInput{Name: "Second", Slug: "acme-two", Currency: "GBP", Country: "GB"})
		if err != nil {
			t.Fatal(err)
		}
		shops, err := s.Shops(ctx, p.UserID)
		if err != nil || len(shops) != 2 {
			t.Fatalf("shops: %v %v", shops, err)
		}
		if err := s.SwitchShop(ctx, p, t2.ID); err != nil {
			t.Fatal(err)
		}
		other, _ := signup(t, s, "other")
		wantErrCode(t, s.SwitchShop(ctx, p, other.ID), errs.NotFound)
		if _, err := s.CreateShop(ctx, p, "someone-else", tenants.ShopInput{Name: "X", Slug: "xxx", Currency: "EUR", Country: "FR"}); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("create shop for another user: %v", err)
		}
	})
}

func wantErrCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("want %s, got %v", code, err)
	}
}

func TestStatusPlansAndQuotas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := newService(t, db)
		ctx := context.Background()
		tn, u := signup(t, s, "plans")
		owner := login(t, s, u.Email, goodPassword, "1.1.1.1")
		sys := tenants.System()

		if err := s.CheckQuota(ctx, tn.ID, tenants.QuotaProducts, 99); err != nil {
			t.Fatal(err)
		}
		wantErr(t, s.CheckQuota(ctx, tn.ID, tenants.QuotaProducts, 100), errs.QuotaExceeded, "products")
		wantErr(t, s.CheckQuota(ctx, tn.ID, tenants.QuotaPrivatePlugins, 0), errs.QuotaExceeded, "private_plugins")
		wantErr(t, s.ChangePlan(ctx, owner, tn.ID, "platinum"), errs.Invalid, "plan")
		if err := s.ChangePlan(ctx, owner, tn.ID, tenants.PlanScale); err != nil {
			t.Fatal(err)
		}
		if err := s.CheckQuota(ctx, tn.ID, tenants.QuotaProducts, 1_000_000); err != nil {
			t.Fatalf("scale is unlimited: %v", err)
		}
		if err := s.CheckQuota(ctx, tn.ID, tenants.QuotaPrivatePlugins, 0); err != nil {
			t.Fatal(err)
		}
		// Fill 3 seats, then a downgrade to free (2 seats) is refused.
		for _, e := range []string{"a@x.example.com", "b@x.example.com"} {
			if _, err := s.InviteStaff(ctx, owner, e, perm.Analyst); err != nil {
				t.Fatal(err)
			}
		}
		wantErr(t, s.ChangePlan(ctx, sys, tn.ID, tenants.PlanFree), errs.Conflict, "plan")

		// Suspend: console read-only, storefront still resolves (maintenance page).
		wantErrCode(t, s.Suspend(ctx, owner, tn.ID, "x"), errs.Forbidden)
		if err := s.Suspend(ctx, sys, tn.ID, "unpaid invoice"); err != nil {
			t.Fatal(err)
		}
		owner = reauth(t, s, owner)
		if owner.TenantStatus != tenants.StatusSuspended {
			t.Fatalf("status %s", owner.TenantStatus)
		}
		if ok, _ := s.Can(ctx, owner, perm.CatalogRead); !ok {
			t.Fatal("suspended shop lost read access")
		}
		if ok, _ := s.Can(ctx, owner, perm.CatalogWrite); ok {
			t.Fatal("suspended shop can still write")
		}
		_, err := s.UpdateShop(ctx, owner, "New name")
		wantErrCode(t, err, errs.Forbidden)
		got, err := s.ResolveHost(ctx, "plans.localhost:8080")
		if err != nil || got.Status != tenants.StatusSuspended {
			t.Fatalf("resolve suspended: %+v %v", got, err)
		}
		if err := s.Suspend(ctx, sys, tn.ID, ""); err != nil { // already suspended: no-op
			t.Fatal(err)
		}
		if err := s.Resume(ctx, sys, tn.ID); err != nil {
			t.Fatal(err)
		}
		owner = reauth(t, s, owner)
		if _, err := s.UpdateShop(ctx, owner, "New name"); err != nil {
			t.Fatal(err)
		}
		if err := s.CloseShop(ctx, owner, tn.ID, "retiring"); err != nil {
			t.Fatal(err)
		}
		wantErr(t, s.Resume(ctx, sys, tn.ID), errs.Conflict, "status")
		owner = reauth(t, s, owner)
		if owner.TenantID != "" {
			t.Fatalf("closed shop still current: %+v", owner)
		}
		page, err := s.Audit(ctx, tenants.Principal{Kind: tenants.KindStaff, TenantID: tn.ID, TenantStatus: tenants.StatusActive, Roles: []string{perm.Owner}}, auditFilter())
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range page.Entries {
			actions = append(actions, e.Action)
		}
		for _, want := range []string{"shop.create", "shop.plan", "shop.suspend", "shop.resume", "shop.update", "shop.close", "staff.invite"} {
			if !strings.Contains(strings.Join(actions, " "), want) {
				t.Fatalf("audit lacks %s: %v", want, actions)
			}
		}
	})
}

func reauth(t *testing.T, s *tenants.Service, p tenants.Principal) tenants.Principal {
	t.Helper()
	// Principals are per request: rebuild from the session row.
	var tok string
	for tk, id := range sessionTokens {
		if id == p.SessionID {
			tok = tk
		}
	}
	if tok == "" {
		t.Fatal("session token unknown")
	}
	np, err := s.AuthenticateSession(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	return np
}

func TestHostsAndDomains(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _, dns := newServiceDNS(t, db, nil)
		ctx := context.Background()
		a, ua := signup(t, s, "alpha")
		_, ub := signup(t, s, "beta")
		pa := login(t, s, ua.Email, goodPassword, "1.1.1.1")
		pb := login(t, s, ub.Email, goodPassword, "1.1.1.1")
		for _, h := range []string{"alpha.localhost:8080", "ALPHA.wasmart.test", "alpha.wasmart.test.", "alpha.localhost"} {
			got, err := s.ResolveHost(ctx, h)
			if err != nil || got.ID != a.ID {
				t.Fatalf("%s: %+v %v", h, got, err)
			}
		}
		for _, h := range []string{"localhost:8080", "wasmart.test", "nope.localhost", "x.alpha.localhost", "shop.example.com", ""} {
			if _, err := s.ResolveHost(ctx, h); errs.CodeOf(err) != errs.NotFound {
				t.Fatalf("%s: %v", h, err)
			}
		}
		for _, bad := range []string{"", "localhost", "shop", "1.2.3.4", "a..b.com", "-a.com", "shop.example.123", "x.wasmart.test", "x.localhost", "http://x.com", strings.Repeat("a", 64) + ".com"} {
			_, err := s.AddDomain(ctx, pa, bad)
			wantErr(t, err, errs.Invalid, "domain")
		}
		// Cached miss, then added: invalidated at once.
		if _, err := s.ResolveHost(ctx, "shop.example.com"); errs.CodeOf(err) != errs.NotFound {
			t.Fatal(err)
		}
		d, err := s.AddDomain(ctx, pa, "Shop.Example.com.")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResolveHost(ctx, "shop.example.com"); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("pending domain resolves: %v", err)
		}
		dns.SetTXT(d.TXTName(), d.Token)
		if _, err := s.VerifyDomain(ctx, pa, "shop.example.com"); err != nil {
			t.Fatal(err)
		}
		got, err := s.ResolveHost(ctx, "shop.example.com:443")
		if err != nil || got.ID != a.ID {
			t.Fatalf("custom domain: %+v %v", got, err)
		}
		_, err = s.AddDomain(ctx, pb, "shop.example.com")
		wantErr(t, err, errs.Conflict, "domain")
		wantErrCode(t, s.RemoveDomain(ctx, pb, "shop.example.com"), errs.NotFound)
		if err := s.RemoveDomain(ctx, pa, "shop.example.com"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResolveHost(ctx, "shop.example.com"); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("removed domain still resolves: %v", err)
		}
		ds, err := s.Domains(ctx, pa)
		if err != nil || len(ds) != 0 {
			t.Fatalf("domains: %v %v", ds, err)
		}
	})
}

func TestListTenantsAndPlatformAdmins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := newService(t, db)
		ctx := context.Background()
		for _, slug := range []string{"red-shop", "green-shop", "blue-store", "reddish"} {
			signup(t, s, slug)
		}
		if _, err := s.CreatePlatformAdmin(ctx, tenants.System(), "root@wasmart.example.com", goodPassword, perm.PlatformAdmin); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreatePlatformAdmin(ctx, tenants.System(), "help@wasmart.example.com", goodPassword, perm.PlatformSupport); err != nil {
			t.Fatal(err)
		}
		_, err := s.CreatePlatformAdmin(ctx, tenants.System(), "x@wasmart.example.com", goodPassword, "god")
		wantErr(t, err, errs.Invalid, "role")
		admin := login(t, s, "root@wasmart.example.com", goodPassword, "9.9.9.9")
		support := login(t, s, "help@wasmart.example.com", goodPassword, "9.9.9.9")
		if admin.Kind != tenants.KindPlatformAdmin || !admin.IsPlatformAdmin() || admin.TenantID != "" {
			t.Fatalf("admin principal: %+v", admin)
		}
		page, err := s.ListTenants(ctx, support, tenants.TenantFilter{Query: "RED"})
		if err != nil || len(page.Tenants) != 2 {
			t.Fatalf("search: %d %v", len(page.Tenants), err)
		}
		page, err = s.ListTenants(ctx, admin, tenants.TenantFilter{Limit: 3})
		if err != nil || len(page.Tenants) != 3 || page.Next == "" {
			t.Fatalf("page: %d %v", len(page.Tenants), err)
		}
		page2, _ := s.ListTenants(ctx, admin, tenants.TenantFilter{Limit: 3, Cursor: page.Next})
		if len(page2.Tenants) != 1 {
			t.Fatalf("page 2: %d", len(page2.Tenants))
		}
		_, err = s.ListTenants(ctx, admin, tenants.TenantFilter{Status: "zombie"})
		wantErr(t, err, errs.Invalid, "status")
		green := page.Tenants[1]
		wantErrCode(t, s.Suspend(ctx, support, green.ID, ""), errs.Forbidden)
		if err := s.Suspend(ctx, admin, "no-such-id", ""); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("suspend unknown: %v", err)
		}
		if err := s.Suspend(ctx, admin, green.ID, "abuse"); err != nil {
			t.Fatal(err)
		}
		page, _ = s.ListTenants(ctx, admin, tenants.TenantFilter{Status: tenants.StatusSuspended})
		if len(page.Tenants) != 1 {
			t.Fatalf("status filter: %d", len(page.Tenants))
		}
		// A shop owner is no platform admin.
		owner := login(t, s, "owner@red-shop.example.com", goodPassword, "1.1.1.1")
		_, err = s.ListTenants(ctx, owner, tenants.TenantFilter{})
		wantErrCode(t, err, errs.Forbidden)
		if _, err := s.Mailbox(ctx, support, mailFilter()); err != nil {
			t.Fatal(err)
		}
		_, err = s.Mailbox(ctx, owner, mailFilter())
		wantErrCode(t, err, errs.Forbidden)
		admins, err := s.PlatformAdmins(ctx, admin)
		if err != nil || len(admins) != 2 {
			t.Fatalf("admins: %v %v", admins, err)
		}
		_, err = s.PlatformAdmins(ctx, support)
		wantErrCode(t, err, errs.Forbidden)
	})
}
