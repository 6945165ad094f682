package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web"
	"github.com/wasmart/wasmart/web/api"
)

// victim is shop A with objects of every kind the tenant routes address.
type victim struct {
	shop
	TokenID, TokenSecret, Role, Domain string
	Analyst                            *client
	AnalystID                          string
	markers                            []string
	// Commerce are A's order, payment, shipment, return, ticket (and mail
	// template topic, variant, catalog, plugin, design, promotion,
	// campaign and review) ids by route parameter name.
	Commerce map[string]string
}

// TestCrossTenantAccess discovers every tenant-scoped route from the route
// table and calls it, with shop A's object ids in its path, as: nobody,
// shop B's owner session, shop B's API token, A's read-only analyst, and B
// with a forged tenant id in header, query and body. Nothing of A may show
// in any answer and none of A's rows may change. Routes added later are
// covered without editing this test.
func TestCrossTenantAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := startServer(t, db)
		ctx := context.Background()
		a := setUpVictim(t, srv)
		b := srv.signup("bravo")
		if err := srv.Tenants.ChangePlan(ctx, tenants.System(), b.ID, tenants.PlanScale); err != nil {
			t.Fatal(err)
		}
		var bTok api.TokenJSON
		b.Owner.post("/api/tokens", api.TokenRequest{Name: "b", Role: "administrator"}, 201).json(t, &bTok)
		anon := srv.client()
		bToken := srv.tokenClient(bTok.Secret)

		before := snapshot(t, db, a.ID)
		for _, table := range []string{"memberships ", "api_tokens ", "roles ", "invitations ", "audit_log ",
			"orders ", "order_events ", "payments ", "shipments ", "returns ", "tickets ",
			"plugin_installations ", "plugin_runs ", "design_drafts ", "design_versions ", "design_live ", "design_assets ",
			"content_pages ", "content_articles ", "content_subscribers ", "domains ",
			"promotions ", "promotion_codes ", "promotion_campaigns ",
			"loyalty_settings ", "loyalty_tiers ", "loyalty_accounts ", "loyalty_entries ", "loyalty_lots ", "loyalty_coupons ", "loyalty_shares ",
			"analytics_settings ", "analytics_events ", "analytics_daily ",
			"segments ", "segment_rfm_settings ", "reviews ",
			"mailing_campaigns ", "mailing_settings ", "mailing_automations ", "analytics_goals ", "analytics_goal_notices ",
			"inventory_reorder_settings ", "inventory_reorder_variants ", "analytics_basket_settings ", "analytics_basket_runs ", "analytics_basket_rules ",
			"analytics_report_schedules ", "analytics_report_recipients ", "analytics_reports "} {
			if !strings.Contains(before, "\n"+table) {
				t.Fatalf("snapshot of shop A has no %srows; it would not see a change", table)
			}
		}
		routes := 0
		for _, r := range srv.Server.Routes() {
			if r.Scope != web.ScopeTenant {
				continue
			}
			routes++
			path := fillParams(r.Path, a)
			body := bodyFor(r)
			name := r.Method + " " + r.Path

			// Nobody.
			res := anon.do(r.Method, path, body, nil)
			switch {
			case res.Status == 401, res.Status == 403:
			case res.Status == 303 && r.HTML && strings.HasPrefix(res.Header.Get("Location"), "/login"):
			default:
				t.Errorf("%s without credentials: %d %s", name, res.Status, cut(res.Body))
			}
			// Shop B's session, B's token, and B forging A's tenant id.
			for _, c := range []struct {
				who string
				cl  *client
				hdr map[string]string
				p   string
			}{
				{"B session", b.Owner, nil, path},
				{"B token", bToken, nil, path},
				{"B forging tenant", b.Owner, map[string]string{"X-Tenant-ID": a.ID, "X-Wasmart-Tenant": a.ID}, withQuery(path, "tenant_id="+a.ID)},
			} {
				fb := body
				if strings.HasPrefix(fb, "{") && c.who == "B forging tenant" {
					fb = strings.Replace(fb, "{", `{"tenant_id":"`+a.ID+`",`, 1)
				}
				res := c.cl.do(r.Method, c.p, fb, c.hdr)
				if res.Status >= 500 {
					t.Errorf("%s as %s: %d %s", name, c.who, res.Status, cut(res.Body))
				}
				for _, m := range a.markers {
					// What the request itself carried may be echoed back
					// ("no role x"); anything else of A's may not appear.
					if strings.Contains(res.Body, m) && !strings.Contains(c.p+fb, m) {
						t.Errorf("%s as %s: answer shows shop A's %q: %s", name, c.who, m, cut(res.Body))
					}
				}
			}
			// A's analyst: read-only.
			if !strings.HasSuffix(r.Perm, ".read") {
				res := a.Analyst.do(r.Method, path, body, nil)
				if res.Status != 403 {
					t.Errorf("%s as A's analyst (no %s): %d, want 403: %s", name, r.Perm, res.Status, cut(res.Body))
				}
			}
			if after := snapshot(t, db, a.ID); after != before {
				t.Fatalf("%s changed shop A's rows:\n%s", name, diff(before, after))
			}
		}
		if routes < 25 {
			t.Fatalf("only %d tenant routes found", routes)
		}
		// The one view of A's customer, asked for by B: not found (the
		// customer is looked up in B's shop before any section is read).
		for _, x := range []struct {
			who string
			cl  *client
			p   string
		}{{"B session", b.Owner, "/api/customers/" + a.Commerce["customer"] + "/overview"}, {"B token", bToken, "/api/customers/" + a.Commerce["customer"] + "/overview"},
			{"B session", b.Owner, "/console/customers/" + a.Commerce["customer"]}} {
			if res := x.cl.do("GET", x.p, "", nil); res.Status != 404 {
				t.Errorf("GET %s as %s: %d, want 404: %s", x.p, x.who, res.Status, cut(res.Body))
			}
		}
	})
}

