package api

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/plugins"
	"github.com/wasmart/wasmart/plugins/sandbox"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Plugins over JSON: the catalogue and private uploads, installations
// (install, configure against the manifest's JSON Schema, enable, order,
// pin, upgrade, roll back, uninstall), the run log with replay and
// fixtures, dry runs and reports from reporting plugins; the platform
// catalogue (/api/platform/plugins); and on shop hosts
// GET /api/recommendations, the recommendations point.

// PluginVersionJSON is a published plugin version.
type PluginVersionJSON struct {
	PluginID     string         `json:"plugin_id"`
	Version      string         `json:"version"`
	Name         string         `json:"name"`
	Description  string         `json:"description"`
	Points       []string       `json:"extension_points"`
	Source       string         `json:"source"` // catalog | private
	ModuleHash   string         `json:"module_hash"`
	Size         int64          `json:"size"`
	ConfigSchema map[string]any `json:"config_schema,omitempty"`
	CreatedAt    time.Time      `json:"created_at"`
}

// InstallationJSON is a shop's installed plugin.
type InstallationJSON struct {
	ID                  string         `json:"id"`
	PluginID            string         `json:"plugin_id"`
	Name                string         `json:"name"`
	Version             string         `json:"version"`
	Latest              string         `json:"latest_version"`
	PrevVersion         string         `json:"previous_version,omitempty"`
	Source              string         `json:"source"`
	Points              []string       `json:"extension_points"`
	Enabled             bool           `json:"enabled"`
	Pinned              bool           `json:"pinned"`
	Position            int            `json:"position"`
	Config              map[string]any `json:"config"`
	Breaker             string         `json:"breaker"`
	ConsecutiveFailures int            `json:"consecutive_failures"`
	UpdatedAt           time.Time      `json:"updated_at"`
}

// InstallRequest installs a plugin ("" version: the newest).
type InstallRequest struct {
	PluginID string         `json:"plugin_id"`
	Version  string         `json:"version,omitempty"`
	Config   map[string]any `json:"config,omitempty"`
}

// InstallationPatch changes an installation; absent fields stay.
type InstallationPatch struct {
	Config  map[string]any `json:"config,omitempty"`
	Enabled *bool          `json:"enabled,omitempty"`
	Pinned  *bool          `json:"pinned,omitempty"`
}

// UpgradeRequest moves an installation to a version ("" the newest),
// optionally with a new config.
type UpgradeRequest struct {
	Version string         `json:"version,omitempty"`
	Config  map[string]any `json:"config,omitempty"`
}

// PluginOrderRequest orders installations: these first, in this order.
type PluginOrderRequest struct {
	IDs []string `json:"ids"`
}

// DryRunRequest asks what an installation would change on recent inputs.
type DryRunRequest struct {
	Version string         `json:"version,omitempty"`
	Config  map[string]any `json:"config,omitempty"`
	Limit   int            `json:"limit,omitempty"`
}

// DryRunRowJSON is one recorded input, before and after.
type DryRunRowJSON struct {
	RunID   string    `json:"run_id"`
	At      time.Time `json:"at"`
	Before  int64     `json:"before"`
	After   int64     `json:"after"`
	Failure string    `json:"failure,omitempty"`
}

// DryRunJSON summarises a dry run.
type DryRunJSON struct {
	Point       string          `json:"extension_point"`
	PluginID    string          `json:"plugin_id"`
	FromVersion string          `json:"from_version"`
	ToVersion   string          `json:"to_version"`
	Metric      string          `json:"metric"`
	Currency    string          `json:"currency"`
	Inputs      int             `json:"inputs"`
	Failed      int             `json:"failed"`
	Changed     int             `json:"changed"`
	SumBefore   int64           `json:"sum_before"`
	SumAfter    int64           `json:"sum_after"`
	Failures    map[string]int  `json:"failures"`
	Rows        []DryRunRowJSON `json:"rows"`
	DurationMS  int64           `json:"duration_ms"`
}

// RunJSON is one recorded plugin run.
type RunJSON struct {
	ID             string    `json:"id"`
	InstallationID string    `json:"installation_id"`
	PluginID       string    `json:"plugin_id"`
	Version        string    `json:"version"`
	Point          string    `json:"extension_point"`
	InputHash      string    `json:"input_hash"`
	InputSize      int64     `json:"input_size"`
	InputKept      bool      `json:"input_kept"`
	DurationUS     int64     `json:"duration_us"`
	Outcome        string    `json:"outcome"` // "ok" or a failure kind
	Error          string    `json:"error,omitempty"`
	Logs           string    `json:"logs,omitempty"`
	LogsTruncated  bool      `json:"logs_truncated,omitempty"`
	StartedAt      time.Time `json:"started_at"`
}

