package plugins

import (
	"context"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/jobs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/core/text"
)

// RunRecord is a stored run.
type RunRecord struct {
	bun.BaseModel `bun:"table:plugin_runs"`

	TenantID       string    `bun:"tenant_id,pk"`
	ID             string    `bun:"id,pk"`
	InstallationID string    `bun:"installation_id"`
	PluginID       string    `bun:"plugin_id"`
	Version        string    `bun:"version"`
	ModuleHash     string    `bun:"module_hash"`
	Point          string    `bun:"point"`
	InputHash      string    `bun:"input_hash"`
	Input          []byte    `bun:"input"` // nil once purged (or not loaded)
	InputSize      int64     `bun:"input_size"`
	DurationUS     int64     `bun:"duration_us"`
	Outcome        string    `bun:"outcome"` // "" success, else a Kind
	Error          string    `bun:"error"`
	Logs           string    `bun:"logs"`
	LogsDropped    bool      `bun:"logs_dropped"`
	StartedAt      time.Time `bun:"started_at"`
	// InputKept reports whether the input is still stored (set by Runs
	// and Run even though Runs does not load it).
	InputKept bool `bun:"input_kept,scanonly"`
}

// OK reports whether the run succeeded.
func (r *RunRecord) OK() bool { return r.Outcome == "" }

// Duration is the run's duration.
func (r *RunRecord) Duration() time.Duration { return time.Duration(r.DurationUS) * time.Microsecond }

type noRecordKey struct{}

// WithoutRecording marks ctx so DBRecorder ignores the runs made with it
// (dry runs and replays).
func WithoutRecording(ctx context.Context) context.Context {
	return context.WithValue(ctx, noRecordKey{}, true)
}

func notRecorded(ctx context.Context) bool { return ctx.Value(noRecordKey{}) != nil }

// DBRecorder is a RunRecorder that writes runs to plugin_runs in batches
// from a background goroutine, so a checkout never waits on it. When its
// buffer is full it drops runs (counted in Dropped) rather than block.
type DBRecorder struct {
	db      *store.DB
	ch      chan *RunRecord
	flushes chan chan struct{}
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	dropped atomic.Int64
	log     *slog.Logger
}

// NewDBRecorder starts a recorder with a buffer of size runs (default 8192).
func NewDBRecorder(db *store.DB, size int) *DBRecorder { return newDBRecorder(db, size, nil) }

func newDBRecorder(db *store.DB, size int, log *slog.Logger) *DBRecorder {
	if log == nil {
		log = slog.Default()
	}
	if size <= 0 {
		size = 8192
	}
	r := &DBRecorder{db: db, ch: make(chan *RunRecord, size), flushes: make(chan chan struct{}),
		stop: make(chan struct{}), done: make(chan struct{}), log: log}
	go r.loop()
	return r
}

// RecordRun implements RunRecorder: it copies the run and queues it.
func (r *DBRecorder) RecordRun(ctx context.Context, run *Run) {
	if notRecorded(ctx) || run.Tenant == "" {
		return
	}
	rec := &RunRecord{
		TenantID: run.Tenant, ID: store.NewID(), InstallationID: run.Installation, PluginID: run.PluginID,
		Version: run.Version, ModuleHash: run.ModuleHash, Point: string(run.Point),
		InputHash: hex.EncodeToString(run.InputHash[:]), InputSize: int64(len(run.Input)),
		DurationUS: run.Duration.Microseconds(), Outcome: string(run.Outcome), Error: text.Printable(run.Error),
		Logs: text.Printable(string(run.Logs)), LogsDropped: run.LogsDropped, StartedAt: run.Start.UTC().Truncate(time.Microsecond),
	}
	if len(run.Input) > 0 {
		rec.Input = append([]byte(nil), run.Input...)
	} else {
		rec.InputHash = ""
	}
	select {
	case r.ch <- rec:
	default:
		r.dropped.Add(1)
	}
}

// Dropped is the number of runs dropped because the buffer was full.
func (r *DBRecorder) Dropped() int64 { return r.dropped.Load() }

// Flush waits until every run queued before the call is written.
func (r *DBRecorder) Flush() {
	ack := make(chan struct{})
	select {
	case r.flushes <- ack:
		<-ack
	case <-r.done:
	}
}

// Close writes what is queued and stops the recorder.
func (r *DBRecorder) Close() {
	r.once.Do(func() { close(r.stop) })
	<-r.done
}