func setUpVictim(t *testing.T, srv *testServer) victim {
	t.Helper()
	ctx := context.Background()
	a := victim{shop: srv.signup("alpha")}
	if err := srv.Tenants.ChangePlan(ctx, tenants.System(), a.ID, tenants.PlanScale); err != nil {
		t.Fatal(err)
	}
	o := a.Owner
	var tok api.TokenJSON
	o.post("/api/tokens", api.TokenRequest{Name: "alpha-token", Role: "analyst"}, 201).json(t, &tok)
	a.TokenID, a.TokenSecret = tok.ID, tok.Secret
	a.Role = "alpha-special"
	o.post("/api/roles", api.RoleJSON{Name: a.Role, Permissions: []string{"catalog.read"}}, 201)
	a.Domain = "shop.alpha-example.com"
	var dom api.DomainJSON
	o.post("/api/shop/domains", api.DomainRequest{Host: a.Domain}, 201).json(t, &dom)
	srv.DNS.SetTXT(dom.Verification.TXTName, dom.Verification.TXTValue)
	if r := o.do("POST", "/api/shop/domains/"+a.Domain+"/verify", "", nil); r.Status != 200 {
		t.Fatalf("verify A's domain: %d %s", r.Status, r.Body)
	}
	analystEmail := "analyst@alpha.example.com"
	o.post("/api/staff/invitations", api.InviteRequest{Email: analystEmail, Role: "analyst"}, 201)
	link := mailLink(t, srv, analystEmail)
	tokn := link[strings.Index(link, "token=")+6:]
	u, _, err := srv.Tenants.AcceptInvitation(ctx, tenants.AcceptInput{Token: tokn, Name: "Ana Lyst", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	a.AnalystID = u.ID
	a.Analyst = srv.client()
	a.Analyst.login(analystEmail, testPassword)
	a.markers = []string{a.ID, a.Name, a.OwnerEmail, a.OwnerID, a.Role, a.Domain, tok.Prefix, analystEmail, u.ID}
	ids, marks := victimCommerce(t, srv, a.ID, a.Slug, o)
	a.Commerce = ids
	a.markers = append(a.markers, marks...)
	cids, cmarks := victimCatalog(t, srv, a.ID, o)
	for k, v := range cids {
		if a.Commerce[k] == "" {
			a.Commerce[k] = v
		}
	}
	a.markers = append(a.markers, cmarks...)
	pids, pmarks := victimPlugins(t, srv, a.ID, o)
	for k, v := range pids {
		a.Commerce[k] = v
	}
	a.markers = append(a.markers, pmarks...)
	dids, dmarks := victimDesign(t, srv, a.ID, o, a.Commerce["collection"])
	for k, v := range dids {
		a.Commerce[k] = v
	}
	a.markers = append(a.markers, dmarks...)
	prids, prmarks := victimPromotions(t, o)
	for k, v := range prids {
		a.Commerce[k] = v
	}
	a.markers = append(a.markers, prmarks...)
	rvids, rvmarks := victimReviews(t, srv, a.ID, a.Commerce["product"])
	for k, v := range rvids {
		a.Commerce[k] = v
	}
	a.markers = append(a.markers, rvmarks...)
	a.markers = append(a.markers, victimAnalytics(t, srv, a)...)
	a.markers = append(a.markers, victimLoyalty(t, srv, a.ID, o, a.Commerce["customer"], a.Commerce["promotion"])...)
	mid, mmarks := victimMailing(t, o, a.Commerce["product"])
	a.Commerce["mailing"] = mid
	a.markers = append(a.markers, mmarks...)
	segID, segMarks := victimSegments(t, o)
	a.Commerce["segment"] = segID
	a.markers = append(a.markers, segMarks...)
	expID, expMarks := victimExperiments(t, o, a.Commerce["product"])
	a.Commerce["experiment"] = expID
	a.markers = append(a.markers, expMarks...)
	goalID, goalMarks := victimGoals(t, srv, a)
	a.Commerce["goal"] = goalID
	a.markers = append(a.markers, goalMarks...)
	a.Commerce["schedule"], a.Commerce["report"] = victimReports(t, srv, a)
	a.markers = append(a.markers, victimInsight(t, srv, a)...)
	return a
}

func mailLink(t *testing.T, srv *testServer, to string) string {
	t.Helper()
	pg, err := outbox.ListMail(tenancy.WithPlatform(context.Background()), srv.DB, outbox.MailFilter{To: to})
	if err != nil || len(pg.Mail) == 0 {
		t.Fatalf("no mail to %s (%v)", to, err)
	}
	link := hrefRe.FindString(pg.Mail[0].Text)
	if link == "" {
		t.Fatalf("mail to %s has no link: %s", to, pg.Mail[0].Text)
	}
	return link
}

var paramRe = regexp.MustCompile(`:([A-Za-z_]+)`)

// fillParams puts shop A's object ids into a route's path parameters.
func fillParams(path string, a victim) string {
	return paramRe.ReplaceAllStringFunc(path, func(p string) string {
		switch p {
		case ":user":
			return a.AnalystID
		case ":name":
			return a.Role
		case ":host":
			return a.Domain
		case ":order", ":payment", ":shipment", ":return", ":ticket", ":topic", ":variant",
			":product", ":image", ":category", ":collection", ":location", ":customer", ":job",
			":installation", ":run", ":page", ":article", ":section", ":menu", ":number",
			":promotion", ":campaign", ":segment", ":review", ":mailing", ":experiment", ":goal", ":schedule", ":report":
			if id := a.Commerce[p[1:]]; id != "" {
				return id
			}
			return a.TokenID
		default: // ids of any kind: A's token is an id that exists
			return a.TokenID
		}
	})
}

// bodyFor is a plausible body: the route's JSON type with every string
// field set, or an empty form.
func bodyFor(r web.Route) string {
	if r.Body == nil {
		if r.Method == "GET" || r.Method == "DELETE" {
			return ""
		}
		if r.HTML {
			return "name=x&role=analyst&email=x%40example.com&host=x.example.com"
		}
		return "{}"
	}
	v := reflect.New(reflect.TypeOf(r.Body)).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("x-probe")
		case reflect.Slice:
			if f.Type().Elem().Kind() == reflect.String {
				f.Set(reflect.ValueOf([]string{"catalog.read"}))
			}
		}
	}
	b, _ := json.Marshal(v.Interface())
	return string(b)
}

