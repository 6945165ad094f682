package plugins

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/plugins/sandbox"
)

// Installed is one tenant's installation of a plugin.
type Installed struct {
	bun.BaseModel `bun:"table:plugin_installations"`

	TenantID    string    `bun:"tenant_id,pk"`
	ID          string    `bun:"id,pk"`
	PluginID    string    `bun:"plugin_id"`
	Source      string    `bun:"source"` // catalog | private
	Version     string    `bun:"version"`
	Config      string    `bun:"config"`
	Enabled     bool      `bun:"enabled"`
	Position    int       `bun:"position"`
	Pinned      bool      `bun:"pinned"`
	PrevVersion string    `bun:"prev_version"`
	PrevConfig  string    `bun:"prev_config"`
	CreatedAt   time.Time `bun:"created_at"`
	UpdatedAt   time.Time `bun:"updated_at"`
}

// InstallationView is an installation with its version's details, for the
// console and API.
type InstallationView struct {
	Installed
	Name        string
	Description string
	Points      []extension.Point
	ModuleHash  string
	Manifest    *sandbox.Manifest
	Latest      string // newest version available ("" when unknown)
	Breaker     sandbox.BreakerState
	Failures    int
}

// UpgradeAvailable reports whether a newer version than the installed one
// exists.
func (v *InstallationView) UpgradeAvailable() bool {
	return v.Latest != "" && compareVersions(v.Latest, v.Version) > 0
}

// Install installs a plugin for the context's tenant (disabled, last in
// order). version "" is the newest. The config is validated against the
// manifest's schema. The caller checks the plan's plugin quota.
func (s *Service) Install(ctx context.Context, pluginID, version string, config []byte) (*Installed, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	cfg, err := configJSON(config)
	if err != nil {
		return nil, err
	}
	var inst *Installed
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		v, err := s.version(ctx, q, tenant, pluginID, version)
		if err != nil {
			return err
		}
		m, err := s.manifest(v)
		if err != nil {
			return err
		}
		if err := m.ValidateConfig([]byte(cfg)); err != nil {
			return invalidInput("config", err)
		}
		var pos int
		if err := q.NewRaw("SELECT COALESCE(MAX(position), 0) FROM plugin_installations WHERE tenant_id = ?", tenant).Scan(ctx, &pos); err != nil {
			return err
		}
		now := store.Now()
		inst = &Installed{TenantID: tenant, ID: store.NewID(), PluginID: v.PluginID, Source: v.Source(), Version: v.Version,
			Config: cfg, Position: pos + 1, CreatedAt: now, UpdatedAt: now}
		if _, err := q.NewInsert().Model(inst).Exec(ctx); err != nil {
			if store.IsUniqueViolation(err) {
				return &errs.Error{Code: errs.Conflict, Field: "plugin_id", Message: fmt.Sprintf("%s is installed already", pluginID)}
			}
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "plugin.install", ObjectType: "plugin_installation",
			ObjectID: inst.ID, After: fmt.Sprintf("%s@%s config=%s", v.PluginID, v.Version, cfg)})
	})
	if err != nil {
		return nil, errs.Wrap(err, "plugins.Install")
	}
	s.invalidate(tenant)
	return inst, nil
}

// CountInstalled is the number of the tenant's installations.
func (s *Service) CountInstalled(ctx context.Context) (int64, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var e error
		n, e = q.NewSelect().Model((*Installed)(nil)).Where("tenant_id = ?", tenant).Count(ctx)
		return e
	})
	return n, errs.Wrap(err, "plugins.CountInstalled")
}

// Installations lists the tenant's installations in order.
func (s *Service) Installations(ctx context.Context) ([]InstallationView, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var out []InstallationView
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var ins []Installed
		if err := q.NewSelect().Model(&ins).Where("tenant_id = ?", tenant).OrderExpr("position, id").Scan(ctx); err != nil {
			return err
		}
		var vs []Version
		if err := q.NewSelect().Model(&vs).Where("tenant_id IN ('', ?)", tenant).Scan(ctx); err != nil {
			return err
		}
		for _, in := range ins {
			v, err := s.viewOf(in, vs)
			if err != nil {
				return err
			}
			out = append(out, *v)
		}
		return nil
	})
	return out, errs.Wrap(err, "plugins.Installations")
}

