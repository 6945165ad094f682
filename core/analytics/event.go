package analytics

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wasmart/wasmart/core/errs"
)

// Kind is what happened.
type Kind string

// Event kinds. A storefront request is one event of the most specific
// kind: a product page is a product_view, a search page a search, any
// other page a page_view; all three are page views (PV).
const (
	PageView       Kind = "page_view"
	ProductView    Kind = "product_view"
	Search         Kind = "search"
	AddToCart      Kind = "add_to_cart"
	RemoveFromCart Kind = "remove_from_cart"
	WishlistAdd    Kind = "wishlist_add"
	CheckoutStart  Kind = "checkout_start"
	OrderPlaced    Kind = "order_placed"
	OrderPaid      Kind = "order_paid"
)

// Kinds lists every kind.
var Kinds = []Kind{PageView, ProductView, Search, AddToCart, RemoveFromCart, WishlistAdd, CheckoutStart, OrderPlaced, OrderPaid}

// BeaconKinds are the kinds the first-party beacon may send: what only
// the browser sees. Everything else is recorded server-side, so a beacon
// cannot count a page twice.
var BeaconKinds = []Kind{WishlistAdd}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Page reports whether k is a page view (page, product or search page).
func (k Kind) Page() bool { return k == PageView || k == ProductView || k == Search }

// BeaconKind parses a kind sent by the beacon.
func BeaconKind(s string) (Kind, error) {
	for _, k := range BeaconKinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", errs.Field("kind", "must be one of the beacon's kinds (wishlist_add)")
}

// Hit is one event as the storefront saw it, with the request facts the
// visitor id, the bot check and the traffic source are derived from. The
// address and user agent are used off the request path to compute the
// day's visitor id and are never stored.
type Hit struct {
	TenantID string
	At       time.Time // zero: when Track was called
	Kind     Kind

	Path      string
	ProductID string
	Query     string // a search's query
	Results   int    // a search's result count
	Quantity  int    // units added or removed
	OrderID   string
	Amount    int64 // an order's total, minor units

	IP        string
	UserAgent string
	// Referrer is the Referer header; Host the shop host it was sent to
	// (a referrer from the same host is internal navigation).
	Referrer, Host string
	// UTM are the utm_source, utm_medium and utm_campaign parameters.
	UTMSource, UTMMedium, UTMCampaign string
	// NoTrack is set when the browser sends DNT: 1 or Sec-GPC: 1: the
	// event is counted anonymously, with no visitor id (so it adds to
	// page views and event counts, never to visitors or sessions).
	NoTrack bool
	// Returning is set when the request shows the browser was here before
	// (it revalidates a cached page or carries the shop's session cookie).
	Returning bool
}

// Limits on stored text.
const (
	maxPath  = 512
	maxQuery = 200
	maxLabel = 100
)

// clip cuts s to at most n bytes on a rune boundary and drops control
// characters.
func clip(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		s = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return -1
			}
			return r
		}, s)
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
