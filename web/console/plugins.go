package console

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/plugins"
	"github.com/wasmart/wasmart/plugins/sandbox"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// pluginPages are the console's plugin pages.
func (s *Plugins) pluginPages(t *httpx.Table) {
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

type pluginsPageData struct {
	Installed      []plugins.InstallationView
	Catalog        []plugins.CatalogEntry
	CanManage      bool
	PrivateAllowed bool
	PrivateReason  string
	Quota          string
}

func (s *Plugins) pluginsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	inst, err := s.plugins.Installations(ctx)
	if err != nil {
		return err
	}
	vs, err := s.plugins.Catalog(ctx)
	if err != nil {
		return err
	}
	d := pluginsPageData{Installed: inst, Catalog: plugins.CatalogEntries(vs, inst), CanManage: s.Can(c, perm.PluginsManage)}
	p := s.Current(c)
	if err := s.tenants.CheckQuota(ctx, p.TenantID, tenants.QuotaPrivatePlugins, 0); err == nil {
		d.PrivateAllowed = true
	} else {
		d.PrivateReason = safeMessage(err)
	}
	if plan, err := s.tenants.PlanOf(ctx, p.TenantID); err == nil {
		d.Quota = strconv.Itoa(len(inst)) + " of "
		if plan.Plugins == tenants.Unlimited {
			d.Quota += "unlimited"
		} else {
			d.Quota += itoa(plan.Plugins)
		}
	}
	return s.PageWithError(c, "console/plugins", "Plugins", "plugins", d)
}

func safeMessage(err error) string {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "not allowed"
}

func (s *Plugins) pluginInstallForm(c *fiber.Ctx) error {
	if err := s.admin.CheckInstallQuota(c); err != nil {
		return s.PageError(c, err, func() error { return s.pluginsPage(c) })
	}
	inst, err := s.plugins.Install(c.UserContext(), c.FormValue("plugin_id"), c.FormValue("version"), nil)
	if err != nil {
		return s.PageError(c, err, func() error { return s.pluginsPage(c) })
	}
	return view.Done(c, "/console/plugins/"+inst.ID)
}

func (s *Plugins) pluginUploadForm(c *fiber.Ctx) error {
	if err := s.admin.CheckPrivateUploads(c); err != nil {
		return s.PageError(c, err, func() error { return s.pluginsPage(c) })
	}
	in, err := httpx.PluginUpload(c)
	if err == nil {
		_, err = s.plugins.Publish(c.UserContext(), in)
	}
	if err != nil {
		return s.PageError(c, err, func() error { return s.pluginsPage(c) })
	}
	return view.Done(c, "/console/plugins")
}

type pluginPageData struct {
	Inst       *plugins.InstallationView
	Versions   []plugins.Version
	Fields     []formField
	ConfigJSON string
	Runs       []plugins.RunRecord
	Stats      plugins.RunStats
	CanManage  bool
	Reporting  bool
	DryRun     *plugins.DryRunResult
	DryVersion string
}

func (s *Plugins) pluginPageWith(c *fiber.Ctx, dry *plugins.DryRunResult, dryVersion string, posted map[string]any) error {
	ctx := c.UserContext()
	id := c.Params("installation")
	inst, err := s.plugins.Installation(ctx, id)
	if err != nil {
		return err
	}
	vs, err := s.plugins.Versions(ctx, inst)
	if err != nil {
		return err
	}
	runs, err := s.plugins.Runs(ctx, plugins.RunFilter{InstallationID: id, Limit: 20})
	if err != nil {
		return err
	}
	stats, err := s.plugins.Stats(ctx, id, time.Now().Add(-24*time.Hour))
	if err != nil {
		return err
	}
	var cfg map[string]any
	_ = json.Unmarshal([]byte(inst.Config), &cfg)
	if posted != nil {
		cfg = posted
	}
	d := pluginPageData{Inst: inst, Versions: vs, Runs: runs.Runs, Stats: stats, CanManage: s.Can(c, perm.PluginsManage),
		Reporting: inst.Manifest.Declares(extension.PointReporting), DryRun: dry, DryVersion: dryVersion}
	pretty, _ := json.MarshalIndent(cfg, "", "  ")
	d.ConfigJSON = string(pretty)
	if sch, err := parseSchema(inst.Manifest.ConfigSchema); err == nil {
		d.Fields = buildForm(sch, cfg)
	}
	return s.PageWithError(c, "console/plugin", inst.Name, "plugins", d)
}

