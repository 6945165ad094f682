package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/plugins"
	"github.com/wasmart/wasmart/plugins/build"
	"github.com/wasmart/wasmart/plugins/sandbox"
	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/tenants"
)

const pluginUsage = `usage: wasmart plugin <command> [flags] [dir]

commands:
  init <dir>   scaffold a plugin (manifest, handler, native test, a fixture)
  build [dir]  build <dir>/plugin.wasm (GOOS=wasip1 GOARCH=wasm -buildmode=c-shared)
  test [dir]   run the native tests, build, then run the .wasm in the real
               host against the fixtures in <dir>/fixtures/*.json
  upload [dir] upload as a private plugin to the shop of an API token
               (--url, --token)
  publish [dir] publish to the platform catalogue as a platform admin
               (--url, --email, --password)
  fixture [dir] save a shop's recorded run as <dir>/fixtures/run-<id>.json
               (--url, --token, --run)
`

func cmdPlugin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, pluginUsage)
		return flag.ErrHelp
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "init":
		return pluginInit(rest, stdout, stderr)
	case "build":
		return pluginBuild(ctx, rest, stdout, stderr)
	case "test":
		return pluginTest(ctx, rest, stdout, stderr)
	case "upload":
		return pluginSend(ctx, rest, false, stdout, stderr)
	case "publish":
		return pluginSend(ctx, rest, true, stdout, stderr)
	case "fixture":
		return pluginFixture(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, pluginUsage)
		return nil
	}
	fmt.Fprint(stderr, pluginUsage)
	return fmt.Errorf("unknown plugin command %q", sub)
}

// dirArg is the plugin directory: the first positional argument or ".".
func dirArg(f *flags) string {
	if f.NArg() > 0 {
		return f.Arg(0)
	}
	return "."
}

// ---------------------------------------------------------------- init

type scaffold struct {
	ID, Point, Export, Handler, Package string
	ModuleRoot                          string
}

var scaffoldPoints = map[string]scaffold{
	"pricing":         {Point: "pricing", Package: "pricing", Handler: "Price"},
	"recommendations": {Point: "recommendations", Package: "recommend", Handler: "Recommend"},
	"logistics":       {Point: "logistics", Package: "logistics", Handler: "Quote"},
	"reporting":       {Point: "reporting", Package: "reporting", Handler: "Report"},
}

func pluginInit(args []string, stdout, stderr io.Writer) error {
	f := newFlags("plugin init", stderr)
	point := f.String("point", "pricing", "extension point: pricing, recommendations, logistics or reporting")
	id := f.String("id", "", "plugin id (default: the directory name)")
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.NArg() != 1 {
		return errors.New("plugin init: give the directory to create, e.g. wasmart plugin init my-discount")
	}
	dir := f.Arg(0)
	sc, ok := scaffoldPoints[*point]
	if !ok {
		return fmt.Errorf("plugin init: unknown point %q", *point)
	}
	sc.ID = *id
	if sc.ID == "" {
		sc.ID = strings.ToLower(filepath.Base(dir))
	}
	if _, err := os.Stat(dir); err == nil {
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			return fmt.Errorf("plugin init: %s exists and is not empty", dir)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "fixtures"), 0o755); err != nil {
		return err
	}
	abs, _ := filepath.Abs(dir)
	root, rootErr := build.ModuleRoot()
	files := map[string]string{
		"manifest.json":         scaffoldManifest,
		"main.go":               scaffoldMain[sc.Point],
		"main_test.go":          scaffoldTest[sc.Point],
		"fixtures/example.json": scaffoldFixture[sc.Point],
		"README.md":             scaffoldReadme,
	}
	// Outside the wasmart module the plugin is a module of its own.
	if rootErr != nil || !strings.HasPrefix(abs+string(filepath.Separator), root+string(filepath.Separator)) {
		sc.ModuleRoot = root
		files["go.mod"] = scaffoldGoMod
	}
	for name, body := range files {
		t := template.Must(template.New(name).Delims("[[", "]]").Parse(body))
		var b bytes.Buffer
		if err := t.Execute(&b, sc); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	if _, ok := files["go.mod"]; ok {
		// Record the (local) SDK dependency; nothing is downloaded.
		cmd := exec.Command("go", "mod", "tidy")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
		if b, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(stderr, "go mod tidy in %s: %v\n%s", dir, err, b)
		}
	}
	fmt.Fprintf(stdout, "created %s (%s plugin %q)\nnext: wasmart plugin test %s\n", dir, sc.Point, sc.ID, dir)
	return nil
}

