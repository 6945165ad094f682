package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// CSV import and export of the catalog in Shopify's product CSV format,
// over admin.Imports, which runs the jobs (shared with the console).

// Imports serves the CSV import and export routes.
type Imports struct {
	imports *admin.Imports
	admin   *admin.Admin
}

// Routes are product CSV import and export over JSON.
func (s *Imports) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeTenant, "catalog")
	api.API("POST", "/api/imports", perm.CatalogWrite, "Start a Shopify product CSV import: the body is the CSV (text/csv) or a multipart field \"file\"", nil, ImportJobJSON{}, s.apiImportStart,
		httpx.QueryParam{Name: "mode", Enum: []string{"dry_run", "all", "valid"}, Description: "dry_run (default) checks and writes nothing; all imports only if every row is valid; valid skips the products with problems"},
		httpx.QueryParam{Name: "update_existing", Type: "boolean", Description: "true: a product whose handle the shop has is updated from the file (the file's columns replace its values, its variants become the file's) instead of refused; the dry run lists the changes"},
		httpx.QueryParam{Name: "name", Description: "the file name shown for a raw-body upload"})
	api.API("GET", "/api/imports/:job", perm.CatalogRead, "An import job: progress, then the report with every problem and its line", nil, ImportJobJSON{}, s.apiImportJob)
	api.API("POST", "/api/imports/:job/run", perm.CatalogWrite, "Import the file of a finished job (mode all or valid; update_existing defaults to the job's)", ImportRun{}, ImportJobJSON{}, s.apiImportRun)
	api.API("GET", "/api/exports/products", perm.CatalogRead, "Export the catalog as Shopify product CSV (status filters; streamed)", nil, nil, s.admin.ExportCSV)
	return t.Routes()
}

// ImportRun imports a checked file: mode all or valid. UpdateExisting,
// when given, overrides the checked job's choice.
type ImportRun struct {
	Mode           string `json:"mode"`
	UpdateExisting *bool  `json:"update_existing,omitempty"`
}

func (s *Imports) apiImportStart(c *fiber.Ctx) error {
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

func (s *Imports) apiImportJob(c *fiber.Ctx) error {
	j, err := s.imports.Job(c, c.Params("job"))
	if err != nil {
		return err
	}
	return c.JSON(j)
}

func (s *Imports) apiImportRun(c *fiber.Ctx) error {
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
