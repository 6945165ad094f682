package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCatalogCommands(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	if err := run(ctx, []string{"tenant", "create", "--data-dir", dir, "--name", "Csv Shop", "--slug", "csv-shop", "--plan", "scale",
		"--owner-email", "o@csv.example.com", "--owner-password", "correct horse battery staple"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	// A BOM, one good product with two variants and one with a negative
	// price and a duplicate SKU (bad).
	csv := "\ufeffHandle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Inventory Qty,Body (HTML)\n" +
		"tee,Tee,Size,S,TEE-S,12.50,3,<p>ok</p><script>x()</script>\n" +
		"tee,,,M,TEE-M,12.50,1,\n" +
		"bad,Bad,Size,S,TEE-S,-1,0,\n"
	file := filepath.Join(dir, "products.csv")
	os.WriteFile(file, []byte(csv), 0o644)
	base := []string{"--data-dir", dir, "--shop", "csv-shop", "--quiet"}
	var out bytes.Buffer
	err := run(ctx, append(append([]string{"catalog", "import"}, base...), "--dry-run", file), &out, io.Discard)
	if !errors.Is(err, errImportProblems) {
		t.Fatalf("dry run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"line 4: error in Variant Price", "line 4: error in Variant SKU", "line 2: warning in Body (HTML)", "dry run: nothing written"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run report lacks %q:\n%s", want, out.String())
		}
	}
	// All-or-nothing refuses; valid-only imports the good product.
	out.Reset()
	if err := run(ctx, append(append([]string{"catalog", "import"}, base...), file), &out, io.Discard); !errors.Is(err, errImportProblems) {
		t.Fatalf("import all: %v", err)
	}
	out.Reset()
	if err := run(ctx, append(append([]string{"catalog", "import"}, base...), "--valid-only", file), &out, io.Discard); err != nil {
		t.Fatalf("valid only: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "imported 1 products (1 new, 0 updated); skipped 1 products") {
		t.Fatalf("valid-only report: %s", out.String())
	}
	out.Reset()
	var bar bytes.Buffer
	if err := run(ctx, []string{"catalog", "export", "--data-dir", dir, "--shop", "csv-shop"}, &out, &bar); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.HasPrefix(got, "Handle,Title,") || !strings.Contains(got, "TEE-S") || !strings.Contains(got, "TEE-M") || strings.Contains(got, "<script") || strings.Contains(got, "bad,") {
		t.Fatalf("export:\n%s", got)
	}
}

// catalogShop creates a shop on a plan and returns the import arguments
// for it and a function writing a CSV file into its directory.
func catalogShop(t *testing.T, plan string) (base []string, write func(name, csv string) string) {
	t.Helper()
	dir := t.TempDir()
	if err := run(context.Background(), []string{"tenant", "create", "--data-dir", dir, "--name", "Csv Shop", "--slug", "csv-shop", "--plan", plan,
		"--owner-email", "o@csv.example.com", "--owner-password", "correct horse battery staple"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	return []string{"catalog", "import", "--data-dir", dir, "--shop", "csv-shop", "--quiet"}, func(name, csv string) string {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
			t.Fatal(err)
		}
		return file
	}
}

func importCmd(base []string, args ...string) (string, error) {
	var out bytes.Buffer
	err := run(context.Background(), append(append([]string{}, base...), args...), &out, io.Discard)
	return out.String(), err
}

// TestCatalogImportReports: a failed real import never says "dry run",
// --valid-only exits non-zero when the header is unusable, and a row
// without a handle is counted as skipped with its line.
func TestCatalogImportReports(t *testing.T) {
	base, write := catalogShop(t, "scale")
	bad := write("bad.csv", "Handle,Title,Variant Price\nok,OK,1.00\nneg,Neg,-1\n,Lost,2.00\n")
	out, err := importCmd(base, bad)
	if !errors.Is(err, errImportProblems) || strings.Contains(out, "dry run") || !strings.Contains(out, "nothing imported: the file has 2 errors") {
		t.Fatalf("all or nothing: %v\n%s", err, out)
	}
	out, err = importCmd(base, "--dry-run", bad)
	if !errors.Is(err, errImportProblems) || !strings.Contains(out, "line 4: error in Handle: is empty: the row is skipped") ||
		!strings.Contains(out, "1 products and 1 rows without a handle would be skipped") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	noTitle := write("notitle.csv", "Handle,Variant Price\nok,1.00\n")
	for _, args := range [][]string{{"--valid-only", noTitle}, {noTitle}, {"--dry-run", noTitle}} {
		out, err := importCmd(base, args...)
		if !errors.Is(err, errImportProblems) || !strings.Contains(out, `required column "Title" is missing`) || !strings.Contains(out, "could not be read") {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	out, err = importCmd(base, "--valid-only", bad)
	if err != nil || !strings.Contains(out, "imported 1 products (1 new, 0 updated); skipped 1 products and 1 rows without a handle") {
		t.Fatalf("valid only: %v\n%s", err, out)
	}
}

// TestCatalogImportDryRunPredictsQuota: on the Free plan (100 products)
// the dry run of a 101-product file reports the product past the limit at
// its line, as the import then does.
func TestCatalogImportDryRunPredictsQuota(t *testing.T) {
	base, write := catalogShop(t, "free")
	var b strings.Builder
	b.WriteString("Handle,Title,Variant Price\n")
	for i := 1; i <= 101; i++ {
		fmt.Fprintf(&b, "p-%d,Product %d,1.00\n", i, i)
	}
	file := write("many.csv", b.String())
	dry, err := importCmd(base, "--dry-run", file)
	if !errors.Is(err, errImportProblems) || !strings.Contains(dry, "line 102: error: the Free plan allows 100 products") {
		t.Fatalf("dry run: %v\n%s", err, dry)
	}
	out, err := importCmd(base, file)
	if !errors.Is(err, errImportProblems) || !strings.Contains(out, "line 102: error: the Free plan allows 100 products") || !strings.Contains(out, "nothing imported") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, err = importCmd(base, "--valid-only", file)
	if err != nil || !strings.Contains(out, "imported 100 products") {
		t.Fatalf("valid only: %v\n%s", err, out)
	}
}

func TestCatalogImportUpdateExisting(t *testing.T) {
	base, write := catalogShop(t, "scale")
	head := "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Inventory Qty\n"
	first := write("first.csv", head+"tee,Tee,Size,S,TEE-S,10.00,4\ntee,,,M,TEE-M,10.00,4\n")
	if out, err := importCmd(base, first); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	second := write("second.csv", head+"tee,Tee Shirt,Size,S,TEE-S,11.00,4\ntee,,,L,TEE-L,10.00,1\n")
	out, err := importCmd(base, second)
	if !errors.Is(err, errImportProblems) || !strings.Contains(out, "already exists in the shop") {
		t.Fatalf("without --update-existing: %v\n%s", err, out)
	}
	out, err = importCmd(base, "--dry-run", "--update-existing", second)
	want := "line 2: the update of tee would change: columns Title; variants added L; variants removed M; variants changed S"
	if err != nil || !strings.Contains(out, want) || !strings.Contains(out, "1 products can be imported (0 new, 1 updated)") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	out, err = importCmd(base, "--update-existing", second)
	if err != nil || !strings.Contains(out, "imported 1 products (0 new, 1 updated)") || !strings.Contains(out, strings.Replace(want, "would change", "changed", 1)) {
		t.Fatalf("update: %v\n%s", err, out)
	}
	out, err = importCmd(base, "--dry-run", "--update-existing", second)
	if err != nil || !strings.Contains(out, "0 products can be imported (0 new, 0 updated), 1 unchanged") {
		t.Fatalf("again: %v\n%s", err, out)
	}
}
