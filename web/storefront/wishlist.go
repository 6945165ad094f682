package storefront

import (
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/wishlist"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// The wishlist (core/wishlist): "Save to wishlist" on the product page, a
// form POST that redirects back (no JavaScript needed), and /wishlist with
// current and sale prices (the product cards' pricing), remove and add to
// cart. A guest's list is keyed by the guest cart token the storefront
// already keeps (the cart cookie, created on the first save like on the
// first add to cart); a signed-in customer's by their id, and the guest's
// list joins it at sign-in (account.go) or on the next page that notices
// a leftover guest cookie.
//
// The page cache. Product pages are cached once for everybody, so the
// cached page always shows the neutral "Save to wishlist" form and never
// a shopper's saved state or a count. A request that carries a shopper
// (customer session or guest token) whose list holds the product gets
// the page rendered for them alone, with "Saved" and a remove button, and
// Cache-Control: no-store (as member prices do, member.go); nothing of it
// is stored in the shared cache. The header links to /wishlist without a
// count for the same reason.
//
// Every save records the analytics event wishlist_add server-side (the
// beacon at POST /e stays for client-only saves).

// savedLocal marks a product page rendered for one shopper who saved it.
const savedLocal = "storefront.saved"

// wishlistPages are /wishlist and its forms.
type wishlistPages struct {
	*layout

	sales   sales
	members members
}

func (s *wishlistPages) routes(t *httpx.Table) {
	shop := t.Group(httpx.ScopeStorefront, "storefront")
	shop.Page("GET", "/wishlist", httpx.Public, "The shopper's wishlist: saved products with current and sale prices, remove, add to cart", s.shopWishlist)
	shop.Page("POST", "/wishlist/add", httpx.Public, "Save a product (or variant) to the shopper's wishlist (idempotent; 409 past 200 items) and go back", s.shopWishlistAdd)
	shop.Page("POST", "/wishlist/remove", httpx.Public, "Remove a product (or variant) from the shopper's wishlist and go back", s.shopWishlistRemove)
}

// wishlistOwner is whose list the request is about: the signed-in
// customer's (a leftover guest list of this browser joins it first), else
// the guest token's; with create, a guest without a token gets one (the
// cart cookie).
func (l *layout) wishlistOwner(c *fiber.Ctx, create bool) wishlist.Owner {
	if id := l.ShopperID(c); id != "" {
		l.mergeGuestWishlist(c, id)
		return wishlist.Owner{CustomerID: id}
	}
	o, _ := l.CartOwner(c, create)
	return o
}

// mergeGuestWishlist folds this browser's guest list into the customer's
// (at sign-in, before the guest cookie is dropped with the cart merge). A
// failure is logged: signing in still succeeds and the guest list stays.
func (l *layout) mergeGuestWishlist(c *fiber.Ctx, customerID string) {
	if l.wishlists == nil {
		return
	}
	if err := l.wishlists.Merge(c.UserContext(), l.GuestCartToken(c), customerID); err != nil {
		l.log.Warn("wishlist merge", "request_id", httpx.RequestID(c), "err", err)
	}
}

// savedOnPage reports whether the product page is being rendered for a
// shopper who saved the product (only savedProduct sets it).
func savedOnPage(c *fiber.Ctx) bool {
	b, _ := c.Locals(savedLocal).(bool)
	return b
}

// savedProduct renders the product page for the shopper alone when their
// wishlist holds the product (with their member prices, if any); it
// reports false when the shared cached page will do. Browsers with no
// shopper cookie never cost a query here.
func (s *catalogPages) savedProduct(c *fiber.Ctx, handle string, build func(mine map[string]promotion.Sale) (*shopView, string, error)) (bool, error) {
	if s.wishlists == nil || (s.CustomerToken(c) == "" && s.GuestCartToken(c) == "") {
		return false, nil
	}
	ctx := c.UserContext()
	o := s.wishlistOwner(c, false)
	if o.CustomerID == "" && o.Token == "" {
		return false, nil
	}
	if kept, err := s.wishlists.Exists(ctx, o); err != nil || !kept {
		return false, err // most shoppers with a cart keep no wishlist: one read
	}
	p, moved, err := s.catalog.ProductByHandle(ctx, handle)
	if err != nil || moved {
		return false, nil // the shared path answers errors and redirects
	}
	has, err := s.wishlists.Has(ctx, o, p.ID)
	if err != nil || !has {
		return false, err
	}
	mine, err := s.members.forProduct(ctx, o.CustomerID, p)
	if err != nil {
		return false, err
	}
	c.Locals(savedLocal, true)
	v, to, err := build(mine)
	if err != nil || to != "" {
		c.Locals(savedLocal, nil) // never let the shared page see it
		return false, err
	}
	s.afterSections(c, "shop/product", v)
	s.track(c, analytics.ProductView, func(h *analytics.Hit) { h.ProductID = p.ID })
	return true, s.renderShop(c, "shop/product", v)
}

// wishlistPage is the data of /wishlist.
type wishlistPage struct {
	*shopView
	Items []wishlistItem
	Max   int
}

// wishlistItem is one saved product: its card (current and sale price of
// the product, as on every card) or, for a saved variant, that variant's
// price; AddVariant is what "Add to cart" adds ("": choose on the product
// page); Gone is a product no longer for sale.
type wishlistItem struct {
	Card         shopCard
	ProductID    string
	VariantID    string
	VariantTitle string
	AddVariant   string
	Gone         bool
}

var wishlistFlashes = map[string]string{"added": "Saved to your wishlist.", "removed": "Removed from your wishlist."}

func (s *wishlistPages) page(c *fiber.Ctx) (*wishlistPage, error) {
	v := &wishlistPage{shopView: s.formView(c, "Your wishlist"), Max: wishlist.MaxItems}
	if s.wishlists == nil {
		return v, nil
	}
	ctx := c.UserContext()
	items, err := s.wishlists.Items(ctx, s.wishlistOwner(c, false))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var cards []*shopCard
	v.Items = make([]wishlistItem, 0, len(items))
	for _, it := range items {
		wi := wishlistItem{ProductID: it.ProductID, VariantID: it.VariantID}
		p, err := s.catalog.Get(ctx, it.ProductID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return nil, err
		}
		if p == nil || !p.Visible(now) {
			wi.Gone = true
			wi.Card = shopCard{ID: it.ProductID, Title: "No longer available"}
			v.Items = append(v.Items, wi)
			continue
		}
		wi.Card = shopCardOf(p)
		switch {
		case it.VariantID != "":
			wi.AddVariant = it.VariantID
		case len(p.Variants) == 1:
			wi.AddVariant = p.Variants[0].ID
		}
		v.Items = append(v.Items, wi)
	}
	for i := range v.Items {
		if !v.Items[i].Gone {
			cards = append(cards, &v.Items[i].Card)
		}
	}
	if err := s.sales.priceCards(c, cards); err != nil {
		return nil, err
	}
	// A saved variant shows its own price (sale included), not the
	// product's lowest.
	ps, _ := s.sales.page(c)
	for i := range v.Items {
		wi := &v.Items[i]
		if wi.VariantID == "" || wi.Gone || wi.Card.p == nil {
			continue
		}
		p := wi.Card.p
		for j := range p.Variants {
			vr := &p.Variants[j]
			if vr.ID != wi.VariantID {
				continue
			}
			price, compare, sale := ps.shown(vr)
			wi.VariantTitle = vr.Title()
			wi.Card.Price, wi.Card.Sale, wi.Card.CompareAt = view.Money(price, p.Currency), sale, ""
			if compare > 0 {
				wi.Card.CompareAt = view.Money(compare, p.Currency)
			}
			wi.Card.URL += "?variant=" + url.QueryEscape(vr.ID)
		}
	}
	return v, nil
}

func (s *wishlistPages) render(c *fiber.Ctx, v *wishlistPage) error {
	if v.CSRF == "" {
		v.CSRF = httpx.CSRFToken(c)
	}
	b, err := s.Execute("shop/wishlist", v)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b)
}

