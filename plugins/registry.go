package plugins

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/plugins/sandbox"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		panic(err)
	}
	store.RegisterMigrations(store.Migrations{Module: "plugins", Order: 30, FS: sub})
}

// Version is one published plugin version: in the platform catalogue
// (TenantID "") or a tenant's private upload.
type Version struct {
	bun.BaseModel `bun:"table:plugin_versions"`

	TenantID    string    `bun:"tenant_id,pk" json:"-"`
	PluginID    string    `bun:"plugin_id,pk" json:"plugin_id"`
	Version     string    `bun:"version,pk" json:"version"`
	Name        string    `bun:"name" json:"name"`
	Description string    `bun:"description" json:"description"`
	Points      string    `bun:"points" json:"-"`
	Manifest    string    `bun:"manifest" json:"-"`
	ModuleHash  string    `bun:"module_hash" json:"module_hash"`
	Size        int64     `bun:"size" json:"size"`
	CreatedBy   string    `bun:"created_by" json:"-"`
	CreatedAt   time.Time `bun:"created_at" json:"created_at"`
}

// Private reports whether the version is a tenant's private upload.
func (v *Version) Private() bool { return v.TenantID != "" }

// Source is "catalog" or "private".
func (v *Version) Source() string {
	if v.Private() {
		return SourcePrivate
	}
	return SourceCatalog
}

// PointList returns the declared extension points.
func (v *Version) PointList() []extension.Point {
	var out []extension.Point
	for _, p := range strings.Split(v.Points, ",") {
		if p != "" {
			out = append(out, extension.Point(p))
		}
	}
	return out
}

// Installation sources.
const (
	SourceCatalog = "catalog"
	SourcePrivate = "private"
)

// ServiceOptions configure a Service.
type ServiceOptions struct {
	// Host options; Store, KV and Recorder are replaced by the database
	// implementations.
	Host sandbox.Options
	// InputRetention is how long recorded run inputs are kept (replay, dry
	// runs); default 7 days.
	InputRetention time.Duration
	// RunRetention is how long run records are kept; default 30 days.
	RunRetention time.Duration
	// DryRunInputs is the default number of recorded inputs a dry run
	// replays; default 500.
	DryRunInputs int
	// CacheTTL bounds how stale a process's view of a tenant's enabled
	// installations may be after another process changed them; default 2 s.
	CacheTTL time.Duration
	// KVQuota bounds each installation's key-value data.
	KVQuota sandbox.KVQuota
	// Log receives background failures (run recording); default slog.Default().
	Log *slog.Logger
}

// Service is the plugin platform over the database: registry,
// installations, runs, dry runs and the extension-point wiring. It is safe
// for concurrent use; Close it to flush run records.
type Service struct {
	db   *store.DB
	host *sandbox.Host
	rec  *DBRecorder
	opts ServiceOptions
	// topics supplies reporting plugins' topic datasets (SetTopics).
	topics TopicSource

	manifests sync.Map // versionKey -> *sandbox.Manifest (versions are immutable)
	active    sync.Map // tenant -> *activeSet
}

type versionKey struct{ owner, id, version string }

// NewService opens the plugin platform on db.
func NewService(db *store.DB, opts ServiceOptions) (*Service, error) {
	if opts.InputRetention <= 0 {
		opts.InputRetention = 7 * 24 * time.Hour
	}
	if opts.RunRetention <= 0 {
		opts.RunRetention = 30 * 24 * time.Hour
	}
	if opts.RunRetention < opts.InputRetention {
		opts.RunRetention = opts.InputRetention
	}
	if opts.DryRunInputs <= 0 {
		opts.DryRunInputs = 500
	}
	if opts.CacheTTL <= 0 {
		opts.CacheTTL = 2 * time.Second
	}
	s := &Service{db: db, opts: opts}
	s.rec = newDBRecorder(db, 0, opts.Log)
	ho := opts.Host
	ho.Store = &DBModuleStore{DB: db}
	ho.KV = &DBKV{DB: db, Quota: opts.KVQuota}
	ho.Recorder = s.rec
	h, err := sandbox.NewHost(ho)
	if err != nil {
		s.rec.Close()
		return nil, err
	}
	s.host = h
	return s, nil
}