// RunPageJSON is a page of runs, newest first.
type RunPageJSON struct {
	Runs []RunJSON `json:"runs"`
	Next string    `json:"next,omitempty"`
}

// ReplayJSON is a recorded run run again.
type ReplayJSON struct {
	RunID      string `json:"run_id"`
	Version    string `json:"version"`
	Outcome    string `json:"outcome"`
	Recorded   string `json:"recorded_outcome"`
	Same       bool   `json:"same_outcome"`
	Error      string `json:"error,omitempty"`
	Output     string `json:"output,omitempty"`
	DurationUS int64  `json:"duration_us"`
}

// PluginReportJSON is a report from a reporting plugin.
type PluginReportJSON struct {
	Title   string               `json:"title"`
	Columns []PluginReportColumn `json:"columns"`
	Rows    [][]interface{}      `json:"rows"`
	Charts  []PluginReportChart  `json:"charts"`
}

// PluginReportColumn is a report column (type "int" or "string").
type PluginReportColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// PluginReportChart is a chart spec of a report.
type PluginReportChart struct {
	Kind   string               `json:"kind"`
	Title  string               `json:"title"`
	Labels []string             `json:"labels"`
	Series []PluginReportSeries `json:"series"`
}

// PluginReportSeries is one series of a chart.
type PluginReportSeries struct {
	Name   string  `json:"name"`
	Values []int64 `json:"values"`
}

// RecommendationJSON is one recommended product, best first.
type RecommendationJSON struct {
	ProductID string `json:"product_id"`
	Score     int64  `json:"score"`
	Reason    string `json:"reason"`
}

// Plugins serves the plugin routes.
type Plugins struct {
	plugins *plugins.Service
	admin   *admin.Admin
}

// Routes are the shop's plugins (catalogue, installations, runs,
// reports), the platform catalogue, and recommendations on the shop's own
// host, over JSON.
func (s *Plugins) Routes() []httpx.Route {
	var t httpx.Table
	read, manage := perm.PluginsRead, perm.PluginsManage
	api := t.Group(httpx.ScopeTenant, "plugins")
	api.API("GET", "/api/plugins/catalog", read, "Plugins this shop may install: the platform catalogue and its private uploads", nil, []PluginVersionJSON{}, s.apiPluginCatalog)
	api.API("POST", "/api/plugins/uploads", manage, "Upload a private plugin (plan permitting): multipart fields \"manifest\" (JSON) and \"wasm\"", nil, PluginVersionJSON{}, s.apiPluginUpload)
	api.API("GET", "/api/plugins/installations", read, "Installed plugins in order, with breaker state", nil, []InstallationJSON{}, s.apiInstallations)
	api.API("POST", "/api/plugins/installations", manage, "Install a plugin (disabled; config checked against its JSON Schema)", InstallRequest{}, InstallationJSON{}, s.apiInstall)
	api.API("GET", "/api/plugins/installations/:installation", read, "One installation", nil, InstallationJSON{}, s.apiInstallation)
	api.API("PATCH", "/api/plugins/installations/:installation", manage, "Configure, enable/disable or pin an installation", InstallationPatch{}, InstallationJSON{}, s.apiInstallationPatch)
	api.API("DELETE", "/api/plugins/installations/:installation", manage, "Uninstall (its key-value data goes too)", nil, nil, s.apiUninstall)
	api.API("POST", "/api/plugins/installations/:installation/upgrade", manage, "Move to another version (refused while pinned)", UpgradeRequest{}, InstallationJSON{}, s.apiUpgrade)
	api.API("POST", "/api/plugins/installations/:installation/rollback", manage, "Back to the previous version and config", nil, InstallationJSON{}, s.apiRollback)
	api.API("POST", "/api/plugins/installations/:installation/dry-run", manage, "Run the installation (optionally another version or config) on the shop's last recorded inputs and report the difference", DryRunRequest{}, DryRunJSON{}, s.apiDryRun)
	api.API("PUT", "/api/plugins/order", manage, "Order installations: those listed first, in this order", PluginOrderRequest{}, []InstallationJSON{}, s.apiPluginOrder)
	api.API("GET", "/api/plugins/runs", read, "Run log, newest first (filters: installation, point, failed=1, cursor)", nil, RunPageJSON{}, s.apiRuns)
	api.API("GET", "/api/plugins/runs/:run", read, "One run with its guest logs", nil, RunJSON{}, s.apiRun)
	api.API("POST", "/api/plugins/runs/:run/replay", manage, "Run a recorded input again", nil, ReplayJSON{}, s.apiReplay)
	api.API("GET", "/api/plugins/runs/:run/fixture", manage, "A recorded run as a test fixture for `wasmart plugin test` (config, decoded input, the output it gives now)", nil, plugins.Fixture{}, s.apiRunFixture)
	api.API("GET", "/api/plugins/installations/:installation/report", perm.ReportsRead, "Run a reporting plugin on the shop's datasets (report=rfm|sales)", nil, PluginReportJSON{}, s.apiReport)

	platform := t.Group(httpx.ScopePlatform, "platform")
	platform.API("GET", "/api/platform/plugins", perm.PlatformPluginsManage, "The platform plugin catalogue", nil, []PluginVersionJSON{}, s.apiPluginCatalog)
	platform.API("POST", "/api/platform/plugins", perm.PlatformPluginsManage, "Publish to the catalogue: multipart fields \"manifest\" and \"wasm\"", nil, PluginVersionJSON{}, s.apiPluginUpload)

	shop := t.Group(httpx.ScopeStorefront, "storefront")
	shop.API("GET", "/api/recommendations", httpx.Public, "Recommended products (product_id, cart=comma-separated product ids, limit); best sellers when the shop has no recommendations plugin", nil, []RecommendationJSON{}, s.apiRecommendations)
	return t.Routes()
}

