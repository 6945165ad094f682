// Package design is a shop's storefront design: which built-in theme it
// uses and with what settings (colours, fonts from a safe list, logo,
// favicon, button and product card style, header and footer layout), the
// pages composed from ordered, configurable sections (hero banner, featured
// collection, product grid, image with text, rich text, testimonials,
// newsletter sign-up, announcement bar, FAQ accordion) and the header and
// footer menus.
//
// All of that is one Document. Each shop has one draft Document with a
// version number that every save increments; an edit names the version it
// started from and is refused with errs.Conflict when someone saved in
// between, so two staff never overwrite each other silently. Publishing
// copies the draft into a new numbered version and points the live design
// at it in one transaction (design_live holds the live copy, so the
// storefront reads one row by primary key); the last KeepVersions published
// versions are kept and any of them can be restored, which publishes it
// again as a new version and resets the draft to it. Nothing a shopper sees
// ever reads the draft.
//
// Every save and publish validates the whole document: unknown themes,
// section types or settings, values of the wrong type, colours that are not
// colours (and text/background pairs below WCAG contrast), fonts outside
// the safe list, rich text with scripts or event handlers (refused, not
// silently stripped), images that are not this shop's uploads, and links to
// collections, products, pages or articles that do not exist in this shop
// (another tenant's ids are simply not found) are refused with an
// errs.Invalid naming the field path.
//
// Tables: the package owns design_drafts, design_versions, design_live,
// design_preview_tokens and design_assets. Links are checked with their
// owners (ShopRefs asks core/catalog and core/content); core/content checks
// article images with ExistingAssets.
package design

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/content"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	store.RegisterMigrations(store.Migrations{Module: "design", Order: 50, FS: sub})
}

// Refs tells which of the given ids exist in the tenant's shop, inside the
// caller's transaction. kind is a LinkKind (collection, product, page,
// article) or "asset" (design image blob keys).
type Refs interface {
	Existing(ctx context.Context, q bun.IDB, tenantID string, kind LinkKind, ids []string) (map[string]bool, error)
}

// ShopRefs asks the owners: core/catalog for collections and products,
// core/content for pages and articles, this package for its assets.
type ShopRefs struct{}

// Existing implements Refs.
func (ShopRefs) Existing(ctx context.Context, q bun.IDB, tenantID string, kind LinkKind, ids []string) (map[string]bool, error) {
	switch kind {
	case LinkCollection:
		return catalog.ExistingCollections(ctx, q, tenantID, ids)
	case LinkProduct:
		return catalog.ExistingProducts(ctx, q, tenantID, ids)
	case LinkPage:
		return content.ExistingPages(ctx, q, tenantID, ids)
	case LinkArticle:
		return content.ExistingArticles(ctx, q, tenantID, ids)
	case assetKind:
		return ExistingAssets(ctx, q, tenantID, ids)
	}
	return nil, errs.Field("link", "unknown link kind %q", kind)
}

// ExistingAssets reports which of keys are blob keys of the tenant's
// uploaded design images, in q (a content.AssetCheck).
func ExistingAssets(ctx context.Context, q bun.IDB, tenantID string, keys []string) (map[string]bool, error) {
	return store.Existing(ctx, q, "design_assets", "blob_key", tenantID, keys)
}

var _ content.AssetCheck = ExistingAssets

// Options configure a Service.
type Options struct {
	// Refs checks links; default ShopRefs.
	Refs Refs
	// Blobs stores uploaded images; nil disables uploads.
	Blobs blob.Store
	// KeepVersions is how many published versions are kept for restore
	// (default 10).
	KeepVersions int
	// MaxImageBytes caps uploads (default 5 MiB); MaxImagePixels caps the
	// decoded size (default 25 megapixels).
	MaxImageBytes  int64
	MaxImagePixels int
	// RenditionWidths are the resized widths made for each upload
	// (default 480, 960 and 1600).
	RenditionWidths []int
	// PreviewTTL is how long a preview token lasts (default 2 hours).
	PreviewTTL time.Duration
	// LiveTTL is how long Live trusts its in-memory copy before asking
	// the database again (default 1s; negative: always ask). Publishing
	// and restoring through this Service drop the copy at once; other
	// processes see a publish within LiveTTL.
	LiveTTL time.Duration
	// Now overrides the clock (tests).
	Now func() time.Time
}

