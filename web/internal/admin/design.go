package admin

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/errs"
)

// The shop builder's draft edits, publishing and restoring, and design
// image uploads, each audited.

// EditDraft applies fn to the draft at version and answers the new draft.
func (a *Admin) EditDraft(c *fiber.Ctx, version int, action string, fn func(d *design.Document) error) (*design.Draft, error) {
	d, err := a.design.Edit(c.UserContext(), version, fn)
	if err != nil {
		return nil, err
	}
	a.kit.Record(c, "design."+action, "design", "draft", "version "+strconv.Itoa(d.Version))
	return d, nil
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
	p, err := a.design.Publish(c.UserContext(), version)
	if err != nil {
		return nil, err
	}
	a.kit.Record(c, "design.publish", "design", strconv.Itoa(p.Number), "theme "+p.Theme+", draft version "+strconv.Itoa(version))
	return p, nil
}

// RestoreDesign makes published version number the live design again.
func (a *Admin) RestoreDesign(c *fiber.Ctx, number, version int) (*design.Published, error) {
	p, err := a.design.Restore(c.UserContext(), number, version)
	if err != nil {
		return nil, err
	}
	a.kit.Record(c, "design.restore", "design", strconv.Itoa(p.Number), "restored version "+strconv.Itoa(number))
	return p, nil
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
	asset, err := a.design.UploadImage(c.UserContext(), f, fh.Filename)
	if err != nil {
		return nil, err
	}
	a.kit.Record(c, "design.asset.upload", "design_asset", asset.ID, asset.Filename)
	return asset, nil
}