const scaffoldGoMod = `module example.com/[[.ID]]

go 1.26

require github.com/wasmart/wasmart v0.0.0
[[if .ModuleRoot]]
// The SDK from a local checkout of Wasmart.
replace github.com/wasmart/wasmart => [[.ModuleRoot]]
[[end]]`

const scaffoldManifest = `{
  "id": "[[.ID]]",
  "version": "0.1.0",
  "abi_version": 1,
  "name": "[[.ID]]",
  "description": "A [[.Point]] plugin.",
  "extension_points": ["[[.Point]]"],
  "limits": {"memory_pages": 256},
  "config_schema": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "percent": {"type": "integer", "minimum": 0, "maximum": 100, "description": "percent off every line"}
    }
  }
}
`

const scaffoldReadme = "# [[.ID]]\n\nA Wasmart [[.Point]] plugin written with the Go SDK (see sdk/ABI.md).\n\n" +
	"    wasmart plugin test .      # native tests, then the .wasm against fixtures/*.json\n" +
	"    wasmart plugin build .     # plugin.wasm\n" +
	"    wasmart plugin upload . --url http://localhost:8080 --token <API token>\n\n" +
	"A fixture is {\"config\": {...}, \"input\": {...}, \"want\": {...}} with the SDK types\n" +
	"of the extension point as JSON (Go field names); \"want\" may be left out.\n"

var scaffoldMain = map[string]string{
	"pricing": `// Command [[.ID]] is a Wasmart pricing plugin: Percent off every line.
package main

import (
	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/pricing"
)

// Config is the installation config (manifest.json has its schema).
type Config struct {
	Percent int64 ` + "`json:\"percent\"`" + `
}

var cfg sdk.ConfigCache[Config]

func init() { pricing.Handle(Price) }

func main() {}

// Price returns one line adjustment per line.
func Price(in *sdk.PricingInput) (*sdk.PricingOutput, error) {
	c, err := cfg.Get()
	if err != nil {
		return nil, err
	}
	out := &sdk.PricingOutput{}
	if c.Percent <= 0 {
		return out, nil
	}
	for _, l := range in.Lines {
		off := l.Quantity * l.UnitPrice * c.Percent / 100
		if off > 0 {
			out.Adjustments = append(out.Adjustments, sdk.Adjustment{Level: sdk.LevelLine, LineID: l.ID, Amount: -off, Label: "Sale", Code: "[[.ID]]"})
		}
	}
	return out, nil
}
`,
	"recommendations": `// Command [[.ID]] is a Wasmart recommendations plugin: best sellers.
package main

import (
	"sort"

	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/recommend"
)

func init() { recommend.Handle(Recommend) }

func main() {}

// Recommend ranks in-stock candidates by units sold.
func Recommend(in *sdk.RecommendInput) (*sdk.RecommendOutput, error) {
	out := &sdk.RecommendOutput{}
	for _, c := range in.Candidates {
		if c.InStock && c.ProductID != in.ProductID {
			out.Items = append(out.Items, sdk.Recommendation{ProductID: c.ProductID, Score: c.SoldUnits, Reason: "popular"})
		}
	}
	sort.SliceStable(out.Items, func(i, j int) bool { return out.Items[i].Score > out.Items[j].Score })
	if int64(len(out.Items)) > in.Limit {
		out.Items = out.Items[:in.Limit]
	}
	return out, nil
}
`,
	"logistics": `// Command [[.ID]] is a Wasmart logistics plugin: one flat rate.
package main

import (
	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/logistics"
)

func init() { logistics.Handle(Quote) }

func main() {}

// Quote offers standard delivery at 5.00.
func Quote(in *sdk.LogisticsInput) (*sdk.LogisticsOutput, error) {
	return &sdk.LogisticsOutput{Options: []sdk.DeliveryOption{{Code: "standard", Label: "Standard", Price: 500, MinDays: 2, MaxDays: 4}}}, nil
}
`,
	"reporting": `// Command [[.ID]] is a Wasmart reporting plugin: customers by order count.
package main

import (
	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/reporting"
)

func init() { reporting.Handle(Report) }

func main() {}

// Report counts the customers of the "customers" dataset.
func Report(in *sdk.ReportInput) (*sdk.ReportOutput, error) {
	n := int64(0)
	if ds := in.Dataset("customers"); ds != nil {
		n = int64(len(ds.Rows))
	}
	return &sdk.ReportOutput{Title: "Customers",
		Columns: []sdk.Column{{Name: "customers", Type: sdk.ColumnInt}},
		Rows:    [][]sdk.Cell{{{Int: n}}}}, nil
}
`,
}

