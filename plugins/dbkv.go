package plugins

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/sdk"
)

// DBKV is the plugins' key-value store in the plugin_kv table, scoped by
// (tenant, installation) — both come from the host, never from the plugin —
// with per-installation quotas.
//
// A plugin call made inside a transaction (checkout prices its cart in its
// Write) does its key-value work in that transaction (store.DB.Within): its
// writes commit or roll back with the order, and it never takes a second
// pool connection. Inside a read (a cart being shown) the data can be read
// but not written: Set and Delete fail with store.ErrReadOnlyScope (the
// guest sees CodeHostError).
type DBKV struct {
	DB    *store.DB
	Quota KVQuota
}

var _ KVStore = (*DBKV)(nil)

func (k *DBKV) quota() KVQuota {
	q := k.Quota
	if q.MaxBytes <= 0 {
		q.MaxBytes = 1 << 20
	}
	if q.MaxKeys <= 0 {
		q.MaxKeys = 10000
	}
	return q
}

// Get returns the value of key.
func (k *DBKV) Get(ctx context.Context, tenant, installation, key string) ([]byte, bool, error) {
	var vals [][]byte
	err := k.DB.Within(tenancy.WithTenant(ctx, tenant), false, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw("SELECT value FROM plugin_kv WHERE tenant_id = ? AND installation_id = ? AND key = ?", tenant, installation, key).Scan(ctx, &vals)
	})
	if err != nil {
		return nil, false, err
	}
	if len(vals) == 0 {
		return nil, false, nil
	}
	if vals[0] == nil {
		vals[0] = []byte{}
	}
	return vals[0], true, nil
}

// Set stores val under key within the installation's quota.
func (k *DBKV) Set(ctx context.Context, tenant, installation, key string, val []byte) error {
	if len(key) == 0 || len(key) > sdk.MaxKVKey || len(val) > sdk.MaxKVValue {
		return ErrKVTooLarge
	}
	if val == nil {
		val = []byte{}
	}
	quota := k.quota()
	return k.DB.Within(tenancy.WithTenant(ctx, tenant), true, func(ctx context.Context, q bun.IDB) error {
		var usage struct {
			N     int   `bun:"n"`
			Bytes int64 `bun:"bytes"`
		}
		if err := q.NewRaw(`SELECT count(*) AS n, COALESCE(SUM(length(key) + length(value)), 0) AS bytes
			FROM plugin_kv WHERE tenant_id = ? AND installation_id = ?`, tenant, installation).Scan(ctx, &usage); err != nil {
			return err
		}
		var old []int64
		if err := q.NewRaw("SELECT length(value) FROM plugin_kv WHERE tenant_id = ? AND installation_id = ? AND key = ?",
			tenant, installation, key).Scan(ctx, &old); err != nil {
			return err
		}
		delta := int64(len(val))
		if len(old) > 0 {
			delta -= old[0]
		} else {
			delta += int64(len(key))
			if usage.N >= quota.MaxKeys {
				return ErrKVQuota
			}
		}
		if usage.Bytes+delta > int64(quota.MaxBytes) {
			return ErrKVQuota
		}
		_, err := q.NewRaw(`INSERT INTO plugin_kv (tenant_id, installation_id, key, value) VALUES (?, ?, ?, ?)
			ON CONFLICT (tenant_id, installation_id, key) DO UPDATE SET value = EXCLUDED.value`, tenant, installation, key, val).Exec(ctx)
		return err
	})
}

// Delete removes key (no error when missing).
func (k *DBKV) Delete(ctx context.Context, tenant, installation, key string) error {
	return k.DB.Within(tenancy.WithTenant(ctx, tenant), true, func(ctx context.Context, q bun.IDB) error {
		_, err := q.NewRaw("DELETE FROM plugin_kv WHERE tenant_id = ? AND installation_id = ? AND key = ?", tenant, installation, key).Exec(ctx)
		return err
	})
}
