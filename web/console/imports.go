package console

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/catalog/shopifycsv"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// importPages are the console's import and export pages.
func (s *Imports) importPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/import", perm.CatalogWrite, "Import products from CSV", s.importPage)
	html.Page("POST", "/console/import", perm.CatalogWrite, "Upload a CSV and check it (dry run)", s.importUpload)
	html.Page("GET", "/console/import/:job", perm.CatalogRead, "Import progress and report", s.importJobPage)
	html.Page("POST", "/console/import/:job/run", perm.CatalogWrite, "Import all rows or only the valid ones", s.importRun)
	html.Page("GET", "/console/export", perm.CatalogRead, "Export products to CSV", s.exportPage)
	html.Page("GET", "/console/export/products.csv", perm.CatalogRead, "Download the products CSV", s.admin.ExportCSV)
}

type importPageData struct {
	DraftsOnly bool
	Limit      int
}

func (s *Imports) importPage(c *fiber.Ctx) error {
	return s.PageWithError(c, "console/import", "Import products", "products", importPageData{DraftsOnly: !s.Can(c, perm.CatalogPublish), Limit: httpx.UploadLimit >> 20})
}

func (s *Imports) importUpload(c *fiber.Ctx) error {
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

func (s *Imports) importJobPage(c *fiber.Ctx) error {
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

func (s *Imports) importRun(c *fiber.Ctx) error {
	nj, err := s.imports.Rerun(c, c.FormValue("mode"), nil)
	if err != nil {
		return s.PageError(c, err, func() error { return s.importJobPage(c) })
	}
	return c.Redirect("/console/import/"+nj.ID, fiber.StatusSeeOther)
}

type exportData struct {
	Statuses []string
}

func (s *Imports) exportPage(c *fiber.Ctx) error {
	return s.PageWithError(c, "console/export", "Export products", "products", exportData{Statuses: []string{"draft", "in_review", "published", "archived"}})
}
