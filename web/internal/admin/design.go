package admin

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/errs"
)

// The shop builder's draft edits, publishing and restoring, and design
// image uploads (core/design audits each in its transaction).

// EditDraft applies fn to the draft at version and answers the new draft.
func (a *Admin) EditDraft(c *fiber.Ctx, version int, action string, fn func(d *design.Document) error) (*design.Draft, error) {
	return a.design.Edit(c.UserContext(), version, action, fn)
}

// ApplyTheme switches theme then merges settings.
func ApplyTheme(doc *design.Document, theme string, set design.Settings) error {
	if theme != "" {
		if err := doc.SetTheme(theme); err != nil {
			return err
		}
	}
	for k, v := range set {
		if v == nil || v == "" {
			if f, ok := doc.ThemeDef().Field(k); ok && f.Default != nil {
				doc.Settings[k] = f.Default
				continue
			}
			delete(doc.Settings, k)
			continue
		}
		doc.Settings[k] = v
	}
	return nil
}

// MenuName is the route's :menu, header or footer.
func MenuName(c *fiber.Ctx) (string, error) {
	n := c.Params("menu")
	if n != design.MenuHeader && n != design.MenuFooter {
		return "", errs.NotFoundf("no menu %q (header or footer)", n)
	}
	return n, nil
}

// PublishDesign publishes the draft at version.
func (a *Admin) PublishDesign(c *fiber.Ctx, version int) (*design.Published, error) {
	return a.design.Publish(c.UserContext(), version)
}

// RestoreDesign makes published version number the live design again.
func (a *Admin) RestoreDesign(c *fiber.Ctx, number, version int) (*design.Published, error) {
	return a.design.Restore(c.UserContext(), number, version)
}

// UploadDesignImage stores the multipart file field as a design asset.
func (a *Admin) UploadDesignImage(c *fiber.Ctx, field string) (*design.Asset, error) {
	fh, err := c.FormFile(field)
	if err != nil {
		return nil, errs.Field(field, "attach an image file")
	}
	f, err := fh.Open()
	if err != nil {
		return nil, errs.Wrap(err, "design: open upload")
	}
	defer f.Close()
	return a.design.UploadImage(c.UserContext(), f, fh.Filename)
}
