package admin

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/catalog/shopifycsv"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/jobs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// CSV import and export of the catalog in Shopify's product CSV format.
//
// An import is a job: the uploaded file is kept (in the blob store when
// the server has one, else in a temporary file) and read by a goroutine
// that reports progress; the console page polls the job with a
// meta-refresh (no script needed) and the API with GET /api/imports/:job.
// The console always starts with a dry run that lists every problem with
// its line number; the user then imports all rows (only if the file is
// clean: nothing is written otherwise) or only the valid products. A dry
// run goes through every check of the real import, the plan's product
// limit included, so its report is the import's. With "update existing
// products" (update_existing) a handle the shop has updates that product
// instead of being refused, and the dry run lists what each update
// changes. Jobs live in this process's memory for an hour after they
// finish: a restart forgets them, never half-imports (each import is one
// transaction).
//
// Staff without catalog.publish import everything as drafts, whatever the
// file's Published and Status columns say, and never change an existing
// product's status.

const (
	jobKeep       = time.Hour
	jobsPerTenant = 20
)

// ImportJobJSON is an import job.
type ImportJobJSON struct {
	ID             string       `json:"id"`
	Mode           string       `json:"mode"`
	UpdateExisting bool         `json:"update_existing"`
	State          string       `json:"state"` // running, done, failed
	FileName       string       `json:"file_name"`
	Bytes          int64        `json:"bytes"`
	TotalBytes     int64        `json:"total_bytes"`
	Rows           int          `json:"rows"`
	Percent        int          `json:"percent"`
	Error          string       `json:"error,omitempty"`
	DraftsOnly     bool         `json:"drafts_only"`
	StartedAt      time.Time    `json:"started_at"`
	FinishedAt     *time.Time   `json:"finished_at,omitempty"`
	Report         *ReportJSON  `json:"report,omitempty"`
	Source         string       `json:"source,omitempty"` // the dry run this import follows
	Problems       []ProblemRow `json:"-"`
}

// ReportJSON is what an import found and did. Ready counts the products
// that pass every check (created plus updated): what a valid-only import
// writes, and an all-or-nothing one when errors is 0; imported is what was
// written (0 for a dry run). products = ready + unchanged + skipped;
// skipped_rows are rows without a usable Handle. fatal: the file could not
// be read past its first line. ignored lists the file's columns that are
// not imported; changes, what an update-mode import changes per product.
type ReportJSON struct {
	Rows              int           `json:"rows"`
	Products          int           `json:"products"`
	Variants          int           `json:"variants"`
	Images            int           `json:"images"`
	Imported          int           `json:"imported"`
	Ready             int           `json:"ready"`
	Created           int           `json:"created"`
	Updated           int           `json:"updated"`
	Unchanged         int           `json:"unchanged"`
	Skipped           int           `json:"skipped"`
	SkippedRows       int           `json:"skipped_rows"`
	Errors            int           `json:"errors"`
	Warnings          int           `json:"warnings"`
	Fatal             bool          `json:"fatal"`
	Ignored           []string      `json:"ignored"`
	Problems          []ProblemJSON `json:"problems"`
	ProblemsTruncated bool          `json:"problems_truncated,omitempty"`
	Changes           []ChangeJSON  `json:"changes"`
	ChangesTruncated  bool          `json:"changes_truncated,omitempty"`
}

// ChangeJSON is what an update-mode import changes (or would change) in one
// existing product: the file's columns whose values change, and variants
// added, removed and changed (by title).
type ChangeJSON struct {
	Line            int      `json:"line"`
	Handle          string   `json:"handle"`
	Fields          []string `json:"fields"`
	VariantsAdded   []string `json:"variants_added"`
	VariantsRemoved []string `json:"variants_removed"`
	VariantsUpdated []string `json:"variants_updated"`
	ImagesAdded     int      `json:"images_added"`
}

