package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/cmd/wasmart/wire"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/plugins"
	"github.com/wasmart/wasmart/plugins/build"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/api"
)

// pluginUpload is a first-party plugin's manifest (with the given version
// and a generous deadline: a loaded test machine can deschedule a call
// for longer than 50 ms; deadlines are tested in TestPluginSandbox) and
// its module.
func pluginUpload(t testing.TB, name, id, version string) (manifest, wasm []byte) {
	t.Helper()
	man, wasm, err := build.FirstParty(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(man, &doc); err != nil {
		t.Fatal(err)
	}
	doc["version"] = version
	if id != "" {
		doc["id"] = id
	}
	lim, _ := doc["limits"].(map[string]any)
	if lim == nil {
		lim = map[string]any{}
	}
	lim["deadline_ms"] = 5000
	doc["limits"] = lim
	manifest, _ = json.Marshal(doc)
	return manifest, wasm
}

// upload posts a multipart manifest + module.
func (c *client) uploadPlugin(path string, manifest, wasm []byte) response {
	c.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if manifest != nil {
		fw, _ := w.CreateFormFile("manifest", "manifest.json")
		fw.Write(manifest)
	}
	if wasm != nil {
		fw, _ := w.CreateFormFile("wasm", "plugin.wasm")
		fw.Write(wasm)
	}
	if c.bearer == "" {
		w.WriteField("_csrf", c.csrf())
	}
	w.Close()
	req, _ := http.NewRequest("POST", c.srv.URL+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Body: string(b), Header: resp.Header}
}

// form posts a console form (with the CSRF field).
func (c *client) form(path string, vals url.Values) response {
	c.t.Helper()
	vals.Set("_csrf", c.csrf())
	return c.do("POST", path, vals.Encode(), nil)
}

// startPluginServer is the real server with a plugin service whose
// pipeline feeds checkout pricing (as serve wires it).
func startPluginServer(t *testing.T, db *store.DB) (*testServer, *plugins.Service) {
	t.Helper()
	return startPluginServerWith(t, db, plugins.ServiceOptions{})
}

// startPluginServerWith is startPluginServer with service options (the
// host's compilation cache is always the tests' shared one).
func startPluginServerWith(t *testing.T, db *store.DB, opts plugins.ServiceOptions) (*testServer, *plugins.Service) {
	t.Helper()
	opts.Host.CacheDir = build.CacheDir("wazero-test")
	srv, _ := launch(t, db, serverSetup{wire: func(o *wire.Options) { o.Plugins = opts }})
	return srv, srv.Services.Plugins
}

func wantStatus(t *testing.T, what string, r response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: %d, want %d: %s", what, r.Status, status, cut(r.Body))
	}
}

func TestPluginsHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, svc := startPluginServer(t, db)
		ctx := context.Background()
		if _, err := srv.Tenants.CreatePlatformAdmin(ctx, tenants.System(), "admin@plugins.example.com", testPassword, "platform_admin"); err != nil {
			t.Fatal(err)
		}
		admin := srv.client()
		admin.login("admin@plugins.example.com", testPassword)

		// Platform catalogue: bad uploads are refused with nothing stored.
		man, wasm := pluginUpload(t, "pricing", "", "1.0.0")
		wantStatus(t, "non-wasm upload", admin.uploadPlugin("/api/platform/plugins", man, []byte("MZ not wasm")), 400)
		wantStatus(t, "no module", admin.uploadPlugin("/api/platform/plugins", man, nil), 400)
		recMan, recWasm := pluginUpload(t, "recommend", "", "1.0.0")
		var lying map[string]any
		json.Unmarshal(recMan, &lying)
		lying["extension_points"] = []string{"logistics"}
		lyingMan, _ := json.Marshal(lying)
		r := admin.uploadPlugin("/api/platform/plugins", lyingMan, recWasm)
		wantStatus(t, "lying manifest", r, 400)
		if !strings.Contains(r.Body, "export") {
			t.Fatalf("lying manifest message: %s", r.Body)
		}
		var vj api.PluginVersionJSON
		r = admin.uploadPlugin("/api/platform/plugins", man, wasm)
		wantStatus(t, "publish", r, 201)
		r.json(t, &vj)
		if vj.PluginID != "wasmart-pricing" || vj.Source != "catalog" || vj.ConfigSchema == nil {
			t.Fatalf("published %+v", vj)
		}
		wantStatus(t, "publish again", admin.uploadPlugin("/api/platform/plugins", man, wasm), 409)
		wantStatus(t, "publish recommend", admin.uploadPlugin("/api/platform/plugins", recMan, recWasm), 201)
		repMan, repWasm := pluginUpload(t, "reporting", "", "1.0.0")
		wantStatus(t, "publish reporting", admin.uploadPlugin("/api/platform/plugins", repMan, repWasm), 201)
		page := admin.do("GET", "/platform/plugins", "", nil)
		wantStatus(t, "platform page", page, 200)
		if !strings.Contains(page.Body, "wasmart-pricing") {
			t.Fatal("platform catalogue page lacks the plugin")
		}

		sh := newTestShop(t, srv, "plugshop")
		o := sh.Owner
		wantStatus(t, "shop publishes to the catalogue", o.uploadPlugin("/api/platform/plugins", man, wasm), 403)
		// Private uploads are plan-gated.
		privMan, _ := pluginUpload(t, "pricing", "plugshop-private", "0.1.0")
		r = o.uploadPlugin("/api/plugins/uploads", privMan, wasm)
		wantStatus(t, "private upload on the free plan", r, 403)
		if !strings.Contains(r.Body, "quota_exceeded") {
			t.Fatalf("plan refusal: %s", r.Body)
		}
		if err := srv.Tenants.ChangePlan(ctx, tenants.System(), sh.ID, tenants.PlanScale); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, "private upload", o.uploadPlugin("/api/plugins/uploads", privMan, wasm), 201)
		var cat []api.PluginVersionJSON
		o.getJSON("/api/plugins/catalog", &cat)
		if len(cat) != 4 {
			t.Fatalf("catalog %+v", cat)
		}

		// Install: config checked against the schema, nothing stored on error.
		r = o.post("/api/plugins/installations", api.InstallRequest{PluginID: "wasmart-pricing", Config: map[string]any{"volume_tiers": []any{map[string]any{"min_qty": "ten"}}}}, 0)
		wantStatus(t, "bad config", r, 400)
		wantStatus(t, "unknown plugin", o.post("/api/plugins/installations", api.InstallRequest{PluginID: "nope"}, 0), 404)
		var list []api.InstallationJSON
		o.getJSON("/api/plugins/installations", &list)
		if len(list) != 0 {
			t.Fatalf("bad installs stored: %+v", list)
		}
		var inst api.InstallationJSON
		o.post("/api/plugins/installations", api.InstallRequest{PluginID: "wasmart-pricing", Version: "1.0.0",
			Config: map[string]any{"volume_tiers": []any{map[string]any{"min_qty": 10, "percent": 10}}}}, 201).json(t, &inst)
		if inst.Enabled || inst.Breaker != "closed" {
			t.Fatalf("installed %+v", inst)
		}

		// Checkout pricing goes through the plugin once enabled.
		v := sh.variant(t, "Tea", 1000, 100)
		cartTok := sh.cart(t, map[string]int64{v: 10})
		var cj api.CartJSON
		sh.req(t, "GET", "/api/store/cart", nil, map[string]string{"Cart-Token": cartTok}).json(t, &cj)
		if cj.Price.Merchandise != 10000 {
			t.Fatalf("before enabling: %+v", cj.Price)
		}
		yes := true
		r = o.do("PATCH", "/api/plugins/installations/"+inst.ID, `{"enabled":true}`, nil)
		wantStatus(t, "enable", r, 200)
		sh.req(t, "GET", "/api/store/cart", nil, map[string]string{"Cart-Token": cartTok}).json(t, &cj)
		if cj.Price.Merchandise != 9000 {
			t.Fatalf("with the volume-tier plugin: %+v", cj.Price)
		}
		_ = yes

		// The run log and replay.
		svc.Recorder().Flush()
		var runs api.RunPageJSON
		o.getJSON("/api/plugins/runs?installation="+inst.ID, &runs)
		if len(runs.Runs) == 0 || runs.Runs[0].Outcome != "ok" || !runs.Runs[0].InputKept {
			t.Fatalf("runs %+v", runs)
		}
		var rep api.ReplayJSON
		r = o.do("POST", "/api/plugins/runs/"+runs.Runs[0].ID+"/replay", "", nil)
		wantStatus(t, "replay", r, 200)
		r.json(t, &rep)
		if !rep.Same || rep.Outcome != "ok" || !strings.Contains(rep.Output, "volume-tier") {
			t.Fatalf("replay %+v", rep)
		}
		var fx struct {
			Config map[string]any `json:"config"`
			Input  struct{ Lines []struct{ Quantity int64 } }
			Want   struct{ Adjustments []struct{ Amount int64 } }
		}
		o.getJSON("/api/plugins/runs/"+runs.Runs[0].ID+"/fixture", &fx)
		if len(fx.Input.Lines) != 1 || fx.Input.Lines[0].Quantity != 10 || len(fx.Want.Adjustments) != 1 || fx.Want.Adjustments[0].Amount != -1000 || fx.Config["volume_tiers"] == nil {
			t.Fatalf("fixture %+v", fx)
		}
		runPage := o.do("GET", "/console/plugins/runs/"+runs.Runs[0].ID, "", nil)
		wantStatus(t, "run page", runPage, 200)

		// Dry run of an upgrade to 1.1.0 with another config.
		man11, _ := pluginUpload(t, "pricing", "", "1.1.0")
		wantStatus(t, "publish 1.1.0", admin.uploadPlugin("/api/platform/plugins", man11, wasm), 201)
		var dry api.DryRunJSON
		r = o.post("/api/plugins/installations/"+inst.ID+"/dry-run", api.DryRunRequest{Version: "1.1.0",
			Config: map[string]any{"volume_tiers": []any{map[string]any{"min_qty": 5, "percent": 50}}}}, 200)
		r.json(t, &dry)
		if dry.Inputs != 1 || dry.Changed != 1 || dry.SumBefore != 9000 || dry.SumAfter != 5000 || dry.ToVersion != "1.1.0" {
			t.Fatalf("dry run %+v", dry)
		}

		// Pin, upgrade, roll back.
		wantStatus(t, "pin", o.do("PATCH", "/api/plugins/installations/"+inst.ID, `{"pinned":true}`, nil), 200)
		wantStatus(t, "upgrade while pinned", o.post("/api/plugins/installations/"+inst.ID+"/upgrade", api.UpgradeRequest{}, 0), 409)
		wantStatus(t, "unpin", o.do("PATCH", "/api/plugins/installations/"+inst.ID, `{"pinned":false}`, nil), 200)
		o.post("/api/plugins/installations/"+inst.ID+"/upgrade", api.UpgradeRequest{}, 200).json(t, &inst)
		if inst.Version != "1.1.0" || inst.PrevVersion != "1.0.0" {
			t.Fatalf("upgraded %+v", inst)
		}
		o.post("/api/plugins/installations/"+inst.ID+"/rollback", nil, 200).json(t, &inst)
		if inst.Version != "1.0.0" {
			t.Fatalf("rolled back %+v", inst)
		}

		// Console: list, the generated config form, saving it, dry run.
		pg := o.do("GET", "/console/plugins", "", nil)
		wantStatus(t, "plugins page", pg, 200)
		for _, want := range []string{"Pricing rules", "wasmart-recommend", "plugshop-private", "1.1.0 available"} {
			if !strings.Contains(pg.Body, want) {
				t.Fatalf("plugins page lacks %q", want)
			}
		}
		pg = o.do("GET", "/console/plugins/"+inst.ID, "", nil)
		wantStatus(t, "plugin page", pg, 200)
		for _, want := range []string{`name="volume_tiers.0.min_qty" value="10"`, `name="volume_tiers.1.percent"`, `name="rounding"`, `<option value="x.99"`, `name="price_lists.0.customer_tag"`} {
			if !strings.Contains(pg.Body, want) {
				t.Fatalf("plugin page lacks %q", want)
			}
		}
		r = o.form("/console/plugins/"+inst.ID+"/config", url.Values{
			"volume_tiers.0.min_qty": {"3"}, "volume_tiers.0.percent": {"20"}, "volume_tiers.0.categories": {"tea\ncups"},
			"volume_tiers.1.min_qty": {""}, "volume_tiers.1.percent": {""},
			"rounding": {"x.99"}, "price_lists.0.customer_tag": {"vip"}, "price_lists.0.percent": {"15"}})
		wantStatus(t, "save config form", r, 303)
		o.getJSON("/api/plugins/installations/"+inst.ID, &inst)
		b, _ := json.Marshal(inst.Config)
		if string(b) != `{"price_lists":[{"customer_tag":"vip","percent":15}],"rounding":"x.99","volume_tiers":[{"categories":["tea","cups"],"min_qty":3,"percent":20}]}` {
			t.Fatalf("config from the form: %s", b)
		}
		r = o.form("/console/plugins/"+inst.ID+"/config", url.Values{"volume_tiers.0.min_qty": {"0"}, "volume_tiers.0.percent": {"5"}})
		wantStatus(t, "config form breaking the schema", r, 400)
		if !strings.Contains(r.Body, "schema") {
			t.Fatalf("schema error not shown: %s", cut(r.Body))
		}
		r = o.form("/console/plugins/"+inst.ID+"/dry-run", url.Values{"limit": {"10"}})
		wantStatus(t, "console dry run", r, 200)
		if !strings.Contains(r.Body, `id="dry-run"`) {
			t.Fatal("dry-run results missing")
		}
		wantStatus(t, "disable", o.form("/console/plugins/"+inst.ID+"/action", url.Values{"action": {"disable"}}), 303)

		// Reporting: table and SVG chart.
		var repInst api.InstallationJSON
		o.post("/api/plugins/installations", api.InstallRequest{PluginID: "wasmart-reporting"}, 201).json(t, &repInst)
		pg = o.do("GET", "/console/plugins/reports?installation="+repInst.ID+"&report=sales", "", nil)
		wantStatus(t, "reports page", pg, 200)
		if !strings.Contains(pg.Body, `id="report"`) || !strings.Contains(pg.Body, "<svg") {
			t.Fatalf("report page: %s", cut(pg.Body[strings.Index(pg.Body, "<main"):]))
		}
		var rj api.PluginReportJSON
		o.getJSON("/api/plugins/installations/"+repInst.ID+"/report?report=rfm", &rj)
		if rj.Title == "" {
			t.Fatalf("report %+v", rj)
		}
		// The topic report: the merchant's range and grouping reach the
		// plugin (an empty shop: one week row per week of the range, then
		// the total); a bad parameter is a 400 naming it.
		o.getJSON("/api/plugins/installations/"+repInst.ID+"/report?report=topic&param.from=2026-11-02&param.to=2026-11-22&param.dimension=week&param.metrics=orders,conversion_rate", &rj)
		if got := fmt.Sprintf("%s %d %v", rj.Title, len(rj.Rows), rj.Columns); got != "Report by week, 2026-11-02 to 2026-11-22 4 [{key string} {label string} {orders int} {conversion_rate_e6 int}]" {
			t.Fatalf("topic report: %s %+v", got, rj)
		}
		wantField(t, "plugin report with a reversed range", o.do("GET", "/api/plugins/installations/"+repInst.ID+"/report?report=topic&param.from=2026-11-22&param.to=2026-11-02", "", nil), "param.to")

		// Recommendations on the shop host: best sellers without a plugin.
		r = sh.req(t, "GET", "/api/recommendations?product_id=x", nil, nil)
		wantStatus(t, "recommendations", r, 200)

		// Order and uninstall.
		var order []api.InstallationJSON
		b, _ = json.Marshal(api.PluginOrderRequest{IDs: []string{repInst.ID, inst.ID}})
		r = o.do("PUT", "/api/plugins/order", string(b), nil)
		wantStatus(t, "order", r, 200)
		r.json(t, &order)
		if order[0].ID != repInst.ID {
			t.Fatalf("order %+v", order)
		}
		wantStatus(t, "uninstall", o.do("DELETE", "/api/plugins/installations/"+repInst.ID, "", nil), 204)
		var au api.AuditPage
		o.getJSON("/api/audit?action=plugin.*", &au)
		if len(au.Entries) < 9 {
			t.Fatalf("audit entries %d", len(au.Entries))
		}
	})
}

