-- SMART goals (core/analytics goals.go): a KPI, a target (absolute, or a
-- change on a base period, resolved to target_value when saved), a start,
-- a deadline and an owner; the status the goal job last computed; and the
-- notices of its transitions to at-risk and met (shown in the console,
-- mailed through the outbox).
CREATE TABLE analytics_goals (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    metric TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('absolute', 'relative')),
    direction TEXT NOT NULL CHECK (direction IN ('at_least', 'at_most')),
    target DOUBLE PRECISION NOT NULL,
    base_from TEXT NOT NULL DEFAULT '',
    base_to TEXT NOT NULL DEFAULT '',
    base_value DOUBLE PRECISION,
    target_value DOUBLE PRECISION NOT NULL,
    start_day TEXT NOT NULL,
    deadline TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT '',
    status_at TIMESTAMP,
    archived_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX analytics_goals_active ON analytics_goals (tenant_id, archived_at, deadline);

CREATE TABLE analytics_goal_notices (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    goal_id TEXT NOT NULL,
    status TEXT NOT NULL,
    previous TEXT NOT NULL,
    value DOUBLE PRECISION,
    forecast DOUBLE PRECISION,
    target_value DOUBLE PRECISION NOT NULL,
    day TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, goal_id) REFERENCES analytics_goals (tenant_id, id)
);
CREATE INDEX analytics_goal_notices_goal ON analytics_goal_notices (tenant_id, goal_id, at);
