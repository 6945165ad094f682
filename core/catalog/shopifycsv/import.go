package shopifycsv

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/richtext"
)

// Shopify product CSV column names, lower case as matched.
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
	colTracker      = "variant inventory tracker"
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
	colGiftCard     = "gift card"
	colSEOTitle     = "seo title"
	colSEODesc      = "seo description"
	colVariantImage = "variant image"
	colWeightUnit   = "variant weight unit"
	colTaxCode      = "variant tax code"
	colCost         = "cost per item"
	colStatus       = "status"
)

// googleCSV are Shopify's 13 Google Shopping columns, in its order; the
// index is the field's index in googleField.
var googleCSV = []string{"Google Shopping / Google Product Category", "Google Shopping / Gender", "Google Shopping / Age Group",
	"Google Shopping / MPN", "Google Shopping / AdWords Grouping", "Google Shopping / AdWords Labels", "Google Shopping / Condition",
	"Google Shopping / Custom Product", "Google Shopping / Custom Label 0", "Google Shopping / Custom Label 1",
	"Google Shopping / Custom Label 2", "Google Shopping / Custom Label 3", "Google Shopping / Custom Label 4"}

// googleCustomProduct is the index of the one Google column that is a
// TRUE/FALSE flag rather than text.
const googleCustomProduct = 7

// googleField returns the text field behind googleCSV[i] (nil for the
// Custom Product flag).
func googleField(g *catalog.GoogleShopping, i int) *string {
	switch i {
	case 0:
		return &g.ProductCategory
	case 1:
		return &g.Gender
	case 2:
		return &g.AgeGroup
	case 3:
		return &g.MPN
	case 4:
		return &g.AdWordsGrouping
	case 5:
		return &g.AdWordsLabels
	case 6:
		return &g.Condition
	case googleCustomProduct:
		return nil // a flag, not text: see CustomProduct
	case 8, 9, 10, 11, 12:
		return &g.CustomLabels[i-8]
	}
	return nil
}

// exportColumns is the header Export writes, in Shopify's order.
var exportColumns = func() []string {
	cols := []string{"Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
		"Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name", "Option3 Value",
		"Variant SKU", "Variant Grams", "Variant Inventory Tracker", "Variant Inventory Qty", "Variant Inventory Policy",
		"Variant Fulfillment Service", "Variant Price", "Variant Compare At Price", "Variant Requires Shipping", "Variant Taxable",
		"Variant Barcode", "Image Src", "Image Position", "Image Alt Text", "Gift Card", "SEO Title", "SEO Description"}
	cols = append(cols, googleCSV...)
	return append(cols, "Variant Image", "Variant Weight Unit", "Variant Tax Code", "Cost per item", "Status")
}()

// notKept are columns of Shopify's format that Wasmart reads but does not
// keep: they are listed as ignored in the report.
var notKept = map[string]bool{"variant fulfillment service": true, "gift card": true,
	"option1 linked to": true, "option2 linked to": true, "option3 linked to": true}

// knownColumns are the columns of Shopify's product CSV that are imported.
var knownColumns = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range exportColumns {
		if c := strings.ToLower(c); !notKept[c] {
			m[c] = true
		}
	}
	return m
}()

// shopifyColumn reports columns Shopify writes that Wasmart does not keep
// (market prices, metafields, per-location stock, …).
func shopifyColumn(c string) bool {
	return notKept[c] || strings.HasPrefix(c, "google shopping /") || strings.Contains(c, "(product.metafields.") ||
		strings.Contains(c, " / ") && (strings.HasPrefix(c, "included /") || strings.HasPrefix(c, "price /") || strings.HasPrefix(c, "compare at price /")) ||
		strings.HasPrefix(c, "variant inventory qty ") || strings.HasPrefix(c, "metafield:") || strings.HasPrefix(c, "variant metafield:")
}

// ImportMode says what an import does with what it read.
type ImportMode int

// String is the mode's name: dry_run, all or valid.
func (m ImportMode) String() string {
	switch m {
	case DryRun:
		return "dry_run"
	case ImportAll:
		return "all"
	case ImportValid:
		return "valid"
	}
	return "ImportMode(" + strconv.Itoa(int(m)) + ")"
}

