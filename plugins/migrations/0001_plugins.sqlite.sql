-- Plugin registry, installations, run records and key-value data.
-- plugin_modules is global (content-addressed, no tenant). plugin_versions
-- holds the platform catalogue (tenant_id '') and tenants' private uploads.
CREATE TABLE plugin_modules (
    hash TEXT NOT NULL PRIMARY KEY,
    wasm BLOB NOT NULL,
    size BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE plugin_versions (
    tenant_id TEXT NOT NULL,
    plugin_id TEXT NOT NULL,
    version TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    points TEXT NOT NULL,
    manifest TEXT NOT NULL,
    module_hash TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, plugin_id, version)
);
CREATE TABLE plugin_installations (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    plugin_id TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('catalog', 'private')),
    version TEXT NOT NULL,
    config TEXT NOT NULL DEFAULT '{}',
    enabled BOOLEAN NOT NULL DEFAULT FALSE,
    position INTEGER NOT NULL DEFAULT 0,
    pinned BOOLEAN NOT NULL DEFAULT FALSE,
    prev_version TEXT NOT NULL DEFAULT '',
    prev_config TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, plugin_id)
);
CREATE TABLE plugin_runs (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    installation_id TEXT NOT NULL,
    plugin_id TEXT NOT NULL,
    version TEXT NOT NULL,
    module_hash TEXT NOT NULL,
    point TEXT NOT NULL,
    input_hash TEXT NOT NULL,
    input BLOB,
    input_size BIGINT NOT NULL DEFAULT 0,
    duration_us BIGINT NOT NULL,
    outcome TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    logs TEXT NOT NULL DEFAULT '',
    logs_dropped BOOLEAN NOT NULL DEFAULT FALSE,
    started_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX plugin_runs_installation ON plugin_runs (tenant_id, installation_id, id);
CREATE INDEX plugin_runs_point ON plugin_runs (tenant_id, point, id);
CREATE INDEX plugin_runs_started ON plugin_runs (started_at);
CREATE TABLE plugin_kv (
    tenant_id TEXT NOT NULL,
    installation_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (tenant_id, installation_id, key)
);