// Service keeps every shop's design; each call acts on the context's tenant.
type Service struct {
	db   *store.DB
	opts Options
	live sync.Map // tenant id → liveEntry (parsed once per published number)
}

// New returns a Service.
func New(db *store.DB, opts Options) *Service {
	if opts.Refs == nil {
		opts.Refs = ShopRefs{}
	}
	if opts.KeepVersions <= 0 {
		opts.KeepVersions = 10
	}
	if opts.MaxImageBytes == 0 {
		opts.MaxImageBytes = 5 << 20
	}
	if opts.MaxImagePixels == 0 {
		opts.MaxImagePixels = 25_000_000
	}
	if len(opts.RenditionWidths) == 0 {
		opts.RenditionWidths = []int{480, 960, 1600}
	}
	if opts.LiveTTL == 0 {
		opts.LiveTTL = time.Second
	}
	if opts.PreviewTTL == 0 {
		opts.PreviewTTL = 2 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = store.Now
	}
	return &Service{db: db, opts: opts}
}

// SetBlobs wires the blob store after construction.
func (s *Service) SetBlobs(b blob.Store) { s.opts.Blobs = b }

// KeepVersions is how many published versions can be restored.
func (s *Service) KeepVersions() int { return s.opts.KeepVersions }

func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Microsecond) }

// Draft is a shop's working copy.
type Draft struct {
	Version int // 0 for a shop that never saved
	// PublishedVersion is the draft version last published (Version ==
	// PublishedVersion means the live shop shows this draft).
	PublishedVersion int
	Doc              *Document
	UpdatedAt        time.Time
	UpdatedBy        string
}

// Unpublished reports whether the draft has changes the live shop lacks.
func (d *Draft) Unpublished() bool { return d.Version != d.PublishedVersion }

// Published is a published version. Its Doc is shared by every reader and
// must not be modified (Clone it first).
type Published struct {
	Number       int
	Theme        string
	Doc          *Document
	PublishedAt  time.Time
	PublishedBy  string
	DraftVersion int
	RestoredFrom int
	Live         bool
}

type draftRow struct {
	bun.BaseModel    `bun:"table:design_drafts"`
	TenantID         string    `bun:"tenant_id,pk"`
	Version          int       `bun:"version"`
	PublishedVersion int       `bun:"published_version"`
	Document         string    `bun:"document"`
	UpdatedAt        time.Time `bun:"updated_at"`
	UpdatedBy        string    `bun:"updated_by"`
	UpdatedByName    string    `bun:"updated_by_name"`
}

type versionRow struct {
	bun.BaseModel   `bun:"table:design_versions"`
	TenantID        string    `bun:"tenant_id,pk"`
	Number          int       `bun:"number,pk"`
	Theme           string    `bun:"theme"`
	Document        string    `bun:"document"`
	DraftVersion    int       `bun:"draft_version"`
	RestoredFrom    int       `bun:"restored_from"`
	PublishedAt     time.Time `bun:"published_at"`
	PublishedBy     string    `bun:"published_by"`
	PublishedByName string    `bun:"published_by_name"`
}

func decode(s string) (*Document, error) {
	d := &Document{}
	if err := json.Unmarshal([]byte(s), d); err != nil {
		return nil, errs.Wrap(err, "design: decode document")
	}
	if d.Templates == nil {
		d.Templates = map[string][]Section{}
	}
	if d.Menus == nil {
		d.Menus = map[string][]MenuItem{}
	}
	if d.Settings == nil {
		d.Settings = Settings{}
	}
	return d, nil
}

func (r *draftRow) toDraft() (*Draft, error) {
	d, err := decode(r.Document)
	if err != nil {
		return nil, err
	}
	return &Draft{Version: r.Version, PublishedVersion: r.PublishedVersion, Doc: d, UpdatedAt: r.UpdatedAt.UTC(), UpdatedBy: r.UpdatedByName}, nil
}