func versionJSON(v plugins.Version) PluginVersionJSON {
	j := PluginVersionJSON{PluginID: v.PluginID, Version: v.Version, Name: v.Name, Description: v.Description,
		Source: v.Source(), ModuleHash: v.ModuleHash, Size: v.Size, CreatedAt: v.CreatedAt}
	for _, p := range v.PointList() {
		j.Points = append(j.Points, string(p))
	}
	if m, err := sandbox.ParseManifest([]byte(v.Manifest)); err == nil && len(m.ConfigSchema) > 0 {
		_ = json.Unmarshal(m.ConfigSchema, &j.ConfigSchema)
	}
	return j
}

func installationJSON(v *plugins.InstallationView) InstallationJSON {
	j := InstallationJSON{ID: v.ID, PluginID: v.PluginID, Name: v.Name, Version: v.Version, Latest: v.Latest, PrevVersion: v.PrevVersion,
		Source: v.Source, Enabled: v.Enabled, Pinned: v.Pinned, Position: v.Position, Breaker: string(v.Breaker),
		ConsecutiveFailures: v.Failures, UpdatedAt: v.UpdatedAt, Config: map[string]any{}}
	for _, p := range v.Points {
		j.Points = append(j.Points, string(p))
	}
	_ = json.Unmarshal([]byte(v.Config), &j.Config)
	return j
}

func runJSON(r *plugins.RunRecord) RunJSON {
	out := r.Outcome
	if out == "" {
		out = "ok"
	}
	return RunJSON{ID: r.ID, InstallationID: r.InstallationID, PluginID: r.PluginID, Version: r.Version, Point: r.Point,
		InputHash: r.InputHash, InputSize: r.InputSize, InputKept: r.InputKept, DurationUS: r.DurationUS, Outcome: out,
		Error: r.Error, Logs: r.Logs, LogsTruncated: r.LogsDropped, StartedAt: r.StartedAt}
}

func dryRunJSON(d *plugins.DryRunResult) DryRunJSON {
	j := DryRunJSON{Point: string(d.Point), PluginID: d.PluginID, FromVersion: d.FromVersion, ToVersion: d.ToVersion, Metric: d.Metric,
		Currency: d.Currency, Inputs: d.Inputs, Failed: d.Failed, Changed: d.Changed, SumBefore: d.SumBefore, SumAfter: d.SumAfter,
		Failures: map[string]int{}, Rows: []DryRunRowJSON{}, DurationMS: d.Duration.Milliseconds()}
	for k, n := range d.Failures {
		j.Failures[string(k)] = n
	}
	for _, r := range d.Rows {
		j.Rows = append(j.Rows, DryRunRowJSON{RunID: r.RunID, At: r.At, Before: r.Before, After: r.After, Failure: r.Failure})
	}
	return j
}

