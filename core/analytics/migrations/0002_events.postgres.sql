-- The raw events, append-only, range-partitioned by occurred_at (UTC) with
-- one partition a day named analytics_events_pYYYYMMDD. The rollup job
-- creates partitions a week ahead and drops those past the longest
-- retention (analytics_events_partitions / analytics_events_drop_before:
-- the application role may not run DDL, so these run as the schema owner).
-- The default partition only catches rows outside the created days.
CREATE TABLE analytics_events (
    tenant_id TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    id TEXT NOT NULL,
    day TEXT NOT NULL,
    hour INTEGER NOT NULL,
    kind TEXT NOT NULL,
    visitor TEXT NOT NULL DEFAULT '',
    returned BOOLEAN NOT NULL DEFAULT FALSE,
    path TEXT NOT NULL DEFAULT '',
    product_id TEXT NOT NULL DEFAULT '',
    query TEXT NOT NULL DEFAULT '',
    results INTEGER NOT NULL DEFAULT 0,
    quantity INTEGER NOT NULL DEFAULT 0,
    order_id TEXT NOT NULL DEFAULT '',
    amount BIGINT NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT '',
    medium TEXT NOT NULL DEFAULT '',
    campaign TEXT NOT NULL DEFAULT '',
    referrer TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, occurred_at, id)
) PARTITION BY RANGE (occurred_at);
CREATE INDEX analytics_events_day ON analytics_events (tenant_id, day, visitor, occurred_at);
CREATE TABLE analytics_events_default PARTITION OF analytics_events DEFAULT;

CREATE FUNCTION analytics_events_partitions(first_day DATE, last_day DATE) RETURNS INTEGER
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    d DATE := first_day;
    made INTEGER := 0;
    name TEXT;
BEGIN
    WHILE d <= last_day LOOP
        name := 'analytics_events_p' || to_char(d, 'YYYYMMDD');
        IF to_regclass(name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF analytics_events FOR VALUES FROM (%L) TO (%L)',
                name, d::timestamp, (d + 1)::timestamp);
            made := made + 1;
        END IF;
        d := d + 1;
    END LOOP;
    RETURN made;
END $$;

CREATE FUNCTION analytics_events_drop_before(cutoff DATE) RETURNS INTEGER
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    r RECORD;
    dropped INTEGER := 0;
BEGIN
    FOR r IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'analytics_events'::regclass AND c.relname ~ '^analytics_events_p[0-9]{8}$'
    LOOP
        IF to_date(substr(r.relname, 19), 'YYYYMMDD') + 1 <= cutoff THEN
            EXECUTE format('DROP TABLE %I', r.relname);
            dropped := dropped + 1;
        END IF;
    END LOOP;
    RETURN dropped;
END $$;

SELECT analytics_events_partitions(CURRENT_DATE - 1, CURRENT_DATE + 7);
