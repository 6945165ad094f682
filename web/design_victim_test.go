package web_test

import (
	"bytes"
	"context"
	"image/color"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/web/api"
)

// victimDesign gives shop A a published design and a newer draft (a hero
// with a secret heading, a menu item, a logo), a content page, an article
// and a newsletter subscriber, for TestCrossTenantAccess. It returns ids
// by route parameter name and the strings that must never show to B.
func victimDesign(t *testing.T, srv *testServer, shopID string, owner *client, collectionID string) (map[string]string, []string) {
	t.Helper()
	var pg api.PageJSON
	owner.post("/api/pages", api.PageBody{Kind: "about", Title: "Alpha Secret Page", BodyHTML: "<p>Alpha page body</p>", Published: true}, 201).json(t, &pg)
	past := time.Now().Add(-time.Hour).UTC()
	var art api.ArticleJSON
	owner.post("/api/articles", api.ArticleBody{Title: "Alpha Hidden Article", Author: "Alpha Author", Tags: []string{"alpha-tag"}, BodyHTML: "<p>Alpha article body</p>", PublishedAt: &past}, 201).json(t, &art)
	// The test server has no blob store: upload through the service.
	ctx := tenancy.WithTenant(context.Background(), shopID)
	blobs, err := blob.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	asset, err := design.New(srv.DB, design.Options{Blobs: blobs}).UploadImage(ctx, bytes.NewReader(pngBytes(t, 200, 80, color.RGBA{1, 2, 3, 255})), "alpha-logo.png")
	if err != nil {
		t.Fatal(err)
	}
	logo := api.AssetJSON{Key: asset.Key}
	var d api.DraftJSON
	owner.getJSON("/api/design/draft", &d)
	r := owner.post("/api/design/draft/sections", api.SectionAddBody{Version: d.Version, Template: "home", Type: "hero",
		Settings: design.Settings{"heading": "Alpha Hero Secret", "button_label": "Alpha Button", "button_link": map[string]any{"kind": "page", "ref": pg.ID}}}, 201)
	r.json(t, &d)
	section := d.SectionID
	owner.send("PUT", "/api/design/menus/header", api.MenuBody{Version: d.Version, Items: []design.MenuItem{{Title: "Alpha Menu Secret", Link: design.Link{Kind: "collection", Ref: collectionID}},
		{Title: "Alpha About", Link: design.Link{Kind: "article", Ref: art.ID}}}}, 200)
	owner.send("PUT", "/api/design/draft/theme", api.ThemeBody{Version: d.Version + 1, Theme: "editorial", Settings: design.Settings{"logo": logo.Key, "footer_text": "Alpha Footer Secret"}}, 200)
	owner.post("/api/design/publish", api.DesignVersionBody{Version: d.Version + 2}, 200)
	// A newer unpublished draft.
	owner.send("PUT", "/api/design/draft/sections/"+section, api.SectionBody{Version: d.Version + 2, Settings: design.Settings{"heading": "Alpha Draft Only"}}, 200)
	if _, err := srv.Services.Content.Subscribe(ctx, "alpha.fan@alpha-mail.example", "Alpha consent wording", "section:x"); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{"page": pg.ID, "article": art.ID, "section": section, "menu": "header", "number": "1"}
	markers := []string{pg.ID, "Alpha Secret Page", "Alpha page body", art.ID, "Alpha Hidden Article", "Alpha article body", "Alpha Author",
		"Alpha Hero Secret", "Alpha Draft Only", "Alpha Menu Secret", "Alpha Footer Secret", logo.Key, "alpha-logo.png", "alpha.fan@alpha-mail.example", "Alpha consent wording"}
	return ids, markers
}
