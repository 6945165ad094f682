package api

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// The shop builder's JSON API: themes and their schemas, the draft design
// (whole document or one section, the theme and its settings, a menu at a
// time), publish, versions and restore, design images (content pages,
// articles and subscribers are content.go). Every draft write names the
// draft version it started from ("version"); a stale one answers 409 with
// who changed the draft and when. Handlers are thin over core/design,
// which validates everything.

// Design serves the shop builder's design routes.
type Design struct {
	design *design.Service
	admin  *admin.Admin
}

// Routes are the shop's design (themes, sections, menus, versions,
// assets) over JSON.
func (s *Design) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeTenant, "design")
	api.API("GET", "/api/design/themes", perm.DesignRead, "Built-in themes with their settings schemas, the section types with theirs, and the safe font list", nil, ThemesJSON{}, s.apiThemes)
	api.API("GET", "/api/design/draft", perm.DesignRead, "The draft design (theme, settings, section compositions, menus) and its version", nil, DraftJSON{}, s.apiDraft)
	api.API("PUT", "/api/design/draft", perm.DesignWrite, "Replace the draft document (send the version you read; 409 if someone saved since)", DraftBody{}, DraftJSON{}, s.apiDraftSave)
	api.API("PUT", "/api/design/draft/theme", perm.DesignWrite, "Switch theme and/or change theme settings (colours, fonts, logo, layouts)", ThemeBody{}, DraftJSON{}, s.apiDraftTheme)
	api.API("POST", "/api/design/draft/sections", perm.DesignWrite, "Add a section of a type to a template (at index, default the end) with its defaults", SectionAddBody{}, DraftJSON{}, s.apiSectionAdd)
	api.API("PUT", "/api/design/draft/sections/:section", perm.DesignWrite, "Configure a section (settings validated by its schema; blocks; disabled)", SectionBody{}, DraftJSON{}, s.apiSectionSave)
	api.API("POST", "/api/design/draft/sections/:section/move", perm.DesignWrite, "Move a section up (delta -1) or down (+1) within its template", MoveBody{}, DraftJSON{}, s.apiSectionMove)
	api.API("DELETE", "/api/design/draft/sections/:section", perm.DesignWrite, "Remove a section (?version=N)", nil, DraftJSON{}, s.apiSectionDelete)
	api.API("GET", "/api/design/menus/:menu", perm.DesignRead, "A draft menu (header or footer) with its items, nested one level", nil, MenuJSON{}, s.apiMenu)
	api.API("PUT", "/api/design/menus/:menu", perm.DesignWrite, "Replace a draft menu's items (links to collections, products, pages, articles or URLs)", MenuBody{}, DraftJSON{}, s.apiMenuSave)
	api.API("POST", "/api/design/publish", perm.DesignWrite, "Publish the draft atomically (send the draft version you reviewed; 409 if stale, 400 with nothing published if invalid)", DesignVersionBody{}, DesignVersionJSON{}, s.apiPublish)
	api.API("GET", "/api/design/versions", perm.DesignRead, "Published versions kept for restore, newest first", nil, []DesignVersionJSON{}, s.apiVersions)
	api.API("POST", "/api/design/versions/:number/restore", perm.DesignWrite, "Publish a kept version again and reset the draft to it", DesignVersionBody{}, DesignVersionJSON{}, s.apiRestore)
	api.API("GET", "/api/design/assets", perm.DesignRead, "Uploaded design images", nil, []AssetJSON{}, s.apiAssets)
	api.API("POST", "/api/design/assets", perm.DesignWrite, "Upload a design image (multipart field \"image\"; JPEG, PNG, GIF or WebP; size and pixel caps)", nil, AssetJSON{}, s.apiAssetUpload)

	return t.Routes()
}

// ---- JSON types ----

// ThemesJSON is everything the builder needs to generate its forms.
type ThemesJSON struct {
	Themes    []*design.Theme       `json:"themes"`
	Sections  []*design.SectionType `json:"sections"`
	Fonts     []design.FontStack    `json:"fonts"`
	Templates []string              `json:"templates"`
}

// DraftJSON is the draft design.
type DraftJSON struct {
	Version          int              `json:"version"`
	PublishedVersion int              `json:"published_version"`
	Unpublished      bool             `json:"unpublished"`
	UpdatedAt        *time.Time       `json:"updated_at,omitempty"`
	UpdatedBy        string           `json:"updated_by,omitempty"`
	Document         *design.Document `json:"document"`
	// SectionID is the section an add created.
	SectionID string `json:"section_id,omitempty"`
}

// DraftBody replaces the draft.
type DraftBody struct {
	Version  int              `json:"version"`
	Document *design.Document `json:"document"`
}

