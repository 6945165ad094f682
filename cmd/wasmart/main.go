// Command wasmart is the one Wasmart binary: the server and its tools.
//
//	wasmart serve      run the server (migrates first)
//	wasmart migrate    run database migrations
//	wasmart tenant     create | list | suspend | resume shops
//	wasmart admin      create platform admins
//	wasmart plugin     init | build | test | upload | publish plugins
//	wasmart catalog    import | export a shop's products as Shopify CSV
//
// Every flag can also be set from the environment as WASMART_<FLAG>, e.g.
// WASMART_DATABASE_URL for --database-url.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "wasmart:", err)
		}
		os.Exit(1)
	}
}

const usage = `usage: wasmart <command> [flags]

commands:
  serve      run the server (runs migrations first)
  migrate    run database migrations and exit
  tenant     create | list | suspend | resume shops
  admin      create platform admins
  catalog    import | export a shop's products (Shopify product CSV)
  plugin     init | build | test | upload | publish Wasm plugins
  bench      closed-loop HTTP load run against this machine (req/s, p50/p99)

Run "wasmart <command> -h" for a command's flags. Every flag can be set from
the environment as WASMART_<FLAG> (dashes become underscores).
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, rest, stdout, stderr)
	case "tenant":
		return cmdTenant(ctx, rest, stdout, stderr)
	case "admin":
		return cmdAdmin(ctx, rest, stdout, stderr)
	case "bench":
		return cmdBench(ctx, rest, stdout, stderr)
	case "catalog":
		return cmdCatalog(ctx, rest, stdout, stderr)
	case "plugin":
		return cmdPlugin(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// flags is a FlagSet whose defaults come from WASMART_* variables.
type flags struct {
	*flag.FlagSet
}

func newFlags(name string, stderr io.Writer) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &flags{fs}
}

func envName(flagName string) string {
	return "WASMART_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (f *flags) String(name, def, help string) *string {
	if v, ok := os.LookupEnv(envName(name)); ok {
		def = v
	}
	return f.FlagSet.String(name, def, help+" ($"+envName(name)+")")
}

func (f *flags) Bool(name string, def bool, help string) *bool {
	if v, ok := os.LookupEnv(envName(name)); ok {
		def = v == "1" || strings.EqualFold(v, "true") || strings.EqualFold(v, "yes")
	}
	return f.FlagSet.Bool(name, def, help+" ($"+envName(name)+")")
}

// dbFlags are the flags every command that opens the database shares.
type dbFlags struct {
	dataDir     *string
	databaseURL *string
}

func addDBFlags(f *flags) dbFlags {
	return dbFlags{
		dataDir:     f.String("data-dir", "data", "directory for the SQLite database, uploads and the compilation cache"),
		databaseURL: f.String("database-url", "", "postgres://... to use PostgreSQL; empty for SQLite in --data-dir"),
	}
}

func (f *flags) Int(name string, def int, help string) *int {
	if v, ok := os.LookupEnv(envName(name)); ok {
		fmt.Sscan(v, &def)
	}
	return f.FlagSet.Int(name, def, help+" ($"+envName(name)+")")
}