func (r *DBRecorder) loop() {
	defer close(r.done)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var batch []*RunRecord
	write := func() {
		// Drain what is queued now.
		for {
			select {
			case rec := <-r.ch:
				batch = append(batch, rec)
				continue
			default:
			}
			break
		}
		if len(batch) == 0 {
			return
		}
		// A panic while writing loses this batch, not the recorder.
		if err := jobs.Run(r.log, "plugin run recorder", func() error { return r.write(batch) }); err != nil {
			r.log.Warn("plugins: recording runs failed", "runs", len(batch), "err", err)
		}
		batch = batch[:0]
	}
	for {
		select {
		case rec := <-r.ch:
			batch = append(batch, rec)
			if len(batch) >= 256 {
				write()
			}
		case <-tick.C:
			write()
		case ack := <-r.flushes:
			write()
			close(ack)
		case <-r.stop:
			write()
			return
		}
	}
}

func (r *DBRecorder) write(batch []*RunRecord) error {
	ctx, cancel := context.WithTimeout(tenancy.WithPlatform(context.Background()), 30*time.Second)
	defer cancel()
	return r.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		for i := 0; i < len(batch); i += 100 {
			j := min(i+100, len(batch))
			part := batch[i:j]
			if _, err := q.NewInsert().Model(&part).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// RunFilter selects runs of the context's tenant.
type RunFilter struct {
	InstallationID string
	Point          extension.Point
	FailedOnly     bool
	Cursor         string // the last id of the previous page
	Limit          int    // default 50, max 500
}

// RunPage is a page of runs, newest first (inputs not loaded).
type RunPage struct {
	Runs []RunRecord
	Next string
}

// Runs lists the tenant's runs, newest first.
func (s *Service) Runs(ctx context.Context, f RunFilter) (RunPage, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return RunPage{}, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > 500 {
		limit = 500
	}
	var p RunPage
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sel := q.NewSelect().Model(&p.Runs).Column("tenant_id", "id", "installation_id", "plugin_id", "version", "module_hash",
			"point", "input_hash", "input_size", "duration_us", "outcome", "error", "logs", "logs_dropped", "started_at").
			ColumnExpr("input IS NOT NULL AS input_kept").Where("tenant_id = ?", tenant)
		if f.InstallationID != "" {
			sel.Where("installation_id = ?", f.InstallationID)
		}
		if f.Point != "" {
			sel.Where("point = ?", string(f.Point))
		}
		if f.FailedOnly {
			sel.Where("outcome <> ''")
		}
		if f.Cursor != "" {
			sel.Where("id < ?", f.Cursor)
		}
		return sel.OrderExpr("id DESC").Limit(int64(limit + 1)).Scan(ctx)
	})
	if err != nil {
		return RunPage{}, errs.Wrap(err, "plugins.Runs")
	}
	if len(p.Runs) > limit {
		p.Runs = p.Runs[:limit]
		p.Next = p.Runs[limit-1].ID
	}
	return p, nil
}

// Run returns one run of the tenant, with its input if still kept.
func (s *Service) Run(ctx context.Context, id string) (*RunRecord, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var r RunRecord
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&r).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx)
	})
	if store.NoRows(err) {
		return nil, errs.NotFoundf("no plugin run %q", id)
	}
	if err != nil {
		return nil, errs.Wrap(err, "plugins.Run")
	}
	r.InputKept = r.Input != nil
	return &r, nil
}

// RunStats counts an installation's recent runs by outcome.
type RunStats struct {
	Total, Failed int
	ByOutcome     map[string]int
}

// Stats counts the runs of an installation since a time.
func (s *Service) Stats(ctx context.Context, installationID string, since time.Time) (RunStats, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return RunStats{}, err
	}
	var rows []struct {
		Outcome string `bun:"outcome"`
		N       int    `bun:"n"`
	}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw("SELECT outcome, count(*) AS n FROM plugin_runs WHERE tenant_id = ? AND installation_id = ? AND started_at >= ? GROUP BY outcome",
			tenant, installationID, since.UTC()).Scan(ctx, &rows)
	})
	st := RunStats{ByOutcome: map[string]int{}}
	for _, r := range rows {
		st.Total += r.N
		if r.Outcome != "" {
			st.Failed += r.N
		}
		st.ByOutcome[r.Outcome] = r.N
	}
	return st, errs.Wrap(err, "plugins.Stats")
}

// Purge drops run inputs older than InputRetention and runs older than
// RunRetention, across tenants. serve calls it periodically.
func (s *Service) Purge(ctx context.Context, now time.Time) (inputs, runs int64, err error) {
	ctx = tenancy.WithPlatform(ctx)
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewRaw("UPDATE plugin_runs SET input = NULL WHERE input IS NOT NULL AND started_at < ?", now.Add(-s.opts.InputRetention).UTC()).Exec(ctx)
		if err != nil {
			return err
		}
		inputs, _ = res.RowsAffected()
		res, err = q.NewRaw("DELETE FROM plugin_runs WHERE started_at < ?", now.Add(-s.opts.RunRetention).UTC()).Exec(ctx)
		if err != nil {
			return err
		}
		runs, _ = res.RowsAffected()
		return nil
	})
	return inputs, runs, errs.Wrap(err, "plugins.Purge")
}