func (s *Service) viewOf(in Installed, vs []Version) (*InstallationView, error) {
	v := &InstallationView{Installed: in}
	for i := range vs {
		x := &vs[i]
		if x.PluginID != in.PluginID || (x.Source() != in.Source) {
			continue
		}
		if v.Latest == "" || compareVersions(x.Version, v.Latest) > 0 {
			v.Latest = x.Version
		}
		if x.Version == in.Version {
			m, err := s.manifest(x)
			if err != nil {
				return nil, err
			}
			v.Name, v.Description, v.Points, v.ModuleHash, v.Manifest = x.Name, x.Description, x.PointList(), x.ModuleHash, m
		}
	}
	if v.Manifest == nil {
		return nil, fmt.Errorf("plugins: installation %s: version %s@%s is gone", in.ID, in.PluginID, in.Version)
	}
	v.Breaker, v.Failures = s.host.BreakerStatus(in.TenantID, in.ID)
	return v, nil
}

// Installation returns one of the tenant's installations.
func (s *Service) Installation(ctx context.Context, id string) (*InstallationView, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var out *InstallationView
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var in Installed
		if err := q.NewSelect().Model(&in).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return errs.NotFoundf("no plugin installation %q", id)
			}
			return err
		}
		var vs []Version
		if err := q.NewSelect().Model(&vs).Where("tenant_id IN ('', ?) AND plugin_id = ?", tenant, in.PluginID).Scan(ctx); err != nil {
			return err
		}
		var err error
		out, err = s.viewOf(in, vs)
		return err
	})
	return out, errs.Wrap(err, "plugins.Installation")
}

// Versions lists the versions an installation may move to.
func (s *Service) Versions(ctx context.Context, inst *InstallationView) ([]Version, error) {
	all, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	var out []Version
	for _, v := range all {
		if v.PluginID == inst.PluginID && v.Source() == inst.Source {
			out = append(out, v)
		}
	}
	return out, nil
}

// change loads an installation in a write transaction, lets fn modify it
// and saves it with an audit entry.
func (s *Service) change(ctx context.Context, id, action string, fn func(ctx context.Context, q bun.IDB, in *Installed) (before, after string, err error)) (*Installed, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var in Installed
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := q.NewSelect().Model(&in).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return errs.NotFoundf("no plugin installation %q", id)
			}
			return err
		}
		before, after, err := fn(ctx, q, &in)
		if err != nil {
			return err
		}
		in.UpdatedAt = store.Now()
		if _, err := q.NewUpdate().Model(&in).WherePK().Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: action, ObjectType: "plugin_installation",
			ObjectID: id, Before: before, After: after})
	})
	if err != nil {
		return nil, errs.Wrap(err, "plugins."+action)
	}
	s.invalidate(tenant)
	return &in, nil
}

func (s *Service) manifestFor(ctx context.Context, q bun.IDB, in *Installed, version string) (*Version, *sandbox.Manifest, error) {
	v, err := s.version(ctx, q, in.TenantID, in.PluginID, version)
	if err != nil {
		return nil, nil, err
	}
	if v.Source() != in.Source {
		return nil, nil, errs.NotFoundf("no plugin %s@%s", in.PluginID, version)
	}
	m, err := s.manifest(v)
	return v, m, err
}

// Configure replaces an installation's config (validated against the
// manifest's schema). The previous config is kept for rollback.
func (s *Service) Configure(ctx context.Context, id string, config []byte) (*Installed, error) {
	cfg, err := configJSON(config)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, id, "plugin.configure", func(ctx context.Context, q bun.IDB, in *Installed) (string, string, error) {
		_, m, err := s.manifestFor(ctx, q, in, in.Version)
		if err != nil {
			return "", "", err
		}
		if err := m.ValidateConfig([]byte(cfg)); err != nil {
			return "", "", invalidInput("config", err)
		}
		before := in.Config
		in.PrevVersion, in.PrevConfig = in.Version, in.Config
		in.Config = cfg
		return before, cfg, nil
	})
}

// SetEnabled enables or disables an installation.
func (s *Service) SetEnabled(ctx context.Context, id string, enabled bool) (*Installed, error) {
	action := "plugin.disable"
	if enabled {
		action = "plugin.enable"
	}
	return s.change(ctx, id, action, func(_ context.Context, _ bun.IDB, in *Installed) (string, string, error) {
		b := fmt.Sprint(in.Enabled)
		in.Enabled = enabled
		return "enabled=" + b, fmt.Sprintf("enabled=%v", enabled), nil
	})
}

// SetPinned pins an installation to its version (upgrades are refused
// until it is unpinned) or unpins it.
func (s *Service) SetPinned(ctx context.Context, id string, pinned bool) (*Installed, error) {
	return s.change(ctx, id, "plugin.pin", func(_ context.Context, _ bun.IDB, in *Installed) (string, string, error) {
		b := fmt.Sprint(in.Pinned)
		in.Pinned = pinned
		return "pinned=" + b, fmt.Sprintf("pinned=%v version=%s", pinned, in.Version), nil
	})
}