// victimPlugins gives shop A a private plugin and an enabled installation
// of a catalogue plugin with one recorded run, for the cross-tenant test.
func victimPlugins(t *testing.T, srv *testServer, shopID string, owner *client) (map[string]string, []string) {
	t.Helper()
	ctx := context.Background()
	svc := srv.Server.Plugins()
	man, wasm := pluginUpload(t, "pricing", "", "1.0.0")
	if _, err := svc.Publish(tenancy.WithPlatform(ctx), plugins.PublishInput{Manifest: man, Wasm: wasm}); err != nil {
		t.Fatal(err)
	}
	privMan, _ := pluginUpload(t, "pricing", "alpha-secret-plugin", "0.0.1")
	actx := tenancy.WithTenant(ctx, shopID)
	if _, err := svc.Publish(actx, plugins.PublishInput{Manifest: privMan, Wasm: wasm}); err != nil {
		t.Fatal(err)
	}
	var inst api.InstallationJSON
	owner.post("/api/plugins/installations", api.InstallRequest{PluginID: "wasmart-pricing",
		Config: map[string]any{"price_lists": []any{map[string]any{"customer_tag": "alpha-vip-marker", "percent": 5}}}}, 201).json(t, &inst)
	if r := owner.do("PATCH", "/api/plugins/installations/"+inst.ID, `{"enabled":true}`, nil); r.Status != 200 {
		t.Fatalf("enable: %d %s", r.Status, r.Body)
	}
	p := svc.Pipeline(actx, nil)
	if p == nil {
		t.Fatal("no pipeline for shop A")
	}
	if _, err := p.Price(actx, &pricing.Input{Currency: "EUR", CustomerTags: []string{"alpha-vip-marker"},
		Lines: []pricing.Line{{ID: "l1", VariantID: "v", ProductID: "p", Quantity: 1, UnitPrice: 1000}}}); err != nil {
		t.Fatal(err)
	}
	svc.Recorder().Flush()
	runs, err := svc.Runs(actx, plugins.RunFilter{})
	if err != nil || len(runs.Runs) != 1 {
		t.Fatalf("shop A runs: %+v %v", runs, err)
	}
	return map[string]string{"installation": inst.ID, "run": runs.Runs[0].ID},
		[]string{inst.ID, runs.Runs[0].ID, "alpha-vip-marker", "alpha-secret-plugin"}
}

