package catalog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/richtext"
	"github.com/wasmart/wasmart/core/store"
)

// Shopify product CSV column names.
const (
	colHandle       = "handle"
	colTitle        = "title"
	colBody         = "body (html)"
	colVendor       = "vendor"
	colCategory     = "product category"
	colType         = "type"
	colTags         = "tags"
	colPublished    = "published"
	colSKU          = "variant sku"
	colGrams        = "variant grams"
	colQty          = "variant inventory qty"
	colPolicy       = "variant inventory policy"
	colPrice        = "variant price"
	colCompareAt    = "variant compare at price"
	colShipping     = "variant requires shipping"
	colTaxable      = "variant taxable"
	colBarcode      = "variant barcode"
	colImageSrc     = "image src"
	colImagePos     = "image position"
	colImageAlt     = "image alt text"
	colSEOTitle     = "seo title"
	colSEODesc      = "seo description"
	colVariantImage = "variant image"
	colCost         = "cost per item"
	colStatus       = "status"
)

// exportColumns is the header ExportCSV writes, in Shopify's order.
var exportColumns = []string{"Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
	"Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name", "Option3 Value",
	"Variant SKU", "Variant Grams", "Variant Inventory Tracker", "Variant Inventory Qty", "Variant Inventory Policy",
	"Variant Fulfillment Service", "Variant Price", "Variant Compare At Price", "Variant Requires Shipping", "Variant Taxable",
	"Variant Barcode", "Image Src", "Image Position", "Image Alt Text", "Gift Card", "SEO Title", "SEO Description",
	"Variant Image", "Variant Weight Unit", "Cost per item", "Status"}

var knownColumns = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range exportColumns {
		m[strings.ToLower(c)] = true
	}
	for _, c := range []string{"option1 linked to", "option2 linked to", "option3 linked to", "variant tax code", "included / international", "price / international", "compare at price / international"} {
		m[c] = true
	}
	return m
}()

// ignoredColumn reports columns Shopify writes that Wasmart does not keep.
func ignoredColumn(c string) bool {
	return strings.HasPrefix(c, "google shopping /") || strings.Contains(c, "(product.metafields.") || strings.HasSuffix(c, "/ international") || strings.HasPrefix(c, "variant inventory qty ") || strings.HasPrefix(c, "metafield:")
}

// ImportMode says what an import does with what it read.
type ImportMode int

// Modes.
const (
	// DryRun validates every row (including against the shop's existing
	// handles and SKUs) and writes nothing.
	DryRun ImportMode = iota
	// ImportAll imports only if the whole file is valid: one problem and
	// nothing is written.
	ImportAll
	// ImportValid imports every valid product (a handle's rows) and skips
	// the products that have problems.
	ImportValid
)

// ImportOptions configure ImportCSV.
type ImportOptions struct {
	Mode ImportMode
	// Currency prices are read in (default: the shop currency).
	Currency string
	// Status, when set, overrides the file's Status/Published for every
	// imported product (e.g. Draft for staff without the publish permission).
	Status Status
	// TotalRows and TotalBytes, when known, are passed back in progress
	// reports so the caller can draw a bar.
	TotalRows  int
	TotalBytes int64
	// Progress is called every ProgressEvery rows (default 1000) and at the end.
	Progress      func(ImportProgress)
	ProgressEvery int
	// MaxProblems caps the problems kept in the report (default 1000); the
	// count of all problems is still exact.
	MaxProblems int
}

// ImportProgress reports how far an import is.
type ImportProgress struct {
	Rows       int // data rows read
	TotalRows  int // from ImportOptions; 0 if unknown
	Bytes      int64
	TotalBytes int64
	Products   int // products read so far
	Done       bool
}

// Problem is one thing wrong with the file; Line is the 1-based line in the
// file where the offending row starts (1 is the header).
type Problem struct {
	Line    int
	Handle  string
	Column  string
	Message string
	Warning bool // true: reported but does not stop the product
}

func (p Problem) String() string {
	kind := "error"
	if p.Warning {
		kind = "warning"
	}
	s := fmt.Sprintf("line %d: %s", p.Line, kind)
	if p.Column != "" {
		s += " in " + p.Column
	}
	return s + ": " + p.Message
}

// ImportReport is the outcome of ImportCSV.
type ImportReport struct {
	Rows              int
	Products          int // products (handles) read
	Variants          int
	Images            int
	Imported          int // products written (0 for a dry run)
	Skipped           int // products with errors
	Errors            int // error problems, all counted
	Warnings          int
	Problems          []Problem // the first MaxProblems problems
	ProblemsTruncated bool
}

