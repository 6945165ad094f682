// Package storetest hands each test a fresh, migrated database on SQLite and
// on PostgreSQL, in store's strict mode: taking a second pool connection
// inside a transaction panics, and fails the test at cleanup even when
// something recovered the panic. PostgreSQL is Debian's server, started by this package once
// per test binary in a temp dir (as the postgres user when running as root)
// unless WASMART_TEST_PG_URL names a running server. When CI=true or
// WASMART_REQUIRE_PG=1, a PostgreSQL that cannot start fails the test
// instead of skipping it.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/wasmart/wasmart/core/store"
)

// Each runs fn as two subtests, "sqlite" and "postgres", each with its own
// fresh migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run(store.SQLite, func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run(store.Postgres, func(t *testing.T) { fn(t, Postgres(t)) })
}

// EachB is Each for benchmarks.
func EachB(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Helper()
	b.Run(store.SQLite, func(b *testing.B) { fn(b, SQLite(b)) })
	b.Run(store.Postgres, func(b *testing.B) { fn(b, Postgres(b)) })
}

var (
	sqliteOnce     sync.Once
	sqliteTemplate string
	sqliteErr      error
)

// SQLite returns a fresh migrated SQLite database in a temp dir.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	sqliteOnce.Do(func() {
		dir, err := os.MkdirTemp("", "wasmart-sqlite-template-")
		if err != nil {
			sqliteErr = err
			return
		}
		sqliteTemplate = filepath.Join(dir, "template.db")
		ctx := context.Background()
		db, err := store.Open(ctx, store.Config{URL: "sqlite:" + sqliteTemplate})
		if err != nil {
			sqliteErr = err
			return
		}
		if err := db.Migrate(ctx); err != nil {
			sqliteErr = err
		}
		if _, err := db.Raw().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil && sqliteErr == nil {
			sqliteErr = err
		}
		db.Close()
	})
	if sqliteErr != nil {
		t.Fatalf("storetest: sqlite template: %v", sqliteErr)
	}
	path := filepath.Join(t.TempDir(), "wasmart.db")
	if err := copyFile(sqliteTemplate, path); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), store.Config{URL: "sqlite:" + path, StrictTx: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeStrict(t, db) })
	return db
}

// closeStrict closes a test database, failing the test if anything took a
// second pool connection inside a transaction (store.Config.StrictTx makes
// that panic at once; this catches the panics something recovered).
func closeStrict(t testing.TB, db *store.DB) {
	if n := db.NestedAcquisitions(); n > 0 {
		t.Errorf("storetest: %d pool acquisition(s) inside an open transaction (see core/store/guard.go); the first:\n%s", n, db.FirstNested())
	}
	db.Close()
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

var (
	pgOnce     sync.Once
	pgAdminURL string // superuser URL to the "postgres" database
	pgErr      error
	pgTemplate string
	pgSeq      atomic.Int64
)

func pgRequired() bool {
	return os.Getenv("CI") == "true" || os.Getenv("WASMART_REQUIRE_PG") == "1"
}

// Postgres returns a fresh migrated PostgreSQL database (skipping the test
// when no server can be had, unless PostgreSQL is required).
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	return PostgresWith(t, store.Config{MaxConns: 8})
}

// PostgresWith is Postgres with cfg (its URL is filled in; StrictTx is
// always on).
func PostgresWith(t testing.TB, cfg store.Config) *store.DB {
	t.Helper()
	cfg.URL = PostgresURL(t)
	cfg.StrictTx = true
	db, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeStrict(t, db) })
	return db
}

// PostgresURL creates a fresh migrated PostgreSQL database and returns its
// URL (the owner's; store.Open switches to the application role).
func PostgresURL(t testing.TB) string {
	t.Helper()
	pgOnce.Do(func() { pgAdminURL, pgTemplate, pgErr = startPostgres() })
	if pgErr != nil {
		if pgRequired() {
			t.Fatalf("storetest: PostgreSQL is required here but could not start: %v", pgErr)
		}
		t.Skipf("storetest: no PostgreSQL (%v); set WASMART_REQUIRE_PG=1 to make this fatal", pgErr)
	}
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), pgSeq.Add(1))
	admin, err := sql.Open("pgx", pgAdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name + " TEMPLATE " + pgTemplate); err != nil {
		t.Fatalf("storetest: create database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", pgAdminURL)
		if err == nil {
			a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			a.Close()
		}
	})
	return withDB(pgAdminURL, name)
}

