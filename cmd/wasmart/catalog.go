package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/catalog/shopifycsv"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants"
)

// errImportProblems makes `wasmart catalog import` exit non-zero when the
// file could not be read, or has errors and not everything was imported
// (with --valid-only: nothing was).
var errImportProblems = errors.New("the file has errors (see above)")

const importUsage = "usage: wasmart catalog import --shop <slug> [--dry-run] [--valid-only] [--update-existing] file.csv"

// cmdCatalog is `wasmart catalog import|export`: Shopify product CSV in
// and out of one shop, straight against the database.
func cmdCatalog(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%s\n       wasmart catalog export --shop <slug> [--status published] > file.csv", importUsage)
	}
	sub, args := args[0], args[1:]
	f := newFlags("catalog "+sub, stderr)
	dbf := addDBFlags(f)
	slug := f.String("shop", "", "the shop's slug")
	switch sub {
	case "import":
		dry := f.Bool("dry-run", false, "check the file and report every problem; write nothing")
		validOnly := f.Bool("valid-only", false, "import the valid products and skip those with problems (default: all or nothing)")
		update := f.Bool("update-existing", false, "update products whose handle the shop has (the file's columns replace their values) instead of refusing them; with --dry-run, list what would change")
		quiet := f.Bool("quiet", false, "no progress bar")
		if err := f.Parse(args); err != nil {
			return err
		}
		if f.NArg() != 1 {
			return errors.New(importUsage)
		}
		mode := shopifycsv.ImportAll
		switch {
		case *dry:
			mode = shopifycsv.DryRun
		case *validOnly:
			mode = shopifycsv.ImportValid
		}
		return withShop(ctx, dbf, *slug, func(ctx context.Context, env shopEnv) error {
			return catalogImport(ctx, env, f.Arg(0), mode, *update, !*quiet, stdout, stderr)
		})
	case "export":
		status := f.String("status", "", "only products with this status (draft, in_review, published, archived)")
		media := f.String("media-url", "", "base URL of uploaded images (default http://<slug>.localhost:8080/media)")
		if err := f.Parse(args); err != nil {
			return err
		}
		return withShop(ctx, dbf, *slug, func(ctx context.Context, env shopEnv) error {
			base := *media
			if base == "" {
				base = "http://" + env.tenant.Slug + ".localhost:8080/media"
			}
			w := bufio.NewWriterSize(stdout, 64<<10)
			err := shopifycsv.Export(ctx, env.catalog, w, shopifycsv.ExportOptions{Status: catalog.Status(*status), ImageURL: func(im catalog.Image) string {
				if im.Key == "" {
					return im.Src
				}
				return strings.TrimSuffix(base, "/") + "/" + im.Key
			}})
			if ferr := w.Flush(); err == nil {
				err = ferr
			}
			return err
		})
	}
	return fmt.Errorf("unknown catalog command %q (import or export)", sub)
}

type shopEnv struct {
	db      *store.DB
	ts      *tenants.Service
	tenant  tenants.Tenant
	catalog *catalog.Service
}

// withShop opens the database and runs fn in the shop's context, acting as
// the command line.
func withShop(ctx context.Context, dbf dbFlags, slug string, fn func(context.Context, shopEnv) error) error {
	if slug == "" {
		return fmt.Errorf("--shop is required")
	}
	return withTenants(ctx, dbf, func(ts *tenants.Service) error {
		t, err := ts.TenantBySlug(ctx, slug)
		if err != nil {
			return err
		}
		db := ts.DB()
		inv := inventory.New(db, inventory.Options{})
		cat := catalog.New(db, catalog.Options{Currency: t.Currency, Stock: inv, StockSink: inv})
		sctx := tenancy.WithActor(tenancy.WithTenant(ctx, t.ID), tenancy.Actor{Kind: "system", ID: "cli", Name: "wasmart catalog"})
		return fn(sctx, shopEnv{db: db, ts: ts, tenant: t, catalog: cat})
	})
}