func withQuery(path, q string) string {
	if strings.Contains(path, "?") {
		return path + "&" + q
	}
	return path + "?" + q
}

// snapshot hashes every row of every tenant table that belongs to the
// tenant (sessions and other global tables are not tenant data).
func snapshot(t *testing.T, db *store.DB, tenantID string) string {
	t.Helper()
	ctx := tenancy.WithPlatform(context.Background())
	var tables []string
	q := `SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'tenant_id' ORDER BY 1`
	if db.Dialect() == store.SQLite {
		q = `SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = 'tenant_id' ORDER BY 1`
	}
	var out []string
	err := db.Read(ctx, func(ctx context.Context, db bun.IDB) error {
		if err := db.NewRaw(q).Scan(ctx, &tables); err != nil {
			return err
		}
		for _, tb := range tables {
			var rows []map[string]any
			if err := db.NewRaw("SELECT * FROM "+tb+" WHERE tenant_id = ?", tenantID).Scan(ctx, &rows); err != nil {
				return fmt.Errorf("%s: %w", tb, err)
			}
			for _, r := range rows {
				if tb == "api_tokens" {
					delete(r, "last_used_at")
				}
				b, _ := json.Marshal(r)
				out = append(out, tb+" "+string(b))
			}
		}
		// Custom domains are a global table keyed by host (shop_id, not
		// tenant_id), but a shop's claims are its data all the same.
		var doms []map[string]any
		if err := db.NewRaw("SELECT * FROM domains WHERE shop_id = ?", tenantID).Scan(ctx, &doms); err != nil && !store.NoRows(err) {
			return fmt.Errorf("domains: %w", err)
		}
		for _, r := range doms {
			b, _ := json.Marshal(r)
			out = append(out, "domains "+string(b))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	h := sha256.Sum256([]byte(strings.Join(out, "\n")))
	return hex.EncodeToString(h[:8]) + "\n" + strings.Join(out, "\n")
}

func diff(a, b string) string {
	as, bs := strings.Split(a, "\n"), strings.Split(b, "\n")
	in := map[string]bool{}
	for _, l := range as {
		in[l] = true
	}
	var d []string
	for _, l := range bs {
		if !in[l] {
			d = append(d, "+ "+l)
		}
	}
	in = map[string]bool{}
	for _, l := range bs {
		in[l] = true
	}
	for _, l := range as {
		if !in[l] {
			d = append(d, "- "+l)
		}
	}
	return strings.Join(d, "\n")
}

func cut(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
