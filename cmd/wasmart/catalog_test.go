package main

import (
	"bytes"
	"context"
	"errors"
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
	// A BOM, one good product with two variants, one with a price "12,50"
	// (fine) and one with a negative price and a duplicate SKU (bad).
	csv := "\ufeffHandle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Inventory Qty,Body (HTML)\n" +
		"tee,Tee,Size,S,TEE-S,12.50,3,<p>ok</p><script>x()</script>\n" +
		"tee,,,M,TEE-M,\"12,50\",1,\n" +
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
	if !strings.Contains(out.String(), "imported 1 products, skipped 1") {
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
