package web

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

// importAPI is product CSV import and export over JSON.
func (s *Server) importAPI(t *httpx.Table) {
	api := t.Group(httpx.ScopeTenant, "catalog")
	api.API("POST", "/api/imports", perm.CatalogWrite, "Start a Shopify product CSV import: the body is the CSV (text/csv) or a multipart field \"file\"", nil, ImportJobJSON{}, s.apiImportStart,
		httpx.QueryParam{Name: "mode", Enum: []string{"dry_run", "all", "valid"}, Description: "dry_run (default) checks and writes nothing; all imports only if every row is valid; valid skips the products with problems"},
		httpx.QueryParam{Name: "update_existing", Type: "boolean", Description: "true: a product whose handle the shop has is updated from the file (the file's columns replace its values, its variants become the file's) instead of refused; the dry run lists the changes"},
		httpx.QueryParam{Name: "name", Description: "the file name shown for a raw-body upload"})
	api.API("GET", "/api/imports/:job", perm.CatalogRead, "An import job: progress, then the report with every problem and its line", nil, ImportJobJSON{}, s.apiImportJob)
	api.API("POST", "/api/imports/:job/run", perm.CatalogWrite, "Import the file of a finished job (mode all or valid; update_existing defaults to the job's)", ImportRun{}, ImportJobJSON{}, s.apiImportRun)
	api.API("GET", "/api/exports/products", perm.CatalogRead, "Export the catalog as Shopify product CSV (status filters; streamed)", nil, nil, s.exportCSV)
}

// importPages are the console's import and export pages.
func (s *Server) importPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/import", perm.CatalogWrite, "Import products from CSV", s.importPage)
	html.Page("POST", "/console/import", perm.CatalogWrite, "Upload a CSV and check it (dry run)", s.importUpload)
	html.Page("GET", "/console/import/:job", perm.CatalogRead, "Import progress and report", s.importJobPage)
	html.Page("POST", "/console/import/:job/run", perm.CatalogWrite, "Import all rows or only the valid ones", s.importRun)
	html.Page("GET", "/console/export", perm.CatalogRead, "Export products to CSV", s.exportPage)
	html.Page("GET", "/console/export/products.csv", perm.CatalogRead, "Download the products CSV", s.exportCSV)
}

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

// ImportRun imports a checked file: mode all or valid. UpdateExisting,
// when given, overrides the checked job's choice.
type ImportRun struct {
	Mode           string `json:"mode"`
	UpdateExisting *bool  `json:"update_existing,omitempty"`
}

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

type importJobs struct {
	mu   sync.Mutex
	jobs map[string]*importJob
}

var jobsOf sync.Map // *Server -> *importJobs

// importFaults lets a test run a function from inside an import (at each
// progress report) to fault it: *Server -> func(shopifycsv.ImportProgress).
// Only imports_export_test.go sets it.
var importFaults sync.Map

