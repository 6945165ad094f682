package api

import (
	"context"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/wishlist"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/session"
)

// StoreWishlist is the shopper's wishlist over JSON on the shop's own host
// (/api/store/wishlist): the signed-in customer's, else the guest's named
// by the same guest token as the cart (Cart-Token header or cart cookie;
// a first save without one answers with a new token in the Cart-Token
// header). Lists carry current prices, sale prices included (the offers
// product cards show). Each save records the analytics event
// wishlist_add.
type StoreWishlist struct {
	*session.Kit
	wishlists  *wishlist.Service
	catalog    *catalog.Service
	promotions *promotion.Service
	db         *store.DB
	analytics  *analytics.Service // nil: nothing counted
}

// WishlistRequest saves or removes a product, or one of its variants.
type WishlistRequest struct {
	ProductID string `json:"product_id"`
	VariantID string `json:"variant_id,omitempty"`
}

// WishlistItemJSON is a saved item with its current price (minor units):
// the variant's when one is saved, else the product's lowest; SalePrice
// and SaleLabel when an automatic offer lowers it; Available false when
// the product is no longer for sale.
type WishlistItemJSON struct {
	ProductID      string    `json:"product_id"`
	VariantID      string    `json:"variant_id,omitempty"`
	Title          string    `json:"title"`
	Handle         string    `json:"handle,omitempty"`
	Currency       string    `json:"currency,omitempty"`
	Price          int64     `json:"price"`
	CompareAtPrice int64     `json:"compare_at_price,omitempty"`
	SalePrice      int64     `json:"sale_price,omitempty"`
	SaleLabel      string    `json:"sale_label,omitempty"`
	Available      bool      `json:"available"`
	AddedAt        time.Time `json:"added_at"`
}

// WishlistJSON is the shopper's list, newest first. Added tells whether a
// save added the item (false: it was there already).
type WishlistJSON struct {
	Items []WishlistItemJSON `json:"items"`
	Max   int                `json:"max"`
	Added *bool              `json:"added,omitempty"`
	Token string             `json:"token,omitempty"`
}

// Routes are the shopper's wishlist routes.
func (s *StoreWishlist) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeStorefront, "store")
	api.API("GET", "/api/store/wishlist", httpx.Public, "The shopper's wishlist with current and sale prices (signed-in customer, or the guest's Cart-Token)", nil, WishlistJSON{}, s.apiList)
	api.API("POST", "/api/store/wishlist", httpx.Public, "Save a product or variant (idempotent: added false when already saved; 409 on product_id past 200 items; 404 naming the field for another shop's product)", WishlistRequest{}, WishlistJSON{}, s.apiAdd)
	api.API("DELETE", "/api/store/wishlist", httpx.Public, "Remove a product or variant (query product_id, variant_id; removing what is not there is no error)", nil, WishlistJSON{}, s.apiRemove)
	return t.Routes()
}

func (s *StoreWishlist) owner(c *fiber.Ctx, create bool) (wishlist.Owner, string) {
	if s.wishlists == nil {
		return wishlist.Owner{}, ""
	}
	return s.CartOwner(c, create)
}

func (s *StoreWishlist) apiList(c *fiber.Ctx) error {
	o, _ := s.owner(c, false)
	return s.answer(c, o, nil, "")
}

func (s *StoreWishlist) apiAdd(c *fiber.Ctx) error {
	if s.wishlists == nil {
		return errs.NotFoundf("this shop has no wishlist")
	}
	var in WishlistRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := checkWishlistFields(in); err != nil {
		return err
	}
	o, tok := s.owner(c, true)
	added, err := s.wishlists.Add(c.UserContext(), o, in.ProductID, in.VariantID)
	if err != nil {
		return err
	}
	if added && s.analytics != nil {
		h := s.Hit(c, analytics.WishlistAdd)
		h.ProductID = strings.Clone(in.ProductID)
		s.analytics.Track(h)
	}
	if added {
		c.Status(fiber.StatusCreated)
	}
	return s.answer(c, o, &added, tok)
}

