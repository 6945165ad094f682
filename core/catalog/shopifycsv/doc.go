// Package shopifycsv reads and writes a shop's products in Shopify's
// product CSV format: Import (a streamed dry run, all-or-nothing or
// valid-products-only import, optionally updating existing products by
// handle, with a report that names each problem's line and column) and
// Export (every product, a page at a time).
//
// It is the format only: it owns no tables and reads and writes the catalog
// through core/catalog's API — Service.InBatch gives the import one
// transaction with look-ups by handle and SKU, multi-row creates and
// per-product updates in savepoints, and Service.EachPage walks the
// catalog for the export. Stock columns reach inventory through the
// catalog's StockSink. The format lives beside catalog rather than in it so
// the catalog's own API stays the one way into its tables, and a second
// format (another platform's CSV, a feed) is another package of the same
// kind.
package shopifycsv