// ThemeBody switches theme and/or sets theme settings (merged over the
// current ones).
type ThemeBody struct {
	Version  int             `json:"version"`
	Theme    string          `json:"theme,omitempty"`
	Settings design.Settings `json:"settings,omitempty"`
}

// SectionAddBody adds a section.
type SectionAddBody struct {
	Version  int             `json:"version"`
	Template string          `json:"template"`
	Type     string          `json:"type"`
	Index    *int            `json:"index,omitempty"`
	Settings design.Settings `json:"settings,omitempty"`
}

// SectionBody configures a section; settings are merged over the current
// ones, blocks replace them when present.
type SectionBody struct {
	Version  int               `json:"version"`
	Settings design.Settings   `json:"settings,omitempty"`
	Blocks   []design.Settings `json:"blocks,omitempty"`
	Disabled *bool             `json:"disabled,omitempty"`
}

// MoveBody moves a section.
type MoveBody struct {
	Version int `json:"version"`
	Delta   int `json:"delta"`
}

// MenuJSON is a menu.
type MenuJSON struct {
	Name    string            `json:"name"`
	Version int               `json:"version"`
	Items   []design.MenuItem `json:"items"`
}

// MenuBody replaces a menu's items.
type MenuBody struct {
	Version int               `json:"version"`
	Items   []design.MenuItem `json:"items"`
}

// DesignVersionBody names the draft version a publish or restore starts from.
type DesignVersionBody struct {
	Version int `json:"version"`
}

// DesignVersionJSON is a published version.
type DesignVersionJSON struct {
	Number       int       `json:"number"`
	Theme        string    `json:"theme"`
	PublishedAt  time.Time `json:"published_at"`
	PublishedBy  string    `json:"published_by"`
	DraftVersion int       `json:"draft_version"`
	RestoredFrom int       `json:"restored_from,omitempty"`
	Live         bool      `json:"live"`
}

