// Package wishlist keeps the products (or single variants) shoppers save
// for later, one list per shopper per shop.
//
// Whose list: a signed-in customer's by customer id; a guest's by the
// guest token the storefront already keeps for the guest cart (the cart
// cookie, or the Cart-Token header of API clients: Owner is cart.Owner),
// so a wishlist adds no identifier and no cookie of its own. Only the
// token's SHA-256 is stored. At sign-in Merge folds the guest's list into
// the customer's, as the cart does; guest lists nobody touched for
// GuestTTL are deleted by SweepGuests (a core/jobs schedule in serve).
//
// Adds are idempotent (saving a saved product changes nothing and reports
// added=false), a list holds at most MaxItems items (the next add is a
// 409 naming product_id), and a product or variant must be one of the
// shop's published products (else 404 naming the field). Items store ids
// only: prices are read when a list is shown, so a list always shows the
// current (and sale) prices.
//
// Tables: the package owns wishlists and wishlist_items. Products and
// variants are checked through core/catalog's reads, never its tables.
package wishlist

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	store.RegisterMigrations(store.Migrations{Module: "wishlist", Order: 71, FS: sub})
}

// MaxItems is how many items one list holds.
const MaxItems = 200

// DefaultGuestTTL is how long a guest list lives after its last change.
const DefaultGuestTTL = 60 * 24 * time.Hour

// Owner says whose list: a customer (CustomerID) or a guest (Token, the
// storefront's guest cart token).
type Owner = cart.Owner

// Item is a saved product, or one variant of it (VariantID "": the
// product).
type Item struct {
	bun.BaseModel `bun:"table:wishlist_items"`

	TenantID   string    `bun:"tenant_id,pk" json:"-"`
	ID         string    `bun:"id,pk" json:"id"`
	WishlistID string    `bun:"wishlist_id" json:"-"`
	ProductID  string    `bun:"product_id" json:"product_id"`
	VariantID  string    `bun:"variant_id" json:"variant_id,omitempty"`
	CreatedAt  time.Time `bun:"created_at" json:"created_at"`
}

type list struct {
	bun.BaseModel `bun:"table:wishlists,alias:w"`

	TenantID   string    `bun:"tenant_id,pk"`
	ID         string    `bun:"id,pk"`
	TokenHash  string    `bun:"token_hash"`
	CustomerID string    `bun:"customer_id"`
	CreatedAt  time.Time `bun:"created_at"`
	UpdatedAt  time.Time `bun:"updated_at"`
}

// Service manages the wishlists of the context's tenant.
type Service struct {
	db *store.DB
	// Now is the clock (tests).
	Now func() time.Time
	// GuestTTL is how long an untouched guest list is kept (0:
	// DefaultGuestTTL).
	GuestTTL time.Duration
}

// New returns the service.
func New(db *store.DB) *Service { return &Service{db: db, Now: time.Now} }

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

func valid(o Owner) bool { return o.CustomerID != "" || (o.Token != "" && len(o.Token) <= 128) }

func ownerWhere(sel *bun.SelectQuery, tenant string, o Owner) *bun.SelectQuery {
	sel = sel.Where("w.tenant_id = ?", tenant)
	if o.CustomerID != "" {
		return sel.Where("w.customer_id = ?", o.CustomerID)
	}
	return sel.Where("w.token_hash = ?", hashToken(o.Token))
}

// load finds the owner's list in q (nil: none yet).
func load(ctx context.Context, q bun.IDB, tenant string, o Owner) (*list, error) {
	var l list
	err := ownerWhere(q.NewSelect().Model(&l), tenant, o).Scan(ctx)
	if store.NoRows(err) {
		return nil, nil
	}
	return &l, errs.Wrap(err, "wishlist: load")
}

// ensure returns the owner's list, creating it (a concurrent creation of
// the same list is taken, not doubled).
func (s *Service) ensure(ctx context.Context, q bun.IDB, tenant string, o Owner) (*list, error) {
	if l, err := load(ctx, q, tenant, o); l != nil || err != nil {
		return l, err
	}
	now := s.now()
	l := &list{TenantID: tenant, ID: store.NewID(), CustomerID: o.CustomerID, CreatedAt: now, UpdatedAt: now}
	if o.CustomerID == "" {
		l.TokenHash = hashToken(o.Token)
	}
	if _, err := q.NewInsert().Model(l).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
		return nil, errs.Wrap(err, "wishlist: create")
	}
	return load(ctx, q, tenant, o)
}

