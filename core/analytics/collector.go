package analytics

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/jobs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	store.RegisterMigrations(store.Migrations{Module: "analytics", Order: 60, FS: sub})
}

// Options tune collection. The zero value is usable.
type Options struct {
	// Buffer is how many events wait for the flusher (0: 65,536); when it
	// is full, Track drops the event and counts it (DroppedTotal).
	Buffer int
	// Batch is the most events written in one statement (0: 1,000);
	// Interval the longest an event waits to be written (0: 1 s).
	Batch    int
	Interval time.Duration
	// MaxPagesPerMinute is the behaviour bot limit (0: 60 page views a
	// minute from one visitor).
	MaxPagesPerMinute int
	// Log receives flush and rollup failures (nil: slog.Default()).
	Log *slog.Logger
	// Now is the clock (nil: the wall clock).
	Now func() time.Time
	// Currency answers a shop's currency for the money in scheduled
	// reports (nil: money is shown in minor units).
	Currency func(ctx context.Context, tenantID string) (string, error)
	// Sides read the figures other packages own (side.go).
	Sides Sides
}

// Service collects a shop's events, keeps the rollups and answers the
// KPIs. Track is safe from any goroutine and never blocks.
type Service struct {
	db  *store.DB
	o   Options
	log *slog.Logger

	queue *jobs.Batcher[Hit]

	// The writer's state (one writer at a time: the flusher, or Flush
	// when no flusher runs).
	wmu     sync.Mutex
	zones   map[string]zoneEntry // tenant → time zone
	salts   map[string][]byte    // tenant \x00 day → salt
	rates   map[string]*rate     // tenant \x00 visitor → page views this minute
	flagged map[string]bool      // tenant \x00 day \x00 visitor → bot

	rollMu sync.Mutex
}

type zoneEntry struct {
	loc     *time.Location
	fetched time.Time
}

type rate struct {
	minute int64
	pages  int
}

var dropped, botEvents atomic.Int64

// DroppedTotal is how many events this process dropped because the
// buffer was full or a batch could not be written
// (wasmart_analytics_events_dropped_total).
func DroppedTotal() int64 { return dropped.Load() }

// BotEventsTotal is how many events were left out as bot traffic.
func BotEventsTotal() int64 { return botEvents.Load() }

