package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/catalog/shopifycsv"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// CSV import and export of the catalog in Shopify's product CSV format:
// the routes and pages over admin.Imports, which runs the jobs.

// importAPI is product CSV import and export over JSON.
func (s *Server) importAPI(t *httpx.Table) {
	api := t.Group(httpx.ScopeTenant, "catalog")
	api.API("POST", "/api/imports", perm.CatalogWrite, "Start a Shopify product CSV import: the body is the CSV (text/csv) or a multipart field \"file\"", nil, ImportJobJSON{}, s.apiImportStart,
		httpx.QueryParam{Name: "mode", Enum: []string{"dry_run", "all", "valid"}, Description: "dry_run (default) checks and writes nothing; all imports only if every row is valid; valid skips the products with problems"},
		httpx.QueryParam{Name: "update_existing", Type: "boolean", Description: "true: a product whose handle the shop has is updated from the file (the file's columns replace its values, its variants become the file's) instead of refused; the dry run lists the changes"},
		httpx.QueryParam{Name: "name", Description: "the file name shown for a raw-body upload"})
	api.API("GET", "/api/imports/:job", perm.CatalogRead, "An import job: progress, then the report with every problem and its line", nil, ImportJobJSON{}, s.apiImportJob)
	api.API("POST", "/api/imports/:job/run", perm.CatalogWrite, "Import the file of a finished job (mode all or valid; update_existing defaults to the job's)", ImportRun{}, ImportJobJSON{}, s.apiImportRun)
	api.API("GET", "/api/exports/products", perm.CatalogRead, "Export the catalog as Shopify product CSV (status filters; streamed)", nil, nil, s.admin.ExportCSV)
}

// importPages are the console's import and export pages.
func (s *Server) importPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/import", perm.CatalogWrite, "Import products from CSV", s.importPage)
	html.Page("POST", "/console/import", perm.CatalogWrite, "Upload a CSV and check it (dry run)", s.importUpload)
	html.Page("GET", "/console/import/:job", perm.CatalogRead, "Import progress and report", s.importJobPage)
	html.Page("POST", "/console/import/:job/run", perm.CatalogWrite, "Import all rows or only the valid ones", s.importRun)
	html.Page("GET", "/console/export", perm.CatalogRead, "Export products to CSV", s.exportPage)
	html.Page("GET", "/console/export/products.csv", perm.CatalogRead, "Download the products CSV", s.admin.ExportCSV)
}

// ImportRun imports a checked file: mode all or valid. UpdateExisting,
// when given, overrides the checked job's choice.
type ImportRun struct {
	Mode           string `json:"mode"`
	UpdateExisting *bool  `json:"update_existing,omitempty"`
}

func (s *Server) apiImportStart(c *fiber.Ctx) error {
	mode, err := admin.ParseMode(c.Query("mode"))
	if err != nil {
		return err
	}
	update, err := admin.ParseUpdate(c.Query("update_existing"))
	if err != nil {
		return err
	}
	j, err := s.imports.Start(c, mode, update)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(j)
}

func (s *Server) apiImportJob(c *fiber.Ctx) error {
	j, err := s.imports.Job(c, c.Params("job"))
	if err != nil {
		return err
	}
	return c.JSON(j)
}

func (s *Server) apiImportRun(c *fiber.Ctx) error {
	var b ImportRun
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	nj, err := s.imports.Rerun(c, b.Mode, b.UpdateExisting)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(nj)
}

type importPageData struct {
	DraftsOnly bool
	Limit      int
}

func (s *Server) importPage(c *fiber.Ctx) error {
	return s.PageWithError(c, "console/import", "Import products", "products", importPageData{DraftsOnly: !s.Can(c, perm.CatalogPublish), Limit: httpx.UploadLimit >> 20})
}

func (s *Server) importUpload(c *fiber.Ctx) error {
	update, err := admin.ParseUpdate(c.FormValue("update_existing"))
	if err != nil {
		return s.PageError(c, err, func() error { return s.importPage(c) })
	}
	j, err := s.imports.Start(c, shopifycsv.DryRun, update)
	if err == nil {
		return c.Redirect("/console/import/"+j.ID, fiber.StatusSeeOther)
	}
	return s.PageError(c, err, func() error { return s.importPage(c) })
}

type importJobData struct {
	J        admin.ImportJobJSON
	Running  bool
	DryRun   bool
	CanWrite bool
	Errors   []admin.ProblemJSON
	Warnings []admin.ProblemJSON
}

func (s *Server) importJobPage(c *fiber.Ctx) error {
	j, err := s.imports.Job(c, c.Params("job"))
	if err != nil {
		return err
	}
	d := importJobData{J: j, CanWrite: s.Can(c, perm.CatalogWrite)}
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
	nj, err := s.imports.Rerun(c, c.FormValue("mode"), nil)
	if err != nil {
		return s.PageError(c, err, func() error { return s.importJobPage(c) })
	}
	return c.Redirect("/console/import/"+nj.ID, fiber.StatusSeeOther)
}

type exportData struct {
	Statuses []string
}

func (s *Server) exportPage(c *fiber.Ctx) error {
	return s.PageWithError(c, "console/export", "Export products", "products", exportData{Statuses: []string{"draft", "in_review", "published", "archived"}})
}