var scaffoldTest = map[string]string{
	"pricing": `//go:build !wasip1

package main

import (
	"testing"

	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/sdktest"
)

func TestPrice(t *testing.T) {
	h := sdktest.New().WithConfig(` + "`{\"percent\":10}`" + `)
	out, err := h.Price(&sdk.PricingInput{Currency: "EUR", Lines: []sdk.Line{{ID: "1", Quantity: 2, UnitPrice: 1000}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Adjustments) != 1 || out.Adjustments[0].Amount != -200 {
		t.Fatalf("adjustments %+v", out.Adjustments)
	}
}
`,
	"recommendations": `//go:build !wasip1

package main

import (
	"testing"

	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/sdktest"
)

func TestRecommend(t *testing.T) {
	out, err := sdktest.New().Recommend(&sdk.RecommendInput{Limit: 1, Candidates: []sdk.Candidate{
		{ProductID: "a", SoldUnits: 1, InStock: true}, {ProductID: "b", SoldUnits: 5, InStock: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 1 || out.Items[0].ProductID != "b" {
		t.Fatalf("items %+v", out.Items)
	}
}
`,
	"logistics": `//go:build !wasip1

package main

import (
	"testing"

	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/sdktest"
)

func TestQuote(t *testing.T) {
	out, err := sdktest.New().Quote(&sdk.LogisticsInput{Country: "FR", Currency: "EUR", WeightGrams: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Options) != 1 {
		t.Fatalf("options %+v", out.Options)
	}
}
`,
	"reporting": `//go:build !wasip1

package main

import (
	"testing"

	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/sdktest"
)

func TestReport(t *testing.T) {
	out, err := sdktest.New().Report(&sdk.ReportInput{Report: "customers"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Rows[0][0].Int != 0 {
		t.Fatalf("rows %+v", out.Rows)
	}
}
`,
}

var scaffoldFixture = map[string]string{
	"pricing": `{
  "config": {"percent": 10},
  "input": {"Currency": "EUR", "NowMs": 1790000000000, "Lines": [{"ID": "1", "VariantID": "v1", "ProductID": "p1", "SKU": "S1", "Quantity": 3, "UnitPrice": 1000}]},
  "want": {"Adjustments": [{"Level": 1, "LineID": "1", "Amount": -300, "Label": "Sale", "Code": "[[.ID]]"}]}
}
`,
	"recommendations": `{
  "input": {"Placement": "home", "Limit": 1, "Candidates": [{"ProductID": "a", "SoldUnits": 1, "InStock": true}, {"ProductID": "b", "SoldUnits": 5, "InStock": true}]},
  "want": {"Items": [{"ProductID": "b", "Score": 5, "Reason": "popular"}]}
}
`,
	"logistics": `{
  "input": {"Country": "FR", "Currency": "EUR", "WeightGrams": 500, "Items": 1},
  "want": {"Options": [{"Code": "standard", "Label": "Standard", "Price": 500, "MinDays": 2, "MaxDays": 4}]}
}
`,
	"reporting": `{
  "input": {"Report": "customers", "Currency": "EUR"}
}
`,
}

// ---------------------------------------------------------------- build

func pluginBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("plugin build", stderr)
	out := f.String("o", "", "output file (default <dir>/plugin.wasm)")
	if err := f.Parse(args); err != nil {
		return err
	}
	dir := dirArg(f)
	path, err := buildPluginDir(ctx, dir, *out)
	if err != nil {
		return err
	}
	st, _ := os.Stat(path)
	fmt.Fprintf(stdout, "built %s (%d bytes)\n", path, st.Size())
	return nil
}

func buildPluginDir(ctx context.Context, dir, out string) (string, error) {
	if out == "" {
		out = filepath.Join(dir, "plugin.wasm")
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return "", err
	}
	if err := build.Plugin(ctx, dir, abs); err != nil {
		return "", err
	}
	return abs, nil
}

// ---------------------------------------------------------------- test