// New returns a Service over db. Start runs its flusher.
func New(db *store.DB, o Options) *Service {
	if o.Buffer <= 0 {
		o.Buffer = 1 << 16
	}
	if o.Batch <= 0 {
		o.Batch = 1000
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.MaxPagesPerMinute <= 0 {
		o.MaxPagesPerMinute = 60
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	s := &Service{db: db, o: o, log: log,
		zones: map[string]zoneEntry{}, salts: map[string][]byte{}, rates: map[string]*rate{}, flagged: map[string]bool{}}
	s.queue = jobs.NewBatcher(jobs.BatcherOptions[Hit]{Name: "analytics", Log: log, Buffer: o.Buffer, Batch: o.Batch, Interval: o.Interval,
		Write: s.write, Dropped: func(n int64) { dropped.Add(n) }})
	return s
}

func (s *Service) now() time.Time { return s.o.Now().UTC().Truncate(time.Microsecond) }

// Track queues an event for the flusher without waiting: when the buffer
// is full the event is dropped and counted. The hit's strings must be the
// caller's own (not a request buffer that is reused).
func (s *Service) Track(h Hit) bool {
	if s == nil {
		return false
	}
	if h.At.IsZero() {
		h.At = s.now()
	}
	return s.queue.Put(h)
}

// Start runs the flusher in the background (under core/jobs: a panic in
// one batch is logged and the next batch is written) until Stop.
func (s *Service) Start() { s.queue.Start() }

// Stop ends the flusher after writing what is buffered.
func (s *Service) Stop() { s.queue.Stop() }

// Flush writes every buffered event now (tests, and before reading what
// was just tracked).
func (s *Service) Flush(ctx context.Context) error { return s.queue.Flush(ctx) }

// eventRow is one stored event.
type eventRow struct {
	bun.BaseModel `bun:"table:analytics_events"`

	TenantID   string    `bun:"tenant_id,pk"`
	OccurredAt time.Time `bun:"occurred_at,pk"`
	ID         string    `bun:"id,pk"`
	Day        string    `bun:"day"`
	Hour       int       `bun:"hour"`
	Kind       Kind      `bun:"kind"`
	Visitor    string    `bun:"visitor"`
	Returning  bool      `bun:"returned"`
	Path       string    `bun:"path"`
	ProductID  string    `bun:"product_id"`
	Query      string    `bun:"query"`
	Results    int       `bun:"results"`
	Quantity   int       `bun:"quantity"`
	OrderID    string    `bun:"order_id"`
	Amount     int64     `bun:"amount"`
	Source     string    `bun:"source"`
	Medium     string    `bun:"medium"`
	Campaign   string    `bun:"campaign"`
	Referrer   string    `bun:"referrer"`
}

type dirtyRow struct {
	bun.BaseModel `bun:"table:analytics_dirty"`

	TenantID string    `bun:"tenant_id,pk"`
	Day      string    `bun:"day,pk"`
	MarkedAt time.Time `bun:"marked_at"`
	Version  int64     `bun:"version"`
}

type botRow struct {
	bun.BaseModel `bun:"table:analytics_bots"`

	TenantID string `bun:"tenant_id,pk"`
	Day      string `bun:"day,pk"`
	Visitor  string `bun:"visitor,pk"`
}

// write stores one batch: user-agent bots left out, each hit's local day
// and visitor id computed with the shop's time zone and the day's salt,
// behaviour bots flagged, the rows inserted and their days marked for the
// rollup job, in one platform-scoped transaction.
func (s *Service) write(ctx context.Context, hits []Hit) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	kept := hits[:0:0]
	for _, h := range hits {
		if IsBot(h.UserAgent) {
			botEvents.Add(1)
			continue
		}
		if h.TenantID == "" || !h.Kind.Valid() {
			continue
		}
		kept = append(kept, h)
	}
	if len(kept) == 0 {
		return nil
	}
	platform := tenancy.WithPlatform(ctx)
	tenantsSeen := map[string]bool{}
	for _, h := range kept {
		tenantsSeen[h.TenantID] = true
	}
	if err := s.loadZones(platform, keys(tenantsSeen)); err != nil {
		return err
	}
	now := s.now()
	return s.db.Write(platform, func(ctx context.Context, q bun.IDB) error {
		rows := make([]eventRow, 0, len(kept))
		dirty := map[[2]string]bool{}
		var bots []botRow
		for i := range kept {
			h := &kept[i]
			loc := s.zones[h.TenantID].loc
			local := h.At.In(loc)
			day := local.Format(time.DateOnly)
			salt, err := s.salt(ctx, q, h.TenantID, day)
			if err != nil {
				return err
			}
			visitor := visitorID(salt, h.TenantID, h.IP, h.UserAgent)
			fk := h.TenantID + "\x00" + day + "\x00" + visitor
			if s.flagged[fk] {
				botEvents.Add(1)
				continue
			}
			if h.Kind.Page() && s.overRate(h.TenantID+"\x00"+visitor, h.At) {
				s.flagged[fk] = true
				botEvents.Add(1)
				if !h.NoTrack {
					bots = append(bots, botRow{TenantID: h.TenantID, Day: day, Visitor: visitor})
				}
				continue
			}
			src := sourceOf(h)
			r := eventRow{TenantID: h.TenantID, OccurredAt: h.At.UTC().Truncate(time.Microsecond), ID: store.NewID(), Day: day, Hour: local.Hour(),
				Kind: h.Kind, Returning: h.Returning, Path: clip(h.Path, maxPath), ProductID: clip(h.ProductID, maxLabel),
				Query: clip(h.Query, maxQuery), Results: h.Results, Quantity: h.Quantity, OrderID: clip(h.OrderID, maxLabel), Amount: h.Amount,
				Source: src.Source, Medium: src.Medium, Campaign: src.Campaign}
			if !h.NoTrack {
				r.Visitor = visitor
				if src.Source != "" && src.Source != SourceDirect && src.Campaign == "" {
					r.Referrer = src.Source
				}
			}
			rows = append(rows, r)
			dirty[[2]string{h.TenantID, day}] = true
		}
		if len(rows) > 0 {
			if _, err := q.NewInsert().Model(&rows).Exec(ctx); err != nil {
				return err
			}
		}
		if len(bots) > 0 {
			if _, err := q.NewInsert().Model(&bots).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
				return err
			}
			for _, b := range bots {
				dirty[[2]string{b.TenantID, b.Day}] = true
			}
		}
		return markDirty(ctx, q, dirty, now)
	})
}

