package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/plugins"
)

// TestBrowserPlugins walks a merchant through plugins in a real browser:
// install a catalogue plugin, set it up in the form generated from its
// JSON Schema, enable it, dry-run it, and read a report with its chart.
func TestBrowserPlugins(t *testing.T) {
	chromiumPath(t)
	srv, svc := startPluginServer(t, storetest.SQLite(t))
	bg := context.Background()
	for _, name := range []string{"pricing", "reporting"} {
		man, wasm := pluginUpload(t, name, "", "1.0.0")
		if _, err := svc.Publish(tenancy.WithPlatform(bg), plugins.PublishInput{Manifest: man, Wasm: wasm}); err != nil {
			t.Fatal(err)
		}
	}
	sh := srv.signup("plugins-e2e")
	ctx, cancel := context.WithTimeout(bg, 90*time.Second)
	defer cancel()
	owner := newTab(t, newBrowser(t, ctx), "owner", srv.URL)
	owner.login(sh.OwnerEmail, testPassword)
	owner.wantPath("/console")

	owner.click(`aside.sidenav a[href="/console/plugins"]`, 200)
	owner.wantText("main h1", "Plugins")
	owner.wantText("#catalog", "Pricing rules", "Customer and sales reports")
	owner.click(`#catalog form[action="/console/plugins/install"] button[type=submit]`, 200)
	if !strings.HasPrefix(owner.path(), "/console/plugins/") {
		owner.fail("install", nil)
	}
	owner.wantText("main h1", "Pricing rules")
	owner.wantText("#breaker", "closed")

	form := "#config-form"
	owner.fill(form, "volume_tiers.0.min_qty", "2", "volume_tiers.0.percent", "10", "spend_thresholds.0.min_subtotal", "5000", "spend_thresholds.0.amount_off", "500")
	owner.click(form+` button[type=submit]`, 200)
	owner.wantText("p.flash", "Saved.")
	if v := owner.value(`#config-form [name="volume_tiers.0.min_qty"]`); v != "2" {
		owner.fail("saved tier", nil)
	}
	owner.click(`button[value=enable]`, 200)
	owner.wantText("main", "enabled")
	owner.click(`form[action$="/dry-run"] button[type=submit]`, 200)
	owner.wantText("#dry-run", "Dry run")
	owner.screenshot("plugins-01-installation.png")

	owner.open("/console/plugins", 200)
	owner.click(`#catalog form[action="/console/plugins/install"] button[type=submit]`, 200)
	owner.wantText("main h1", "Customer and sales reports")
	owner.open("/console/plugins/reports?report=sales", 200)
	owner.wantText("#report", "Sales")
	owner.screenshot("plugins-02-report.png")
}