// fixture is one recorded case: an input for the plugin's point (SDK
// types as JSON), the installation config, and optionally the expected
// output or that it must fail.
type fixture struct {
	Config   json.RawMessage `json:"config,omitempty"`
	Input    json.RawMessage `json:"input"`
	Want     json.RawMessage `json:"want,omitempty"`
	WantFail string          `json:"want_failure,omitempty"` // a failure kind, e.g. "plugin_error"
}

func pluginTest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("plugin test", stderr)
	native := f.Bool("native", true, "run `go test` first")
	if err := f.Parse(args); err != nil {
		return err
	}
	dir := dirArg(f)
	if *native {
		cmd := exec.CommandContext(ctx, "go", "test", "./...")
		cmd.Dir, cmd.Stdout, cmd.Stderr = dir, stdout, stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("native tests failed: %w", err)
		}
	}
	wasmPath, err := buildPluginDir(ctx, dir, filepath.Join(os.TempDir(), fmt.Sprintf("wasmart-plugin-test-%d.wasm", os.Getpid())))
	if err != nil {
		return err
	}
	defer os.Remove(wasmPath)
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		return err
	}
	manBytes, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return err
	}
	m, err := sandbox.ParseManifest(manBytes)
	if err != nil {
		return err
	}
	h, err := sandbox.NewHost(sandbox.Options{CacheDir: build.CacheDir("wazero")})
	if err != nil {
		return err
	}
	defer h.Close()
	hash, err := h.Register(ctx, m, wasm)
	if err != nil {
		return fmt.Errorf("the host refuses the module: %w", err)
	}
	fmt.Fprintf(stdout, "module %s: %d bytes, accepted by the host (%s)\n", m, len(wasm), hash[:12])
	files, _ := filepath.Glob(filepath.Join(dir, "fixtures", "*.json"))
	sort.Strings(files)
	failed := 0
	for _, file := range files {
		name := filepath.Base(file)
		got, dur, err := runFixture(ctx, h, m, hash, file)
		if err != nil {
			failed++
			fmt.Fprintf(stdout, "FAIL %s: %v\n", name, err)
			continue
		}
		fmt.Fprintf(stdout, "ok   %s (%v)%s\n", name, dur.Round(time.Microsecond), got)
	}
	if len(files) == 0 {
		fmt.Fprintln(stdout, "no fixtures in", filepath.Join(dir, "fixtures"))
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d fixtures failed", failed, len(files))
	}
	return nil
}

func runFixture(ctx context.Context, h *sandbox.Host, m *sandbox.Manifest, hash, file string) (string, time.Duration, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", 0, err
	}
	var fx fixture
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fx); err != nil {
		return "", 0, fmt.Errorf("bad fixture: %w", err)
	}
	cfg := []byte(fx.Config)
	if len(cfg) == 0 {
		cfg = []byte("{}")
	}
	if err := m.ValidateConfig(cfg); err != nil {
		return "", 0, err
	}
	inst := &sandbox.Installation{Tenant: "plugin-test", ID: filepath.Base(file), Manifest: m, ModuleHash: hash, Config: cfg}
	var out any
	start := time.Now()
	strict := func(v any) error {
		d := json.NewDecoder(bytes.NewReader(fx.Input))
		d.DisallowUnknownFields()
		return d.Decode(v)
	}
	switch m.Points[0] {
	case extension.PointPricing:
		var in sdk.PricingInput
		if err = strict(&in); err == nil {
			out, err = h.Price(ctx, inst, &in)
		}
	case extension.PointRecommendations:
		var in sdk.RecommendInput
		if err = strict(&in); err == nil {
			out, err = h.Recommend(ctx, inst, &in)
		}
	case extension.PointLogistics:
		var in sdk.LogisticsInput
		if err = strict(&in); err == nil {
			out, err = h.Quote(ctx, inst, &in)
		}
	case extension.PointReporting:
		var in sdk.ReportInput
		if err = strict(&in); err == nil {
			out, err = h.Report(ctx, inst, &in)
		}
	}
	dur := time.Since(start)
	if fx.WantFail != "" {
		if k := sandbox.KindOf(err); string(k) != fx.WantFail {
			return "", dur, fmt.Errorf("want failure %s, got %v", fx.WantFail, err)
		}
		return " failed as expected: " + fx.WantFail, dur, nil
	}
	if err != nil {
		return "", dur, err
	}
	if len(fx.Want) > 0 {
		want := reflect.New(reflect.TypeOf(out).Elem()).Interface()
		if err := json.Unmarshal(fx.Want, want); err != nil {
			return "", dur, fmt.Errorf("bad want: %w", err)
		}
		gj, _ := json.Marshal(out)
		wj, _ := json.Marshal(want)
		if !bytes.Equal(gj, wj) {
			return "", dur, fmt.Errorf("output differs\n got: %s\nwant: %s", gj, wj)
		}
		return "", dur, nil
	}
	gj, _ := json.Marshal(out)
	return " output " + string(gj), dur, nil
}