// OK reports whether the file has no errors.
func (r *ImportReport) OK() bool { return r.Errors == 0 }

var errRollback = errors.New("catalog: import rolled back")

// draft is one product assembled from its rows.
type draft struct {
	line     int
	handle   string
	in       ProductInput
	category string
	images   []draftImage
	qty      []int64
	bad      bool
}

type draftImage struct {
	src, alt string
	pos      int
	order    int
}

type importer struct {
	s        *Service
	ctx      context.Context
	q        bun.IDB
	tid      string
	opts     ImportOptions
	write    bool
	rep      *ImportReport
	col      map[string]int
	handles  map[string]int // handle → first line
	skus     map[string]int // sku → line
	batch    []*draft
	cats     map[string]string
	problems int
}

func (im *importer) problem(line int, handle, column, msg string, warning bool) {
	if warning {
		im.rep.Warnings++
	} else {
		im.rep.Errors++
	}
	if len(im.rep.Problems) < im.opts.MaxProblems {
		im.rep.Problems = append(im.rep.Problems, Problem{Line: line, Handle: handle, Column: column, Message: msg, Warning: warning})
	} else {
		im.rep.ProblemsTruncated = true
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// ImportCSV reads a Shopify-format product CSV as a stream (memory does not
// grow with the number of rows beyond a set of seen handles and SKUs),
// validates every row, and depending on opts.Mode writes nothing, all
// products, or only the valid ones. Writes happen in one transaction. The
// returned error is for failures of the import itself (a database error,
// a file that is not CSV at all); problems with rows are in the report.
func (s *Service) ImportCSV(ctx context.Context, r io.Reader, opts ImportOptions) (*ImportReport, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if opts.Currency == "" {
		opts.Currency = s.opts.Currency
	}
	opts.Currency = strings.ToUpper(opts.Currency)
	if !ValidCurrency(opts.Currency) {
		return nil, errs.Field("currency", "must be an ISO 4217 code")
	}
	if opts.Status != "" && !opts.Status.Valid() {
		return nil, errs.Field("status", "unknown status")
	}
	if opts.MaxProblems <= 0 {
		opts.MaxProblems = 1000
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = 1000
	}
	rep := &ImportReport{}
	run := func(ctx context.Context, q bun.IDB) error {
		if s.db.Dialect() == store.Postgres && opts.Mode != DryRun {
			// Foreign-key checks reuse plans made from the tables'
			// statistics. When the catalog tables are small or were never
			// analysed those plans are sequential scans, and a large
			// import into them turns quadratic; custom plans see the
			// tables grow. With real statistics the generic plans are
			// index look-ups and much cheaper (measured: 20,000 rows into
			// a 40,000-product shop took 17 s with custom plans, 5 s
			// without).
			var tuples float64
			if err := q.NewRaw("SELECT COALESCE(MIN(reltuples), -1) FROM pg_class WHERE relname IN ('catalog_products', 'catalog_variants') AND relkind = 'r'").Scan(ctx, &tuples); err != nil {
				return errs.Wrap(err, "catalog: import")
			}
			if tuples < 10000 {
				if _, err := q.ExecContext(ctx, "SET LOCAL plan_cache_mode = force_custom_plan"); err != nil {
					return errs.Wrap(err, "catalog: import")
				}
			}
		}
		im := &importer{s: s, ctx: ctx, q: q, tid: tid, opts: opts, write: opts.Mode != DryRun, rep: rep,
			handles: map[string]int{}, skus: map[string]int{}, cats: map[string]string{}}
		if err := im.run(r); err != nil {
			return err
		}
		if opts.Mode == ImportAll && rep.Errors > 0 {
			rep.Imported = 0
			return errRollback
		}
		return nil
	}
	if opts.Mode == DryRun {
		err = s.db.Read(ctx, run)
	} else {
		err = s.db.Write(ctx, run)
	}
	if errors.Is(err, errRollback) {
		err = nil
	}
	if err != nil {
		return rep, err
	}
	return rep, nil
}

func (im *importer) run(src io.Reader) error {
	cr := &countingReader{r: src}
	br := bufio.NewReaderSize(cr, 64<<10)
	head, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		im.problem(1, "", "", "the file is UTF-16; save it as CSV UTF-8", false)
		return nil
	}
	rd := csv.NewReader(br)
	rd.FieldsPerRecord = -1
	rd.ReuseRecord = true
	header, err := rd.Read()
	if err == io.EOF {
		im.problem(1, "", "", "the file is empty", false)
		return nil
	}
	if err != nil {
		im.problem(1, "", "", "not a CSV file: "+err.Error(), false)
		return nil
	}
	im.col = map[string]int{}
	var unknown []string
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !utf8.ValidString(h) {
			im.problem(1, "", "", "the header is not UTF-8; save the file as CSV UTF-8", false)
			return nil
		}
		if _, dup := im.col[h]; dup && h != "" {
			im.problem(1, "", header[i], "column appears twice", false)
			return nil
		}
		im.col[h] = i
		if !knownColumns[h] && !ignoredColumn(h) && h != "" {
			unknown = append(unknown, header[i])
		}
	}
	if len(unknown) > 0 {
		im.problem(1, "", "", "unknown columns ignored: "+strings.Join(unknown, ", "), true)
	}
	for _, req := range []string{colHandle, colTitle} {
		if _, ok := im.col[req]; !ok {
			im.problem(1, "", "", fmt.Sprintf("required column %q is missing", map[string]string{colHandle: "Handle", colTitle: "Title"}[req]), false)
			return nil
		}
	}
	if _, ok := im.col[colPrice]; !ok {
		im.problem(1, "", "", `required column "Variant Price" is missing`, false)
		return nil
	}
	var cur *draft
	rows := 0
	progress := func(done bool) {
		if im.opts.Progress != nil {
			im.opts.Progress(ImportProgress{Rows: rows, TotalRows: im.opts.TotalRows, Bytes: cr.n, TotalBytes: im.opts.TotalBytes, Products: im.rep.Products, Done: done})
		}
	}
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		line, _ := rd.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			im.problem(line, "", "", "the file is not valid CSV from here on: "+err.Error(), false)
			break
		}
		rows++
		im.rep.Rows = rows
		if err := im.ctx.Err(); err != nil {
			return err
		}
		if rows%im.opts.ProgressEvery == 0 {
			progress(false)
		}
		get := func(c string) string {
			if i, ok := im.col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		blank := true
		for _, f := range rec {
			if strings.TrimSpace(f) != "" {
				blank = false
				break
			}
		}
		if blank {
			continue
		}
		valid := true
		for _, f := range rec {
			if !utf8.ValidString(f) {
				valid = false
				break
			}
		}
		handle := get(colHandle)
		if !valid {
			h := strings.ToValidUTF8(handle, "?")
			im.problem(line, h, "", "the row is not UTF-8 text (the file was probably saved as Windows-1252 or GBK); save it as CSV UTF-8", false)
			if cur != nil && cur.handle == Slugify(handle) {
				cur.bad = true
			} else {
				if err := im.finish(cur); err != nil {
					return err
				}
				cur = &draft{line: line, handle: Slugify(handle), bad: true}
				im.rep.Products++
			}
			continue
		}
		if handle == "" {
			im.problem(line, "", "Handle", "is empty", false)
			continue
		}
		h := Slugify(handle)
		if h == "" {
			im.problem(line, handle, "Handle", "must contain letters or digits", false)
			continue
		}
		if cur == nil || cur.handle != h {
			if err := im.finish(cur); err != nil {
				return err
			}
			cur = &draft{line: line, handle: h}
			im.rep.Products++
			if first, seen := im.handles[h]; seen {
				im.problem(line, h, "Handle", fmt.Sprintf("rows for this handle already appeared from line %d; keep a product's rows together", first), false)
				cur.bad = true
			} else {
				im.handles[h] = line
			}
			im.startProduct(cur, line, get)
		} else {
			im.checkSame(cur, line, get)
		}
		im.addRow(cur, line, get)
	}
	if err := im.finish(cur); err != nil {
		return err
	}
	if err := im.flush(); err != nil {
		return err
	}
	progress(true)
	return nil
}