func (s *Plugins) pluginPage(c *fiber.Ctx) error { return s.pluginPageWith(c, nil, "", nil) }

// postedForm is the posted form values (last value wins).
func postedForm(c *fiber.Ctx) map[string]string {
	m := map[string]string{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) { m[string(k)] = string(v) })
	return m
}

func (s *Plugins) pluginConfigForm(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id := c.Params("installation")
	inst, err := s.plugins.Installation(ctx, id)
	if err != nil {
		return err
	}
	sch, err := parseSchema(inst.Manifest.ConfigSchema)
	if err != nil {
		return err
	}
	cfg, err := formConfig(sch, postedForm(c))
	if err == nil {
		_, err = s.plugins.Configure(ctx, id, admin.ConfigBytes(cfg))
	}
	if err != nil {
		return s.PageError(c, err, func() error { return s.pluginPageWith(c, nil, "", cfg) })
	}
	return view.Done(c, "/console/plugins/"+id)
}

func (s *Plugins) pluginActionForm(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id := c.Params("installation")
	var err error
	switch c.FormValue("action") {
	case "enable":
		_, err = s.plugins.SetEnabled(ctx, id, true)
	case "disable":
		_, err = s.plugins.SetEnabled(ctx, id, false)
	case "pin":
		_, err = s.plugins.SetPinned(ctx, id, true)
	case "unpin":
		_, err = s.plugins.SetPinned(ctx, id, false)
	case "upgrade":
		_, err = s.plugins.Upgrade(ctx, id, c.FormValue("version"), nil)
	case "rollback":
		_, err = s.plugins.Rollback(ctx, id)
	case "up", "down":
		err = s.movePlugin(c, id, c.FormValue("action") == "up")
		if err == nil {
			return view.Done(c, "/console/plugins")
		}
	case "uninstall":
		if err = s.plugins.Uninstall(ctx, id); err == nil {
			return view.Done(c, "/console/plugins")
		}
	default:
		err = errs.Field("action", "unknown action")
	}
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return err
		}
		return s.PageError(c, err, func() error { return s.pluginPage(c) })
	}
	return view.Done(c, "/console/plugins/"+id)
}

func (s *Plugins) movePlugin(c *fiber.Ctx, id string, up bool) error {
	list, err := s.plugins.Installations(c.UserContext())
	if err != nil {
		return err
	}
	ids := make([]string, len(list))
	at := -1
	for i, v := range list {
		ids[i] = v.ID
		if v.ID == id {
			at = i
		}
	}
	if at < 0 {
		return errs.NotFoundf("no plugin installation %q", id)
	}
	to := at + 1
	if up {
		to = at - 1
	}
	if to < 0 || to >= len(ids) {
		return nil
	}
	ids[at], ids[to] = ids[to], ids[at]
	return s.plugins.Reorder(c.UserContext(), ids)
}

func (s *Plugins) pluginDryRunForm(c *fiber.Ctx) error {
	limit, _ := strconv.Atoi(c.FormValue("limit"))
	version := c.FormValue("version")
	d, err := s.plugins.DryRun(c.UserContext(), plugins.DryRunRequest{InstallationID: c.Params("installation"), Version: version, Limit: limit})
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return err
		}
		return s.PageError(c, err, func() error { return s.pluginPage(c) })
	}
	return s.pluginPageWith(c, d, version, nil)
}

