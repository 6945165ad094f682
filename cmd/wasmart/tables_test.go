package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Table ownership (issue 10 item 6): each domain package owns the tables its
// migrations create; other packages ask it (a read method, a LastChange for
// a cache) or listen to its outbox events, and never name its tables in SQL
// nor pass its models to a query.

// ownershipExcluded lists the packages the ownership check skips, as paths
// relative to the module root: "web" is that package alone, "web/..." it
// and everything under it. It is empty: every package is checked, the web
// server and its areas included.
var ownershipExcluded []string

var (
	// createTable finds the tables a migration or a Go string creates.
	createTable = regexp.MustCompile(`(?i)\bcreate\s+(?:virtual\s+)?table\s+(?:if\s+not\s+exists\s+)?"?([a-z_][a-z0-9_]*)`)
	// tableRef finds a name after a SQL keyword that takes a table.
	tableRef = regexp.MustCompile(`(?i)\b(?:from|join|into|update|table)\s+"?([a-z_][a-z0-9_]*)`)
	// leadingName is the table at the head of a Table/TableExpr argument.
	leadingName = regexp.MustCompile(`^\s*"?([a-z_][a-z0-9_]*)`)
	// bareName is a string that is only a snake_case name with an
	// underscore: a table name kept apart from its SQL (a lookup map).
	// One-word names ("orders") are words too often to count alone.
	bareName = regexp.MustCompile(`^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$`)
)

// tableMethods are bun query methods whose string argument starts with a
// table name rather than a SQL keyword.
var tableMethods = map[string]bool{"Table": true, "TableExpr": true, "ModelTableExpr": true}

// tableUse is one place a package names a table.
type tableUse struct {
	pkg, file string
	line      int
	table     string
}

// fileTables returns the tables a Go file names: after FROM, JOIN, INTO,
// UPDATE or TABLE in a string literal, a string literal that is only a
// snake_case name, the head of a Table, TableExpr or ModelTableExpr
// argument, and bun `table:` struct tags; with type
// information (info not nil) also the table of every model passed to a
// Model call. created lists the tables its strings CREATE.
func fileTables(fset *token.FileSet, f *ast.File, info *types.Info) (uses []tableUse, created []string) {
	add := func(pos token.Pos, name string) {
		uses = append(uses, tableUse{line: fset.Position(pos).Line, table: strings.ToLower(name)})
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BasicLit:
			if n.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(n.Value)
			if err != nil {
				return true
			}
			for _, m := range tableRef.FindAllStringSubmatch(s, -1) {
				add(n.Pos(), m[1])
			}
			if bareName.MatchString(s) {
				add(n.Pos(), s)
			}
			for _, m := range createTable.FindAllStringSubmatch(s, -1) {
				created = append(created, strings.ToLower(m[1]))
			}
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok || len(n.Args) == 0 {
				return true
			}
			switch {
			case tableMethods[sel.Sel.Name]:
				if lit, ok := n.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil {
						if m := leadingName.FindStringSubmatch(s); m != nil {
							add(lit.Pos(), m[1])
						}
					}
				}
			case sel.Sel.Name == "Model" && info != nil:
				for _, a := range n.Args {
					if t := modelTable(info.TypeOf(a)); t != "" {
						add(a.Pos(), t)
					}
				}
			}
		case *ast.Field:
			if n.Tag == nil {
				return true
			}
			if tag, err := strconv.Unquote(n.Tag.Value); err == nil {
				if t := tagTable(tag); t != "" {
					add(n.Tag.Pos(), t)
				}
			}
		}
		return true
	})
	return uses, created
}

// tagTable is the table a struct tag's bun `table:` option names, or "".
func tagTable(tag string) string {
	for _, opt := range strings.Split(reflect.StructTag(tag).Get("bun"), ",") {
		if name, ok := strings.CutPrefix(opt, "table:"); ok {
			if m := leadingName.FindStringSubmatch(name); m != nil {
				return strings.ToLower(m[1])
			}
		}
	}
	return ""
}

