package main

import (
	"context"
	"fmt"
	"io"

	_ "github.com/wasmart/wasmart/core/promotion" // its migrations, until the web layer wires its routes
	"github.com/wasmart/wasmart/core/store"
)

// openDB opens and migrates the database the flags name.
func openDB(ctx context.Context, f dbFlags) (*store.DB, error) {
	db, err := store.Open(ctx, store.Config{URL: *f.databaseURL, DataDir: *f.dataDir})
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return db, nil
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("migrate", stderr)
	dbf := addDBFlags(f)
	if err := f.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, dbf)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "migrated %s database (%d modules)\n", db.Dialect(), len(store.Registered()))
	return nil
}