type runsPageData struct {
	Runs          []plugins.RunRecord
	Next          string
	Installations []plugins.InstallationView
	Filter        plugins.RunFilter
	NextURL       string
}

func (s *Plugins) pluginRunsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := admin.RunFilter(c)
	p, err := s.plugins.Runs(ctx, f)
	if err != nil {
		return err
	}
	inst, err := s.plugins.Installations(ctx)
	if err != nil {
		return err
	}
	d := runsPageData{Runs: p.Runs, Next: p.Next, Installations: inst, Filter: f}
	if p.Next != "" {
		q := url.Values{"cursor": {p.Next}}
		if f.InstallationID != "" {
			q.Set("installation", f.InstallationID)
		}
		if f.FailedOnly {
			q.Set("failed", "1")
		}
		if f.Point != "" {
			q.Set("point", string(f.Point))
		}
		d.NextURL = "/console/plugins/runs?" + q.Encode()
	}
	return s.Page(c, "console/plugin_runs", "Plugin runs", "plugins", d)
}

type runPageData struct {
	Run       *plugins.RunRecord
	Replay    *plugins.ReplayResult
	CanManage bool
}

func (s *Plugins) pluginRunPageWith(c *fiber.Ctx, rep *plugins.ReplayResult) error {
	r, err := s.plugins.Run(c.UserContext(), c.Params("run"))
	if err != nil {
		return err
	}
	return s.PageWithError(c, "console/plugin_run", "Plugin run", "plugins", runPageData{Run: r, Replay: rep, CanManage: s.Can(c, perm.PluginsManage)})
}

func (s *Plugins) pluginRunPage(c *fiber.Ctx) error { return s.pluginRunPageWith(c, nil) }

func (s *Plugins) pluginReplayForm(c *fiber.Ctx) error {
	rep, err := s.plugins.Replay(c.UserContext(), c.Params("run"))
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return err
		}
		return s.PageError(c, err, func() error { return s.pluginRunPage(c) })
	}
	return s.pluginRunPageWith(c, rep)
}

type reportsPageData struct {
	Installations []plugins.InstallationView
	Selected      string
	Report        string
	Result        *extension.Report
	Columns       []extension.Column
	Rows          [][]string
	Charts        []template.HTML
	Failure       string
	Currency      string
	// Params are the merchant's report parameters (param.* in the query).
	Params map[string]string
}

func (s *Plugins) pluginReportsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	all, err := s.plugins.Installations(ctx)
	if err != nil {
		return err
	}
	d := reportsPageData{Report: c.Query("report", "sales"), Selected: c.Query("installation")}
	for _, in := range all {
		if in.Manifest.Declares(extension.PointReporting) {
			d.Installations = append(d.Installations, in)
		}
	}
	if d.Selected == "" && len(d.Installations) > 0 {
		d.Selected = d.Installations[0].ID
	}
	if d.Selected != "" {
		report, params := admin.ReportParams(c)
		d.Params = params
		r, err := s.plugins.Report(ctx, d.Selected, report, params)
		switch {
		case err == nil:
			d.Result = r
			d.Columns = r.Table.Columns
			for _, row := range r.Table.Rows {
				cells := make([]string, len(row))
				for i, cell := range row {
					if i < len(r.Table.Columns) && r.Table.Columns[i].Type == extension.ColumnString {
						cells[i] = cell.Str
					} else {
						cells[i] = strconv.FormatInt(cell.Int, 10)
					}
				}
				d.Rows = append(d.Rows, cells)
			}
			for _, ch := range r.Charts {
				d.Charts = append(d.Charts, chartSVG(ch))
			}
		case sandbox.KindOf(err) != "":
			d.Failure = "The reporting plugin failed (" + string(sandbox.KindOf(err)) + "); the failure is in the run log."
		case errs.Is(err, errs.NotFound), errs.Is(err, errs.Invalid):
			d.Failure = safeMessage(err)
		default:
			return err
		}
	}
	return s.Page(c, "console/plugin_reports", "Reports", "plugins", d)
}