// Upgrade moves an installation to another version (newer or older; ""
// is the newest). A pinned installation refuses. The current config must
// validate against the new version's schema unless config is given.
func (s *Service) Upgrade(ctx context.Context, id, version string, config []byte) (*Installed, error) {
	var cfg string
	if config != nil {
		c, err := configJSON(config)
		if err != nil {
			return nil, err
		}
		cfg = c
	}
	return s.change(ctx, id, "plugin.upgrade", func(ctx context.Context, q bun.IDB, in *Installed) (string, string, error) {
		if in.Pinned {
			return "", "", &errs.Error{Code: errs.Conflict, Field: "version", Message: fmt.Sprintf("the installation is pinned to %s: unpin it first", in.Version)}
		}
		v, m, err := s.manifestFor(ctx, q, in, version)
		if err != nil {
			return "", "", err
		}
		if v.Version == in.Version && cfg == "" {
			return "", "", &errs.Error{Code: errs.Conflict, Field: "version", Message: "already at " + v.Version}
		}
		newCfg := in.Config
		if cfg != "" {
			newCfg = cfg
		}
		if err := m.ValidateConfig([]byte(newCfg)); err != nil {
			return "", "", invalidInput("config", err)
		}
		before := in.Version
		in.PrevVersion, in.PrevConfig = in.Version, in.Config
		in.Version, in.Config = v.Version, newCfg
		return before, v.Version, nil
	})
}

// Rollback returns an installation to its previous version and config.
func (s *Service) Rollback(ctx context.Context, id string) (*Installed, error) {
	return s.change(ctx, id, "plugin.rollback", func(ctx context.Context, q bun.IDB, in *Installed) (string, string, error) {
		if in.PrevVersion == "" {
			return "", "", &errs.Error{Code: errs.Conflict, Message: "nothing to roll back to"}
		}
		if _, _, err := s.manifestFor(ctx, q, in, in.PrevVersion); err != nil {
			return "", "", err
		}
		before := in.Version + " " + in.Config
		in.Version, in.PrevVersion = in.PrevVersion, in.Version
		in.Config, in.PrevConfig = in.PrevConfig, in.Config
		return before, in.Version + " " + in.Config, nil
	})
}

// Reorder sets the order of the tenant's installations: ids first, in the
// given order, then the others as they were. Among installations on the
// same extension point, the lower position runs first.
func (s *Service) Reorder(ctx context.Context, ids []string) error {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var ins []Installed
		if err := q.NewSelect().Model(&ins).Where("tenant_id = ?", tenant).OrderExpr("position, id").Scan(ctx); err != nil {
			return err
		}
		rank := map[string]int{}
		for i, id := range ids {
			if _, dup := rank[id]; dup {
				return errs.Field("ids", "%q is listed twice", id)
			}
			rank[id] = i
		}
		found := 0
		for _, in := range ins {
			if _, ok := rank[in.ID]; ok {
				found++
			}
		}
		if found != len(ids) {
			return errs.Field("ids", "every id must be one of the shop's installations")
		}
		sort.SliceStable(ins, func(i, j int) bool {
			ri, oki := rank[ins[i].ID]
			rj, okj := rank[ins[j].ID]
			switch {
			case oki && okj:
				return ri < rj
			case oki != okj:
				return oki
			}
			return false
		})
		var order []string
		for i := range ins {
			if _, err := q.NewUpdate().Model((*Installed)(nil)).Set("position = ?", i+1).Set("updated_at = ?", store.Now()).
				Where("tenant_id = ? AND id = ?", tenant, ins[i].ID).Exec(ctx); err != nil {
				return err
			}
			order = append(order, ins[i].PluginID)
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "plugin.reorder", ObjectType: "plugin_installation",
			After: fmt.Sprint(order)})
	})
	if err != nil {
		return errs.Wrap(err, "plugins.Reorder")
	}
	s.invalidate(tenant)
	return nil
}

// Uninstall removes an installation and its key-value data (run records
// stay until they expire).
func (s *Service) Uninstall(ctx context.Context, id string) error {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var in Installed
		if err := q.NewSelect().Model(&in).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return errs.NotFoundf("no plugin installation %q", id)
			}
			return err
		}
		if _, err := q.NewDelete().Model((*Installed)(nil)).Where("tenant_id = ? AND id = ?", tenant, id).Exec(ctx); err != nil {
			return err
		}
		if _, err := q.NewRaw("DELETE FROM plugin_kv WHERE tenant_id = ? AND installation_id = ?", tenant, id).Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "plugin.uninstall", ObjectType: "plugin_installation",
			ObjectID: id, Before: in.PluginID + "@" + in.Version})
	})
	if err != nil {
		return errs.Wrap(err, "plugins.Uninstall")
	}
	s.invalidate(tenant)
	return nil
}
