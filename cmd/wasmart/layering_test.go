package main

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/wasmart/wasmart/"

// layer names the part of the tree a package belongs to: "core", "tenants",
// "plugins", "sdk", "cmd" (the binary and cmd/wasmart/wire, which builds
// every service), "web" (the server package), "web/internal" (shared
// plumbing) or "web/<area>" for an area such as web/api.
func layer(pkg string) string {
	rel, ok := strings.CutPrefix(pkg, module)
	if !ok {
		return ""
	}
	parts := strings.Split(rel, "/")
	switch parts[0] {
	case "web":
		if len(parts) == 1 {
			return "web"
		}
		if parts[1] == "internal" {
			return "web/internal"
		}
		return "web/" + parts[1]
	case "plugins":
		if len(parts) > 1 && parts[1] == "firstparty" {
			return "sdk-guest" // first-party plugins are guests: SDK only
		}
		return "plugins"
	}
	return parts[0]
}

// allowed reports whether a package in layer from may depend on one in to.
// Dependencies point one way: cmd → web → tenants, plugins → core, and
// plugins → sdk. Web areas never import each other; shared web plumbing
// imports no area.
func allowed(from, to string) bool {
	if from == to || to == "" {
		return true
	}
	switch from {
	case "cmd":
		return true
	case "web":
		return to != "cmd"
	case "web/internal":
		return to == "core" || to == "tenants" || to == "plugins" || to == "sdk"
	case "tenants":
		return to == "core"
	case "plugins":
		return to == "core" || to == "sdk"
	case "core":
		return false
	case "sdk":
		return false
	case "sdk-guest":
		return to == "sdk"
	}
	if strings.HasPrefix(from, "web/") { // an area
		return to == "web/internal" || to == "core" || to == "tenants" || to == "plugins" || to == "sdk"
	}
	return false
}

// noDatabase are packages that must not reach a database, even through
// core: the plugin sandbox runs guests and stores nothing itself (the
// key-value store and the run recorder it calls are interfaces that the
// platform service in package plugins implements over the database).
var noDatabase = map[string]bool{module + "plugins/sandbox": true}

// database reports whether pkg is database access: core/store, bun,
// database/sql (which every driver registers with) or a driver.
func database(pkg string) bool {
	for _, p := range []string{module + "core/store", "github.com/uptrace/bun", "database/sql", "github.com/jackc/pgx", "modernc.org/sqlite"} {
		if pkg == p || strings.HasPrefix(pkg, p+"/") {
			return true
		}
	}
	return false
}

// violations lists "a -> b" for every dependency that breaks the layering,
// given each package's transitive dependencies.
func violations(deps map[string][]string) []string {
	var out []string
	for pkg, ds := range deps {
		from := layer(pkg)
		for _, d := range ds {
			if !allowed(from, layer(d)) || noDatabase[pkg] && database(d) {
				out = append(out, strings.TrimPrefix(pkg, module)+" -> "+strings.TrimPrefix(d, module))
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestImportDirections walks `go list -deps` of the whole tree and fails on
// any dependency against the intended direction.
func TestImportDirections(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, module+"...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		deps[f[0]] = f[1:]
	}
	if len(deps) < 20 {
		t.Fatalf("go list found only %d packages", len(deps))
	}
	for _, v := range violations(deps) {
		t.Errorf("import against the layering: %s", v)
	}
}

// TestImportDirectionsCatches shows the check failing on graphs that break
// the rules, so a passing TestImportDirections means something.
func TestImportDirectionsCatches(t *testing.T) {
	bad := map[string][]string{
		module + "web/api":                    {module + "web/console"},
		module + "web":                        {module + "cmd/wasmart/wire"},
		module + "web/platform":               {module + "cmd/wasmart/wire", module + "web"},
		module + "web/internal/view":          {module + "web/storefront"},
		module + "core/catalog":               {module + "tenants"},
		module + "plugins":                    {module + "core/audit", module + "tenants"},
		module + "tenants":                    {module + "web"},
		module + "sdk":                        {module + "core/pricing"},
		module + "plugins/firstparty/pricing": {module + "plugins"},
		module + "plugins/sandbox":            {module + "core/store", "github.com/uptrace/bun/dialect", "database/sql", "github.com/jackc/pgx/v5/stdlib"},
	}
	got := violations(bad)
	want := []string{
		"core/catalog -> tenants",
		"plugins -> tenants",
		"plugins/firstparty/pricing -> plugins",
		"plugins/sandbox -> core/store",
		"plugins/sandbox -> database/sql",
		"plugins/sandbox -> github.com/jackc/pgx/v5/stdlib",
		"plugins/sandbox -> github.com/uptrace/bun/dialect",
		"sdk -> core/pricing",
		"tenants -> web",
		"web -> cmd/wasmart/wire",
		"web/api -> web/console",
		"web/internal/view -> web/storefront",
		"web/platform -> cmd/wasmart/wire",
		"web/platform -> web",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	good := map[string][]string{
		module + "web/api":          {module + "web/internal/httpx", module + "core/catalog", module + "tenants"},
		module + "web":              {module + "web/api", module + "web/console"},
		module + "cmd/wasmart":      {module + "cmd/wasmart/wire", module + "web", module + "plugins"},
		module + "cmd/wasmart/wire": {module + "web", module + "plugins", module + "tenants", module + "core/cart"},
		module + "plugins":          {module + "sdk", module + "core/store", module + "plugins/sandbox", "github.com/uptrace/bun"},
		module + "plugins/sandbox":  {module + "sdk", module + "core/extension", "github.com/tetratelabs/wazero"},
	}
	if v := violations(good); len(v) > 0 {
		t.Fatalf("allowed graph flagged: %v", v)
	}
}