func withDB(url, name string) string {
	i := strings.LastIndex(url, "/")
	j := strings.IndexByte(url[i:], '?')
	if j < 0 {
		return url[:i+1] + name
	}
	return url[:i+1] + name + url[i+j:]
}

// startPostgres finds or starts a server and builds a migrated template.
func startPostgres() (adminURL, template string, err error) {
	adminURL = os.Getenv("WASMART_TEST_PG_URL")
	if adminURL == "" {
		adminURL, err = launch()
		if err != nil {
			return "", "", err
		}
	}
	template = fmt.Sprintf("tpl_%d", os.Getpid())
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		return "", "", err
	}
	defer admin.Close()
	var ok bool
	for i := 0; i < 100; i++ {
		if err = admin.Ping(); err == nil {
			ok = true
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !ok {
		return "", "", fmt.Errorf("server does not answer: %w", err)
	}
	if _, err := admin.Exec("CREATE DATABASE " + template); err != nil {
		return "", "", fmt.Errorf("create template: %w", err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{URL: withDB(adminURL, template)})
	if err != nil {
		return "", "", err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return "", "", fmt.Errorf("migrate template: %w", err)
	}
	db.Close()
	return adminURL, template, nil
}

func pgBin(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) == 0 {
		return "", fmt.Errorf("%s not found (Debian package postgresql; `make deps` installs it)", name)
	}
	return matches[len(matches)-1], nil
}

// launch runs initdb and postgres in a temp dir on a free port. The server
// dies with this process (parent-death signal); its directory is left
// behind (nothing runs after the test binary), so launch first sweeps the
// directories of servers that are gone.
func launch() (string, error) {
	initdb, err := pgBin("initdb")
	if err != nil {
		return "", err
	}
	postgres, err := pgBin("postgres")
	if err != nil {
		return "", err
	}
	sweep(os.TempDir(), 10*time.Minute)
	dir, err := os.MkdirTemp("", "wasmart-pg-")
	if err != nil {
		return "", err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return "", fmt.Errorf("running as root needs the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return "", err
		}
	}
	data := filepath.Join(dir, "data")
	cmd := exec.Command(initdb, "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("initdb: %v: %s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	logf, _ := os.Create(filepath.Join(dir, "postgres.log"))
	if cred != nil && logf != nil {
		logf.Chown(int(cred.Uid), int(cred.Gid))
	}
	started := make(chan error, 1)
	go func() {
		// The parent-death signal fires when the thread that started the
		// child exits, so that thread stays locked for the process's life.
		runtime.LockOSThread()
		srv := exec.Command(postgres, "-D", data, "-p", strconv.Itoa(port), "-k", dir, "-h", "127.0.0.1",
			"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
			"-c", "max_connections=300", "-c", "shared_buffers=128MB")
		srv.Stdout, srv.Stderr = logf, logf
		srv.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
		started <- srv.Start()
		if srv.Process != nil {
			srv.Wait()
		}
		select {} // keep the locked thread alive
	}()
	if err := <-started; err != nil {
		return "", fmt.Errorf("postgres: %w", err)
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port), nil
}

// sweep removes the wasmart-pg-* directories under tmp of test servers that
// no longer run: older than minAge (a launch in progress has no pid file
// yet) and without a live postmaster. Each test binary leaves one behind,
// 80 MB and more, which filled the disk of a shared machine.
func sweep(tmp string, minAge time.Duration) {
	dirs, _ := filepath.Glob(filepath.Join(tmp, "wasmart-pg-*"))
	for _, d := range dirs {
		fi, err := os.Stat(d)
		if err != nil || !fi.IsDir() || time.Since(fi.ModTime()) < minAge || postmasterRuns(filepath.Join(d, "data", "postmaster.pid")) {
			continue
		}
		os.RemoveAll(d)
	}
}

// postmasterRuns reports whether the process a postmaster.pid names is
// alive (a server killed with its test binary leaves the file behind).
func postmasterRuns(pidFile string) bool {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return false
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return false
	}
	err = syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