// loadDraft reads the draft row (nil when none) in q.
func loadDraft(ctx context.Context, q bun.IDB, tid string) (*draftRow, error) {
	row := &draftRow{}
	err := q.NewSelect().Model(row).Where("tenant_id = ?", tid).Scan(ctx)
	if store.NoRows(err) {
		return nil, nil
	}
	return row, errs.Wrap(err, "design: draft")
}

// Draft returns the shop's draft: the saved one, or else a copy of the live
// design, or else the default document (version 0).
func (s *Service) Draft(ctx context.Context) (*Draft, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var d *Draft
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		row, err := loadDraft(ctx, q, tid)
		if err != nil {
			return err
		}
		if row != nil {
			d, err = row.toDraft()
			return err
		}
		d = &Draft{Doc: DefaultDocument()}
		return nil
	})
	return d, err
}

func conflict(row *draftRow, base int) error {
	who := row.UpdatedByName
	if who == "" {
		who = "someone"
	}
	return &errs.Error{Code: errs.Conflict, Field: "version", Message: fmt.Sprintf(
		"%s changed the design at %s UTC (it is now version %d; you started from version %d). Reload to see their changes, then make yours again.",
		who, row.UpdatedAt.UTC().Format("2006-01-02 15:04"), row.Version, base)}
}

// Validate checks a document completely, including that everything it
// links to exists in the shop. It normalises d in place.
func (s *Service) Validate(ctx context.Context, d *Document) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error { return s.validate(ctx, q, tid, d) })
}

func (s *Service) validate(ctx context.Context, q bun.IDB, tid string, d *Document) error {
	rs, err := d.validate(AssetPrefix(tid))
	if err != nil {
		return err
	}
	for _, kind := range []LinkKind{LinkCollection, LinkProduct, LinkPage, LinkArticle, assetKind} {
		m := rs[kind]
		if len(m) == 0 {
			continue
		}
		ids := make([]string, 0, len(m))
		for id := range m {
			ids = append(ids, id)
		}
		found, err := s.opts.Refs.Existing(ctx, q, tid, kind, ids)
		if err != nil {
			return err
		}
		// Report the first missing reference in a stable order.
		var worst []string
		for id, paths := range m {
			if !found[id] && (worst == nil || paths[0] < worst[0]) {
				worst = paths
			}
		}
		if worst != nil {
			return missingRef(kind, worst)
		}
	}
	return nil
}

