// Package analytics is the shop's own, private measurement: storefront
// events collected server-side without cookies or outside scripts, rolled
// up per shop by hour and day, and the KPIs read from those rollups.
//
// # Collection
//
// The storefront calls Track for every page it serves (at the edge of its
// page cache, so a cached page counts) and for cart, checkout and order
// events; a first-party beacon adds what only the browser sees (BeaconKinds).
// Track never blocks: it puts the event in a buffered channel and, when the
// buffer is full, drops it and counts it (DroppedTotal, exported as
// wasmart_analytics_events_dropped_total). One flusher goroutine (Start,
// under core/jobs) writes the buffer in batches of up to Options.Batch
// rows, one transaction per batch.
//
// Off the request path the flusher turns a hit into a stored event: user
// agents of bots are left out (bots.go), the shop's local day is taken in
// its time zone, and the visitor id is HMAC-SHA256 keyed by the shop's
// random salt of that day over (shop, IP address, user agent). Salts live
// in the database (so every node computes the same id) and are deleted
// after two days, so ids cannot be recomputed or linked across days; the
// address and user agent are never stored. A visitor with more page views a
// minute than Options.MaxPagesPerMinute is flagged as a bot for the day.
// Do-Not-Track and Sec-GPC are respected by counting such requests
// anonymously: the event is stored without a visitor id, so it adds to
// page views and event counts but never to visitors, sessions or the
// attribution of an order. The traffic source of an event comes from its
// UTM parameters or its referrer (source.go); a session's source is that of
// its first event, and checkout copies the current session's source onto
// the order (Attribution).
//
// # Storage
//
// analytics_events is append-only. On PostgreSQL it is range-partitioned
// by day on occurred_at (partitions made a week ahead by Maintain and
// dropped past the longest retention); on SQLite it is a plain table. Both
// delete each shop's events past its own raw retention (Settings). Every
// batch marks its shop-days in analytics_dirty; Rollup (every minute)
// also marks the days of orders that changed (core/order.Touched) and then
// recomputes each marked day, and only those, from its raw events and its
// orders into analytics_daily (by source, medium and campaign) and
// analytics_hourly. Every KPI query reads the rollups, never raw events.
//
// # KPIs
//
// kpi.go defines each KPI once, as a function of summed rollup counts,
// with its help text; KPIs, Series and Sources answer any range of local
// days (by day, week or month; hourly series for the hourly figures) with
// comparisons to the previous period and the same period last year.
//
// The side figures (side.go) are read at query time from the packages that
// own them: complaint tickets and returns (core/aftersales), promotion
// redemptions (core/promotion), e-mail campaign attributions
// (core/mailing), and customers across days for churn and the monthly
// retention cohorts (core/order).
//
// # Reports
//
// Topic reports (topic.go) break chosen KPIs down by one dimension (day,
// week, month, traffic source, medium, campaign, shipping country,
// product, category, product role) over a range, as rows and CSV;
// PluginDatasets hands the same to reporting plugins with the merchant's
// parameters. Scheduled reports (schedule.go) store and e-mail (through
// the outbox) each shop's daily, weekly and monthly figures once per
// period in the shop's time zone (SendDue, the "analytics reports" job).
//
// Tables: the package owns analytics_events (on PostgreSQL with its day
// partitions analytics_events_pYYYYMMDD and analytics_events_default),
// analytics_settings, analytics_salts, analytics_bots, analytics_dirty,
// analytics_daily, analytics_hourly, analytics_cursors, the SMART
// goals' analytics_goals and analytics_goal_notices (goals.go: progress,
// forecast and status from the rollups; goalnotify.go: the goal job, its
// notices and mails through core/outbox), and the scheduled reports'
// analytics_report_schedules, analytics_report_recipients and
// analytics_reports (schedule.go). It reads orders through core/order
// (Facts, Touched).
package analytics
