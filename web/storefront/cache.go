package storefront

import (
	"context"
	"hash/fnv"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/content"
	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/review"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/session"
)

// The storefront page cache keeps rendered anonymous pages (home, category,
// collection, product, search, sitemaps) per shop, keyed by host and URL,
// with the ETag of their bytes.
//
// Invalidation. A shop's cached pages are tied to a fingerprint of what
// they show, which the owning packages give in one statement of index
// look-ups each, read in one transaction (catalog.LastChange: the latest change and row count of
// products, images, collections and their members and categories, and the
// next scheduled publication; design.LastChange: the live design;
// content.LastChange: pages and articles; promotion.LastChange: offers,
// their counters and the next start or end of one, for sale prices;
// review.LastChange: published reviews); a change drops all the shop's
// pages. Stock moves with every order, so it is handled finer: the
// inventory lists the products whose stock moved since the previous check
// (inventory.MovedProducts: a primary-key range of the movements ledger),
// and only the pages showing them are dropped. A check is one read
// transaction of six statements. The fingerprint is read
// again at most once per recheck interval (default 1 s, one request per shop
// does it while the others keep serving); when it differs every page of the
// shop is dropped. Writes through this server (console and API requests
// that change something) drop the shop's pages at once, so a merchant sees
// an edit on the next request; the fingerprint catches changes made by other
// processes (another server, the CLI importer, checkout taking stock) within
// the interval. Pages shown to a signed-in customer and forms carrying a
// CSRF token are never cached.
//
// Last-Modified is the latest catalog change of the shop (or when a
// deletion was noticed), so If-Modified-Since never claims "not modified"
// for a page whose content may have changed.
type shopCache struct {
	max     int64 // bytes; <= 0: no page storage (fingerprints still kept)
	recheck time.Duration
	// db is read for the fingerprints (through the owners' reads); the
	// design service is told when the live design changed elsewhere.
	db     *store.DB
	design *design.Service
	log    *slog.Logger

	mu    sync.Mutex
	size  int64
	shops map[string]*shopState
}

type shopState struct {
	mu       sync.Mutex
	fp       string
	checked  time.Time
	modified time.Time
	checking bool
	gen      uint64
	pages    map[string]*cachedPage
	// stockSince is when stock movements were last read.
	stockSince time.Time
}

type cachedPage struct {
	body     []byte
	etag     string
	ctype    string
	modified time.Time
	gen      uint64
	// products are the ids of the products the page shows (their stock
	// changing drops it).
	products []string
	// facts say which analytics event serving the page is (none for
	// sitemaps and robots.txt).
	facts pageFacts
}

func newShopCache(max int64, recheck time.Duration, db *store.DB, ds *design.Service, log *slog.Logger) *shopCache {
	if max == 0 {
		max = 64 << 20
	}
	if recheck == 0 {
		recheck = time.Second
	}
	return &shopCache{max: max, recheck: recheck, db: db, design: ds, log: log, shops: map[string]*shopState{}}
}

func (sc *shopCache) state(tenantID string) *shopState {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	st := sc.shops[tenantID]
	if st == nil {
		st = &shopState{pages: map[string]*cachedPage{}}
		sc.shops[tenantID] = st
	}
	return st
}

// drop forgets a shop's pages and makes the next request re-read its
// fingerprint.
func (sc *shopCache) drop(tenantID string) {
	st := sc.state(tenantID)
	st.mu.Lock()
	n := st.clear()
	st.checked = time.Time{}
	st.mu.Unlock()
	sc.mu.Lock()
	sc.size -= n
	sc.mu.Unlock()
}

// clear empties the pages (st.mu held) and returns the bytes freed.
func (st *shopState) clear() int64 {
	var n int64
	for _, p := range st.pages {
		n += int64(len(p.body))
	}
	st.pages = map[string]*cachedPage{}
	st.gen++
	return n
}

// InvalidateShop drops a shop's cached pages (for callers that change a
// catalog without going through the server's write routes).
func (s *Handler) InvalidateShop(tenantID string) { s.cache.drop(tenantID) }

// DropCacheOnWrite is middleware for the console and API: it drops the
// storefront pages of the shop a write acted on.
func (s *Handler) DropCacheOnWrite(c *fiber.Ctx) error {
	err := c.Next()
	if !httpx.SafeMethod(c.Method()) {
		if p := session.Current(c); p.TenantID != "" {
			s.cache.drop(p.TenantID)
		}
	}
	return err
}

