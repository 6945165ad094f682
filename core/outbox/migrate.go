package outbox

import (
	"embed"
	"io/fs"

	"github.com/wasmart/wasmart/core/store"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		panic(err)
	}
	store.RegisterMigrations(store.Migrations{Module: "outbox", Order: 5, FS: sub})
}