// AssetJSON is an uploaded design image; Key goes into image settings.
type AssetJSON struct {
	ID          string    `json:"id"`
	Key         string    `json:"key"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	Size        int64     `json:"size"`
	Renditions  []int     `json:"renditions"`
	CreatedAt   time.Time `json:"created_at"`
}

func draftJSON(d *design.Draft) DraftJSON {
	j := DraftJSON{Version: d.Version, PublishedVersion: d.PublishedVersion, Unpublished: d.Unpublished(), UpdatedBy: d.UpdatedBy, Document: d.Doc}
	if !d.UpdatedAt.IsZero() {
		t := d.UpdatedAt
		j.UpdatedAt = &t
	}
	return j
}

func designVersionJSON(p *design.Published) DesignVersionJSON {
	return DesignVersionJSON{Number: p.Number, Theme: p.Theme, PublishedAt: p.PublishedAt, PublishedBy: p.PublishedBy, DraftVersion: p.DraftVersion, RestoredFrom: p.RestoredFrom, Live: p.Live}
}

func assetJSON(a *design.Asset) AssetJSON {
	return AssetJSON{ID: a.ID, Key: a.Key, Filename: a.Filename, ContentType: a.ContentType, Width: a.Width, Height: a.Height, Size: a.Size, Renditions: a.Renditions, CreatedAt: a.CreatedAt}
}

// ---- handlers ----

func (s *Design) apiThemes(c *fiber.Ctx) error {
	return c.JSON(ThemesJSON{Themes: design.Themes(), Sections: design.SectionTypes(), Fonts: design.FontList(), Templates: design.TemplateNames})
}

func (s *Design) apiDraft(c *fiber.Ctx) error {
	d, err := s.design.Draft(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(draftJSON(d))
}

func (s *Design) apiDraftSave(c *fiber.Ctx) error {
	var b DraftBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	if b.Document == nil {
		return errs.Field("document", "is required")
	}
	d, err := s.admin.EditDraft(c, b.Version, "draft.save", func(doc *design.Document) error { *doc = *b.Document; return nil })
	if err != nil {
		return err
	}
	return c.JSON(draftJSON(d))
}

func (s *Design) apiDraftTheme(c *fiber.Ctx) error {
	var b ThemeBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	d, err := s.admin.EditDraft(c, b.Version, "draft.theme", func(doc *design.Document) error { return admin.ApplyTheme(doc, b.Theme, b.Settings) })
	if err != nil {
		return err
	}
	return c.JSON(draftJSON(d))
}

func (s *Design) apiSectionAdd(c *fiber.Ctx) error {
	var b SectionAddBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	idx := -1
	if b.Index != nil {
		idx = *b.Index
	}
	var id string
	d, err := s.admin.EditDraft(c, b.Version, "section.add", func(doc *design.Document) error {
		sec, err := doc.AddSection(b.Template, b.Type, idx)
		if err != nil {
			return err
		}
		for k, v := range b.Settings {
			sec.Settings[k] = v
		}
		id = sec.ID
		return nil
	})
	if err != nil {
		return err
	}
	j := draftJSON(d)
	j.SectionID = id
	return c.Status(fiber.StatusCreated).JSON(j)
}

// configureSection merges settings (nil or "" clears a key), replaces
// blocks when given and sets disabled.
func configureSection(doc *design.Document, id string, set design.Settings, blocks []design.Settings, disabled *bool) error {
	_, _, sec := doc.Section(id)
	if sec == nil {
		return errs.NotFoundf("section not found")
	}
	if sec.Settings == nil {
		sec.Settings = design.Settings{}
	}
	for k, v := range set {
		if v == nil || v == "" {
			delete(sec.Settings, k)
			continue
		}
		sec.Settings[k] = v
	}
	if blocks != nil {
		sec.Blocks = blocks
	}
	if disabled != nil {
		sec.Disabled = *disabled
	}
	return nil
}

func (s *Design) apiSectionSave(c *fiber.Ctx) error {
	var b SectionBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	d, err := s.admin.EditDraft(c, b.Version, "section.save", func(doc *design.Document) error {
		return configureSection(doc, c.Params("section"), b.Settings, b.Blocks, b.Disabled)
	})
	if err != nil {
		return err
	}
	return c.JSON(draftJSON(d))
}

func (s *Design) apiSectionMove(c *fiber.Ctx) error {
	var b MoveBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	d, err := s.admin.EditDraft(c, b.Version, "section.move", func(doc *design.Document) error { return doc.MoveSection(c.Params("section"), b.Delta) })
	if err != nil {
		return err
	}
	return c.JSON(draftJSON(d))
}

func queryVersion(c *fiber.Ctx) (int, error) {
	v, err := strconv.Atoi(c.Query("version"))
	if err != nil || v < 0 {
		return 0, errs.Field("version", "send the draft version you read (?version=N)")
	}
	return v, nil
}

func (s *Design) apiSectionDelete(c *fiber.Ctx) error {
	v, err := queryVersion(c)
	if err != nil {
		return err
	}
	d, err := s.admin.EditDraft(c, v, "section.delete", func(doc *design.Document) error { return doc.RemoveSection(c.Params("section")) })
	if err != nil {
		return err
	}
	return c.JSON(draftJSON(d))
}

func (s *Design) apiMenu(c *fiber.Ctx) error {
	n, err := admin.MenuName(c)
	if err != nil {
		return err
	}
	d, err := s.design.Draft(c.UserContext())
	if err != nil {
		return err
	}
	items := d.Doc.Menus[n]
	if items == nil {
		items = []design.MenuItem{}
	}
	return c.JSON(MenuJSON{Name: n, Version: d.Version, Items: items})
}

func (s *Design) apiMenuSave(c *fiber.Ctx) error {
	n, err := admin.MenuName(c)
	if err != nil {
		return err
	}
	var b MenuBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	d, err := s.admin.EditDraft(c, b.Version, "menu.save", func(doc *design.Document) error { doc.Menus[n] = b.Items; return nil })
	if err != nil {
		return err
	}
	return c.JSON(draftJSON(d))
}

func (s *Design) apiPublish(c *fiber.Ctx) error {
	var b DesignVersionBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	p, err := s.admin.PublishDesign(c, b.Version)
	if err != nil {
		return err
	}
	return c.JSON(designVersionJSON(p))
}

func (s *Design) apiVersions(c *fiber.Ctx) error {
	vs, err := s.design.Versions(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]DesignVersionJSON, len(vs))
	for i, v := range vs {
		out[i] = designVersionJSON(v)
	}
	return c.JSON(out)
}

func (s *Design) apiRestore(c *fiber.Ctx) error {
	n, err := strconv.Atoi(c.Params("number"))
	if err != nil {
		return errs.NotFoundf("version not found")
	}
	var b DesignVersionBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	p, err := s.admin.RestoreDesign(c, n, b.Version)
	if err != nil {
		return err
	}
	return c.JSON(designVersionJSON(p))
}

func (s *Design) apiAssets(c *fiber.Ctx) error {
	as, err := s.design.Assets(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]AssetJSON, len(as))
	for i, a := range as {
		out[i] = assetJSON(a)
	}
	return c.JSON(out)
}

func (s *Design) apiAssetUpload(c *fiber.Ctx) error {
	a, err := s.admin.UploadDesignImage(c, "image")
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(assetJSON(a))
}