func parseBool(s string, def bool) (bool, bool) {
	switch strings.ToLower(s) {
	case "":
		return def, true
	case "true", "yes", "1", "y":
		return true, true
	case "false", "no", "0", "n":
		return false, true
	}
	return def, false
}

func (im *importer) startProduct(d *draft, line int, get func(string) string) {
	in := &d.in
	in.Handle = d.handle
	in.Title = get(colTitle)
	if in.Title == "" {
		im.problem(line, d.handle, "Title", "is required on a product's first row", false)
		d.bad = true
	}
	body := get(colBody)
	if body != "" && richtext.Changed(body) {
		im.problem(line, d.handle, "Body (HTML)", "unsafe HTML (scripts, event handlers, styles) was removed", true)
	}
	in.BodyHTML = body
	in.Vendor = get(colVendor)
	in.ProductType = get(colType)
	d.category = get(colCategory)
	in.Tags = SplitTags(get(colTags))
	in.SEOTitle = get(colSEOTitle)
	in.SEODescription = get(colSEODesc)
	in.Currency = im.opts.Currency
	for k := 1; k <= 3; k++ {
		in.Options = append(in.Options, get(fmt.Sprintf("option%d name", k)))
	}
	status := Draft
	pub, ok := parseBool(get(colPublished), false)
	if !ok {
		im.problem(line, d.handle, "Published", "must be TRUE or FALSE", false)
		d.bad = true
	}
	if pub {
		status = Published
	}
	switch strings.ToLower(get(colStatus)) {
	case "":
	case "active":
		status = Published
	case "draft":
		status = Draft
	case "archived":
		status = Archived
	default:
		im.problem(line, d.handle, "Status", "must be active, draft or archived", false)
		d.bad = true
	}
	if im.opts.Status != "" {
		status = im.opts.Status
	}
	in.Status = status
}