// Edit applies fn to a copy of the draft the caller saw (version base) and
// saves it as the next version, after validating the result. It fails with
// errs.Conflict when the draft is no longer at version base, and saves
// nothing when fn or validation fails. action names the edit in the audit
// log ("section.add" is recorded as "design.section.add"), written in the
// same transaction.
func (s *Service) Edit(ctx context.Context, base int, action string, fn func(d *Document) error) (*Draft, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	actor := tenancy.ActorFrom(ctx)
	var out *Draft
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		row, err := loadDraft(ctx, q, tid)
		if err != nil {
			return err
		}
		var doc *Document
		version, published := 0, 0
		if row != nil {
			if row.Version != base {
				return conflict(row, base)
			}
			if doc, err = decode(row.Document); err != nil {
				return err
			}
			version, published = row.Version, row.PublishedVersion
		} else {
			if base != 0 {
				return errs.E(errs.Conflict, "the design has no saved draft at version %d; reload", base)
			}
			if doc, err = s.liveDoc(ctx, q, tid); err != nil {
				return err
			}
		}
		doc = doc.Clone()
		if err := fn(doc); err != nil {
			return err
		}
		if err := s.validate(ctx, q, tid, doc); err != nil {
			return err
		}
		body, err := json.Marshal(doc)
		if err != nil {
			return errs.Wrap(err, "design: encode")
		}
		nr := &draftRow{TenantID: tid, Version: version + 1, PublishedVersion: published, Document: string(body), UpdatedAt: s.now(), UpdatedBy: actor.ID, UpdatedByName: actor.Name}
		if row == nil {
			if _, err := q.NewInsert().Model(nr).Exec(ctx); err != nil {
				if store.IsUniqueViolation(err) {
					return errs.E(errs.Conflict, "someone else saved the design at the same moment; reload")
				}
				return errs.Wrap(err, "design: save draft")
			}
		} else {
			res, err := q.NewUpdate().Model(nr).WherePK().Where("version = ?", base).Exec(ctx)
			if err != nil {
				return errs.Wrap(err, "design: save draft")
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errs.E(errs.Conflict, "someone else saved the design at the same moment; reload")
			}
		}
		out = &Draft{Version: nr.Version, PublishedVersion: published, Doc: doc, UpdatedAt: nr.UpdatedAt, UpdatedBy: nr.UpdatedByName}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "design." + action, ObjectType: "design", ObjectID: "draft", After: "version " + strconv.Itoa(nr.Version)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Save replaces the draft with doc (see Edit).
func (s *Service) Save(ctx context.Context, base int, doc *Document) (*Draft, error) {
	return s.Edit(ctx, base, "draft.save", func(d *Document) error {
		*d = *doc.Clone()
		return nil
	})
}

// liveDoc is the live document, or the default one.
func (s *Service) liveDoc(ctx context.Context, q bun.IDB, tid string) (*Document, error) {
	var body string
	err := q.NewRaw("SELECT document FROM design_live WHERE tenant_id = ?", tid).Scan(ctx, &body)
	if store.NoRows(err) {
		return DefaultDocument(), nil
	}
	if err != nil {
		return nil, errs.Wrap(err, "design: live")
	}
	return decode(body)
}

// Publish makes the draft the live design. base is the draft version the
// caller saw; a stale base is refused with errs.Conflict and nothing
// changes. The draft is validated again (a linked collection may have been
// deleted since it was saved); an invalid draft publishes nothing.
func (s *Service) Publish(ctx context.Context, base int) (*Published, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var out *Published
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		row, err := loadDraft(ctx, q, tid)
		if err != nil {
			return err
		}
		var doc *Document
		if row == nil {
			if base != 0 {
				return errs.E(errs.Conflict, "the design has no saved draft at version %d; reload", base)
			}
			if doc, err = s.liveDoc(ctx, q, tid); err != nil {
				return err
			}
		} else {
			if row.Version != base {
				return conflict(row, base)
			}
			if doc, err = decode(row.Document); err != nil {
				return err
			}
		}
		if err := s.validate(ctx, q, tid, doc); err != nil {
			return err
		}
		out, err = s.publish(ctx, q, tid, doc, base, 0)
		if err != nil {
			return err
		}
		if row != nil {
			if _, err := q.NewRaw("UPDATE design_drafts SET published_version = version WHERE tenant_id = ? AND version = ?", tid, base).Exec(ctx); err != nil {
				return errs.Wrap(err, "design: publish")
			}
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "design.publish", ObjectType: "design", ObjectID: strconv.Itoa(out.Number),
			After: "theme " + out.Theme + ", draft version " + strconv.Itoa(base)})
	})
	s.live.Delete(tid) // after the commit, so no reader re-caches the old version
	if err != nil {
		return nil, err
	}
	return out, nil
}

// publish writes a new version and points the live design at it, then
// prunes versions beyond KeepVersions.
func (s *Service) publish(ctx context.Context, q bun.IDB, tid string, doc *Document, draftVersion, restoredFrom int) (*Published, error) {
	body, err := json.Marshal(doc)
	if err != nil {
		return nil, errs.Wrap(err, "design: encode")
	}
	var last int
	if err := q.NewRaw("SELECT COALESCE(MAX(number), 0) FROM design_versions WHERE tenant_id = ?", tid).Scan(ctx, &last); err != nil {
		return nil, errs.Wrap(err, "design: publish")
	}
	actor := tenancy.ActorFrom(ctx)
	v := &versionRow{TenantID: tid, Number: last + 1, Theme: doc.Theme, Document: string(body), DraftVersion: draftVersion, RestoredFrom: restoredFrom,
		PublishedAt: s.now(), PublishedBy: actor.ID, PublishedByName: actor.Name}
	if _, err := q.NewInsert().Model(v).Exec(ctx); err != nil {
		if store.IsUniqueViolation(err) {
			return nil, errs.E(errs.Conflict, "someone else published at the same moment; reload")
		}
		return nil, errs.Wrap(err, "design: publish")
	}
	if _, err := q.NewRaw(`INSERT INTO design_live (tenant_id, number, document, published_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant_id) DO UPDATE SET number = EXCLUDED.number, document = EXCLUDED.document, published_at = EXCLUDED.published_at`,
		tid, v.Number, v.Document, v.PublishedAt).Exec(ctx); err != nil {
		return nil, errs.Wrap(err, "design: publish live")
	}
	if _, err := q.NewRaw("DELETE FROM design_versions WHERE tenant_id = ? AND number <= ?", tid, v.Number-s.opts.KeepVersions).Exec(ctx); err != nil {
		return nil, errs.Wrap(err, "design: prune versions")
	}
	return &Published{Number: v.Number, Theme: v.Theme, Doc: doc, PublishedAt: v.PublishedAt, PublishedBy: v.PublishedByName,
		DraftVersion: draftVersion, RestoredFrom: restoredFrom, Live: true}, nil
}