// ---------------------------------------------------------------- upload / publish

func pluginSend(ctx context.Context, args []string, publish bool, stdout, stderr io.Writer) error {
	name := "plugin upload"
	if publish {
		name = "plugin publish"
	}
	f := newFlags(name, stderr)
	base := f.String("url", "http://localhost:8080", "Wasmart console URL")
	token := f.String("token", "", "API token of the shop (upload)")
	email := f.String("email", "", "platform admin e-mail (publish)")
	password := f.String("password", "", "platform admin password (publish)")
	wasmFile := f.String("wasm", "", "module to send (default: build <dir>/plugin.wasm first)")
	if err := f.Parse(args); err != nil {
		return err
	}
	dir := dirArg(f)
	manifest, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return err
	}
	path := *wasmFile
	if path == "" {
		if path, err = buildPluginDir(ctx, dir, ""); err != nil {
			return err
		}
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar, Timeout: 2 * time.Minute}
	endpoint := strings.TrimRight(*base, "/") + "/api/plugins/uploads"
	hdr := http.Header{}
	if publish {
		endpoint = strings.TrimRight(*base, "/") + "/api/platform/plugins"
		if *email == "" || *password == "" {
			return errors.New("plugin publish: --email and --password of a platform admin are required")
		}
		csrf, err := adminLogin(ctx, cl, *base, *email, *password)
		if err != nil {
			return err
		}
		hdr.Set("X-CSRF-Token", csrf)
	} else {
		if *token == "" {
			return errors.New("plugin upload: --token (an API token of the shop with plugins.manage) is required")
		}
		hdr.Set("Authorization", "Bearer "+*token)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile("manifest", "manifest.json")
	fw.Write(manifest)
	fw, _ = w.CreateFormFile("wasm", filepath.Base(path))
	fw.Write(wasm)
	w.Close()
	req, err := http.NewRequestWithContext(ctx, "POST", endpoint, &body)
	if err != nil {
		return err
	}
	req.Header = hdr
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := cl.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("%s: %s: %s", name, resp.Status, strings.TrimSpace(string(rb)))
	}
	var v struct {
		PluginID   string `json:"plugin_id"`
		Version    string `json:"version"`
		Source     string `json:"source"`
		ModuleHash string `json:"module_hash"`
	}
	json.Unmarshal(rb, &v)
	fmt.Fprintf(stdout, "%s %s@%s (%s, module %s)\n", map[bool]string{true: "published", false: "uploaded"}[publish], v.PluginID, v.Version, v.Source, short(v.ModuleHash))
	return nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// adminLogin signs a platform admin in and returns the CSRF token the
// session's writes must carry.
func adminLogin(ctx context.Context, cl *http.Client, base, email, password string) (string, error) {
	base = strings.TrimRight(base, "/")
	b, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/sessions", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	resp, err := cl.Do(req)
	if err != nil {
		return "", err
	}
	rb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("sign-in: %s: %s", resp.Status, strings.TrimSpace(string(rb)))
	}
	if strings.Contains(string(rb), `"mfa_required":true`) {
		return "", errors.New("sign-in: this admin uses MFA; publish from the platform console (/platform/plugins) instead")
	}
	u, _ := url.Parse(base)
	for _, c := range cl.Jar.Cookies(u) {
		if strings.HasSuffix(c.Name, "wsm_csrf") {
			return c.Value, nil
		}
	}
	// A GET mints the CSRF cookie.
	if r, err := cl.Get(base + "/healthz"); err == nil {
		r.Body.Close()
	}
	for _, c := range cl.Jar.Cookies(u) {
		if strings.HasSuffix(c.Name, "wsm_csrf") {
			return c.Value, nil
		}
	}
	return "", errors.New("sign-in: no CSRF cookie from the server")
}