// checkSame reports product-level fields on later rows that contradict the
// first row (Shopify repeats them or leaves them empty).
func (im *importer) checkSame(d *draft, line int, get func(string) string) {
	for _, c := range []struct{ col, name, first string }{
		{colTitle, "Title", d.in.Title}, {colVendor, "Vendor", d.in.Vendor}, {colType, "Type", d.in.ProductType},
		{colSEOTitle, "SEO Title", d.in.SEOTitle}, {colCategory, "Product Category", d.category},
	} {
		if v := get(c.col); v != "" && v != c.first {
			im.problem(line, d.handle, c.name, fmt.Sprintf("differs from line %d (%q); a handle's rows must describe one product", d.line, c.first), false)
			d.bad = true
		}
	}
}

func (im *importer) addRow(d *draft, line int, get func(string) string) {
	bad := func(col, format string, args ...any) {
		im.problem(line, d.handle, col, fmt.Sprintf(format, args...), false)
		d.bad = true
	}
	var opts [3]string
	isVariant := false
	for k := 0; k < 3; k++ {
		opts[k] = get(fmt.Sprintf("option%d value", k+1))
		if opts[k] != "" {
			isVariant = true
		}
	}
	if get(colSKU) != "" || get(colPrice) != "" || get(colBarcode) != "" {
		isVariant = true
	}
	if src := get(colImageSrc); src != "" {
		if err := checkImageURL(src, "Image Src"); err != nil {
			bad("Image Src", "must be an http or https URL")
		} else {
			pos := 0
			if p := get(colImagePos); p != "" {
				n, err := strconv.Atoi(p)
				if err != nil || n < 1 {
					bad("Image Position", "must be a whole number from 1")
				}
				pos = n
			}
			d.images = append(d.images, draftImage{src: src, alt: get(colImageAlt), pos: pos, order: len(d.images)})
			im.rep.Images++
		}
	}
	if !isVariant {
		return
	}
	im.rep.Variants++
	v := VariantInput{Options: opts, SKU: get(colSKU), Barcode: get(colBarcode)}
	// Shopify writes "Title / Default Title" for a product without options.
	if strings.EqualFold(d.in.Options[0], "Title") && opts[0] == "Default Title" && d.in.Options[1] == "" {
		v.Options[0] = ""
	}
	if p := get(colPrice); p == "" {
		bad("Variant Price", "is required for a variant")
	} else if n, err := ParseAmount(p, im.opts.Currency, "Variant Price"); err != nil {
		bad("Variant Price", "%s", err.(*errs.Error).Message)
	} else {
		v.Price = n
	}
	for _, c := range []struct {
		col, name string
		dst       **int64
	}{{colCompareAt, "Variant Compare At Price", &v.CompareAtPrice}, {colCost, "Cost per item", &v.Cost}} {
		if p := get(c.col); p != "" {
			n, err := ParseAmount(p, im.opts.Currency, c.name)
			if err != nil {
				bad(c.name, "%s", err.(*errs.Error).Message)
			} else {
				*c.dst = &n
			}
		}
	}
	if g := get(colGrams); g != "" {
		f, err := strconv.ParseFloat(g, 64)
		if err != nil || f < 0 || f > 1e9 {
			bad("Variant Grams", "must be a weight in grams, not %q", g)
		} else {
			v.WeightGrams = int64(f + 0.5)
		}
	}
	switch strings.ToLower(get(colPolicy)) {
	case "", "deny":
	case "continue":
		v.AllowBackorder = true
	default:
		bad("Variant Inventory Policy", "must be deny or continue")
	}
	var qty int64
	if q := get(colQty); q != "" {
		n, err := strconv.ParseInt(q, 10, 64)
		switch {
		case err != nil || n > 1_000_000_000 || n < -1_000_000_000:
			bad("Variant Inventory Qty", "must be a whole number, not %q", q)
		case n < 0 && !v.AllowBackorder:
			bad("Variant Inventory Qty", "is negative but the variant does not allow backorder (Variant Inventory Policy = continue)")
		default:
			qty = n
		}
	}
	for _, c := range []struct {
		col, name string
		dst       **bool
	}{{colShipping, "Variant Requires Shipping", &v.RequiresShipping}, {colTaxable, "Variant Taxable", &v.Taxable}} {
		if x := get(c.col); x != "" {
			b, ok := parseBool(x, true)
			if !ok {
				bad(c.name, "must be TRUE or FALSE")
			}
			*c.dst = &b
		}
	}
	if vi := get(colVariantImage); vi != "" {
		if checkImageURL(vi, "Variant Image") != nil {
			bad("Variant Image", "must be an http or https URL")
		}
		v.ImageSrc = vi
	}
	if v.SKU != "" {
		if first, dup := im.skus[v.SKU]; dup {
			bad("Variant SKU", "SKU %q is already used on line %d", v.SKU, first)
		} else {
			im.skus[v.SKU] = line
		}
	}
	d.in.Variants = append(d.in.Variants, v)
	d.qty = append(d.qty, qty)
}