func (s *StoreWishlist) apiRemove(c *fiber.Ctx) error {
	if s.wishlists == nil {
		return errs.NotFoundf("this shop has no wishlist")
	}
	in := WishlistRequest{ProductID: strings.Clone(c.Query("product_id")), VariantID: strings.Clone(c.Query("variant_id"))}
	if err := checkWishlistFields(in); err != nil {
		return err
	}
	o, _ := s.owner(c, false)
	if err := s.wishlists.Remove(c.UserContext(), o, in.ProductID, in.VariantID); err != nil {
		return err
	}
	return s.answer(c, o, nil, "")
}

func checkWishlistFields(in WishlistRequest) error {
	if strings.TrimSpace(in.ProductID) == "" {
		return errs.Field("product_id", "is required")
	}
	for f, v := range map[string]string{"product_id": in.ProductID, "variant_id": in.VariantID} {
		if len(v) > 64 || strings.ContainsAny(v, "\x00\r\n") {
			return errs.Field(f, "is not a product of this shop")
		}
	}
	return nil
}

// answer writes the owner's list, priced now.
func (s *StoreWishlist) answer(c *fiber.Ctx, o wishlist.Owner, added *bool, tok string) error {
	out := WishlistJSON{Items: []WishlistItemJSON{}, Max: wishlist.MaxItems, Added: added, Token: tok}
	if s.wishlists == nil {
		return c.JSON(out)
	}
	ctx := c.UserContext()
	items, err := s.wishlists.Items(ctx, o)
	if err != nil {
		return err
	}
	now := time.Now()
	var live []*catalog.Product
	byID := map[string]*catalog.Product{}
	for _, it := range items {
		if byID[it.ProductID] != nil {
			continue
		}
		p, err := s.catalog.Get(ctx, it.ProductID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if p != nil && p.Visible(now) {
			byID[it.ProductID] = p
			live = append(live, p)
		}
	}
	sales, err := s.sales(ctx, live)
	if err != nil {
		return err
	}
	for _, it := range items {
		j := WishlistItemJSON{ProductID: it.ProductID, VariantID: it.VariantID, AddedAt: it.CreatedAt}
		if p := byID[it.ProductID]; p != nil {
			j.Title, j.Handle, j.Currency, j.Available = p.Title, p.Handle, p.Currency, true
			priceItem(&j, p, sales)
		}
		out.Items = append(out.Items, j)
	}
	return c.JSON(out)
}

// sales are the automatic offers' unit prices of the products' variants.
func (s *StoreWishlist) sales(ctx context.Context, products []*catalog.Product) (map[string]promotion.Sale, error) {
	if s.promotions == nil || len(products) == 0 {
		return nil, nil
	}
	snap, err := s.promotions.Snapshot(ctx, promotion.SnapshotInput{})
	if err != nil {
		return nil, err
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var out map[string]promotion.Sale
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		out, err = snap.Sales().ProductSales(ctx, q, tenant, products, store.Now())
		return err
	})
	return out, err
}

// priceItem sets the item's price from the saved variant, else the
// product's cheapest variant as sold now.
func priceItem(j *WishlistItemJSON, p *catalog.Product, sales map[string]promotion.Sale) {
	best := int64(-1)
	for i := range p.Variants {
		v := &p.Variants[i]
		if j.VariantID != "" && v.ID != j.VariantID {
			continue
		}
		now := v.Price
		sale, onSale := sales[v.ID]
		if onSale {
			now = sale.Price
		}
		if best >= 0 && now >= best {
			continue
		}
		best = now
		j.Price, j.SalePrice, j.SaleLabel, j.CompareAtPrice = v.Price, 0, "", 0
		if onSale {
			j.SalePrice, j.SaleLabel = sale.Price, sale.Label
		}
		if v.CompareAtPrice != nil && *v.CompareAtPrice > v.Price {
			j.CompareAtPrice = *v.CompareAtPrice
		}
	}
}
