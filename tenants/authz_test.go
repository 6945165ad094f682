package tenants_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/tenants/perm"
)

func can(t *testing.T, s *tenants.Service, p tenants.Principal, pm perm.Permission) bool {
	t.Helper()
	ok, err := s.Can(context.Background(), p, pm)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestBuiltInRoles(t *testing.T) {
	s, err := tenants.New(storetest.SQLite(t), tenants.Config{})
	if err != nil {
		t.Fatal(err)
	}
	p := func(role string) tenants.Principal {
		return tenants.Principal{Kind: tenants.KindStaff, TenantID: "t", TenantStatus: tenants.StatusActive, Roles: []string{role}}
	}
	for _, c := range []struct {
		role string
		perm perm.Permission
		want bool
	}{
		{perm.Owner, perm.StaffManage, true},
		{perm.Owner, perm.PlatformTenantsRead, false},
		{perm.Administrator, perm.TokensManage, true},
		{perm.Operations, perm.CatalogPublish, false},
		{perm.Operations, perm.StaffManage, false},
		{perm.Operations, perm.DesignWrite, true},
		{perm.Marketing, perm.DesignWrite, true},
		{perm.Warehouse, perm.DesignWrite, false},
		{perm.Analyst, perm.DesignRead, true},
		{perm.Analyst, perm.DesignWrite, false},
		{perm.Marketing, perm.PromotionsWrite, true},
		{perm.Marketing, perm.OrdersRefund, false},
		{perm.CustomerService, perm.ReturnsWrite, true},
		{perm.CustomerService, perm.CatalogWrite, false},
		{perm.Warehouse, perm.FulfillmentWrite, true},
		{perm.Warehouse, perm.PromotionsRead, false},
		{perm.Analyst, perm.ReportsRead, true},
		{perm.Analyst, perm.OrdersRead, true},
		{perm.Analyst, perm.OrdersWrite, false},
		{perm.Analyst, perm.AuditRead, false},
		{"platform_admin", perm.CatalogRead, false},
	} {
		if got := can(t, s, p(c.role), c.perm); got != c.want {
			t.Errorf("%s %s = %v, want %v", c.role, c.perm, got, c.want)
		}
	}
	// Analyst holds only read-only permissions.
	for _, info := range perm.All() {
		if !info.ReadOnly && can(t, s, p(perm.Analyst), info.Name) {
			t.Errorf("analyst can %s", info.Name)
		}
	}
	plat := tenants.Principal{Kind: tenants.KindPlatformAdmin, PlatformRoles: []string{perm.PlatformSupport}}
	if !can(t, s, plat, perm.PlatformMailboxRead) || can(t, s, plat, perm.PlatformTenantsManage) || can(t, s, plat, perm.CatalogRead) {
		t.Error("platform_support permissions wrong")
	}
	if _, err := s.Can(context.Background(), plat, "made.up"); err == nil {
		t.Error("unknown permission accepted")
	}
	wantErrCode(t, s.Authorize(context.Background(), tenants.Principal{}, perm.ShopRead), errs.Unauthenticated)
}

func TestCustomRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := newService(t, db)
		ctx := context.Background()
		ta, ua := signup(t, s, "roles-a")
		_, ub := signup(t, s, "roles-b")
		if err := s.ChangePlan(ctx, tenants.System(), ta.ID, tenants.PlanGrowth); err != nil {
			t.Fatal(err)
		}
		a := login(t, s, ua.Email, goodPassword, "1.1.1.1")
		b := login(t, s, ub.Email, goodPassword, "1.1.1.1")
		bad := []struct {
			in    tenants.RoleInput
			field string
		}{
			{tenants.RoleInput{Name: "x", Permissions: []perm.Permission{perm.CatalogRead}}, "name"},
			{tenants.RoleInput{Name: "owner", Permissions: []perm.Permission{perm.CatalogRead}}, "name"},
			{tenants.RoleInput{Name: "platform_admin", Permissions: []perm.Permission{perm.CatalogRead}}, "name"},
			{tenants.RoleInput{Name: "Bad Name!", Permissions: []perm.Permission{perm.CatalogRead}}, "name"},
			{tenants.RoleInput{Name: "photographer"}, "permissions"},
			{tenants.RoleInput{Name: "photographer", Permissions: []perm.Permission{"catalog.destroy"}}, "permissions"},
			{tenants.RoleInput{Name: "photographer", Permissions: []perm.Permission{perm.PlatformTenantsManage}}, "permissions"},
		}
		for _, c := range bad {
			_, err := s.CreateRole(ctx, a, c.in)
			wantErr(t, err, errs.Invalid, c.field)
		}
		r, err := s.CreateRole(ctx, a, tenants.RoleInput{Name: "Photographer", Description: "Takes pictures", Permissions: []perm.Permission{perm.CatalogWrite, perm.CatalogRead, perm.CatalogRead}})
		if err != nil || r.Name != "photographer" || len(r.Permissions) != 2 {
			t.Fatalf("create: %+v %v", r, err)
		}
		_, err = s.CreateRole(ctx, a, tenants.RoleInput{Name: "photographer", Permissions: []perm.Permission{perm.CatalogRead}})
		wantErr(t, err, errs.Conflict, "name")
		// Shop B's role of the same name grants something else.
		if _, err := s.CreateRole(ctx, b, tenants.RoleInput{Name: "photographer", Permissions: []perm.Permission{perm.OrdersRead}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.InviteStaff(ctx, a, "pat@example.com", "photographer"); err != nil {
			t.Fatal(err)
		}
		tok := lastMailToken(t, db, "pat@example.com", "staff.invitation")
		pat, _, err := s.AcceptInvitation(ctx, tenants.AcceptInput{Token: tok, Password: "pat's long passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		pp := login(t, s, pat.Email, "pat's long passphrase", "2.2.2.2")
		if !can(t, s, pp, perm.CatalogWrite) || can(t, s, pp, perm.OrdersRead) || can(t, s, pp, perm.CatalogPublish) {
			t.Fatal("custom role permissions wrong (or leaked from shop B)")
		}
		perms, _ := s.Permissions(ctx, pp)
		if len(perms) != 2 {
			t.Fatalf("permissions: %v", perms)
		}
		// An update applies at once.
		if _, err := s.UpdateRole(ctx, a, "photographer", tenants.RoleInput{Permissions: []perm.Permission{perm.CatalogRead, perm.CatalogPublish}}); err != nil {
			t.Fatal(err)
		}
		if can(t, s, pp, perm.CatalogWrite) || !can(t, s, pp, perm.CatalogPublish) {
			t.Fatal("role update not applied")
		}
		_, err = s.UpdateRole(ctx, a, "photographer", tenants.RoleInput{Name: "renamed", Permissions: []perm.Permission{perm.CatalogRead}})
		wantErr(t, err, errs.Invalid, "name")
		_, err = s.UpdateRole(ctx, a, "ghost", tenants.RoleInput{Permissions: []perm.Permission{perm.CatalogRead}})
		wantErrCode(t, err, errs.NotFound)
		// Tokens can be bound to custom roles too.
		_, secret, err := s.CreateToken(ctx, a, "shots", "photographer")
		if err != nil {
			t.Fatal(err)
		}
		tp, _ := s.AuthenticateToken(ctx, secret)
		if !can(t, s, tp, perm.CatalogPublish) {
			t.Fatal("token with custom role")
		}
		roles, err := s.Roles(ctx, a)
		if err != nil || len(roles) != len(perm.TenantRoles())+1 {
			t.Fatalf("roles: %d %v", len(roles), err)
		}
		// Held roles cannot be deleted; the staff member cannot edit roles.
		wantErr(t, s.DeleteRole(ctx, a, "photographer"), errs.Conflict, "name")
		wantErr(t, s.DeleteRole(ctx, a, perm.Analyst), errs.Invalid, "name")
		wantErrCode(t, s.DeleteRole(ctx, pp, "photographer"), errs.Forbidden)
		if err := s.SetStaffRole(ctx, a, pat.ID, perm.Analyst); err != nil {
			t.Fatal(err)
		}
		wantErr(t, s.SetStaffRole(ctx, a, pat.ID, "ghost"), errs.Invalid, "role")
		list, _ := s.Tokens(ctx, a)
		if err := s.RevokeToken(ctx, a, list[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteRole(ctx, a, "photographer"); err != nil {
			t.Fatal(err)
		}
		stale := tenants.Principal{Kind: tenants.KindStaff, TenantID: ta.ID, TenantStatus: tenants.StatusActive, Roles: []string{"photographer"}}
		if can(t, s, stale, perm.CatalogRead) {
			t.Fatal("deleted role still grants")
		}
		if n := count(t, db, "casbin_rules", "tenant_id = ?", ta.ID); n != 0 {
			t.Fatalf("%d rules left after delete", n)
		}
		page, err := s.Audit(ctx, a, auditFilterAction("role.*"))
		if err != nil || len(page.Entries) != 3 {
			t.Fatalf("role audit: %d %v", len(page.Entries), err)
		}
		// Staff other than owners/administrators cannot read the audit log.
		_, err = s.Audit(ctx, reauth(t, s, pp), auditFilter())
		wantErrCode(t, err, errs.Forbidden)
	})
}

func TestAdapter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedTenants(t, db, 2, 0)
		ad := tenants.NewAdapter(db, "bench-0")
		m, _ := model.NewModelFromString("[request_definition]\nr = sub, obj\n[policy_definition]\np = sub, obj\n[role_definition]\ng = _, _\n[policy_effect]\ne = some(where (p.eft == allow))\n[matchers]\nm = g(r.sub, p.sub) && r.obj == p.obj\n")
		e, err := casbin.NewEnforcer(m, ad)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.AddPolicy("editor", "catalog.write"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.AddGroupingPolicy("alice", "editor"); err != nil {
			t.Fatal(err)
		}
		if err := e.SavePolicy(); err != nil {
			t.Fatal(err)
		}
		e2, _ := casbin.NewEnforcer(m.Copy(), tenants.NewAdapter(db, "bench-0"))
		if err := e2.LoadPolicy(); err != nil {
			t.Fatal(err)
		}
		if ok, _ := e2.Enforce("alice", "catalog.write"); !ok {
			t.Fatal("saved policy not loaded")
		}
		other, _ := casbin.NewEnforcer(m.Copy(), tenants.NewAdapter(db, "bench-1"))
		if ok, _ := other.Enforce("alice", "catalog.write"); ok {
			t.Fatal("policy leaked to another tenant")
		}
		if _, err := e.RemovePolicy("editor", "catalog.write"); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "casbin_rules", "tenant_id = 'bench-0' AND ptype = 'p'"); n != 0 {
			t.Fatalf("RemovePolicy left %d rows", n)
		}
		fa := tenants.NewAdapter(db, "bench-0")
		if err := fa.LoadFilteredPolicy(m.Copy(), "bench-1"); err == nil {
			t.Fatal("filter for another tenant accepted")
		}
		_ = ctx
	})
}

// TestWatcherSyncsProcesses runs two services on one PostgreSQL database as
// two server processes would: a role change or a new domain in one is seen
// by the other through LISTEN/NOTIFY.
func TestWatcherSyncsProcesses(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx := context.Background()
	open := func() *store.DB {
		db, err := store.Open(ctx, store.Config{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	db1, db2 := open(), open()
	s1, _, dns1 := newServiceDNS(t, db1, nil)
	s2, _ := newService(t, db2)
	s3, _ := newService(t, db2) // no watcher: shows the cache is real
	if err := s2.StartWatcher(ctx); err != nil {
		t.Fatal(err)
	}
	tn, u := signup(t, s1, "watch")
	owner := login(t, s1, u.Email, goodPassword, "1.1.1.1")
	if _, err := s1.CreateRole(ctx, owner, tenants.RoleInput{Name: "editor", Permissions: []perm.Permission{perm.CatalogRead}}); err != nil {
		t.Fatal(err)
	}
	p := tenants.Principal{Kind: tenants.KindStaff, TenantID: tn.ID, TenantStatus: tenants.StatusActive, Roles: []string{"editor"}}
	for _, s := range []*tenants.Service{s2, s3} {
		if can(t, s, p, perm.CatalogWrite) || !can(t, s, p, perm.CatalogRead) {
			t.Fatal("initial load wrong")
		}
	}
	if _, err := s2.ResolveHost(ctx, "watch.example.com"); errs.CodeOf(err) != errs.NotFound {
		t.Fatal(err)
	}
	if _, err := s1.UpdateRole(ctx, owner, "editor", tenants.RoleInput{Permissions: []perm.Permission{perm.CatalogRead, perm.CatalogWrite}}); err != nil {
		t.Fatal(err)
	}
	d, err := s1.AddDomain(ctx, owner, "watch.example.com")
	if err != nil {
		t.Fatal(err)
	}
	dns1.SetTXT(d.TXTName(), d.Token)
	if _, err := s1.VerifyDomain(ctx, owner, d.Host); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !can(t, s2, p, perm.CatalogWrite) {
		if time.Now().After(deadline) {
			t.Fatal("role change not seen by the other process")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for {
		if _, err := s2.ResolveHost(ctx, "watch.example.com"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("domain change not seen by the other process")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if can(t, s3, p, perm.CatalogWrite) {
		t.Fatal("service without watcher saw the change: enforcer not cached?")
	}
	// A session and a token cached by the other process die with a log
	// out, a revocation or a suspension made here.
	res, err := s1.Login(ctx, tenants.LoginInput{Email: u.Email, Password: goodPassword, IP: "1.1.1.1"})
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := s1.CreateToken(ctx, owner, "ci", perm.Analyst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.AuthenticateSession(ctx, res.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.AuthenticateToken(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if err := s1.Logout(ctx, res.Token); err != nil {
		t.Fatal(err)
	}
	if err := s1.Suspend(ctx, tenants.System(), tn.ID, "test"); err != nil {
		t.Fatal(err)
	}
	for {
		_, errS := s2.AuthenticateSession(ctx, res.Token)
		_, errT := s2.AuthenticateToken(ctx, secret)
		if errS != nil && errT != nil {
			wantErr(t, errT, errs.Forbidden, "token")
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("other process still accepts: session err %v, token err %v", errS, errT)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s2.Close()
}

type benchRole struct {
	bun.BaseModel `bun:"table:roles"`
	TenantID      string    `bun:"tenant_id,pk"`
	Name          string    `bun:"name,pk"`
	Description   string    `bun:"description"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

type benchRule struct {
	bun.BaseModel `bun:"table:casbin_rules"`
	TenantID      string `bun:"tenant_id,pk"`
	ID            string `bun:"id,pk"`
	PType         string `bun:"ptype"`
	V0            string `bun:"v0"`
	V1            string `bun:"v1"`
	V2            string `bun:"v2"`
	V3            string `bun:"v3"`
}

// seedTenants inserts n shops directly, each with `custom` custom roles of
// four permissions.
func seedTenants(t testing.TB, db *store.DB, n, custom int) {
	t.Helper()
	ctx := tenancy.WithPlatform(context.Background())
	now := store.Now()
	all := perm.All()
	for start := 0; start < n; start += 500 {
		end := min(start+500, n)
		var ts []tenants.Tenant
		var rules []benchRule
		var roles []benchRole
		for i := start; i < end; i++ {
			id := fmt.Sprintf("bench-%d", i)
			ts = append(ts, tenants.Tenant{ID: id, Slug: fmt.Sprintf("shop-%d", i), Name: id, Status: tenants.StatusActive, Plan: tenants.PlanScale, Currency: "EUR", Country: "FR", CreatedAt: now, UpdatedAt: now})
			for r := 0; r < custom; r++ {
				name := fmt.Sprintf("custom-%d", r)
				roles = append(roles, benchRole{TenantID: id, Name: name, CreatedAt: now, UpdatedAt: now})
				for k := 0; k < 4; k++ {
					pm := all[(i+r*4+k)%26].Name
					rules = append(rules, benchRule{TenantID: id, ID: store.NewID(), PType: "p", V0: name, V1: string(pm)})
				}
			}
		}
		err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			if _, err := q.NewInsert().Model(&ts).Exec(ctx); err != nil {
				return err
			}
			if len(roles) > 0 {
				if _, err := q.NewInsert().Model(&roles).Exec(ctx); err != nil {
					return err
				}
				if _, err := q.NewInsert().Model(&rules).Exec(ctx); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