// check makes sure productID is a published product of the tenant and
// variantID ("" allowed) one of its variants.
func check(ctx context.Context, q bun.IDB, tenant, productID, variantID string) error {
	if productID == "" || len(productID) > 64 {
		return errs.Field("product_id", "choose a product")
	}
	if len(variantID) > 64 {
		return notFound("variant_id", "no such variant of this product")
	}
	briefs, err := catalog.ProductBriefs(ctx, q, tenant, []string{productID})
	if err != nil {
		return err
	}
	if b, ok := briefs[productID]; !ok || !b.Published {
		return notFound("product_id", "no such product in this shop")
	}
	if variantID != "" {
		vs, err := catalog.ProductVariantIDs(ctx, q, tenant, []string{productID})
		if err != nil {
			return err
		}
		if vs[variantID] != productID {
			return notFound("variant_id", "no such variant of this product")
		}
	}
	return nil
}

func notFound(field, msg string) error {
	return &errs.Error{Code: errs.NotFound, Message: msg, Field: field}
}

// Add saves a product (variantID "") or one of its variants to the
// owner's list. It reports whether the item is new; saving a saved item
// again changes nothing. A full list refuses a new item (409 naming
// product_id).
func (s *Service) Add(ctx context.Context, o Owner, productID, variantID string) (added bool, err error) {
	if !valid(o) {
		return false, errs.E(errs.Invalid, "no shopper to keep a wishlist for")
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return false, err
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := check(ctx, q, tenant, productID, variantID); err != nil {
			return err
		}
		l, err := s.ensure(ctx, q, tenant, o)
		if err != nil {
			return err
		}
		exists, err := q.NewSelect().Model((*Item)(nil)).
			Where("tenant_id = ? AND wishlist_id = ? AND product_id = ? AND variant_id = ?", tenant, l.ID, productID, variantID).Exists(ctx)
		if err != nil || exists {
			return errs.Wrap(err, "wishlist: add")
		}
		n, err := q.NewSelect().Model((*Item)(nil)).Where("tenant_id = ? AND wishlist_id = ?", tenant, l.ID).Count(ctx)
		if err != nil {
			return errs.Wrap(err, "wishlist: add")
		}
		if n >= MaxItems {
			return &errs.Error{Code: errs.Conflict, Field: "product_id", Message: "your wishlist is full (200 items); remove something first"}
		}
		now := s.now()
		res, err := q.NewInsert().Model(&Item{TenantID: tenant, ID: store.NewID(), WishlistID: l.ID, ProductID: productID, VariantID: variantID, CreatedAt: now}).
			On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "wishlist: add")
		}
		if k, _ := res.RowsAffected(); k > 0 {
			added = true
		}
		_, err = q.NewUpdate().Model((*list)(nil)).Set("updated_at = ?", now).Where("tenant_id = ? AND id = ?", tenant, l.ID).Exec(ctx)
		return errs.Wrap(err, "wishlist: add")
	})
	return added, err
}

// Remove takes an item off the owner's list; an item that is not there is
// no error.
func (s *Service) Remove(ctx context.Context, o Owner, productID, variantID string) error {
	if !valid(o) {
		return nil
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		l, err := load(ctx, q, tenant, o)
		if err != nil || l == nil {
			return err
		}
		if _, err := q.NewDelete().Model((*Item)(nil)).
			Where("tenant_id = ? AND wishlist_id = ? AND product_id = ? AND variant_id = ?", tenant, l.ID, productID, variantID).Exec(ctx); err != nil {
			return errs.Wrap(err, "wishlist: remove")
		}
		_, err = q.NewUpdate().Model((*list)(nil)).Set("updated_at = ?", s.now()).Where("tenant_id = ? AND id = ?", tenant, l.ID).Exec(ctx)
		return errs.Wrap(err, "wishlist: remove")
	})
}

// Items are the owner's saved items, newest first (none without a list).
func (s *Service) Items(ctx context.Context, o Owner) ([]Item, error) {
	if !valid(o) {
		return nil, nil
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var out []Item
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sel := q.NewSelect().Model(&out).ModelTableExpr("wishlist_items AS i").ColumnExpr("i.*").
			Join("JOIN wishlists AS w ON w.tenant_id = i.tenant_id AND w.id = i.wishlist_id").
			OrderExpr("i.created_at DESC, i.id DESC")
		return ownerWhere(sel, tenant, o).Scan(ctx)
	})
	if store.NoRows(err) {
		err = nil
	}
	return out, errs.Wrap(err, "wishlist: items")
}

// CustomerItems are a customer's saved items (the console's customer
// page).
func (s *Service) CustomerItems(ctx context.Context, customerID string) ([]Item, error) {
	if customerID == "" {
		return nil, nil
	}
	return s.Items(ctx, Owner{CustomerID: customerID})
}

// Has reports whether the owner saved the product (or any of its
// variants).
func (s *Service) Has(ctx context.Context, o Owner, productID string) (bool, error) {
	if !valid(o) || productID == "" {
		return false, nil
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return false, err
	}
	var has bool
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sel := q.NewSelect().TableExpr("wishlist_items AS i").ColumnExpr("1").
			Join("JOIN wishlists AS w ON w.tenant_id = i.tenant_id AND w.id = i.wishlist_id").
			Where("i.product_id = ?", productID)
		has, err = ownerWhere(sel, tenant, o).Exists(ctx)
		return err
	})
	return has, errs.Wrap(err, "wishlist: has")
}