// Restore publishes a kept version again (as a new version, so the history
// stays linear) and resets the draft to it. base is the draft version the
// caller saw: restoring throws the draft's unpublished changes away, so a
// stale base is refused.
func (s *Service) Restore(ctx context.Context, number, base int) (*Published, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	actor := tenancy.ActorFrom(ctx)
	var out *Published
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		row, err := loadDraft(ctx, q, tid)
		if err != nil {
			return err
		}
		cur := 0
		if row != nil {
			if row.Version != base {
				return conflict(row, base)
			}
			cur = row.Version
		} else if base != 0 {
			return errs.E(errs.Conflict, "the design has no saved draft at version %d; reload", base)
		}
		v := &versionRow{}
		if err := q.NewSelect().Model(v).Where("tenant_id = ? AND number = ?", tid, number).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return errs.NotFoundf("version %d is not kept (the last %d published versions are)", number, s.opts.KeepVersions)
			}
			return errs.Wrap(err, "design: restore")
		}
		doc, err := decode(v.Document)
		if err != nil {
			return err
		}
		if err := s.validate(ctx, q, tid, doc); err != nil {
			var e *errs.Error
			if errors.As(err, &e) && e.Code == errs.Invalid {
				return &errs.Error{Code: errs.Invalid, Field: e.Field, Message: fmt.Sprintf("version %d cannot be restored: %s", number, e.Message)}
			}
			return err
		}
		nr := &draftRow{TenantID: tid, Version: cur + 1, PublishedVersion: cur + 1, Document: v.Document, UpdatedAt: s.now(), UpdatedBy: actor.ID, UpdatedByName: actor.Name}
		if row == nil {
			_, err = q.NewInsert().Model(nr).Exec(ctx)
		} else {
			_, err = q.NewUpdate().Model(nr).WherePK().Where("version = ?", base).Exec(ctx)
		}
		if err != nil {
			return errs.Wrap(err, "design: restore draft")
		}
		if out, err = s.publish(ctx, q, tid, doc, nr.Version, number); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "design.restore", ObjectType: "design", ObjectID: strconv.Itoa(out.Number),
			After: "restored version " + strconv.Itoa(number)})
	})
	s.live.Delete(tid)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Versions lists the kept published versions, newest first.
func (s *Service) Versions(ctx context.Context) ([]*Published, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var rows []versionRow
	var live int
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := q.NewSelect().Model(&rows).Column("tenant_id", "number", "theme", "draft_version", "restored_from", "published_at", "published_by", "published_by_name").
			Where("tenant_id = ?", tid).Order("number DESC").Scan(ctx); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "design: versions")
		}
		err := q.NewRaw("SELECT number FROM design_live WHERE tenant_id = ?", tid).Scan(ctx, &live)
		if store.NoRows(err) {
			err = nil
		}
		return errs.Wrap(err, "design: versions")
	})
	if err != nil {
		return nil, err
	}
	out := make([]*Published, len(rows))
	for i, r := range rows {
		out[i] = &Published{Number: r.Number, Theme: r.Theme, PublishedAt: r.PublishedAt.UTC(), PublishedBy: r.PublishedByName,
			DraftVersion: r.DraftVersion, RestoredFrom: r.RestoredFrom, Live: r.Number == live}
	}
	return out, nil
}