// Host returns the service's plugin host.
func (s *Service) Host() *sandbox.Host { return s.host }

// Recorder returns the run recorder (Flush it in tests).
func (s *Service) Recorder() *DBRecorder { return s.rec }

// Close flushes run records and releases the host.
func (s *Service) Close() error {
	s.rec.Close()
	return s.host.Close()
}

// invalidInput turns an upload or config failure into a 4xx error.
func invalidInput(field string, err error) error {
	var f *sandbox.Failure
	if errors.As(err, &f) {
		msg := f.Msg
		if f.Err != nil {
			msg += ": " + headLine(f.Err.Error())
		}
		return &errs.Error{Code: errs.Invalid, Field: field, Message: msg, Err: err}
	}
	return err
}

func headLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i]) + " …"
	}
	return s
}

// PublishInput is an upload: a manifest and its module.
type PublishInput struct {
	Manifest []byte
	Wasm     []byte
}

// Publish validates and stores a plugin version. In a platform context
// (tenancy.WithPlatform) it goes to the catalogue; in a tenant context it
// is a private upload of that tenant (the caller checks the plan first).
// Bad input (not Wasm, a manifest that lies about its exports, a taken
// id+version) is an *errs.Error with a 4xx code and nothing is stored.
func (s *Service) Publish(ctx context.Context, in PublishInput) (*Version, error) {
	owner := ""
	if t, ok := tenancy.TenantID(ctx); ok && !tenancy.IsPlatform(ctx) {
		owner = t
	} else if !tenancy.IsPlatform(ctx) {
		return nil, errs.E(errs.Forbidden, "publishing to the catalogue needs a platform admin")
	}
	if len(in.Wasm) == 0 {
		return nil, errs.Field("wasm", "the .wasm module is required")
	}
	m, err := sandbox.ParseManifest(in.Manifest)
	if err != nil {
		return nil, invalidInput("manifest", err)
	}
	// Taken? The catalogue's ids are reserved for the catalogue: a private
	// upload may not shadow one.
	var n int64
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var e error
		n, e = q.NewSelect().Model((*Version)(nil)).
			Where("plugin_id = ?", m.ID).
			Where("(tenant_id = ? AND version = ?) OR (tenant_id = '' AND ? <> '')", owner, m.Version, owner).Count(ctx)
		return e
	})
	if err != nil {
		return nil, errs.Wrap(err, "plugins.Publish")
	}
	if n > 0 {
		if owner != "" {
			return nil, &errs.Error{Code: errs.Conflict, Field: "manifest", Message: fmt.Sprintf("plugin id %q is taken (catalogue, or this version was uploaded already)", m.ID)}
		}
		return nil, &errs.Error{Code: errs.Conflict, Field: "manifest", Message: fmt.Sprintf("%s is already published", m)}
	}
	hash, err := s.host.Register(ctx, m, in.Wasm)
	if err != nil {
		return nil, invalidInput("wasm", err)
	}
	v := &Version{TenantID: owner, PluginID: m.ID, Version: m.Version, Name: m.Name, Description: m.Description,
		Points: joinPoints(m.Points), Manifest: string(in.Manifest), ModuleHash: hash, Size: int64(len(in.Wasm)),
		CreatedBy: tenancy.ActorFrom(ctx).ID, CreatedAt: store.Now()}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if _, err := q.NewInsert().Model(v).Exec(ctx); err != nil {
			return err
		}
		action := "plugin.publish"
		if owner != "" {
			action = "plugin.upload"
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: owner, Action: action, ObjectType: "plugin", ObjectID: m.ID,
			After: fmt.Sprintf("%s points=%s hash=%s", m, v.Points, hash[:12])})
	})
	if store.IsUniqueViolation(err) {
		return nil, &errs.Error{Code: errs.Conflict, Field: "manifest", Message: fmt.Sprintf("%s is already published", m)}
	}
	if err != nil {
		return nil, errs.Wrap(err, "plugins.Publish")
	}
	return v, nil
}

func joinPoints(ps []extension.Point) string {
	ss := make([]string, len(ps))
	for i, p := range ps {
		ss[i] = string(p)
	}
	return strings.Join(ss, ",")
}