func reportJSON(r *extension.Report) PluginReportJSON {
	j := PluginReportJSON{Title: r.Title, Rows: [][]interface{}{}, Charts: []PluginReportChart{}}
	for _, c := range r.Table.Columns {
		t := "int"
		if c.Type == extension.ColumnString {
			t = "string"
		}
		j.Columns = append(j.Columns, PluginReportColumn{Name: c.Name, Type: t})
	}
	for _, row := range r.Table.Rows {
		out := make([]interface{}, len(row))
		for i, cell := range row {
			if i < len(r.Table.Columns) && r.Table.Columns[i].Type == extension.ColumnString {
				out[i] = cell.Str
			} else {
				out[i] = cell.Int
			}
		}
		j.Rows = append(j.Rows, out)
	}
	for _, c := range r.Charts {
		ch := PluginReportChart{Kind: c.Kind, Title: c.Title, Labels: c.Labels}
		for _, s := range c.Series {
			ch.Series = append(ch.Series, PluginReportSeries{Name: s.Name, Values: s.Values})
		}
		j.Charts = append(j.Charts, ch)
	}
	return j
}

func (s *Plugins) apiPluginCatalog(c *fiber.Ctx) error {
	vs, err := s.plugins.Catalog(c.UserContext())
	if err != nil {
		return err
	}
	out := []PluginVersionJSON{}
	for _, v := range vs {
		out = append(out, versionJSON(v))
	}
	return c.JSON(out)
}

