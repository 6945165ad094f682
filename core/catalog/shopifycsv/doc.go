// Package shopifycsv reads and writes a shop's products in Shopify's
// product CSV format: Import (a streamed dry run, all-or-nothing or
// valid-products-only import, optionally updating existing products by
// handle, with a report that names each problem's line and column) and
// Export (every product, a page at a time).
//
// Import streams the file and checks every row before it uses it
// (encoding, control characters, prices by money.Parse's one rule, which is
// how Shopify writes them); a dry run goes through the same checks as the
// import, the plan's product limit and each update's changes included, so
// it predicts the import. In update mode an existing product takes the
// values of the columns the file has and keeps the others; each update is
// written in a savepoint of the import's transaction.
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
