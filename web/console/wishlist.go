package console

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/wishlist"
)

// Wishlist blocks on the customer page (what the customer saved) and the
// product page (how many shoppers saved it); core/wishlist keeps the
// lists. Both pages' own permissions (customers.read, products.read)
// cover them.

// customerWishlistShown is how many of a customer's items the page lists.
const customerWishlistShown = 20

// customerWishlist is the customer page's wishlist block.
type customerWishlist struct {
	Count int
	Items []customerWishlistItem
}

type customerWishlistItem struct {
	ProductID, Title, Variant string
	At                        time.Time
}

// loadCustomerWishlist reads the customer's list (nil: no wishlist
// service).
func loadCustomerWishlist(c *fiber.Ctx, wl *wishlist.Service, cat *catalog.Service, customerID string) (*customerWishlist, error) {
	if wl == nil {
		return nil, nil
	}
	items, err := wl.CustomerItems(c.UserContext(), customerID)
	if err != nil {
		return nil, err
	}
	out := &customerWishlist{Count: len(items)}
	for _, it := range items[:min(len(items), customerWishlistShown)] {
		row := customerWishlistItem{ProductID: it.ProductID, At: it.CreatedAt}
		p, err := cat.Get(c.UserContext(), it.ProductID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return nil, err
		}
		if p != nil {
			row.Title = p.Title
			for i := range p.Variants {
				if p.Variants[i].ID == it.VariantID {
					row.Variant = p.Variants[i].Title()
				}
			}
		}
		out.Items = append(out.Items, row)
	}
	return out, nil
}

// savedBy is how many shoppers saved the product (shown false: no
// wishlist service).
func savedBy(c *fiber.Ctx, wl *wishlist.Service, productID string) (n int, shown bool, err error) {
	if wl == nil || productID == "" {
		return 0, false, nil
	}
	n, err = wl.SavedBy(c.UserContext(), productID)
	return n, err == nil, err
}
