package web

import (
	"github.com/wasmart/wasmart/plugins"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Plugins in the console and the API: the catalogue and private uploads,
// installations (install, configure with a form generated from the
// manifest's JSON Schema, enable, order, pin, upgrade, roll back,
// uninstall), the run log with replay, breaker state, dry runs, and reports
// from reporting plugins (table and server-side SVG chart). The platform
// console publishes to the catalogue. On shop hosts,
// GET /api/recommendations serves the recommendations point.

// pluginPages are the console's plugin pages.
func (s *Server) pluginPages(t *httpx.Table) {
	read, manage := perm.PluginsRead, perm.PluginsManage
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/plugins", read, "Installed plugins and the catalogue", s.pluginsPage)
	html.Page("POST", "/console/plugins/install", manage, "Install a plugin", s.pluginInstallForm)
	html.Page("POST", "/console/plugins/upload", manage, "Upload a private plugin", s.pluginUploadForm)
	html.Page("GET", "/console/plugins/runs", read, "Plugin run log", s.pluginRunsPage)
	html.Page("GET", "/console/plugins/runs/:run", read, "One plugin run", s.pluginRunPage)
	html.Page("POST", "/console/plugins/runs/:run/replay", manage, "Replay a plugin run", s.pluginReplayForm)
	html.Page("GET", "/console/plugins/reports", perm.ReportsRead, "Reports from reporting plugins", s.pluginReportsPage)
	html.Page("GET", "/console/plugins/:installation", read, "A plugin installation: config, runs, breaker", s.pluginPage)
	html.Page("POST", "/console/plugins/:installation/config", manage, "Save a plugin's config", s.pluginConfigForm)
	html.Page("POST", "/console/plugins/:installation/action", manage, "Enable, disable, pin, unpin, upgrade, roll back, move or uninstall", s.pluginActionForm)
	html.Page("POST", "/console/plugins/:installation/dry-run", manage, "Dry-run a plugin on recent inputs", s.pluginDryRunForm)
}

// Plugins returns the server's plugin platform.
func (s *Server) Plugins() *plugins.Service { return s.plugins }
