// Package experiment is the shop's A/B tests of product pages: arms that
// change a product's title, description, images (which and in what order)
// and price, shown to visitors split by traffic weights, with the
// exposures and conversions of each arm, a verdict computed by a stated
// method (stats.go) and, when the merchant stops a test, the winning
// arm written to the product.
//
// # Assignment
//
// A visitor's arm is a pure function of (experiment id, visitor id): the
// first eight bytes of SHA-256 over both, modulo 10,000, fall into the
// arms' cumulative weights (percent × 100). The same visitor always sees
// the same arm; over many visitors the split follows the weights.
//
// The visitor id is a first-party cookie (VisitorCookie: 128 random bits,
// set by the storefront on a product page under test), not core/analytics'
// visitor id. That id is a keyed hash over a salt that rotates every day
// and is only computed off the request path, so a shopper would change
// arm (and price) at midnight and the page could not know the arm when it
// is served; a cookie is also less identifying than a stable hash of IP
// and user agent would be. Shoppers who send Do-Not-Track or Sec-GPC, and
// bots, get no cookie: they see the control arm and are not counted.
//
// # Serving
//
// Product pages: the storefront asks ForHandle (a per-shop snapshot of the
// running tests, re-read at most every SnapshotTTL and dropped when a test
// is created or stopped through this Service), picks the visitor's arm
// with Assign, applies it to the product before rendering (Arm.ApplyTo) and
// keys its page cache by the arm, so a cached page shows each visitor their
// own arm. Exposures and conversions go through Expose and Convert, which
// only queue them: one flusher goroutine writes them in batches off the
// request path (the same shape as core/analytics' collector), dropping and
// counting what does not fit in the buffer.
//
// Price: Prices is the carts' Catalog (core/cart): it reads the running
// price arms of the cart's products in the pricing transaction and gives
// each variant the visitor's arm price as its unit price, so the product
// page, the cart, checkout and the order all use one price. The visitor
// travels in the request context (WithVisitor). An arm's price is the
// variant's price changed by PriceChangeBP basis points, within the
// experiment's MaxChangeBP and never below the variant's cost when the
// cost is known (unless the merchant allows it).
//
// Conversions: a visitor exposed to a test converts when they add the
// product to a cart (add_to_cart) and when they order it (order, with the
// revenue of the product's order lines). The experiment's goal picks
// which of the two its verdict is about.
//
// Tables: the package owns experiments, experiment_arms,
// experiment_exposures and experiment_conversions. It reads and, when a
// winner is applied, writes products through core/catalog.
package experiment