// modelTable is the table of a bun model type (a struct, or a pointer to,
// slice or array of one, whose fields carry a `table:` tag), or "".
func modelTable(t types.Type) string {
	for t != nil {
		switch u := t.(type) {
		case *types.Pointer:
			t = u.Elem()
			continue
		case *types.Slice:
			t = u.Elem()
			continue
		case *types.Array:
			t = u.Elem()
			continue
		}
		st, ok := t.Underlying().(*types.Struct)
		if !ok {
			return ""
		}
		for i := range st.NumFields() {
			if name := tagTable(st.Tag(i)); name != "" {
				return name
			}
		}
		return ""
	}
	return ""
}

// schema is what the migrations (and Go strings that CREATE TABLE) say
// about the tables: which package creates each, and which tables each
// package still has once its migrations ran.
type schema struct {
	owners map[string]string          // table → package (every table ever created)
	live   map[string]map[string]bool // package → tables not dropped or renamed away
}

// tableChange finds the statements that create, drop or rename a table.
var tableChange = regexp.MustCompile(`(?i)\b(create\s+(?:virtual\s+)?table\s+(?:if\s+not\s+exists\s+)?|drop\s+table\s+(?:if\s+exists\s+)?|alter\s+table\s+)"?([a-z_][a-z0-9_]*)"?(\s+rename\s+to\s+"?([a-z_][a-z0-9_]*))?`)

// migrate applies one migration's table changes to a package's live
// tables and returns the tables it creates.
func migrate(live map[string]bool, sql string) (created []string) {
	for _, m := range tableChange.FindAllStringSubmatch(sql, -1) {
		verb, name := strings.ToLower(m[1]), strings.ToLower(m[2])
		switch {
		case strings.HasPrefix(verb, "create"):
			live[name] = true
			created = append(created, name)
		case strings.HasPrefix(verb, "drop"):
			delete(live, name)
		case m[4] != "": // ALTER TABLE a RENAME TO b
			delete(live, name)
			live[strings.ToLower(m[4])] = true
		}
	}
	return created
}

// readSchema reads every package's migrations/*.sql in name order (and the
// CREATE TABLE strings of Go files). A table two packages create is an
// error.
func readSchema(root string) (*schema, error) {
	sc := &schema{owners: map[string]string{}, live: map[string]map[string]bool{}}
	var dup []string
	claim := func(pkg string, created []string) {
		for _, table := range created {
			if old, ok := sc.owners[table]; ok && old != pkg {
				dup = append(dup, fmt.Sprintf("%s created by %s and %s", table, old, pkg))
				continue
			}
			sc.owners[table] = pkg
		}
	}
	liveOf := func(pkg string) map[string]bool {
		if sc.live[pkg] == nil {
			sc.live[pkg] = map[string]bool{}
		}
		return sc.live[pkg]
	}
	err := walkSources(root, func(rel string, src []byte, f *ast.File, fset *token.FileSet) {
		if f != nil {
			if _, created := fileTables(fset, f, nil); len(created) > 0 {
				pkg := filepath.ToSlash(filepath.Dir(rel))
				for _, t := range created {
					liveOf(pkg)[t] = true
				}
				claim(pkg, created)
			}
			return
		}
		if dir := filepath.Dir(rel); filepath.Base(dir) == "migrations" {
			pkg := filepath.ToSlash(filepath.Dir(dir))
			claim(pkg, migrate(liveOf(pkg), string(src)))
		}
	})
	if err != nil {
		return nil, err
	}
	if len(dup) > 0 {
		return nil, fmt.Errorf("tables with two owners: %s", strings.Join(dup, "; "))
	}
	return sc, nil
}