// Catalog lists what the context's tenant may install: catalogue versions
// and its own private uploads, newest version first per plugin. In a
// platform context it lists the catalogue only.
func (s *Service) Catalog(ctx context.Context) ([]Version, error) {
	owner, _ := tenancy.TenantID(ctx)
	if tenancy.IsPlatform(ctx) {
		owner = ""
	}
	var vs []Version
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&vs).Where("tenant_id IN ('', ?)", owner).
			OrderExpr("plugin_id, created_at DESC").Scan(ctx)
	})
	if err != nil {
		return nil, errs.Wrap(err, "plugins.Catalog")
	}
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].PluginID != vs[j].PluginID {
			return vs[i].PluginID < vs[j].PluginID
		}
		return compareVersions(vs[i].Version, vs[j].Version) > 0
	})
	return vs, nil
}

// version finds a version visible to tenant; "" picks the newest.
func (s *Service) version(ctx context.Context, q bun.IDB, tenant, pluginID, version string) (*Version, error) {
	var vs []Version
	sel := q.NewSelect().Model(&vs).Where("tenant_id IN ('', ?)", tenant).Where("plugin_id = ?", pluginID)
	if version != "" {
		sel.Where("version = ?", version)
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		if version != "" {
			return nil, errs.NotFoundf("no plugin %s@%s", pluginID, version)
		}
		return nil, errs.NotFoundf("no plugin %q", pluginID)
	}
	sort.Slice(vs, func(i, j int) bool { return compareVersions(vs[i].Version, vs[j].Version) > 0 })
	return &vs[0], nil
}

// manifest parses (once) the manifest of an immutable version.
func (s *Service) manifest(v *Version) (*sandbox.Manifest, error) {
	k := versionKey{v.TenantID, v.PluginID, v.Version}
	if m, ok := s.manifests.Load(k); ok {
		return m.(*sandbox.Manifest), nil
	}
	m, err := sandbox.ParseManifest([]byte(v.Manifest))
	if err != nil {
		return nil, err
	}
	s.manifests.Store(k, m)
	return m, nil
}

// compareVersions orders semantic versions (major.minor.patch, then a
// release before its pre-releases).
func compareVersions(a, b string) int {
	ac, ap, _ := strings.Cut(a, "-")
	bc, bp, _ := strings.Cut(b, "-")
	as, bs := strings.Split(ac, "."), strings.Split(bc, ".")
	for i := 0; i < 3 && i < len(as) && i < len(bs); i++ {
		var x, y int
		fmt.Sscan(as[i], &x)
		fmt.Sscan(bs[i], &y)
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	switch {
	case ap == bp:
		return 0
	case ap == "":
		return 1
	case bp == "":
		return -1
	case ap < bp:
		return -1
	}
	return 1
}

// DBModuleStore is a ModuleStore in the plugin_modules table.
type DBModuleStore struct{ DB *store.DB }

// Put stores wasm unless a module with the same hash exists.
func (s *DBModuleStore) Put(wasm []byte) (string, error) {
	h := sandbox.HashModule(wasm)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.DB.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		_, err := q.NewRaw("INSERT INTO plugin_modules (hash, wasm, size, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING",
			h, wasm, len(wasm), store.Now()).Exec(ctx)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("plugins: store module: %w", err)
	}
	return h, nil
}

// Get returns the module with the given hash, read in the transaction ctx
// is inside when there is one (a plugin call made while a checkout prices
// its cart), so loading a module never takes a second connection.
func (s *DBModuleStore) Get(ctx context.Context, hash string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var b []byte
	err := s.DB.Within(ctx, false, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw("SELECT wasm FROM plugin_modules WHERE hash = ?", hash).Scan(ctx, &b)
	})
	if store.NoRows(err) {
		return nil, sandbox.ErrModuleNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("plugins: load module: %w", err)
	}
	return b, nil
}

// configJSON normalises a config document (compact JSON, "{}" when empty).
func configJSON(b []byte) (string, error) {
	if len(strings.TrimSpace(string(b))) == 0 {
		return "{}", nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return "", errs.Field("config", "is not valid JSON: %v", err)
	}
	if _, ok := v.(map[string]any); !ok {
		return "", errs.Field("config", "must be a JSON object")
	}
	out, _ := json.Marshal(v)
	return string(out), nil
}