func (s *wishlistPages) shopWishlist(c *fiber.Ctx) error {
	v, err := s.page(c)
	if err != nil {
		return err
	}
	v.Flash = wishlistFlashes[c.Query("done")]
	return s.render(c, v)
}

// wishlistError shows /wishlist with an input error and its status.
func (s *wishlistPages) wishlistError(c *fiber.Ctx, err error) error {
	status, de := s.ToError(c, err)
	if status >= 500 {
		return err
	}
	v, lerr := s.page(c)
	if lerr != nil {
		return lerr
	}
	v.Error = de
	c.Status(status)
	return s.render(c, v)
}

// wishlistForm reads the product_id and variant_id fields.
func wishlistForm(c *fiber.Ctx) (product, variant string, err error) {
	product, variant = strings.TrimSpace(c.FormValue("product_id")), strings.TrimSpace(c.FormValue("variant_id"))
	if product == "" {
		return "", "", errs.Field("product_id", "choose a product")
	}
	for f, v := range map[string]string{"product_id": product, "variant_id": variant} {
		if len(v) > 64 || strings.ContainsAny(v, "\x00\r\n") {
			return "", "", errs.Field(f, "is not a product of this shop")
		}
	}
	return product, variant, nil
}

// back is where a wishlist form returns: its "back" field when it is a
// path on this host, else /wishlist with the flash.
func back(c *fiber.Ctx, done string) string {
	return httpx.SafeRedirect(c.FormValue("back"), "/wishlist?done="+done)
}

func (s *wishlistPages) shopWishlistAdd(c *fiber.Ctx) error {
	product, variant, err := wishlistForm(c)
	if err != nil {
		return s.wishlistError(c, err)
	}
	if s.wishlists == nil {
		return errs.NotFoundf("this shop has no wishlist")
	}
	added, err := s.wishlists.Add(c.UserContext(), s.wishlistOwner(c, true), product, variant)
	if err != nil {
		return s.wishlistError(c, err)
	}
	if added {
		s.track(c, analytics.WishlistAdd, func(h *analytics.Hit) { h.ProductID = product })
	}
	return c.Redirect(back(c, "added"), fiber.StatusSeeOther)
}

func (s *wishlistPages) shopWishlistRemove(c *fiber.Ctx) error {
	product, variant, err := wishlistForm(c)
	if err != nil {
		return s.wishlistError(c, err)
	}
	if s.wishlists == nil {
		return errs.NotFoundf("this shop has no wishlist")
	}
	if err := s.wishlists.Remove(c.UserContext(), s.wishlistOwner(c, false), product, variant); err != nil {
		return s.wishlistError(c, err)
	}
	return c.Redirect(back(c, "removed"), fiber.StatusSeeOther)
}