// demoPluginConfigs are the demo shop's settings for the first-party
// plugins.
var demoPluginConfigs = map[string]string{
	"pricing": `{"volume_tiers":[{"min_qty":5,"percent":5},{"min_qty":10,"percent":10}],
		"spend_thresholds":[{"min_subtotal":15000,"amount_off":1000}],
		"price_lists":[{"customer_tag":"member","label":"Member price","percent":10}]}`,
	"logistics": `{"free_shipping_from":7500,"zones":[
		{"name":"fr","countries":["FR"],"rates":[{"max_grams":1000,"price":490},{"max_grams":5000,"price":790}],"per_extra_kg":100,"min_days":1,"max_days":3},
		{"name":"eu","countries":["DE","BE","ES","IT","NL","LU","AT","PT"],"rates":[{"max_grams":1000,"price":990}],"per_extra_kg":200,"min_days":3,"max_days":6}]}`,
	"recommend": `{}`,
	"reporting": `{}`,
}

// firstPartyFiles returns a first-party plugin's manifest and module:
// from <data-dir>/plugins (make plugins) when there, else built (cached).
func firstPartyFiles(ctx context.Context, dataDir, name string) (manifest, wasm []byte, err error) {
	dir := filepath.Join(dataDir, "plugins")
	manifest, err1 := os.ReadFile(filepath.Join(dir, name+".manifest.json"))
	wasm, err2 := os.ReadFile(filepath.Join(dir, name+".wasm"))
	if err1 == nil && err2 == nil {
		return manifest, wasm, nil
	}
	return build.FirstParty(ctx, name)
}

// seedDemoPlugins publishes the four first-party plugins to the catalogue
// and installs and enables them in the demo shop, unless done already.
func seedDemoPlugins(ctx context.Context, ts *tenants.Service, svc *plugins.Service, dataDir string) error {
	pctx := tenancy.WithPlatform(ctx)
	have, err := svc.Catalog(pctx)
	if err != nil {
		return err
	}
	published := map[string]bool{}
	for _, v := range have {
		published[v.PluginID+"@"+v.Version] = true
	}
	t, err := ts.TenantBySlug(ctx, demoSlug)
	if err != nil {
		return err
	}
	tctx := tenancy.WithTenant(ctx, t.ID)
	installed, err := svc.Installations(tctx)
	if err != nil {
		return err
	}
	for _, name := range build.FirstPartyNames {
		manifest, wasm, err := firstPartyFiles(ctx, dataDir, name)
		if err != nil {
			return fmt.Errorf("first-party plugin %s (run make plugins): %w", name, err)
		}
		m, err := sandbox.ParseManifest(manifest)
		if err != nil {
			return err
		}
		if !published[m.ID+"@"+m.Version] {
			if _, err := svc.Publish(pctx, plugins.PublishInput{Manifest: manifest, Wasm: wasm}); err != nil {
				return fmt.Errorf("publish %s: %w", m, err)
			}
		}
		done := false
		for _, in := range installed {
			if in.PluginID == m.ID {
				done = true
			}
		}
		if done {
			continue
		}
		in, err := svc.Install(tctx, m.ID, "", []byte(demoPluginConfigs[name]))
		if err != nil {
			return fmt.Errorf("install %s: %w", m, err)
		}
		if _, err := svc.SetEnabled(tctx, in.ID, true); err != nil {
			return err
		}
	}
	return nil
}

// pluginFixture downloads a recorded run as a fixture.
func pluginFixture(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("plugin fixture", stderr)
	base := f.String("url", "http://localhost:8080", "Wasmart console URL")
	token := f.String("token", "", "API token of the shop (plugins.manage)")
	runID := f.String("run", "", "id of the recorded run (console run log or GET /api/plugins/runs)")
	if err := f.Parse(args); err != nil {
		return err
	}
	if *token == "" || *runID == "" {
		return errors.New("plugin fixture: --token and --run are required")
	}
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimRight(*base, "/")+"/api/plugins/runs/"+url.PathEscape(*runID)+"/fixture", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+*token)
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("plugin fixture: %s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, b, "", "  "); err != nil {
		return err
	}
	dir := filepath.Join(dirArg(f), "fixtures")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, "run-"+*runID+".json")
	if err := os.WriteFile(path, append(pretty.Bytes(), '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "wrote", path)
	return nil
}