// walkSources calls fn for every non-test .go file (parsed; f not nil) and
// every .sql file (f nil) under root in lexical order, skipping testdata,
// hidden directories and nested modules.
func walkSources(root string, fn func(rel string, src []byte, f *ast.File, fset *token.FileSet)) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path == root {
				return nil
			}
			if name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		isGo := strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go")
		if !isGo && !strings.HasSuffix(name, ".sql") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !isGo {
			fn(rel, src, nil, nil)
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		fn(rel, src, f, fset)
		return nil
	})
}

// modelUses type-checks every package of the module (from the export data
// `go list -export` leaves in the build cache) and returns the tables of
// the models each passes to a Model call.
func modelUses(root string) ([]tableUse, error) {
	cmd := exec.Command("go", "list", "-export", "-deps", "-json=ImportPath,Dir,Export,GoFiles,Module", "./...")
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	type listed struct {
		ImportPath, Dir, Export string
		GoFiles                 []string
		Module                  *struct{ Path string }
	}
	exports := map[string]string{}
	var mine []listed
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		exports[p.ImportPath] = p.Export
		if p.Module != nil && p.Module.Path+"/" == module || p.ImportPath+"/" == module {
			mine = append(mine, p)
		}
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		if e := exports[path]; e != "" {
			return os.Open(e)
		}
		return nil, fmt.Errorf("no export data for %s", path)
	})
	var uses []tableUse
	for _, p := range mine {
		var files []*ast.File
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				return nil, err
			}
			files = append(files, f)
		}
		info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
		if _, err := (&types.Config{Importer: imp}).Check(p.ImportPath, fset, files, info); err != nil {
			return nil, fmt.Errorf("type-check %s: %w", p.ImportPath, err)
		}
		for _, f := range files {
			us, _ := fileTables(fset, f, info)
			for _, u := range us {
				if rel, err := filepath.Rel(root, fset.Position(f.Pos()).Filename); err == nil {
					u.pkg, u.file = filepath.ToSlash(filepath.Dir(rel)), filepath.ToSlash(rel)
				}
				uses = append(uses, u)
			}
		}
	}
	return uses, nil
}