// finish validates an assembled product and queues it.
func (im *importer) finish(d *draft) error {
	if d == nil {
		return nil
	}
	if len(d.in.Options) > 1 && strings.EqualFold(d.in.Options[0], "Title") && d.in.Options[1] == "" {
		plain := true
		for _, v := range d.in.Variants {
			plain = plain && v.Options[0] == ""
		}
		if plain {
			d.in.Options = nil // Shopify's "Default Title" product
		}
	}
	if !d.bad {
		if len(d.in.Variants) == 0 {
			im.problem(d.line, d.handle, "", "the product has no variant row (a row with Variant Price)", false)
			d.bad = true
		} else if in, err := im.s.normalize(d.in); err != nil {
			var e *errs.Error
			errors.As(err, &e)
			im.problem(d.line, d.handle, e.Field, e.Message, false)
			d.bad = true
		} else {
			d.in = in
		}
	}
	if d.bad {
		im.rep.Skipped++
		return nil
	}
	im.batch = append(im.batch, d)
	if len(im.batch) >= 200 {
		return im.flush()
	}
	return nil
}

// flush checks the batch against the shop's existing products and writes it.
func (im *importer) flush() error {
	batch := im.batch
	im.batch = im.batch[:0]
	if len(batch) == 0 {
		return nil
	}
	handles := make([]string, 0, len(batch))
	var skus []string
	for _, d := range batch {
		handles = append(handles, d.handle)
		for _, v := range d.in.Variants {
			if v.SKU != "" {
				skus = append(skus, v.SKU)
			}
		}
	}
	var taken []string
	if err := im.q.NewRaw("SELECT handle FROM catalog_products WHERE tenant_id = ? AND handle IN (?)", im.tid, bun.In(handles)).Scan(im.ctx, &taken); err != nil && !store.NoRows(err) {
		return errs.Wrap(err, "catalog: import")
	}
	takenH := map[string]bool{}
	for _, h := range taken {
		takenH[h] = true
	}
	takenS := map[string]bool{}
	if len(skus) > 0 {
		var ts []string
		if err := im.q.NewRaw("SELECT sku FROM catalog_variants WHERE tenant_id = ? AND sku IN (?)", im.tid, bun.In(skus)).Scan(im.ctx, &ts); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "catalog: import")
		}
		for _, s := range ts {
			takenS[s] = true
		}
	}
	var ok []*draft
	for _, d := range batch {
		bad := false
		if takenH[d.handle] {
			im.problem(d.line, d.handle, "Handle", "a product with this handle already exists in the shop", false)
			bad = true
		}
		for _, v := range d.in.Variants {
			if takenS[v.SKU] {
				im.problem(im.skus[v.SKU], d.handle, "Variant SKU", fmt.Sprintf("SKU %q is used by an existing product", v.SKU), false)
				bad = true
			}
		}
		if bad {
			im.rep.Skipped++
			continue
		}
		ok = append(ok, d)
	}
	if !im.write || (im.opts.Mode == ImportAll && im.rep.Errors > 0) {
		return nil
	}
	return im.insert(ok)
}