func (s *Plugins) apiPluginUpload(c *fiber.Ctx) error {
	if err := s.admin.CheckPrivateUploads(c); err != nil {
		return err
	}
	in, err := httpx.PluginUpload(c)
	if err != nil {
		return err
	}
	v, err := s.plugins.Publish(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(versionJSON(*v))
}

func (s *Plugins) apiInstallations(c *fiber.Ctx) error {
	vs, err := s.plugins.Installations(c.UserContext())
	if err != nil {
		return err
	}
	out := []InstallationJSON{}
	for i := range vs {
		out = append(out, installationJSON(&vs[i]))
	}
	return c.JSON(out)
}

func (s *Plugins) installationOut(c *fiber.Ctx, id string, status int) error {
	v, err := s.plugins.Installation(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.Status(status).JSON(installationJSON(v))
}

func (s *Plugins) apiInstall(c *fiber.Ctx) error {
	var in InstallRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if in.PluginID == "" {
		return errs.Field("plugin_id", "is required")
	}
	if err := s.admin.CheckInstallQuota(c); err != nil {
		return err
	}
	inst, err := s.plugins.Install(c.UserContext(), in.PluginID, in.Version, admin.ConfigBytes(in.Config))
	if err != nil {
		return err
	}
	return s.installationOut(c, inst.ID, fiber.StatusCreated)
}

func (s *Plugins) apiInstallation(c *fiber.Ctx) error {
	return s.installationOut(c, c.Params("installation"), fiber.StatusOK)
}

func (s *Plugins) apiInstallationPatch(c *fiber.Ctx) error {
	var in InstallationPatch
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	ctx, id := c.UserContext(), c.Params("installation")
	if _, err := s.plugins.Installation(ctx, id); err != nil {
		return err
	}
	if in.Config != nil {
		if _, err := s.plugins.Configure(ctx, id, admin.ConfigBytes(in.Config)); err != nil {
			return err
		}
	}
	if in.Pinned != nil {
		if _, err := s.plugins.SetPinned(ctx, id, *in.Pinned); err != nil {
			return err
		}
	}
	if in.Enabled != nil {
		if _, err := s.plugins.SetEnabled(ctx, id, *in.Enabled); err != nil {
			return err
		}
	}
	return s.installationOut(c, id, fiber.StatusOK)
}

func (s *Plugins) apiUninstall(c *fiber.Ctx) error {
	if err := s.plugins.Uninstall(c.UserContext(), c.Params("installation")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Plugins) apiUpgrade(c *fiber.Ctx) error {
	var in UpgradeRequest
	if len(c.Body()) > 0 {
		if err := httpx.DecodeJSON(c, &in); err != nil {
			return err
		}
	}
	id := c.Params("installation")
	if _, err := s.plugins.Upgrade(c.UserContext(), id, in.Version, admin.ConfigBytes(in.Config)); err != nil {
		return err
	}
	return s.installationOut(c, id, fiber.StatusOK)
}

func (s *Plugins) apiRollback(c *fiber.Ctx) error {
	id := c.Params("installation")
	if _, err := s.plugins.Rollback(c.UserContext(), id); err != nil {
		return err
	}
	return s.installationOut(c, id, fiber.StatusOK)
}

func (s *Plugins) apiDryRun(c *fiber.Ctx) error {
	var in DryRunRequest
	if len(c.Body()) > 0 {
		if err := httpx.DecodeJSON(c, &in); err != nil {
			return err
		}
	}
	d, err := s.plugins.DryRun(c.UserContext(), plugins.DryRunRequest{InstallationID: c.Params("installation"),
		Version: in.Version, Config: admin.ConfigBytes(in.Config), Limit: in.Limit})
	if err != nil {
		return err
	}
	return c.JSON(dryRunJSON(d))
}

func (s *Plugins) apiPluginOrder(c *fiber.Ctx) error {
	var in PluginOrderRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.plugins.Reorder(c.UserContext(), in.IDs); err != nil {
		return err
	}
	return s.apiInstallations(c)
}

func (s *Plugins) apiRuns(c *fiber.Ctx) error {
	p, err := s.plugins.Runs(c.UserContext(), admin.RunFilter(c))
	if err != nil {
		return err
	}
	out := RunPageJSON{Runs: []RunJSON{}, Next: p.Next}
	for i := range p.Runs {
		out.Runs = append(out.Runs, runJSON(&p.Runs[i]))
	}
	return c.JSON(out)
}

func (s *Plugins) apiRun(c *fiber.Ctx) error {
	r, err := s.plugins.Run(c.UserContext(), c.Params("run"))
	if err != nil {
		return err
	}
	return c.JSON(runJSON(r))
}

func replayJSON(r *plugins.ReplayResult) ReplayJSON {
	out, rec := string(r.Outcome), r.Run.Outcome
	if out == "" {
		out = "ok"
	}
	if rec == "" {
		rec = "ok"
	}
	return ReplayJSON{RunID: r.Run.ID, Version: r.Version, Outcome: out, Recorded: rec, Same: r.Same, Error: r.Error,
		Output: r.Output, DurationUS: r.Duration.Microseconds()}
}

func (s *Plugins) apiReplay(c *fiber.Ctx) error {
	r, err := s.plugins.Replay(c.UserContext(), c.Params("run"))
	if err != nil {
		return err
	}
	return c.JSON(replayJSON(r))
}

func (s *Plugins) apiRunFixture(c *fiber.Ctx) error {
	fx, err := s.plugins.Fixture(c.UserContext(), c.Params("run"))
	if err != nil {
		return err
	}
	return c.JSON(fx)
}

func (s *Plugins) apiReport(c *fiber.Ctx) error {
	report, params := admin.ReportParams(c)
	r, err := s.plugins.Report(c.UserContext(), c.Params("installation"), report, params)
	if err != nil {
		if k := sandbox.KindOf(err); k != "" {
			return &errs.Error{Code: errs.Unprocessable, Message: "the reporting plugin failed (" + string(k) + "): " + err.Error()}
		}
		return err
	}
	return c.JSON(reportJSON(r))
}

func (s *Plugins) apiRecommendations(c *fiber.Ctx) error {
	limit, _ := strconv.Atoi(c.Query("limit", "8"))
	if limit <= 0 || limit > 50 {
		limit = 8
	}
	var cart []string
	for _, id := range strings.Split(c.Query("cart"), ",") {
		if id = strings.TrimSpace(id); id != "" && len(cart) < 100 {
			cart = append(cart, id)
		}
	}
	recs, err := s.plugins.Recommend(c.UserContext(), extension.NewRecommendationRequest(c.Query("product_id"), cart, limit))
	if err != nil {
		return err
	}
	out := []RecommendationJSON{}
	for _, r := range recs {
		out = append(out, RecommendationJSON{ProductID: r.ProductID, Score: r.Score, Reason: r.Reason})
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	return c.JSON(out)
}