// markDirty marks (tenant, day) pairs for the rollup job; a mark already
// there moves to a new version, so a rollup that read the old one leaves
// it for the next round.
func markDirty(ctx context.Context, q bun.IDB, days map[[2]string]bool, now time.Time) error {
	if len(days) == 0 {
		return nil
	}
	marks := make([]dirtyRow, 0, len(days))
	for k := range days {
		marks = append(marks, dirtyRow{TenantID: k[0], Day: k[1], MarkedAt: now, Version: 1})
	}
	_, err := q.NewInsert().Model(&marks).On("CONFLICT (tenant_id, day) DO UPDATE").
		Set("marked_at = EXCLUDED.marked_at").Set("version = ?TableAlias.version + 1").Exec(ctx)
	return err
}

// overRate counts a page view of a visitor and reports whether it is
// over the per-minute limit.
func (s *Service) overRate(key string, at time.Time) bool {
	m := at.Unix() / 60
	r := s.rates[key]
	if r == nil {
		if len(s.rates) > 100_000 {
			for k, x := range s.rates {
				if x.minute < m-1 {
					delete(s.rates, k)
				}
			}
		}
		r = &rate{minute: m}
		s.rates[key] = r
	}
	if r.minute != m {
		r.minute, r.pages = m, 0
	}
	r.pages++
	return r.pages > s.o.MaxPagesPerMinute
}

// visitorID is the day's pseudonymous visitor id: HMAC-SHA256 keyed by the
// shop's salt of the day over (shop, address, user agent), 128 bits in hex.
func visitorID(salt []byte, tenant, ip, ua string) string {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(tenant))
	m.Write([]byte{0})
	m.Write([]byte(ip))
	m.Write([]byte{0})
	m.Write([]byte(ua))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

type saltRow struct {
	bun.BaseModel `bun:"table:analytics_salts"`

	TenantID string `bun:"tenant_id,pk"`
	Day      string `bun:"day,pk"`
	Salt     string `bun:"salt"`
}

// salt returns the shop's salt of a local day, creating it (every node
// reads the same one) on first use, in q.
func (s *Service) salt(ctx context.Context, q bun.IDB, tenant, day string) ([]byte, error) {
	key := tenant + "\x00" + day
	if b, ok := s.salts[key]; ok {
		return b, nil
	}
	b, err := loadSalt(ctx, q, tenant, day, true)
	if err != nil {
		return nil, err
	}
	if len(s.salts) > 50_000 {
		clear(s.salts)
	}
	s.salts[key] = b
	return b, nil
}

// loadSalt reads (and with create, first makes) a shop's salt of a day.
// A missing salt without create is nil.
func loadSalt(ctx context.Context, q bun.IDB, tenant, day string, create bool) ([]byte, error) {
	if create {
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return nil, err
		}
		row := saltRow{TenantID: tenant, Day: day, Salt: hex.EncodeToString(raw)}
		if _, err := q.NewInsert().Model(&row).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return nil, err
		}
	}
	var row saltRow
	err := q.NewSelect().Model(&row).Where("tenant_id = ? AND day = ?", tenant, day).Scan(ctx)
	if store.NoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(row.Salt)
}

// loadZones makes sure the time zones of tenants are known (read again
// after a minute).
func (s *Service) loadZones(ctx context.Context, tenants []string) error {
	now := time.Now()
	var need []string
	for _, t := range tenants {
		if z, ok := s.zones[t]; !ok || now.Sub(z.fetched) > time.Minute {
			need = append(need, t)
		}
	}
	if len(need) == 0 {
		return nil
	}
	got, err := s.settingsOf(ctx, need)
	if err != nil {
		return err
	}
	for _, t := range need {
		st := got[t]
		s.zones[t] = zoneEntry{loc: st.location(), fetched: now}
	}
	return nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