// ProblemJSON is one problem of the file, at a 1-based line (1 = header).
type ProblemJSON struct {
	Line    int    `json:"line"`
	Handle  string `json:"handle,omitempty"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
	Warning bool   `json:"warning,omitempty"`
}

// ProblemRow is a problem as the console shows it.
type ProblemRow = ProblemJSON

type importJob struct {
	mu         sync.Mutex
	id, tenant string
	mode       string
	update     bool
	file       string // blob key or temp path
	inBlob     bool
	name       string
	size       int64
	drafts     bool
	source     string
	state      string
	progress   shopifycsv.ImportProgress
	report     *shopifycsv.ImportReport
	err        string
	started    time.Time
	finished   time.Time
}

// Imports runs the shop's CSV import jobs and keeps them, in this process's
// memory, for an hour after they finish. The server builds one and hands
// it to every area that starts or shows imports, so a job started through
// the API is the console's too.
type Imports struct {
	a    *Admin
	mu   sync.Mutex
	jobs map[string]*importJob
	// fault, when set, is called at each progress report from inside
	// the importer (tests inject a panic with it: SetFault).
	fault atomic.Pointer[func(shopifycsv.ImportProgress)]
}

// NewImports returns the import job runner over a's services.
func NewImports(a *Admin) *Imports {
	return &Imports{a: a, jobs: map[string]*importJob{}}
}

// SetFault makes every import call f at each of its progress reports, from
// inside the importer (nil removes it): a test injects a panic into a
// background import with it.
func (imp *Imports) SetFault(f func(shopifycsv.ImportProgress)) {
	if f == nil {
		imp.fault.Store(nil)
		return
	}
	imp.fault.Store(&f)
}

func (j *importJob) json() ImportJobJSON {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := ImportJobJSON{ID: j.id, Mode: j.mode, UpdateExisting: j.update, State: j.state, FileName: j.name, Bytes: j.progress.Bytes, TotalBytes: j.size,
		Rows: j.progress.Rows, Error: j.err, DraftsOnly: j.drafts, StartedAt: j.started, Source: j.source}
	if j.size > 0 {
		out.Percent = int(j.progress.Bytes * 100 / j.size)
	}
	if j.state != "running" {
		out.Percent = 100
		f := j.finished
		out.FinishedAt = &f
	}
	if r := j.report; r != nil && j.state != "running" {
		rep := &ReportJSON{Rows: r.Rows, Products: r.Products, Variants: r.Variants, Images: r.Images, Imported: r.Imported, Ready: r.Ready,
			Created: r.Created, Updated: r.Updated, Unchanged: r.Unchanged, Skipped: r.Skipped, SkippedRows: r.SkippedRows, Errors: r.Errors,
			Warnings: r.Warnings, Fatal: r.Fatal, Ignored: append([]string{}, r.Ignored...), Problems: []ProblemJSON{},
			ProblemsTruncated: r.ProblemsTruncated, Changes: []ChangeJSON{}, ChangesTruncated: r.ChangesTruncated}
		for _, p := range r.Problems {
			rep.Problems = append(rep.Problems, ProblemJSON(p))
		}
		for _, c := range r.Changes {
			rep.Changes = append(rep.Changes, ChangeJSON{Line: c.Line, Handle: c.Handle, Fields: append([]string{}, c.Fields...),
				VariantsAdded: append([]string{}, c.VariantsAdded...), VariantsRemoved: append([]string{}, c.VariantsRemoved...),
				VariantsUpdated: append([]string{}, c.VariantsUpdated...), ImagesAdded: c.ImagesAdded})
		}
		out.Report = rep
	}
	return out
}

// job returns the current shop's job by id.
func (imp *Imports) job(c *fiber.Ctx, id string) (*importJob, error) {
	imp.mu.Lock()
	defer imp.mu.Unlock()
	j := imp.jobs[id]
	if j == nil || j.tenant != imp.a.kit.Current(c).TenantID {
		return nil, errs.NotFoundf("import not found (imports are kept for an hour)")
	}
	return j, nil
}

// admit registers a job, dropping old finished ones; one job runs per shop
// at a time.
func (imp *Imports) admit(j *importJob) error {
	imp.mu.Lock()
	defer imp.mu.Unlock()
	var mine []*importJob
	for id, x := range imp.jobs {
		x.mu.Lock()
		state, fin := x.state, x.finished
		x.mu.Unlock()
		if state != "running" && time.Since(fin) > jobKeep {
			delete(imp.jobs, id)
			imp.dropFile(x)
			continue
		}
		if x.tenant == j.tenant {
			if state == "running" {
				return errs.E(errs.Conflict, "an import is already running for this shop; wait for it to finish")
			}
			mine = append(mine, x)
		}
	}
	sort.Slice(mine, func(a, b int) bool { return mine[a].started.Before(mine[b].started) })
	for len(mine) >= jobsPerTenant {
		delete(imp.jobs, mine[0].id)
		mine = mine[1:]
	}
	imp.jobs[j.id] = j
	return nil
}

// dropFile removes a job's file unless another job still uses it.
func (imp *Imports) dropFile(j *importJob) {
	for _, x := range imp.jobs {
		if x != j && x.file == j.file {
			return
		}
	}
	if j.inBlob && imp.a.blobs != nil {
		imp.a.blobs.Delete(context.Background(), j.file)
	} else if !j.inBlob {
		os.Remove(j.file)
	}
}

func (imp *Imports) openFile(ctx context.Context, j *importJob) (io.ReadCloser, error) {
	if j.inBlob {
		rc, _, err := imp.a.blobs.Open(ctx, j.file)
		return rc, err
	}
	return os.Open(j.file)
}

// saveUpload keeps an uploaded CSV for the job's life.
func (imp *Imports) saveUpload(ctx context.Context, tid, id string, r io.Reader) (file string, inBlob bool, size int64, err error) {
	lr := &io.LimitedReader{R: r, N: httpx.UploadLimit + 1}
	if imp.a.blobs != nil {
		key := tid + "/imports/" + id + ".csv"
		info, err := imp.a.blobs.Put(ctx, key, lr, "text/csv")
		if err != nil {
			return "", false, 0, err
		}
		if info.Size > httpx.UploadLimit {
			imp.a.blobs.Delete(ctx, key)
			return "", false, 0, &errs.Error{Code: errs.TooLarge, Field: "file", Message: fmt.Sprintf("import files may be at most %d MiB", httpx.UploadLimit>>20)}
		}
		return key, true, info.Size, nil
	}
	dir := filepath.Join(os.TempDir(), "wasmart-imports")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", false, 0, err
	}
	f, err := os.CreateTemp(dir, id+"-*.csv")
	if err != nil {
		return "", false, 0, err
	}
	n, err := io.Copy(f, lr)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > httpx.UploadLimit {
		err = &errs.Error{Code: errs.TooLarge, Field: "file", Message: fmt.Sprintf("import files may be at most %d MiB", httpx.UploadLimit>>20)}
	}
	if err != nil {
		os.Remove(f.Name())
		return "", false, 0, err
	}
	return f.Name(), false, n, nil
}

// ParseMode reads an import mode: dry_run (also ""), all or valid.
func ParseMode(m string) (shopifycsv.ImportMode, error) {
	switch m {
	case "", "dry_run":
		return shopifycsv.DryRun, nil
	case "all":
		return shopifycsv.ImportAll, nil
	case "valid":
		return shopifycsv.ImportValid, nil
	}
	return 0, errs.Field("mode", "must be dry_run, all or valid")
}

// ParseUpdate reads the update_existing switch.
func ParseUpdate(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "", "false", "0", "off":
		return false, nil
	case "true", "1", "on":
		return true, nil
	}
	return false, errs.Field("update_existing", "must be true or false")
}

// startImport registers and runs a job over a saved file. The plan's
// product limit is read here, before the import's transaction opens.
func (imp *Imports) startImport(c *fiber.Ctx, mode shopifycsv.ImportMode, update bool, file string, inBlob bool, name string, size int64, source string) (*importJob, error) {
	p := imp.a.kit.Current(c)
	plan, err := imp.a.tenants.PlanOf(c.UserContext(), p.TenantID)
	if err != nil {
		return nil, err
	}
	j := &importJob{id: store.NewID(), tenant: p.TenantID, mode: mode.String(), update: update, file: file, inBlob: inBlob, name: name, size: size,
		source: source, state: "running", started: time.Now().UTC(), drafts: !imp.a.kit.Can(c, perm.CatalogPublish)}
	if err := imp.admit(j); err != nil {
		return nil, err
	}
	opts := shopifycsv.ImportOptions{Mode: mode, UpdateExisting: update, Currency: imp.a.ShopCurrency(c), TotalBytes: size, ProgressEvery: 500, Plan: plan.Title, Name: name, JobID: j.id,
		Progress: func(pr shopifycsv.ImportProgress) {
			j.mu.Lock()
			j.progress = pr
			j.mu.Unlock()
		}}
	if j.drafts {
		opts.Status = catalog.Draft
	}
	if f := imp.fault.Load(); f != nil { // tests only (SetFault)
		fault, progress := *f, opts.Progress
		opts.Progress = func(pr shopifycsv.ImportProgress) { fault(pr); progress(pr) }
	}
	if plan.Products != tenants.Unlimited {
		opts.ProductLimit = plan.Products
	}
	ctx := context.WithoutCancel(c.UserContext())
	jobs.Go(imp.a.log, "catalog import "+j.id, func() error { imp.runImport(ctx, j, opts); return nil }, nil)
	return j, nil
}

// runImport runs a job and records how it ended. A panic in the import is
// recovered (it ran in one transaction, rolled back) and the job shows as
// failed with a message the merchant can read; the server keeps serving.
func (imp *Imports) runImport(ctx context.Context, j *importJob, opts shopifycsv.ImportOptions) {
	var rep *shopifycsv.ImportReport
	err := jobs.Run(imp.a.log, "catalog import "+j.id, func() error {
		var err error
		rep, err = imp.importFile(ctx, j, opts)
		return err
	})
	j.mu.Lock()
	j.report, j.finished = rep, time.Now().UTC()
	j.state = "done"
	if err != nil {
		j.state = "failed"
		_, de := imp.toErrorPlain(err)
		j.err = de
	}
	j.mu.Unlock()
}

// importFile runs the import. The plan's product limit is one of its
// checks (opts.ProductLimit), so a dry run reports it the way the real
// import applies it.
func (imp *Imports) importFile(ctx context.Context, j *importJob, opts shopifycsv.ImportOptions) (*shopifycsv.ImportReport, error) {
	rc, err := imp.openFile(ctx, j)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return shopifycsv.Import(ctx, imp.a.catalog, bufio.NewReaderSize(rc, 256<<10), opts)
}

// toErrorPlain is the message a job shows for an error.
func (imp *Imports) toErrorPlain(err error) (errs.Code, string) {
	if de, ok := err.(*errs.Error); ok && de.Code != errs.Internal {
		return de.Code, de.Message
	}
	imp.a.log.Error("import failed", "err", err)
	return errs.Internal, "the import failed because of an internal error; nothing was imported"
}

// uploadedCSV reads the CSV of an upload: a multipart field "file", or the
// raw body.
func (imp *Imports) uploadedCSV(c *fiber.Ctx, id string) (file string, inBlob bool, name string, size int64, err error) {
	tid := imp.a.kit.Current(c).TenantID
	if fh, ferr := c.FormFile("file"); ferr == nil {
		f, err := fh.Open()
		if err != nil {
			return "", false, "", 0, errs.Field("file", "could not read the upload")
		}
		defer f.Close()
		file, inBlob, size, err = imp.saveUpload(c.UserContext(), tid, id, f)
		return file, inBlob, fh.Filename, size, err
	}
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), "multipart/") || strings.HasPrefix(c.Get(fiber.HeaderContentType), "application/x-www-form-urlencoded") {
		return "", false, "", 0, errs.Field("file", "choose a CSV file to upload")
	}
	body := c.Request().Body()
	if len(body) == 0 {
		return "", false, "", 0, errs.Field("file", "send the CSV as the request body or as a multipart field \"file\"")
	}
	file, inBlob, size, err = imp.saveUpload(c.UserContext(), tid, id, strings.NewReader(string(body)))
	name = c.Query("name", "upload.csv")
	return file, inBlob, name, size, err
}

// rerun starts an import of a finished job's file; update nil keeps the
// job's choice.
func (imp *Imports) rerun(c *fiber.Ctx, mode string, update *bool) (*importJob, error) {
	j, err := imp.job(c, c.Params("job"))
	if err != nil {
		return nil, err
	}
	m, err := ParseMode(mode)
	if err != nil {
		return nil, err
	}
	if m == shopifycsv.DryRun {
		return nil, errs.Field("mode", "must be all or valid")
	}
	j.mu.Lock()
	state, upd := j.state, j.update
	j.mu.Unlock()
	if state == "running" {
		return nil, errs.E(errs.Conflict, "the check of this file is still running")
	}
	if update != nil {
		upd = *update
	}
	return imp.startImport(c, m, upd, j.file, j.inBlob, j.name, j.size, j.id)
}

// Start keeps the request's CSV (a multipart field "file", or the raw
// body named by the query's name) and starts a job over it.
func (imp *Imports) Start(c *fiber.Ctx, mode shopifycsv.ImportMode, update bool) (ImportJobJSON, error) {
	file, inBlob, name, size, err := imp.uploadedCSV(c, store.NewID())
	if err != nil {
		return ImportJobJSON{}, err
	}
	j, err := imp.startImport(c, mode, update, file, inBlob, name, size, "")
	if err != nil {
		imp.mu.Lock()
		imp.dropFile(&importJob{file: file, inBlob: inBlob})
		imp.mu.Unlock()
		return ImportJobJSON{}, err
	}
	return j.json(), nil
}

// Job is the current shop's import job id.
func (imp *Imports) Job(c *fiber.Ctx, id string) (ImportJobJSON, error) {
	j, err := imp.job(c, id)
	if err != nil {
		return ImportJobJSON{}, err
	}
	return j.json(), nil
}

// Rerun imports the file of the finished job named by the route's :job
// parameter, in mode all or valid; update nil keeps the job's choice.
func (imp *Imports) Rerun(c *fiber.Ctx, mode string, update *bool) (ImportJobJSON, error) {
	j, err := imp.rerun(c, mode, update)
	if err != nil {
		return ImportJobJSON{}, err
	}
	return j.json(), nil
}

// ExportCSV streams the catalog as a CSV download; uploaded images are
// given by their storefront URL.
func (a *Admin) ExportCSV(c *fiber.Ctx) error {
	ctx := c.UserContext()
	st := catalog.Status(c.Query("status"))
	if st != "" && !st.Valid() {
		return errs.Field("status", "unknown status")
	}
	t, err := a.tenants.Tenant(ctx, a.kit.Current(c).TenantID)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(a.kit.StorefrontURL(t.Slug), "/")
	opts := shopifycsv.ExportOptions{Status: st, ImageURL: func(im catalog.Image) string {
		if im.Key == "" {
			return im.Src
		}
		return base + "/media/" + im.Key
	}}
	// Wait for the first bytes so an early error still gets a proper
	// status; the rest streams.
	pr, pw := io.Pipe()
	jobs.Go(a.log, "catalog export", func() error { return shopifycsv.Export(ctx, a.catalog, pw, opts) },
		func(err error) { pw.CloseWithError(err) })
	br := bufio.NewReaderSize(pr, 64<<10)
	if _, err := br.Peek(1); err != nil && err != io.EOF {
		pr.CloseWithError(err)
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+t.Slug+`-products-`+time.Now().UTC().Format("20060102")+`.csv"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Context().SetBodyStream(struct {
		io.Reader
		io.Closer
	}{br, pr}, -1)
	return nil
}