// TestPluginInstallQuota: the Free plan allows three installed plugins; a
// fourth is refused with nothing stored.
func TestPluginInstallQuota(t *testing.T) {
	srv, svc := startPluginServer(t, storetest.SQLite(t))
	bg := tenancy.WithPlatform(context.Background())
	for _, name := range build.FirstPartyNames {
		man, wasm := pluginUpload(t, name, "", "1.0.0")
		if _, err := svc.Publish(bg, plugins.PublishInput{Manifest: man, Wasm: wasm}); err != nil {
			t.Fatal(err)
		}
	}
	sh := srv.signup("quota-shop")
	for _, id := range []string{"wasmart-pricing", "wasmart-recommend", "wasmart-logistics"} {
		sh.Owner.post("/api/plugins/installations", api.InstallRequest{PluginID: id}, 201)
	}
	r := sh.Owner.post("/api/plugins/installations", api.InstallRequest{PluginID: "wasmart-reporting"}, 0)
	wantStatus(t, "fourth plugin on the Free plan", r, 403)
	if !strings.Contains(r.Body, "quota_exceeded") {
		t.Fatalf("refusal: %s", r.Body)
	}
	var list []api.InstallationJSON
	sh.Owner.getJSON("/api/plugins/installations", &list)
	if len(list) != 3 {
		t.Fatalf("%d installations", len(list))
	}
}