// insert writes validated products with multi-row inserts.
func (im *importer) insert(ds []*draft) error {
	if len(ds) == 0 {
		return nil
	}
	now := im.s.now()
	var prods []productRow
	var vars []variantRow
	var tags []tagRow
	var toks []tokenRow
	var imgs []imageRow
	var stock []ImportedStock
	for _, d := range ds {
		in := d.in
		pid := store.NewID()
		var cat *string
		if d.category != "" {
			id, err := im.s.ensureCategoryPath(im.ctx, im.q, im.tid, d.category, im.cats)
			if err != nil {
				return err
			}
			cat = strp(id)
		}
		lo, hi := in.priceRange()
		row := productRow{TenantID: im.tid, ID: pid, Handle: d.handle, Title: in.Title, BodyHTML: in.BodyHTML, Vendor: in.Vendor,
			ProductType: in.ProductType, CategoryID: cat, Role: string(in.Role), SEOTitle: in.SEOTitle, SEODescription: in.SEODescription,
			Status: string(in.Status), Currency: in.Currency, PriceMin: lo, PriceMax: hi, Version: 1, CreatedAt: now, UpdatedAt: now}
		if in.Status == Published {
			row.PublishedAt = &now
		}
		setOptionNames(&row, in.Options)
		prods = append(prods, row)
		for i, v := range in.Variants {
			vr := variantRow{TenantID: im.tid, ID: store.NewID(), ProductID: pid, Position: i + 1, SKU: strp(v.SKU), Barcode: v.Barcode,
				Option1: v.Options[0], Option2: v.Options[1], Option3: v.Options[2], Price: v.Price, CompareAtPrice: v.CompareAtPrice,
				Cost: v.Cost, WeightGrams: v.WeightGrams, AllowBackorder: v.AllowBackorder,
				RequiresShipping: v.RequiresShipping == nil || *v.RequiresShipping, Taxable: v.Taxable == nil || *v.Taxable,
				ImageSrc: v.ImageSrc, CreatedAt: now, UpdatedAt: now}
			vars = append(vars, vr)
			if d.qty[i] != 0 {
				stock = append(stock, ImportedStock{VariantID: vr.ID, Quantity: d.qty[i], AllowBackorder: v.AllowBackorder})
			}
		}
		for _, t := range in.Tags {
			tags = append(tags, tagRow{TenantID: im.tid, ProductID: pid, Tag: t})
		}
		for _, t := range indexTokens(in.searchTexts(true)...) {
			toks = append(toks, tokenRow{TenantID: im.tid, Token: t, ProductID: pid})
		}
		sort.SliceStable(d.images, func(i, j int) bool {
			pi, pj := d.images[i].pos, d.images[j].pos
			if pi == 0 || pj == 0 {
				return d.images[i].order < d.images[j].order
			}
			return pi < pj
		})
		for i, x := range d.images {
			imgs = append(imgs, imageRow{TenantID: im.tid, ID: store.NewID(), ProductID: pid, Position: i + 1, Src: x.src, Alt: x.alt, CreatedAt: now})
		}
	}
	if err := insertChunks(im.ctx, im.q, prods, 26); err != nil {
		return err
	}
	if err := insertChunks(im.ctx, im.q, vars, 25); err != nil {
		return err
	}
	if err := insertChunks(im.ctx, im.q, tags, 3); err != nil {
		return err
	}
	if err := insertChunks(im.ctx, im.q, toks, 3); err != nil {
		return err
	}
	if err := insertChunks(im.ctx, im.q, imgs, 14); err != nil {
		return err
	}
	if len(stock) > 0 && im.s.opts.StockSink != nil {
		if err := im.s.opts.StockSink.ImportStock(im.ctx, im.q, im.tid, stock); err != nil {
			return err
		}
	}
	im.rep.Imported += len(ds)
	return nil
}

// insertChunks inserts rows in statements of at most ~30,000 parameters.
func insertChunks[T any](ctx context.Context, q bun.IDB, rows []T, cols int) error {
	per := max(1, 30000/cols)
	for len(rows) > 0 {
		n := min(len(rows), per)
		chunk := rows[:n]
		if _, err := q.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return errs.Wrap(err, "catalog: import insert")
		}
		rows = rows[n:]
	}
	return nil
}