// foreignTables lists every use of a table by a package other than its
// owner, skipping the excluded directories. Names no package creates
// (English words after "from", system catalogues) are not tables and pass.
func foreignTables(uses []tableUse, owners map[string]string, excluded []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, u := range uses {
		if under(u.pkg, excluded) {
			continue
		}
		owner, ok := owners[u.table]
		if !ok || owner == u.pkg || owner == testSupportOf(u.pkg) {
			continue
		}
		v := fmt.Sprintf("%s:%d: %s names %s, owned by %s", u.file, u.line, u.pkg, u.table, owner)
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// testSupportOf is the package a test-support package serves: the parent
// of a package named after it with "test" (core/customer/customertest
// seeds core/customer's tables in other packages' tests, as storetest
// serves core/store); "" for any other package.
func testSupportOf(pkg string) string {
	parent, name := path.Split(pkg)
	parent = strings.TrimSuffix(parent, "/")
	if parent != "" && name == path.Base(parent)+"test" {
		return parent
	}
	return ""
}

// under reports whether pkg matches one of patterns: a package path
// ("web": that package alone) or a tree ("web/...": the package and every
// package under it), as in go list.
func under(pkg string, patterns []string) bool {
	for _, p := range patterns {
		if tree, ok := strings.CutSuffix(p, "/..."); ok {
			if pkg == tree || strings.HasPrefix(pkg, tree+"/") {
				return true
			}
		} else if pkg == p {
			return true
		}
	}
	return false
}

// moduleRoot is the directory holding go.mod above the working directory.
func moduleRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// TestTableOwnership reads every non-test .go file of the tree and fails
// when a package's SQL or query model names a table that another package's
// migrations create.
func TestTableOwnership(t *testing.T) {
	root := moduleRoot(t)
	sc, err := readSchema(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.owners) < 50 {
		t.Fatalf("found only %d tables in the migrations", len(sc.owners))
	}
	var uses []tableUse
	err = walkSources(root, func(rel string, _ []byte, f *ast.File, fset *token.FileSet) {
		if f == nil {
			return
		}
		us, _ := fileTables(fset, f, nil)
		for _, u := range us {
			u.pkg, u.file = filepath.ToSlash(filepath.Dir(rel)), filepath.ToSlash(rel)
			uses = append(uses, u)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	models, err := modelUses(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(uses) < 200 || len(models) < 20 {
		t.Fatalf("found only %d table names and %d query models in the tree", len(uses), len(models))
	}
	for _, v := range foreignTables(append(uses, models...), sc.owners, ownershipExcluded) {
		t.Errorf("foreign table: %s", v)
	}
}

// TestTablesDocumented: each package's doc comment names every table it
// owns (the ones its migrations leave in place).
func TestTablesDocumented(t *testing.T) {
	root := moduleRoot(t)
	sc, err := readSchema(root)
	if err != nil {
		t.Fatal(err)
	}
	for pkg, tables := range sc.live {
		doc, err := packageDoc(filepath.Join(root, pkg))
		if err != nil {
			t.Fatal(err)
		}
		for table := range tables {
			if !regexp.MustCompile(`\b` + table + `\b`).MatchString(doc) {
				t.Errorf("%s owns %s, but its package doc does not say so", pkg, table)
			}
		}
	}
}

// packageDoc is the package doc comment of the Go package in dir.
func packageDoc(dir string) (string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return "", err
	}
	var doc strings.Builder
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			return "", err
		}
		if f.Doc != nil {
			doc.WriteString(f.Doc.Text())
		}
	}
	return doc.String(), nil
}

// mapImporter type-checks synthetic packages against each other.
type mapImporter map[string]*types.Package

func (m mapImporter) Import(path string) (*types.Package, error) {
	if p, ok := m[path]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("no package %s", path)
}

// TestTableOwnershipCatches runs the checker on synthetic sources: each
// way of naming a foreign table is caught, and names that are not foreign
// tables pass.
func TestTableOwnershipCatches(t *testing.T) {
	const orderSrc = `package order

type BaseModel struct{}

// Order is a bun model of the orders table.
type Order struct {
	BaseModel ` + "`bun:\"table:orders,alias:o\"`" + `
	ID string
}
`
	fset := token.NewFileSet()
	of, err := parser.ParseFile(fset, "order.go", orderSrc, 0)
	if err != nil {
		t.Fatal(err)
	}
	orderPkg, err := (&types.Config{}).Check("example/core/order", fset, []*ast.File{of}, nil)
	if err != nil {
		t.Fatal(err)
	}
	owners := map[string]string{
		"carts": "core/cart", "cart_lines": "core/cart",
		"orders": "core/order", "order_lines": "core/order",
		"catalog_variants": "core/catalog", "inventory_levels": "core/inventory",
	}
	cases := []struct {
		name, body string
		want       []string // tables flagged as foreign
	}{
		{"select from", `var _ = "SELECT id FROM catalog_variants WHERE tenant_id = ?"`, []string{"catalog_variants"}},
		{"join", "var _ = `SELECT c.id FROM carts c\n\tJOIN inventory_levels l ON l.variant_id = c.id`", []string{"inventory_levels"}},
		{"insert into", `var _ = "INSERT INTO order_lines (id) VALUES (?)"`, []string{"order_lines"}},
		{"update quoted", `var _ = "UPDATE \"orders\" SET paid_total = 1"`, []string{"orders"}},
		{"delete", `var _ = "delete from Orders where id = ?"`, []string{"orders"}},
		{"table method", `func f(q query) { q.Table("catalog_variants") }`, []string{"catalog_variants"}},
		{"table expr", `func f(q query) { q.TableExpr("inventory_levels AS l") }`, []string{"inventory_levels"}},
		{"model table expr", `func f(q query) { q.ModelTableExpr("orders AS o") }`, []string{"orders"}},
		{"bun tag", "type row struct {\n\tBaseModel struct{} `bun:\"table:order_lines,alias:ol\"`\n}", []string{"order_lines"}},
		{"lookup map", `var refs = map[string]string{"variant": "catalog_variants"}`, []string{"catalog_variants"}},
		{"foreign model", `func f(q query) { q.Model((*order.Order)(nil)) }`, []string{"orders"}},
		{"foreign model slice", `func f(q query) { var os []order.Order; q.Model(&os) }`, []string{"orders"}},
		{"own tables", "var _ = `SELECT * FROM carts JOIN cart_lines ON true`\nvar _ = \"cart_lines\"", nil},
		{"prose after a keyword counts", `var _ = "could not read from stock: update orders later"`, []string{"orders"}},
		{"not tables", `var _ = "copied from the_clipboard; join us"` + "\nvar _ = \"orders\"", nil},
		{"comment", "// SELECT * FROM orders\nvar _ = 1", nil},
		{"own model", `type cartRow struct{ BaseModel struct{} ` + "`bun:\"table:carts\"`" + ` }
func f(q query) { q.Model((*cartRow)(nil)) }`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := "package cart\n\nimport \"example/core/order\"\n\nvar _ order.Order\n\n" +
				"type query struct{}\n\nfunc (query) Model(any) query { return query{} }\nfunc (query) Table(...string) query { return query{} }\n" +
				"func (query) TableExpr(string) query { return query{} }\nfunc (query) ModelTableExpr(string) query { return query{} }\n\n" + c.body + "\n"
			f, err := parser.ParseFile(fset, "cart.go", src, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
			cfg := &types.Config{Importer: mapImporter{"example/core/order": orderPkg}}
			if _, err := cfg.Check("example/core/cart", fset, []*ast.File{f}, info); err != nil {
				t.Fatal(err)
			}
			uses, _ := fileTables(fset, f, info)
			for i := range uses {
				uses[i].pkg, uses[i].file = "core/cart", "core/cart/cart.go"
			}
			var got []string
			for _, v := range foreignTables(uses, owners, nil) {
				got = append(got, strings.Fields(v)[3]) // "file:line: pkg names TABLE, ..."
			}
			for i := range got {
				got[i] = strings.TrimSuffix(got[i], ",")
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Fatalf("flagged %v, want %v", got, c.want)
			}
			if len(c.want) > 0 && len(foreignTables(uses, owners, []string{"core/..."})) != 0 {
				t.Fatal("an excluded tree was checked")
			}
			if len(c.want) > 0 && len(foreignTables(uses, owners, []string{"core/cart"})) != 0 {
				t.Fatal("an excluded package was checked")
			}
			if len(c.want) > 0 && len(foreignTables(uses, owners, []string{"core"})) == 0 {
				t.Fatal("a package under an excluded one was skipped")
			}
		})
	}
}

// TestMigrateTables: the live tables follow creates, drops and renames.
func TestMigrateTables(t *testing.T) {
	live := map[string]bool{}
	created := migrate(live, `CREATE TABLE domains (host TEXT);
CREATE TABLE IF NOT EXISTS known_logins (id TEXT);
CREATE INDEX domains_host ON domains (host);`)
	created = append(created, migrate(live, `CREATE TABLE domains_new (host TEXT);
INSERT INTO domains_new SELECT * FROM domains;
DROP TABLE domains;
ALTER TABLE domains_new RENAME TO domains;
ALTER TABLE domains ADD COLUMN verified BOOLEAN;
DROP TABLE IF EXISTS known_logins;`)...)
	if strings.Join(created, " ") != "domains known_logins domains_new" || len(live) != 1 || !live["domains"] {
		t.Fatalf("created %v, live %v", created, live)
	}
}
