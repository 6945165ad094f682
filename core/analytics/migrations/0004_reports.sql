-- Scheduled reports (core/analytics, schedule.go): a shop's daily, weekly
-- and monthly report schedules with their recipients (staff e-mail
-- addresses), and every report sent, kept for the console. One report per
-- shop, frequency and period: the unique key makes sending idempotent.
CREATE TABLE analytics_report_schedules (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    frequency TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly')),
    metrics TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, frequency)
);

CREATE TABLE analytics_report_recipients (
    tenant_id TEXT NOT NULL,
    schedule_id TEXT NOT NULL,
    email TEXT NOT NULL,
    PRIMARY KEY (tenant_id, schedule_id, email),
    FOREIGN KEY (tenant_id, schedule_id) REFERENCES analytics_report_schedules (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE analytics_reports (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    frequency TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    title TEXT NOT NULL,
    recipients TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, frequency, period_from)
);
CREATE INDEX analytics_reports_created ON analytics_reports (tenant_id, created_at);