func catalogImport(ctx context.Context, env shopEnv, path string, mode shopifycsv.ImportMode, update, bar bool, stdout, stderr io.Writer) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	// The plan's product limit is one of the import's checks, so a dry
	// run reports it just as the import applies it.
	plan, err := env.ts.PlanOf(ctx, env.tenant.ID)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	label := map[shopifycsv.ImportMode]string{shopifycsv.DryRun: "checking", shopifycsv.ImportAll: "importing", shopifycsv.ImportValid: "importing"}[mode]
	start := time.Now()
	opts := shopifycsv.ImportOptions{Mode: mode, UpdateExisting: update, Currency: env.tenant.Currency, TotalBytes: fi.Size(), Plan: plan.Title, Name: filepath.Base(path)}
	if plan.Products != tenants.Unlimited {
		opts.ProductLimit = plan.Products
	}
	if bar {
		opts.Progress = func(p shopifycsv.ImportProgress) { drawBar(stderr, label, p, time.Since(start)) }
	}
	rep, err := shopifycsv.Import(ctx, env.catalog, bufio.NewReaderSize(f, 256<<10), opts)
	if bar {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		fmt.Fprintln(stdout, "the import failed; nothing was written")
		return err
	}
	printReport(stdout, rep, mode)
	if bar {
		el := time.Since(start)
		fmt.Fprintf(stderr, "%d rows in %s (%.0f rows/s)\n", rep.Rows, el.Round(time.Millisecond), float64(rep.Rows)/el.Seconds())
	}
	if mode != shopifycsv.DryRun && rep.Imported > 0 {
		err := env.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			return audit.Record(ctx, q, audit.Entry{TenantID: env.tenant.ID, Action: "product.import", ObjectType: "import",
				After: fmt.Sprintf("%s: %d products imported (%d new, %d updated), %d skipped (command line)", path, rep.Imported, rep.Imported-rep.Updated, rep.Updated, rep.Skipped)})
		})
		if err != nil {
			return err
		}
	}
	switch {
	case rep.Fatal:
		return errImportProblems
	case rep.Errors > 0 && mode != shopifycsv.ImportValid:
		return errImportProblems
	case rep.Errors > 0 && rep.Imported == 0:
		return errImportProblems // --valid-only, and nothing was valid
	}
	return nil
}

// drawBar redraws a one-line progress bar.
func drawBar(w io.Writer, label string, p shopifycsv.ImportProgress, el time.Duration) {
	const width = 30
	frac := 0.0
	if p.TotalBytes > 0 {
		frac = float64(p.Bytes) / float64(p.TotalBytes)
	}
	if p.Done {
		frac = 1
	}
	frac = min(frac, 1)
	n := int(frac * width)
	rate := 0.0
	if s := el.Seconds(); s > 0 {
		rate = float64(p.Rows) / s
	}
	fmt.Fprintf(w, "\r%-9s [%s%s] %3.0f%%  %d rows  %d products  %.0f rows/s ", label, strings.Repeat("#", n), strings.Repeat("-", width-n), frac*100, p.Rows, p.Products, rate)
}

func printReport(w io.Writer, rep *shopifycsv.ImportReport, mode shopifycsv.ImportMode) {
	for _, p := range rep.Problems {
		fmt.Fprintln(w, p.String())
	}
	if rep.ProblemsTruncated {
		fmt.Fprintf(w, "(only the first %d problems are listed)\n", len(rep.Problems))
	}
	verb := "changed"
	if mode == shopifycsv.DryRun {
		verb = "would change"
	}
	for _, c := range rep.Changes {
		var parts []string
		for _, x := range []struct {
			what string
			list []string
		}{{"columns", c.Fields}, {"variants added", c.VariantsAdded}, {"variants removed", c.VariantsRemoved}, {"variants changed", c.VariantsUpdated}} {
			if len(x.list) > 0 {
				parts = append(parts, x.what+" "+strings.Join(x.list, ", "))
			}
		}
		if c.ImagesAdded > 0 {
			parts = append(parts, fmt.Sprintf("images added %d", c.ImagesAdded))
		}
		fmt.Fprintf(w, "line %d: the update of %s %s: %s\n", c.Line, c.Handle, verb, strings.Join(parts, "; "))
	}
	if rep.ChangesTruncated {
		fmt.Fprintf(w, "(only the first %d changed products are listed)\n", len(rep.Changes))
	}
	if len(rep.Ignored) > 0 {
		fmt.Fprintf(w, "columns not imported: %s\n", strings.Join(rep.Ignored, ", "))
	}
	fmt.Fprintf(w, "%d rows, %d products, %d variants, %d images: %d errors, %d warnings\n", rep.Rows, rep.Products, rep.Variants, rep.Images, rep.Errors, rep.Warnings)
	skipped := fmt.Sprintf("%d products", rep.Skipped)
	if rep.SkippedRows > 0 {
		skipped += fmt.Sprintf(" and %d rows without a handle", rep.SkippedRows)
	}
	unchanged := ""
	if rep.Unchanged > 0 {
		unchanged = fmt.Sprintf(", %d unchanged", rep.Unchanged)
	}
	switch {
	case rep.Fatal:
		fmt.Fprintln(w, "the file could not be read; nothing was written")
	case mode == shopifycsv.DryRun:
		fmt.Fprintf(w, "dry run: nothing written; %d products can be imported (%d new, %d updated)%s; %s would be skipped\n",
			rep.Ready, rep.Created, rep.Updated, unchanged, skipped)
	case mode == shopifycsv.ImportAll && rep.Errors > 0:
		fmt.Fprintf(w, "nothing imported: the file has %d errors (all or nothing; --valid-only imports the %d valid products)\n", rep.Errors, rep.Ready)
	default:
		fmt.Fprintf(w, "imported %d products (%d new, %d updated)%s; skipped %s\n", rep.Imported, rep.Imported-rep.Updated, rep.Updated, unchanged, skipped)
	}
}