// Exists reports whether the owner has a list at all (one indexed read:
// the storefront asks it before anything dearer on every product page a
// shopper with a cookie opens).
func (s *Service) Exists(ctx context.Context, o Owner) (bool, error) {
	if !valid(o) {
		return false, nil
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return false, err
	}
	var ok bool
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		ok, err = ownerWhere(q.NewSelect().Model((*list)(nil)), tenant, o).Exists(ctx)
		return err
	})
	return ok, errs.Wrap(err, "wishlist: exists")
}

// SavedBy is how many shoppers' lists hold the product (or a variant of
// it): the console's product page.
func (s *Service) SavedBy(ctx context.Context, productID string) (int, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().TableExpr("wishlist_items").ColumnExpr("COUNT(DISTINCT wishlist_id)").
			Where("tenant_id = ? AND product_id = ?", tenant, productID).Scan(ctx, &n)
	})
	return n, errs.Wrap(err, "wishlist: saved by")
}

// Merge folds a guest's list into the customer's at sign-in: the guest's
// items join the customer's (an item both hold is kept once; past
// MaxItems the extra guest items are dropped rather than failing the
// sign-in), and the guest list is deleted. Without a customer list, the
// guest list simply becomes the customer's.
func (s *Service) Merge(ctx context.Context, token, customerID string) error {
	if token == "" || len(token) > 128 || customerID == "" {
		return nil
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		guest, err := load(ctx, q, tenant, Owner{Token: token})
		if err != nil || guest == nil {
			return err
		}
		now := s.now()
		mine, err := load(ctx, q, tenant, Owner{CustomerID: customerID})
		if err != nil {
			return err
		}
		if mine == nil {
			_, err := q.NewUpdate().Model((*list)(nil)).Set("customer_id = ?", customerID).Set("token_hash = ''").Set("updated_at = ?", now).
				Where("tenant_id = ? AND id = ?", tenant, guest.ID).Exec(ctx)
			return errs.Wrap(err, "wishlist: merge")
		}
		var theirs, have []Item
		if err := q.NewSelect().Model(&theirs).Where("tenant_id = ? AND wishlist_id = ?", tenant, guest.ID).OrderExpr("created_at, id").Scan(ctx); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "wishlist: merge")
		}
		if err := q.NewSelect().Model(&have).Where("tenant_id = ? AND wishlist_id = ?", tenant, mine.ID).Scan(ctx); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "wishlist: merge")
		}
		seen := map[[2]string]bool{}
		for _, it := range have {
			seen[[2]string{it.ProductID, it.VariantID}] = true
		}
		room := MaxItems - len(have)
		var move []Item
		for _, it := range theirs {
			k := [2]string{it.ProductID, it.VariantID}
			if seen[k] || room <= 0 {
				continue
			}
			seen[k], room = true, room-1
			move = append(move, Item{TenantID: tenant, ID: store.NewID(), WishlistID: mine.ID, ProductID: it.ProductID, VariantID: it.VariantID, CreatedAt: it.CreatedAt})
		}
		if len(move) > 0 {
			if _, err := q.NewInsert().Model(&move).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
				return errs.Wrap(err, "wishlist: merge")
			}
		}
		if _, err := q.NewDelete().Model((*list)(nil)).Where("tenant_id = ? AND id = ?", tenant, guest.ID).Exec(ctx); err != nil {
			return errs.Wrap(err, "wishlist: merge")
		}
		_, err = q.NewUpdate().Model((*list)(nil)).Set("updated_at = ?", now).Where("tenant_id = ? AND id = ?", tenant, mine.ID).Exec(ctx)
		return errs.Wrap(err, "wishlist: merge")
	})
}

// SweepGuests deletes, in every shop, the guest lists untouched for
// GuestTTL (their items go with them), and returns how many lists went.
// Customers' lists are kept.
func (s *Service) SweepGuests(ctx context.Context) (int64, error) {
	ttl := s.GuestTTL
	if ttl <= 0 {
		ttl = DefaultGuestTTL
	}
	cutoff := s.now().Add(-ttl)
	var n int64
	err := s.db.Write(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
		// Items first: the foreign key cascades, but SQLite only does so
		// with foreign keys on, so nothing is left to chance.
		if _, err := q.NewDelete().TableExpr("wishlist_items").Where("wishlist_id IN (SELECT id FROM wishlists AS w WHERE w.tenant_id = wishlist_items.tenant_id AND w.token_hash <> '' AND w.updated_at < ?)", cutoff).Exec(ctx); err != nil {
			return err
		}
		res, err := q.NewDelete().TableExpr("wishlists").Where("token_hash <> '' AND updated_at < ?", cutoff).Exec(ctx)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, errs.Wrap(err, "wishlist: sweep guests")
}