// CachedPaths are the request URIs (path and query) of a shop's cached
// pages, for tests and diagnostics.
func (s *Handler) CachedPaths(tenantID string) map[string]bool {
	st := s.cache.state(tenantID)
	st.mu.Lock()
	defer st.mu.Unlock()
	out := map[string]bool{}
	for k := range st.pages {
		_, uri, _ := strings.Cut(k, "\x00")
		out[uri] = true
	}
	return out
}

// stockLookback is how far before the previous check stock movements are
// read again, so a movement committed late (its id taken before another
// that committed first) is not missed.
const stockLookback = 2 * time.Second

// maxStockProducts is the most products whose stock changed between two
// checks that are invalidated one by one; above it the shop's pages all go.
const maxStockProducts = 500

// fresh makes sure the shop's fingerprint is recent and returns the
// state's Last-Modified and generation.
func (sc *shopCache) fresh(ctx context.Context, t tenants.Tenant) (time.Time, uint64) {
	st := sc.state(t.ID)
	now := time.Now()
	st.mu.Lock()
	due := st.checked.IsZero() || sc.recheck < 0 || now.Sub(st.checked) >= sc.recheck
	if !due || (st.checking && !st.checked.IsZero()) {
		m, g := st.modified, st.gen
		st.mu.Unlock()
		return m, g
	}
	st.checking = true
	since := st.stockSince
	st.mu.Unlock()

	fp, latest, moved, err := sc.fingerprint(ctx, t, since)

	st.mu.Lock()
	st.checking = false
	var freed int64
	stamp := now.UTC().Truncate(time.Second)
	switch {
	case err != nil:
		// Serve nothing stale on error: drop the pages and try again next time.
		sc.log.Warn("storefront cache fingerprint", "tenant", t.ID, "err", err)
		freed = st.clear()
		st.checked = time.Time{}
		st.stockSince = time.Time{}
		st.modified = stamp
	case fp != st.fp:
		if st.fp != "" {
			freed = st.clear()
			sc.design.Forget(t.ID) // a publish elsewhere: read the live design again
		}
		st.fp = fp
		st.modified = stamp
		if latest.After(st.modified) {
			st.modified = latest
		}
	case !since.IsZero() && len(moved) > maxStockProducts:
		freed = st.clear()
		st.modified = stamp
	case !since.IsZero() && len(moved) > 0:
		freed = st.dropProducts(moved)
		if n := len(moved); n > 0 && stamp.After(st.modified) {
			st.modified = stamp
		}
	}
	if err == nil {
		st.checked = now
		st.stockSince = now
	}
	m, g := st.modified, st.gen
	st.mu.Unlock()
	if freed > 0 {
		sc.mu.Lock()
		sc.size -= freed
		sc.mu.Unlock()
	}
	return m, g
}

// dropProducts drops the pages showing any of the products (st.mu held).
// The generation moves on so a page rendered from older data is not
// stored; the pages kept are carried over to it.
func (st *shopState) dropProducts(ids []string) int64 {
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	st.gen++
	var freed int64
	for k, p := range st.pages {
		hit := false
		for _, id := range p.products {
			if set[id] {
				hit = true
				break
			}
		}
		if hit {
			delete(st.pages, k)
			freed += int64(len(p.body))
		} else {
			p.gen = st.gen
		}
	}
	return freed
}