// Modes.
const (
	// DryRun validates every row (including against the shop's existing
	// handles and SKUs and the plan's product limit) and writes nothing.
	// Its report is the one the same import would give for real.
	DryRun ImportMode = iota
	// ImportAll imports only if the whole file is valid: one problem and
	// nothing is written.
	ImportAll
	// ImportValid imports every valid product (a handle's rows) and skips
	// the products that have problems.
	ImportValid
)

// ImportOptions configure Import.
type ImportOptions struct {
	Mode ImportMode
	// UpdateExisting updates a product whose handle the shop already has
	// (Shopify's "overwrite existing products") instead of refusing it:
	// the columns the file has replace the product's values, its variants
	// become the file's (matched by SKU, then by option values; the others
	// are removed), new images are added, and Variant Inventory Qty sets
	// the available stock. Columns the file lacks leave their fields as
	// they are. Each product is updated in its own nested transaction
	// (a savepoint) inside the import's.
	UpdateExisting bool
	// Currency prices are read in (default: the shop currency).
	Currency string
	// Status, when set, overrides the file's Status/Published for every
	// imported product (e.g. Draft for staff without the publish
	// permission); such an import never changes an existing product's
	// status.
	Status catalog.Status
	// ProductLimit is the most products the shop may have (its plan's
	// quota; 0 = no limit), and Plan the plan's name for the message. New
	// products past the limit are errors at their line, in a dry run too.
	ProductLimit int64
	Plan         string
	// TotalRows and TotalBytes, when known, are passed back in progress
	// reports so the caller can draw a bar.
	TotalRows  int
	TotalBytes int64
	// Progress is called every ProgressEvery rows (default 1000) and at the end.
	Progress      func(ImportProgress)
	ProgressEvery int
	// MaxProblems caps the problems and the changes kept in the report
	// (default 1000); their counts are still exact.
	MaxProblems int
	// Name is the file's name and JobID the caller's id for this import,
	// for the audit entry ("product.import", object "import" JobID) a
	// writing import that imported products records in its transaction.
	Name, JobID string
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
// file where the offending row starts (1 is the header). Column is the
// file's column, as Shopify names it.
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

// ProductChange is what an update-mode import changes (or, in a dry run,
// would change) in one existing product.
type ProductChange struct {
	Line   int
	Handle string
	// Fields are the file's columns whose product-level values change.
	Fields []string
	// Variants added, removed and changed, by title ("Default" without options).
	VariantsAdded   []string
	VariantsRemoved []string
	VariantsUpdated []string
	ImagesAdded     int
}

// ImportReport is the outcome of Import.
type ImportReport struct {
	Rows     int
	Products int // products (handles) read
	Variants int
	Images   int
	// Imported is the number of products written: created plus updated
	// (0 for a dry run, and for ImportAll when the file has errors).
	Imported int
	// Ready counts the products that pass every check: what ImportValid
	// writes, and ImportAll when Errors is 0. It is a dry run's prediction
	// of Imported. Created and Updated split it.
	Ready   int
	Created int
	Updated int
	// Unchanged counts existing products the file leaves as they are
	// (update mode); they are not written. Products = Ready + Unchanged +
	// Skipped.
	Unchanged int
	Skipped   int // products with errors
	// SkippedRows counts rows that belong to no product (no usable Handle).
	SkippedRows int
	Errors      int // error problems, all counted
	Warnings    int
	// Fatal is set when the file could not be read past its first line
	// (not CSV, not UTF-8, a required column missing): nothing was checked.
	Fatal bool
	// Ignored lists the file's columns that are not imported.
	Ignored           []string
	Problems          []Problem // the first MaxProblems problems
	ProblemsTruncated bool
	Changes           []ProductChange // update mode: the first MaxProblems changed products
	ChangesTruncated  bool
}

// OK reports whether the file has no errors.
func (r *ImportReport) OK() bool { return r.Errors == 0 }

var errRollback = errors.New("shopifycsv: import rolled back")

// draft is one product assembled from its rows.
type draft struct {
	line     int
	handle   string
	in       catalog.ProductInput
	optNames [3]string
	category string
	google   catalog.GoogleShopping
	images   []draftImage
	// Per variant, in the order of in.Variants: the row's line, the
	// Variant Inventory Qty and whether the row gave one.
	vlines []int
	qty    []int64
	hasQty []bool
	combos map[[3]string]int // option values → line
	bad    bool
}

type draftImage struct {
	src, alt string
	pos      int
	order    int
}

type importer struct {
	cat      *catalog.Service
	b        *catalog.Batch
	ctx      context.Context
	opts     ImportOptions
	write    bool
	rep      *ImportReport
	header   []string
	col      map[string]int
	handles  map[string]int // handle → first line
	skus     map[string]int // sku → line
	batch    []*draft
	existing int64           // products in the shop before the import (with a limit)
	creating int64           // new products that passed so far
	released map[string]bool // SKUs that updated products give up
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

// fatal reports a problem that stops the reading of the file.
func (im *importer) fatal(column, msg string) {
	im.rep.Fatal = true
	im.problem(1, "", column, msg, false)
}

// has reports whether the file has a column.
func (im *importer) has(c string) bool {
	_, ok := im.col[c]
	return ok
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

// Import reads a Shopify-format product CSV into the context's shop as a
// stream (memory does not grow with the number of rows beyond a set of
// seen handles and SKUs), validates every row, and depending on opts.Mode
// writes nothing, all products, or only the valid ones. Writes happen in
// one transaction (a catalog.Batch). A dry run goes through the same checks
// as a real import, so their reports are the same. The returned error is
// for failures of the import itself (a database error); problems with the
// file, down to one that is not CSV at all, are in the report, each with
// its line.
func Import(ctx context.Context, cat *catalog.Service, r io.Reader, opts ImportOptions) (*ImportReport, error) {
	if opts.Currency == "" {
		opts.Currency = cat.DefaultCurrency()
	}
	opts.Currency = strings.ToUpper(opts.Currency)
	if !money.Known(opts.Currency) {
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
	if opts.ProductLimit < 0 {
		opts.ProductLimit = 0
	}
	rep := &ImportReport{}
	err := cat.InBatch(ctx, opts.Mode != DryRun, func(b *catalog.Batch) error {
		im := &importer{cat: cat, b: b, ctx: ctx, opts: opts, write: opts.Mode != DryRun, rep: rep,
			handles: map[string]int{}, skus: map[string]int{}, released: map[string]bool{}}
		if opts.ProductLimit > 0 {
			var err error
			if im.existing, err = b.Count(); err != nil {
				return err
			}
		}
		if err := im.run(r); err != nil {
			return err
		}
		if opts.Mode == ImportAll && rep.Errors > 0 {
			rep.Imported = 0
			return errRollback
		}
		if opts.Mode == DryRun || rep.Imported == 0 {
			return nil
		}
		return b.Audit(audit.Entry{Action: "product.import", ObjectType: "import", ObjectID: opts.JobID,
			After: fmt.Sprintf("%s: %d products imported (%d new, %d updated), %d skipped (%s)", opts.Name, rep.Imported, rep.Imported-rep.Updated, rep.Updated, rep.Skipped, opts.Mode)})
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	if err != nil {
		rep.Imported = 0
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
		im.fatal("", "the file is UTF-16; save it as CSV UTF-8")
		return nil
	}
	rd := csv.NewReader(br)
	rd.FieldsPerRecord = -1
	rd.ReuseRecord = true
	header, err := rd.Read()
	if err == io.EOF {
		im.fatal("", "the file is empty")
		return nil
	}
	if err != nil {
		var pe *csv.ParseError
		if !errors.As(err, &pe) {
			return errs.Wrap(err, "catalog: import read")
		}
		im.fatal("", "not a CSV file: "+pe.Err.Error())
		return nil
	}
	if err := im.readHeader(header); err != nil || im.rep.Fatal {
		return err
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
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return errs.Wrap(err, "catalog: import read")
			}
			im.problem(pe.StartLine, "", "", fmt.Sprintf("the file is not valid CSV from here on (line %d, column %d: %v); nothing after it is read", pe.Line, pe.Column, pe.Err), false)
			if cur != nil && !cur.bad {
				// The product's later rows may be past the broken part.
				im.problem(cur.line, cur.handle, "", fmt.Sprintf("the product is skipped: its rows may go on past the broken line %d", pe.StartLine), false)
				cur.bad = true
			}
			break
		}
		line := 0
		if len(rec) > 0 {
			line, _ = rd.FieldPos(0)
		}
		rows++
		im.rep.Rows = rows
		if err := im.ctx.Err(); err != nil {
			return err
		}
		if rows%im.opts.ProgressEvery == 0 {
			progress(false)
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
		// Every field is checked (and made safe to use) before the row is.
		rowOK := im.checkRow(rec, line)
		get := func(c string) string {
			if i, ok := im.col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		handle := get(colHandle)
		h := catalog.Slugify(handle)
		if h == "" {
			im.rep.SkippedRows++
			msg := "is empty: the row is skipped (every row needs its product's handle)"
			if handle != "" {
				msg = "must contain letters or digits: the row is skipped"
			}
			im.problem(line, "", "Handle", msg, false)
			continue
		}
		if cur == nil || cur.handle != h {
			if err := im.finish(cur); err != nil {
				return err
			}
			cur = &draft{line: line, handle: h, combos: map[[3]string]int{}}
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
		if !rowOK {
			cur.bad = true
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

// readHeader maps the columns; a problem that makes the file unreadable
// is fatal.
func (im *importer) readHeader(header []string) error {
	im.col = map[string]int{}
	im.header = make([]string, len(header))
	var unknown []string
	for i, h := range header {
		if !utf8.ValidString(h) {
			im.fatal("", "the header is not UTF-8; save the file as CSV UTF-8")
			return nil
		}
		im.header[i] = strings.TrimSpace(h)
		h = strings.ToLower(im.header[i])
		if strings.IndexFunc(h, unicode.IsControl) >= 0 {
			im.fatal("", fmt.Sprintf("column %d of the header contains a control character", i+1))
			return nil
		}
		if _, dup := im.col[h]; dup && h != "" {
			im.fatal(im.header[i], "column appears twice")
			return nil
		}
		if h == "" {
			continue
		}
		im.col[h] = i
		switch {
		case knownColumns[h]:
		case shopifyColumn(h):
			im.rep.Ignored = append(im.rep.Ignored, im.header[i])
		default:
			im.rep.Ignored = append(im.rep.Ignored, im.header[i])
			unknown = append(unknown, im.header[i])
		}
	}
	for _, req := range []string{"Handle", "Title", "Variant Price"} {
		if !im.has(strings.ToLower(req)) {
			im.fatal("", fmt.Sprintf("required column %q is missing", req))
			return nil
		}
	}
	if len(unknown) > 0 {
		im.problem(1, "", "", "unknown columns ignored: "+strings.Join(unknown, ", "), true)
	}
	return nil
}

// columnName is the file's name of column i.
func (im *importer) columnName(i int) string {
	if i < len(im.header) && im.header[i] != "" {
		return im.header[i]
	}
	return fmt.Sprintf("column %d", i+1)
}

// checkRow reports fields that are not UTF-8 or hold control characters
// (other than tab and line breaks), and replaces them in rec so that the
// rest of the row can still be checked. It returns false when the row had
// such a field.
func (im *importer) checkRow(rec []string, line int) bool {
	ok := true
	handle := ""
	if i, found := im.col[colHandle]; found && i < len(rec) {
		handle = catalog.Slugify(strings.ToValidUTF8(rec[i], "\uFFFD"))
	}
	if n := len(im.header); len(rec) > n {
		for _, f := range rec[n:] {
			if strings.TrimSpace(f) != "" {
				im.problem(line, handle, "", fmt.Sprintf("the row has %d fields but the header has %d (a comma inside a value that is not quoted?)", len(rec), n), false)
				ok = false
				break
			}
		}
	}
	encoding, control := false, false
	for i, f := range rec {
		if !utf8.ValidString(f) {
			if !encoding {
				im.problem(line, handle, im.columnName(i), "is not UTF-8 text (the file was probably saved as Windows-1252 or GBK); save it as CSV UTF-8", false)
			}
			encoding, ok = true, false
			f = strings.ToValidUTF8(f, "\uFFFD")
			rec[i] = f
		}
		if strings.IndexFunc(f, badControl) >= 0 {
			if !control {
				im.problem(line, handle, im.columnName(i), "contains a control character", false)
			}
			control, ok = true, false
			rec[i] = strings.Map(func(r rune) rune {
				if badControl(r) {
					return -1
				}
				return r
			}, f)
		}
	}
	return ok
}

// badControl reports control characters no text field needs (NUL and the
// like; tabs and line breaks are fine).
func badControl(r rune) bool {
	return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r'
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

// parseCSVPrice reads a price column by money.Parse's one rule, which is
// also how Shopify writes prices ("1250.00", trailing zeros allowed for a
// currency without decimals), and returns what is wrong with it for the
// report, which names the column itself. A price is never guessed.
func parseCSVPrice(s, currency string) (int64, string) {
	n, err := money.Parse("", s, currency)
	if err == nil {
		return n, ""
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return 0, e.Message
	}
	return 0, err.Error()
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
	if removed := richtext.Removed(body); len(removed) > 0 {
		im.problem(line, d.handle, "Body (HTML)", "HTML that is not allowed was removed: "+strings.Join(removed, ", "), true)
	}
	in.BodyHTML = body
	in.Vendor = get(colVendor)
	in.ProductType = get(colType)
	d.category = normCategoryPath(get(colCategory))
	in.Tags = catalog.SplitTags(get(colTags))
	in.SEOTitle = get(colSEOTitle)
	in.SEODescription = get(colSEODesc)
	in.Currency = im.opts.Currency
	for k := range d.optNames {
		d.optNames[k] = get(fmt.Sprintf("option%d name", k+1))
	}
	for i, c := range googleCSV {
		v := get(strings.ToLower(c))
		if f := googleField(&d.google, i); f != nil {
			*f = v
		} else if v != "" {
			b, ok := parseBool(v, false)
			if !ok {
				im.problem(line, d.handle, c, "must be TRUE or FALSE", false)
				d.bad = true
			}
			d.google.CustomProduct = &b
		}
	}
	if g, _ := parseBool(get(colGiftCard), false); g {
		im.problem(line, d.handle, "Gift Card", "gift cards are imported as ordinary products", true)
	}
	status := catalog.Draft
	pub, ok := parseBool(get(colPublished), false)
	if !ok {
		im.problem(line, d.handle, "Published", "must be TRUE or FALSE", false)
		d.bad = true
	}
	if pub {
		status = catalog.Published
	}
	switch strings.ToLower(get(colStatus)) {
	case "":
	case "active":
		status = catalog.Published
	case "draft":
		status = catalog.Draft
	case "archived":
		status = catalog.Archived
	default:
		im.problem(line, d.handle, "Status", "must be active, draft or archived", false)
		d.bad = true
	}
	if im.opts.Status != "" {
		status = im.opts.Status
	}
	in.Status = status
}

// normCategoryPath writes a "A > B > C" category path the one way.
func normCategoryPath(p string) string {
	var names []string
	for _, n := range strings.Split(p, ">") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	return strings.Join(names, " > ")
}

// checkSame reports product-level fields on later rows that contradict the
// first row (Shopify repeats them or leaves them empty).
func (im *importer) checkSame(d *draft, line int, get func(string) string) {
	for _, c := range []struct{ col, name, first string }{
		{colTitle, "Title", d.in.Title}, {colVendor, "Vendor", d.in.Vendor}, {colType, "Type", d.in.ProductType},
		{colSEOTitle, "SEO Title", d.in.SEOTitle},
	} {
		if v := get(c.col); v != "" && v != c.first {
			im.problem(line, d.handle, c.name, fmt.Sprintf("differs from line %d (%q); a handle's rows must describe one product", d.line, c.first), false)
			d.bad = true
		}
	}
	if v := normCategoryPath(get(colCategory)); v != "" && v != d.category {
		im.problem(line, d.handle, "Product Category", fmt.Sprintf("differs from line %d (%q); a handle's rows must describe one product", d.line, d.category), false)
		d.bad = true
	}
	for i, c := range googleCSV {
		f := googleField(&d.google, i)
		if v := get(strings.ToLower(c)); v != "" && f != nil && v != *f {
			im.problem(line, d.handle, c, fmt.Sprintf("differs from line %d (%q); the product keeps the first row's value", d.line, *f), true)
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
	for k := range opts {
		opts[k] = get(fmt.Sprintf("option%d value", k+1))
		if opts[k] != "" {
			isVariant = true
		}
	}
	if get(colSKU) != "" || get(colPrice) != "" || get(colBarcode) != "" {
		isVariant = true
	}
	if src := get(colImageSrc); src != "" {
		if !catalog.ValidImageURL(src) {
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
	v := catalog.VariantInput{Options: opts, SKU: get(colSKU), Barcode: get(colBarcode)}
	// Shopify writes "Title / Default Title" for a product without options.
	if strings.EqualFold(d.optNames[0], "Title") && opts[0] == "Default Title" && d.optNames[1] == "" {
		v.Options[0] = ""
	}
	if first, dup := d.combos[v.Options]; dup {
		bad("Option1 Value", "same option values as line %d; a product's variants need different option values", first)
	} else {
		d.combos[v.Options] = line
	}
	if p := get(colPrice); p == "" {
		bad("Variant Price", "is required for a variant")
	} else if n, msg := parseCSVPrice(p, im.opts.Currency); msg != "" {
		bad("Variant Price", "%s", msg)
	} else {
		v.Price = n
	}
	for _, c := range []struct {
		col, name string
		dst       **int64
	}{{colCompareAt, "Variant Compare At Price", &v.CompareAtPrice}, {colCost, "Cost per item", &v.Cost}} {
		if p := get(c.col); p != "" {
			if n, msg := parseCSVPrice(p, im.opts.Currency); msg != "" {
				bad(c.name, "%s", msg)
			} else {
				*c.dst = &n
			}
		}
	}
	if g := get(colGrams); g != "" {
		f, err := strconv.ParseFloat(g, 64)
		if err != nil || !(f >= 0 && f <= 1e9) {
			bad("Variant Grams", "must be a weight in grams, not %q", g)
		} else {
			v.WeightGrams = int64(f + 0.5)
		}
	}
	if im.has(colWeightUnit) {
		u := strings.ToLower(get(colWeightUnit))
		if u == "" {
			u = "g"
		}
		if !slices.Contains(catalog.WeightUnits, u) {
			bad("Variant Weight Unit", "must be g, kg, lb or oz, not %q", u)
		}
		v.WeightUnit = u
	}
	if im.has(colTaxCode) {
		tc := get(colTaxCode)
		v.TaxCode = &tc
	}
	switch strings.ToLower(get(colPolicy)) {
	case "", "deny":
	case "continue":
		v.AllowBackorder = true
	default:
		bad("Variant Inventory Policy", "must be deny or continue")
	}
	tracked := true
	if im.has(colTracker) {
		switch t := get(colTracker); strings.ToLower(t) {
		case "":
			tracked = false // Shopify's "not tracked"
		case "shopify":
		default:
			im.problem(line, d.handle, "Variant Inventory Tracker", fmt.Sprintf("stock tracked by %q is tracked by Wasmart's inventory instead", t), true)
		}
		v.InventoryTracked = &tracked
	}
	var qty int64
	q := get(colQty)
	if q != "" {
		n, err := strconv.ParseInt(q, 10, 64)
		switch {
		case err != nil || n > 1_000_000_000 || n < -1_000_000_000:
			bad("Variant Inventory Qty", "must be a whole number, not %q", q)
		case n < 0 && !v.AllowBackorder && tracked:
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
		if !catalog.ValidImageURL(vi) {
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
	d.vlines = append(d.vlines, line)
	d.qty = append(d.qty, qty)
	d.hasQty = append(d.hasQty, q != "")
}

// csvColumns names, for the fields of ProductInput that normalize reports,
// the file's column ("variants." fields are a variant row's).
var csvColumns = func() map[string]string {
	m := map[string]string{"title": "Title", "handle": "Handle", "body_html": "Body (HTML)", "vendor": "Vendor", "product_type": "Type",
		"seo_title": "SEO Title", "seo_description": "SEO Description", "tags": "Tags", "options": "Option1 Name", "status": "Status",
		"category_id": "Product Category", "variants.option1": "Option1 Value", "variants.option2": "Option2 Value", "variants.option3": "Option3 Value",
		"variants.options": "Option1 Value", "variants.sku": "Variant SKU", "variants.barcode": "Variant Barcode", "variants.price": "Variant Price",
		"variants.compare_at_price": "Variant Compare At Price", "variants.cost": "Cost per item", "variants.weight_grams": "Variant Grams",
		"variants.weight_unit": "Variant Weight Unit", "variants.tax_code": "Variant Tax Code", "variants.allow_backorder": "Variant Inventory Policy",
		"variants.image_src": "Variant Image"}
	g := []string{"product_category", "gender", "age_group", "mpn", "adwords_grouping", "adwords_labels", "condition", "custom_product",
		"custom_label_0", "custom_label_1", "custom_label_2", "custom_label_3", "custom_label_4"}
	for i, f := range g {
		m["google."+f] = googleCSV[i]
	}
	return m
}()

// fieldProblem reports a validation error of a draft at the file's column
// and the line of the row it comes from, never by an internal field name.
// Errors that are not about the input are returned.
func (im *importer) fieldProblem(d *draft, err error) error {
	return im.fieldProblemAt(d.handle, d.line, d.vlines, "", err)
}

// fieldProblemAt is fieldProblem for a product whose first row is at line
// and whose variants' rows are at vlines; prefix goes before the message.
func (im *importer) fieldProblemAt(handle string, line int, vlines []int, prefix string, err error) error {
	var e *errs.Error
	if !errors.As(err, &e) || e.Code == errs.Internal {
		return err
	}
	field := e.Field
	if rest, ok := strings.CutPrefix(field, "variants["); ok {
		idx, sub, _ := strings.Cut(rest, "]")
		if i, err := strconv.Atoi(idx); err == nil && i >= 0 && i < len(vlines) {
			line = vlines[i]
		}
		field = "variants" + sub
	}
	im.problem(line, handle, csvColumns[field], prefix+e.Message, false)
	return nil
}

// finish validates an assembled product and queues it.
func (im *importer) finish(d *draft) error {
	if d == nil {
		return nil
	}
	d.in.Options = d.optNames[:]
	if strings.EqualFold(d.optNames[0], "Title") && d.optNames[1] == "" {
		plain := true
		for _, v := range d.in.Variants {
			plain = plain && v.Options[0] == ""
		}
		if plain {
			d.in.Options = nil // Shopify's "Default Title" product
		}
	}
	g := d.google
	d.in.Google = &g
	if !d.bad {
		if len(d.in.Variants) == 0 {
			im.problem(d.line, d.handle, "Variant Price", "the product has no variant row (a row with Variant Price)", false)
			d.bad = true
		} else if in, err := im.cat.Normalize(d.in); err != nil {
			if err := im.fieldProblem(d, err); err != nil {
				return err
			}
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

// flush checks the batch against the shop (existing handles and SKUs, the
// product limit, and in update mode what each update changes) and writes
// it. The checks read the shop as it was before the import, plus what the
// import itself decided so far, so a dry run and a real import decide the
// same.
func (im *importer) flush() error {
	batch := im.batch
	im.batch = nil
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
	// The shop's products with these handles: by id, or whole when they
	// may be updated.
	var ids map[string]string
	var current map[string]*catalog.Product
	var err error
	if im.opts.UpdateExisting {
		if current, err = im.b.Products(handles); err != nil {
			return err
		}
		ids = make(map[string]string, len(current))
		for h, p := range current {
			ids[h] = p.ID
		}
	} else if ids, err = im.b.ProductIDs(handles); err != nil {
		return err
	}
	skuOwner := map[string]string{}
	if len(skus) > 0 {
		if skuOwner, err = im.b.SKUOwners(skus); err != nil {
			return err
		}
	}
	var creates []*draft
	var updates []*update
	for _, d := range batch {
		bad := false
		id, exists := ids[d.handle]
		if exists && !im.opts.UpdateExisting {
			im.problem(d.line, d.handle, "Handle", "a product with this handle already exists in the shop (import with “update existing products” to update it)", false)
			bad = true
		}
		for i, v := range d.in.Variants {
			if owner := skuOwner[v.SKU]; v.SKU != "" && owner != "" && (!exists || owner != id) && !im.released[v.SKU] {
				im.problem(d.vlines[i], d.handle, "Variant SKU", fmt.Sprintf("SKU %q is used by another product in the shop", v.SKU), false)
				bad = true
			}
		}
		var u *update
		if !bad && exists {
			if u, err = im.plan(d, current[d.handle]); err != nil {
				return err
			}
			bad = u == nil
		}
		if !bad && !exists && im.opts.ProductLimit > 0 {
			if im.existing+im.creating+1 > im.opts.ProductLimit {
				plan := im.opts.Plan
				if plan == "" {
					plan = "shop's"
				}
				im.problem(d.line, d.handle, "", fmt.Sprintf("the %s plan allows %d products and the shop has %d: this product would pass the limit (upgrade, or import fewer products)",
					plan, im.opts.ProductLimit, im.existing+im.creating), false)
				bad = true
			}
		}
		switch {
		case bad:
			im.rep.Skipped++
		case u != nil && u.unchanged():
			im.rep.Unchanged++
		case u != nil:
			im.rep.Ready++
			im.rep.Updated++
			im.change(u)
			for _, s := range u.releases {
				im.released[s] = true
			}
			updates = append(updates, u)
		default:
			im.rep.Ready++
			im.rep.Created++
			im.creating++
			creates = append(creates, d)
		}
	}
	if !im.write || (im.opts.Mode == ImportAll && im.rep.Errors > 0) {
		return nil
	}
	// Updates first: a SKU an updated product gives up may be taken by a
	// new one.
	for _, u := range updates {
		if err := im.apply(u); err != nil {
			return err
		}
	}
	return im.insert(creates)
}

// change records an update in the report.
func (im *importer) change(u *update) {
	if len(im.rep.Changes) >= im.opts.MaxProblems {
		im.rep.ChangesTruncated = true
		return
	}
	im.rep.Changes = append(im.rep.Changes, u.ProductChange)
}

// insert writes validated new products with multi-row inserts.
func (im *importer) insert(ds []*draft) error {
	if len(ds) == 0 {
		return nil
	}
	ps := make([]catalog.NewProduct, len(ds))
	for i, d := range ds {
		ps[i] = catalog.NewProduct{Input: d.in, CategoryPath: d.category, Images: externalImages(d.images), Stock: d.qty}
	}
	if err := im.b.Create(ps); err != nil {
		return err
	}
	im.rep.Imported += len(ds)
	return nil
}

// externalImages are a product's images by Image Position, keeping the
// file's order for images without one.
func externalImages(imgs []draftImage) []catalog.ExternalImage {
	out := make([]catalog.ExternalImage, len(imgs))
	for i, x := range sortImages(imgs) {
		out[i] = catalog.ExternalImage{Src: x.src, Alt: x.alt}
	}
	return out
}

// sortImages orders a product's images by Image Position, keeping the
// file's order for images without one.
func sortImages(imgs []draftImage) []draftImage {
	out := append([]draftImage(nil), imgs...)
	sort.SliceStable(out, func(i, j int) bool {
		pi, pj := out[i].pos, out[j].pos
		if pi == 0 || pj == 0 {
			return out[i].order < out[j].order
		}
		return pi < pj
	})
	return out
}
