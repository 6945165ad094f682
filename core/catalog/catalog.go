// Package catalog is a shop's product catalog: products with up to three
// options and their variants, images, a category tree, manual and automatic
// collections, tags, SEO fields, the listing workflow (draft → in review →
// published → archived, with reviewer comments and scheduled publishing),
// search and bulk edits. Batch is its API for bulk work in one transaction
// (look-ups by handle and SKU, multi-row creates, updates in savepoints) and
// EachPage walks the whole catalog a page at a time: the Shopify CSV format
// (core/catalog/shopifycsv) imports and exports through them and never
// touches the catalog's tables.
//
// Everything is scoped by the tenant in the context (tenancy.TenantID) and
// stored through core/store on SQLite or PostgreSQL. Permissions (who may
// publish, who may edit) are checked by the caller; this package records who
// did what (tenancy.ActorFrom) and enforces the workflow's transitions.
//
// Read paths used by the storefront (List with Published, ProductByHandle)
// run a constant number of queries whatever the page size: one for the
// page of products, then one each for variants, images, tags and stock of
// all products on the page.
//
// A variant whose inventory is not tracked (InventoryTracked false,
// Shopify's blank Variant Inventory Tracker) is sold whatever its stock
// says.
//
// Search is one portable design rather than FTS5 on SQLite and tsvector on
// PostgreSQL: a token table (catalog_search_tokens) keyed by (tenant, token,
// product). Titles, vendors, types, tags, handles, SKUs and barcodes are cut
// into lower-case tokens; Han, Hiragana/Katakana and Hangul runs become
// unigrams and bigrams so Chinese titles are searchable without spaces. A
// query term matches by prefix (a range scan on the primary key, byte-wise
// collation on both engines); several terms must all match. Results are
// ordered by the requested sort (not by relevance) and paged with a keyset
// cursor, so page N costs the same as page 1.
//
// Tables: the catalog owns catalog_products, catalog_variants,
// catalog_images, catalog_categories, catalog_collections,
// catalog_collection_products, catalog_product_tags, catalog_search_tokens,
// catalog_slug_history and catalog_review_events. Other packages never name
// them in SQL: they call the reads in lookup.go inside their own
// transaction. Where a second round trip would cost a hot path, the owners
// lend each other scalar subqueries over their own tables instead:
// core/inventory's stock enters SaleVariants and VariantSummaries as a
// StockColumn, and MayGoNegativeSQL gives inventory's conditional UPDATE the
// backorder rule. cmd/wasmart's TestTableOwnership enforces the rule.
package catalog

import (
	"context"
	"embed"
	"io/fs"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/store"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	store.RegisterMigrations(store.Migrations{Module: "catalog", Order: 20, FS: sub})
}

// Status is a product's place in the listing workflow.
type Status string

// Statuses.
const (
	Draft     Status = "draft"
	InReview  Status = "in_review"
	Published Status = "published"
	Archived  Status = "archived"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case Draft, InReview, Published, Archived:
		return true
	}
	return false
}

// Role is a product's role in the assortment.
type Role string

// Roles (引流款, 利润款, 形象款, 活动款).
const (
	RoleNone     Role = ""
	RoleTraffic  Role = "traffic"
	RoleProfit   Role = "profit"
	RoleImage    Role = "image"
	RoleCampaign Role = "campaign"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleNone, RoleTraffic, RoleProfit, RoleImage, RoleCampaign:
		return true
	}
	return false
}

// Stock is a variant's stock summed over the shop's locations.
type Stock struct {
	OnHand    int64
	Available int64
	Reserved  int64
	// Backorder is true when the variant may be sold below zero: it allows
	// backorder, or its inventory is not tracked.
	Backorder bool
}

// InStock reports whether the variant can be bought now.
func (s Stock) InStock() bool { return s.Available > 0 || s.Backorder }

// StockSource gives stock summaries for variants, inside the caller's
// transaction. The inventory package implements it; catalog does not import
// inventory.
type StockSource interface {
	StockFor(ctx context.Context, q bun.IDB, tenantID string, variantIDs []string) (map[string]Stock, error)
}

// ImportedStock is a variant's on-hand quantity read from an import file.
type ImportedStock struct {
	VariantID      string
	Quantity       int64
	AllowBackorder bool
}

// StockSink records imported stock quantities in the import's transaction.
// The inventory package implements it.
type StockSink interface {
	// ImportStock records the stock of new variants (a "received"
	// movement at the default location).
	ImportStock(ctx context.Context, q bun.IDB, tenantID string, levels []ImportedStock) error
	// SetImportedStock makes existing variants' available stock, summed
	// over locations, equal to the imported quantities (an import that
	// updates products): the difference is an "adjusted" movement.
	SetImportedStock(ctx context.Context, q bun.IDB, tenantID string, levels []ImportedStock) error
}

// Options configure a Service.
type Options struct {
	// Currency is the shop currency for new products when the input names
	// none (default "USD").
	Currency string
	// Blobs stores uploaded images; nil disables uploads.
	Blobs blob.Store
	// Stock, when set, fills Variant.Stock on read paths.
	Stock StockSource
	// StockSink, when set, receives "Variant Inventory Qty" on CSV import.
	StockSink StockSink
	// FourEyes forbids approving a product one submitted oneself.
	FourEyes bool
	// MaxImageBytes caps uploads (default 10 MiB); MaxImagePixels caps
	// decoded size (default 40 megapixels).
	MaxImageBytes  int64
	MaxImagePixels int
	// RenditionWidths are the resized widths made for each upload
	// (default 320 and 800).
	RenditionWidths []int
	// Now overrides the clock (tests).
	Now func() time.Time
}

// Service is the catalog of every shop; each call acts on the context's
// tenant.
type Service struct {
	db   *store.DB
	opts Options
}

// New returns a Service.
func New(db *store.DB, opts Options) *Service {
	if opts.Currency == "" {
		opts.Currency = "USD"
	}
	if opts.MaxImageBytes == 0 {
		opts.MaxImageBytes = 10 << 20
	}
	if opts.MaxImagePixels == 0 {
		opts.MaxImagePixels = 40_000_000
	}
	if len(opts.RenditionWidths) == 0 {
		opts.RenditionWidths = []int{320, 800}
	}
	if opts.Now == nil {
		opts.Now = store.Now
	}
	return &Service{db: db, opts: opts}
}

// SetStock wires the stock source and sink after construction (the
// inventory service is usually built from the same database).
func (s *Service) SetStock(src StockSource, sink StockSink) {
	s.opts.Stock = src
	s.opts.StockSink = sink
}

// DefaultCurrency is the currency of products whose input names none
// (Options.Currency).
func (s *Service) DefaultCurrency() string { return s.opts.Currency }

func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Microsecond) }