// fingerprint asks the owners of what a page shows for its state (the
// catalog, the live design, content pages and articles) and the
// inventory for the products whose stock moved since the previous check,
// in one read transaction.
func (sc *shopCache) fingerprint(ctx context.Context, t tenants.Tenant, since time.Time) (string, time.Time, []string, error) {
	var b strings.Builder
	var latest time.Time
	var moved []string
	now := store.Now()
	err := sc.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		for _, change := range []func() (string, time.Time, error){
			func() (string, time.Time, error) { return catalog.LastChange(ctx, q, t.ID, now) },
			func() (string, time.Time, error) { return design.LastChange(ctx, q, t.ID) },
			func() (string, time.Time, error) { return content.LastChange(ctx, q, t.ID, now) },
			func() (string, time.Time, error) { return promotion.LastChange(ctx, q, t.ID, now) },
			func() (string, time.Time, error) { return review.LastChange(ctx, q, t.ID) },
		} {
			tok, l, err := change()
			if err != nil {
				return err
			}
			b.WriteString(tok + "|")
			if l.After(latest) {
				latest = l
			}
		}
		if since.IsZero() {
			return nil
		}
		// Looking back a little reads again a movement committed late
		// (its id taken before another that committed first).
		ids, err := inventory.MovedProducts(ctx, q, t.ID, since.Add(-stockLookback), maxStockProducts+1)
		moved = ids
		return err
	})
	if err != nil {
		return "", time.Time{}, nil, err
	}
	// The shop's own fields shown on every page.
	b.WriteString(t.Name + "|" + string(t.Status))
	return b.String(), latest.Truncate(time.Second), moved, nil
}

func (sc *shopCache) get(tenantID, key string, gen uint64) *cachedPage {
	if sc.max < 0 {
		return nil
	}
	st := sc.state(tenantID)
	st.mu.Lock()
	defer st.mu.Unlock()
	p := st.pages[key]
	if p == nil || p.gen != gen {
		return nil
	}
	return p
}

func (sc *shopCache) put(tenantID, key string, p *cachedPage) {
	if sc.max < 0 || int64(len(p.body)) > sc.max/16 {
		return
	}
	st := sc.state(tenantID)
	st.mu.Lock()
	if p.gen != st.gen {
		st.mu.Unlock()
		return // rendered from data older than the last drop
	}
	var delta int64 = int64(len(p.body))
	if old := st.pages[key]; old != nil {
		delta -= int64(len(old.body))
	}
	st.pages[key] = p
	st.mu.Unlock()
	sc.mu.Lock()
	sc.size += delta
	over := sc.size > sc.max
	sc.mu.Unlock()
	if over {
		sc.evict()
	}
}

// evict drops pages (in map order, i.e. arbitrary) until the cache is under
// 3/4 of its budget.
func (sc *shopCache) evict() {
	sc.mu.Lock()
	target := sc.max * 3 / 4
	states := make([]*shopState, 0, len(sc.shops))
	for _, st := range sc.shops {
		states = append(states, st)
	}
	sc.mu.Unlock()
	for _, st := range states {
		st.mu.Lock()
		var freed int64
		for k, p := range st.pages {
			delete(st.pages, k)
			freed += int64(len(p.body))
			sc.mu.Lock()
			sc.size -= int64(len(p.body))
			done := sc.size <= target
			sc.mu.Unlock()
			if done {
				break
			}
		}
		st.mu.Unlock()
		sc.mu.Lock()
		done := sc.size <= target
		sc.mu.Unlock()
		if done {
			return
		}
	}
}

// etagOf is a strong validator of a page's bytes.
func etagOf(body []byte) string {
	h := fnv.New64a()
	h.Write(body)
	return `"` + strconv.FormatUint(h.Sum64(), 36) + "-" + strconv.Itoa(len(body)) + `"`
}

// notModified answers a conditional GET: If-None-Match wins over
// If-Modified-Since (RFC 9110 §13.2.2).
func notModified(c *fiber.Ctx, etag string, modified time.Time) bool {
	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == etag {
				return true
			}
		}
		return false
	}
	if ims := c.Get(fiber.HeaderIfModifiedSince); ims != "" && !modified.IsZero() {
		if t, err := http.ParseTime(ims); err == nil && !modified.Truncate(time.Second).After(t) {
			return true
		}
	}
	return false
}

// sendCacheable writes an anonymous page with its validators, or 304.
func sendCacheable(c *fiber.Ctx, p *cachedPage) error {
	h := &c.Response().Header
	h.Set(fiber.HeaderETag, p.etag)
	if !p.modified.IsZero() {
		h.Set(fiber.HeaderLastModified, p.modified.UTC().Format(http.TimeFormat))
	}
	h.Set(fiber.HeaderCacheControl, "public, max-age=0, must-revalidate")
	if notModified(c, p.etag, p.modified) {
		c.Status(fiber.StatusNotModified)
		c.Response().ResetBody()
		return nil
	}
	h.Set(fiber.HeaderContentType, p.ctype)
	return c.Send(p.body)
}