// Version returns one kept version with its document.
func (s *Service) Version(ctx context.Context, number int) (*Published, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	v := &versionRow{}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		err := q.NewSelect().Model(v).Where("tenant_id = ? AND number = ?", tid, number).Scan(ctx)
		if store.NoRows(err) {
			return errs.NotFoundf("version not found")
		}
		return errs.Wrap(err, "design: version")
	})
	if err != nil {
		return nil, err
	}
	doc, err := decode(v.Document)
	if err != nil {
		return nil, err
	}
	return &Published{Number: v.Number, Theme: v.Theme, Doc: doc, PublishedAt: v.PublishedAt.UTC(), PublishedBy: v.PublishedByName,
		DraftVersion: v.DraftVersion, RestoredFrom: v.RestoredFrom}, nil
}

// Forget drops the in-memory copy of a shop's live design, so the next
// Live asks the database (the storefront's page cache calls it when it
// sees the shop change, e.g. a publish by another process).
func (s *Service) Forget(tenantID string) { s.live.Delete(tenantID) }

type liveEntry struct {
	p       *Published
	checked time.Time
}

// Live returns the shop's live design (Number 0 with the default document
// when it never published). It is the storefront's read: none within
// LiveTTL of the last check, else one primary-key query; the document is
// decoded once per published number and shared.
func (s *Service) Live(ctx context.Context) (*Published, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var cached *Published
	if e, ok := s.live.Load(tid); ok {
		le := e.(liveEntry)
		if s.opts.LiveTTL > 0 && now.Sub(le.checked) < s.opts.LiveTTL {
			return le.p, nil
		}
		cached = le.p
	}
	have := -1
	if cached != nil {
		have = cached.Number
	}
	var row struct {
		Number      int       `bun:"number"`
		Document    string    `bun:"document"`
		PublishedAt time.Time `bun:"published_at"`
	}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw("SELECT number, CASE WHEN number = ? THEN '' ELSE document END AS document, published_at FROM design_live WHERE tenant_id = ?", have, tid).Scan(ctx, &row)
	})
	var p *Published
	switch {
	case store.NoRows(err):
		p = cached
		if p == nil || p.Number != 0 {
			p = &Published{Theme: DefaultTheme, Doc: DefaultDocument(), Live: true}
		}
	case err != nil:
		return nil, errs.Wrap(err, "design: live")
	case row.Number == have:
		p = cached
	default:
		doc, err := decode(row.Document)
		if err != nil {
			return nil, err
		}
		p = &Published{Number: row.Number, Theme: doc.Theme, Doc: doc, PublishedAt: row.PublishedAt.UTC(), Live: true}
	}
	s.live.Store(tid, liveEntry{p: p, checked: now})
	return p, nil
}

// CreatePreviewToken returns a token that lets its holder see the draft on
// the storefront until it expires (handed to staff by the console; only
// its hash is stored).
func (s *Service) CreatePreviewToken(ctx context.Context) (string, time.Time, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	var b [24]byte
	rand.Read(b[:])
	tok := "wsp_" + base64.RawURLEncoding.EncodeToString(b[:])
	now := s.now()
	exp := now.Add(s.opts.PreviewTTL)
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if _, err := q.NewRaw("DELETE FROM design_preview_tokens WHERE tenant_id = ? AND expires_at < ?", tid, now).Exec(ctx); err != nil {
			return errs.Wrap(err, "design: preview token")
		}
		if _, err := q.NewRaw("INSERT INTO design_preview_tokens (tenant_id, token_hash, expires_at, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
			tid, hashToken(tok), exp, tenancy.ActorFrom(ctx).ID, now).Exec(ctx); err != nil {
			return errs.Wrap(err, "design: preview token")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "design.preview_link", ObjectType: "design", ObjectID: "draft", After: "until " + exp.Format(time.RFC3339)})
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return tok, exp, nil
}

// CheckPreviewToken reports whether tok is a live preview token of the
// context's shop.
func (s *Service) CheckPreviewToken(ctx context.Context, tok string) bool {
	tid, err := store.TenantID(ctx)
	if err != nil || len(tok) < 10 || len(tok) > 100 {
		return false
	}
	var n int
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw("SELECT count(*) FROM design_preview_tokens WHERE tenant_id = ? AND token_hash = ? AND expires_at > ?", tid, hashToken(tok), s.now()).Scan(ctx, &n)
	})
	return err == nil && n > 0
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}