func (s *Server) importJobs() *importJobs {
	v, _ := jobsOf.LoadOrStore(s, &importJobs{jobs: map[string]*importJob{}})
	return v.(*importJobs)
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
func (s *Server) job(c *fiber.Ctx, id string) (*importJob, error) {
	js := s.importJobs()
	js.mu.Lock()
	defer js.mu.Unlock()
	j := js.jobs[id]
	if j == nil || j.tenant != s.Current(c).TenantID {
		return nil, errs.NotFoundf("import not found (imports are kept for an hour)")
	}
	return j, nil
}

// admit registers a job, dropping old finished ones; one job runs per shop
// at a time.
func (s *Server) admit(j *importJob) error {
	js := s.importJobs()
	js.mu.Lock()
	defer js.mu.Unlock()
	var mine []*importJob
	for id, x := range js.jobs {
		x.mu.Lock()
		state, fin := x.state, x.finished
		x.mu.Unlock()
		if state != "running" && time.Since(fin) > jobKeep {
			delete(js.jobs, id)
			s.dropFile(x)
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
		delete(js.jobs, mine[0].id)
		mine = mine[1:]
	}
	js.jobs[j.id] = j
	return nil
}

// dropFile removes a job's file unless another job still uses it.
func (s *Server) dropFile(j *importJob) {
	for _, x := range s.importJobs().jobs {
		if x != j && x.file == j.file {
			return
		}
	}
	if j.inBlob && s.blobs != nil {
		s.blobs.Delete(context.Background(), j.file)
	} else if !j.inBlob {
		os.Remove(j.file)
	}
}

func (s *Server) openFile(ctx context.Context, j *importJob) (io.ReadCloser, error) {
	if j.inBlob {
		rc, _, err := s.blobs.Open(ctx, j.file)
		return rc, err
	}
	return os.Open(j.file)
}

// saveUpload keeps an uploaded CSV for the job's life.
func (s *Server) saveUpload(ctx context.Context, tid, id string, r io.Reader) (file string, inBlob bool, size int64, err error) {
	lr := &io.LimitedReader{R: r, N: httpx.UploadLimit + 1}
	if s.blobs != nil {
		key := tid + "/imports/" + id + ".csv"
		info, err := s.blobs.Put(ctx, key, lr, "text/csv")
		if err != nil {
			return "", false, 0, err
		}
		if info.Size > httpx.UploadLimit {
			s.blobs.Delete(ctx, key)
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

func parseMode(m string) (shopifycsv.ImportMode, error) {
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

// parseUpdate reads the update_existing switch.
func parseUpdate(v string) (bool, error) {
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
func (s *Server) startImport(c *fiber.Ctx, mode shopifycsv.ImportMode, update bool, file string, inBlob bool, name string, size int64, source string) (*importJob, error) {
	p := s.Current(c)
	plan, err := s.tenants.PlanOf(c.UserContext(), p.TenantID)
	if err != nil {
		return nil, err
	}
	j := &importJob{id: store.NewID(), tenant: p.TenantID, mode: mode.String(), update: update, file: file, inBlob: inBlob, name: name, size: size,
		source: source, state: "running", started: time.Now().UTC(), drafts: !s.Can(c, perm.CatalogPublish)}
	if err := s.admit(j); err != nil {
		return nil, err
	}
	opts := shopifycsv.ImportOptions{Mode: mode, UpdateExisting: update, Currency: s.shopCurrency(c), TotalBytes: size, ProgressEvery: 500, Plan: plan.Title, Name: name, JobID: j.id,
		Progress: func(pr shopifycsv.ImportProgress) {
			j.mu.Lock()
			j.progress = pr
			j.mu.Unlock()
		}}
	if j.drafts {
		opts.Status = catalog.Draft
	}
	if f, ok := importFaults.Load(s); ok { // tests only (imports_export_test.go)
		f := f.(func(shopifycsv.ImportProgress))
		progress := opts.Progress
		opts.Progress = func(pr shopifycsv.ImportProgress) { f(pr); progress(pr) }
	}
	if plan.Products != tenants.Unlimited {
		opts.ProductLimit = plan.Products
	}
	ctx := context.WithoutCancel(c.UserContext())
	jobs.Go(s.log, "catalog import "+j.id, func() error { s.runImport(ctx, j, opts); return nil }, nil)
	return j, nil
}

// runImport runs a job and records how it ended. A panic in the import is
// recovered (it ran in one transaction, rolled back) and the job shows as
// failed with a message the merchant can read; the server keeps serving.
func (s *Server) runImport(ctx context.Context, j *importJob, opts shopifycsv.ImportOptions) {
	var rep *shopifycsv.ImportReport
	err := jobs.Run(s.log, "catalog import "+j.id, func() error {
		var err error
		rep, err = s.importFile(ctx, j, opts)
		return err
	})
	j.mu.Lock()
	j.report, j.finished = rep, time.Now().UTC()
	j.state = "done"
	if err != nil {
		j.state = "failed"
		_, de := s.toErrorPlain(err)
		j.err = de
	}
	j.mu.Unlock()
}

// importFile runs the import. The plan's product limit is one of its
// checks (opts.ProductLimit), so a dry run reports it the way the real
// import applies it.
func (s *Server) importFile(ctx context.Context, j *importJob, opts shopifycsv.ImportOptions) (*shopifycsv.ImportReport, error) {
	rc, err := s.openFile(ctx, j)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return shopifycsv.Import(ctx, s.catalog, bufio.NewReaderSize(rc, 256<<10), opts)
}

// toErrorPlain is the message a job shows for an error.
func (s *Server) toErrorPlain(err error) (errs.Code, string) {
	if de, ok := err.(*errs.Error); ok && de.Code != errs.Internal {
		return de.Code, de.Message
	}
	s.log.Error("import failed", "err", err)
	return errs.Internal, "the import failed because of an internal error; nothing was imported"
}

// uploadedCSV reads the CSV of an upload: a multipart field "file", or the
// raw body.
func (s *Server) uploadedCSV(c *fiber.Ctx, id string) (file string, inBlob bool, name string, size int64, err error) {
	tid := s.Current(c).TenantID
	if fh, ferr := c.FormFile("file"); ferr == nil {
		f, err := fh.Open()
		if err != nil {
			return "", false, "", 0, errs.Field("file", "could not read the upload")
		}
		defer f.Close()
		file, inBlob, size, err = s.saveUpload(c.UserContext(), tid, id, f)
		return file, inBlob, fh.Filename, size, err
	}
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), "multipart/") || strings.HasPrefix(c.Get(fiber.HeaderContentType), "application/x-www-form-urlencoded") {
		return "", false, "", 0, errs.Field("file", "choose a CSV file to upload")
	}
	body := c.Request().Body()
	if len(body) == 0 {
		return "", false, "", 0, errs.Field("file", "send the CSV as the request body or as a multipart field \"file\"")
	}
	file, inBlob, size, err = s.saveUpload(c.UserContext(), tid, id, strings.NewReader(string(body)))
	name = c.Query("name", "upload.csv")
	return file, inBlob, name, size, err
}

func (s *Server) apiImportStart(c *fiber.Ctx) error {
	mode, err := parseMode(c.Query("mode"))
	if err != nil {
		return err
	}
	update, err := parseUpdate(c.Query("update_existing"))
	if err != nil {
		return err
	}
	file, inBlob, name, size, err := s.uploadedCSV(c, store.NewID())
	if err != nil {
		return err
	}
	j, err := s.startImport(c, mode, update, file, inBlob, name, size, "")
	if err != nil {
		s.dropFile(&importJob{file: file, inBlob: inBlob})
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(j.json())
}

func (s *Server) apiImportJob(c *fiber.Ctx) error {
	j, err := s.job(c, c.Params("job"))
	if err != nil {
		return err
	}
	return c.JSON(j.json())
}

// rerun starts an import of a finished job's file; update nil keeps the
// job's choice.
func (s *Server) rerun(c *fiber.Ctx, mode string, update *bool) (*importJob, error) {
	j, err := s.job(c, c.Params("job"))
	if err != nil {
		return nil, err
	}
	m, err := parseMode(mode)
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
	return s.startImport(c, m, upd, j.file, j.inBlob, j.name, j.size, j.id)
}

func (s *Server) apiImportRun(c *fiber.Ctx) error {
	var b ImportRun
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	nj, err := s.rerun(c, b.Mode, b.UpdateExisting)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(nj.json())
}

type importPageData struct {
	DraftsOnly bool
	Limit      int
}

func (s *Server) importPage(c *fiber.Ctx) error {
	return s.PageWithError(c, "console/import", "Import products", "products", importPageData{DraftsOnly: !s.Can(c, perm.CatalogPublish), Limit: httpx.UploadLimit >> 20})
}

func (s *Server) importUpload(c *fiber.Ctx) error {
	update, err := parseUpdate(c.FormValue("update_existing"))
	if err != nil {
		return s.PageError(c, err, func() error { return s.importPage(c) })
	}
	file, inBlob, name, size, err := s.uploadedCSV(c, store.NewID())
	if err == nil {
		var j *importJob
		j, err = s.startImport(c, shopifycsv.DryRun, update, file, inBlob, name, size, "")
		if err == nil {
			return c.Redirect("/console/import/"+j.id, fiber.StatusSeeOther)
		}
		s.dropFile(&importJob{file: file, inBlob: inBlob})
	}
	return s.PageError(c, err, func() error { return s.importPage(c) })
}

type importJobData struct {
	J        ImportJobJSON
	Running  bool
	DryRun   bool
	CanWrite bool
	Errors   []ProblemJSON
	Warnings []ProblemJSON
}

func (s *Server) importJobPage(c *fiber.Ctx) error {
	j, err := s.job(c, c.Params("job"))
	if err != nil {
		return err
	}
	d := importJobData{J: j.json(), CanWrite: s.Can(c, perm.CatalogWrite)}
	d.Running, d.DryRun = d.J.State == "running", d.J.Mode == "dry_run"
	if d.J.Report != nil {
		for _, p := range d.J.Report.Problems {
			if p.Warning {
				d.Warnings = append(d.Warnings, p)
			} else {
				d.Errors = append(d.Errors, p)
			}
		}
	}
	if d.Running {
		c.Set("Refresh", "1")
	}
	title := "Checking " + d.J.FileName
	if !d.DryRun {
		title = "Importing " + d.J.FileName
	}
	return s.PageWithError(c, "console/import_job", title, "products", d)
}

func (s *Server) importRun(c *fiber.Ctx) error {
	nj, err := s.rerun(c, c.FormValue("mode"), nil)
	if err != nil {
		return s.PageError(c, err, func() error { return s.importJobPage(c) })
	}
	return c.Redirect("/console/import/"+nj.id, fiber.StatusSeeOther)
}

type exportData struct {
	Statuses []string
}

func (s *Server) exportPage(c *fiber.Ctx) error {
	return s.PageWithError(c, "console/export", "Export products", "products", exportData{Statuses: []string{"draft", "in_review", "published", "archived"}})
}

// exportCSV streams the catalog as a CSV download; uploaded images are
// given by their storefront URL.
func (s *Server) exportCSV(c *fiber.Ctx) error {
	ctx := c.UserContext()
	st := catalog.Status(c.Query("status"))
	if st != "" && !st.Valid() {
		return errs.Field("status", "unknown status")
	}
	t, err := s.tenants.Tenant(ctx, s.Current(c).TenantID)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(s.StorefrontURL(t.Slug), "/")
	opts := shopifycsv.ExportOptions{Status: st, ImageURL: func(im catalog.Image) string {
		if im.Key == "" {
			return im.Src
		}
		return base + "/media/" + im.Key
	}}
	// Wait for the first bytes so an early error still gets a proper
	// status; the rest streams.
	pr, pw := io.Pipe()
	jobs.Go(s.log, "catalog export", func() error { return shopifycsv.Export(ctx, s.catalog, pw, opts) },
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
