package design_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/content"
	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

func shop(id, who string) context.Context {
	return tenancy.WithActor(tenancy.WithTenant(context.Background(), id), tenancy.Actor{Kind: "staff", ID: "u-" + who, Name: who})
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func collection(t *testing.T, cat *catalog.Service, ctx context.Context, title string) *catalog.Collection {
	t.Helper()
	return must[*catalog.Collection](t)(cat.CreateCollection(ctx, catalog.CollectionInput{Title: title, Kind: catalog.Manual, Published: true}))
}

func heading(p *design.Published) string {
	for _, s := range p.Doc.Templates[design.TemplateHome] {
		if s.Type == design.TypeHero {
			return s.Settings.String("heading")
		}
	}
	return ""
}

func TestBuilderDraftPublishRestore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ann, bob := shop("ta", "Ann"), shop("ta", "Bob")
		cat := catalog.New(db, catalog.Options{})
		svc := design.New(db, design.Options{KeepVersions: 3})
		summer := collection(t, cat, ann, "Summer")

		// A shop that never published shows the default design.
		live := must[*design.Published](t)(svc.Live(ann))
		if live.Number != 0 || live.Doc.Theme != design.DefaultTheme {
			t.Fatalf("initial live %+v", live)
		}
		d := must[*design.Draft](t)(svc.Draft(ann))
		if d.Version != 0 || len(d.Doc.Templates[design.TemplateHome]) == 0 {
			t.Fatalf("initial draft %+v", d)
		}

		// Edit the draft: a hero and a featured collection, reordered.
		var heroID, fcID string
		d = must[*design.Draft](t)(svc.Edit(ann, d.Version, "draft.save", func(doc *design.Document) error {
			doc.Templates[design.TemplateHome] = nil
			h, err := doc.AddSection(design.TemplateHome, design.TypeHero, -1)
			if err != nil {
				return err
			}
			h.Settings["heading"] = "Version one"
			heroID = h.ID
			f, err := doc.AddSection(design.TemplateHome, design.TypeFeaturedCollection, -1)
			if err != nil {
				return err
			}
			f.Settings["collection"] = summer.ID
			fcID = f.ID
			return nil
		}))
		if d.Version != 1 || !d.Unpublished() {
			t.Fatalf("draft after edit %+v", d)
		}
		// The draft never shows on the live shop.
		if live := must[*design.Published](t)(svc.Live(ann)); live.Number != 0 || heading(live) == "Version one" {
			t.Fatalf("draft leaked to live: %+v", live)
		}
		v1 := must[*design.Published](t)(svc.Publish(ann, d.Version))
		if v1.Number != 1 {
			t.Fatalf("first publish %+v", v1)
		}
		live = must[*design.Published](t)(svc.Live(ann))
		if live.Number != 1 || heading(live) != "Version one" {
			t.Fatalf("live after publish %+v", live)
		}
		if d = must[*design.Draft](t)(svc.Draft(ann)); d.Unpublished() {
			t.Fatalf("draft should match live after publish: %+v", d)
		}

		// Second version: new colours, heading, order swapped, theme switched.
		d = must[*design.Draft](t)(svc.Edit(ann, d.Version, "draft.save", func(doc *design.Document) error {
			if err := doc.SetTheme("editorial"); err != nil {
				return err
			}
			doc.Settings[design.SetColorAccent] = "#123456"
			_, _, h := doc.Section(heroID)
			h.Settings["heading"] = "Version two"
			return doc.MoveSection(fcID, -1)
		}))
		if live := must[*design.Published](t)(svc.Live(ann)); live.Number != 1 || live.Doc.Theme != "grid" {
			t.Fatalf("unpublished edits visible: %+v", live)
		}
		// Bob loaded the draft before Ann's edit and edits from version 2
		// while Ann moves on to 3: his save and his publish are refused.
		stale := d.Version
		d = must[*design.Draft](t)(svc.Edit(ann, d.Version, "draft.save", func(doc *design.Document) error {
			doc.Settings[design.SetFooterText] = "Ann was here"
			return nil
		}))
		_, err := svc.Edit(bob, stale, "draft.save", func(doc *design.Document) error { doc.Settings[design.SetFooterText] = "Bob"; return nil })
		if !errs.Is(err, errs.Conflict) || !strings.Contains(err.Error(), "Ann changed the design") {
			t.Fatalf("stale edit: %v", err)
		}
		if _, err := svc.Publish(bob, stale); !errs.Is(err, errs.Conflict) || !strings.Contains(err.Error(), "Reload") {
			t.Fatalf("stale publish: %v", err)
		}
		if live := must[*design.Published](t)(svc.Live(ann)); live.Number != 1 {
			t.Fatalf("stale publish changed live: %+v", live)
		}
		v2 := must[*design.Published](t)(svc.Publish(bob, d.Version))
		live = must[*design.Published](t)(svc.Live(ann))
		if v2.Number != 2 || live.Number != 2 || live.Doc.Theme != "editorial" || heading(live) != "Version two" ||
			live.Doc.Templates[design.TemplateHome][0].Type != design.TypeFeaturedCollection || live.Doc.Settings.String(design.SetColorAccent) != "#123456" {
			t.Fatalf("live v2 %+v %+v", live, live.Doc)
		}

		// Restore version 1: live and draft go back, as a new version 3.
		if _, err := svc.Restore(ann, 1, stale); !errs.Is(err, errs.Conflict) {
			t.Fatalf("restore from stale draft: %v", err)
		}
		r := must[*design.Published](t)(svc.Restore(ann, 1, d.Version))
		live = must[*design.Published](t)(svc.Live(ann))
		if r.Number != 3 || r.RestoredFrom != 1 || live.Number != 3 || heading(live) != "Version one" || live.Doc.Theme != "grid" {
			t.Fatalf("restored %+v live %+v", r, live)
		}
		d = must[*design.Draft](t)(svc.Draft(ann))
		if d.Unpublished() || d.Doc.Settings.String(design.SetFooterText) != "" || d.Doc.Templates[design.TemplateHome][0].ID != heroID {
			t.Fatalf("draft after restore %+v", d)
		}
		vs := must[[]*design.Published](t)(svc.Versions(ann))
		if len(vs) != 3 || vs[0].Number != 3 || !vs[0].Live || vs[0].PublishedBy != "Ann" || vs[1].PublishedBy != "Bob" {
			t.Fatalf("versions %+v", vs)
		}
		// Only the last 3 versions are kept.
		must[*design.Published](t)(svc.Publish(ann, d.Version))
		if _, err := svc.Restore(ann, 1, d.Version); !errs.Is(err, errs.NotFound) {
			t.Fatalf("restore of a pruned version: %v", err)
		}

		// A publish that fails validation changes nothing: the collection
		// the draft links to was deleted after the draft was saved.
		d = must[*design.Draft](t)(svc.Draft(ann))
		if err := cat.DeleteCollection(ann, summer.ID); err != nil {
			t.Fatal(err)
		}
		before := must[*design.Published](t)(svc.Live(ann))
		if _, err := svc.Publish(ann, d.Version); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "collection that does not exist") {
			t.Fatalf("publish with a deleted collection: %v", err)
		}
		if after := must[*design.Published](t)(svc.Live(ann)); after.Number != before.Number {
			t.Fatalf("failed publish changed live %d → %d", before.Number, after.Number)
		}

		// Another shop's design is untouched by all this.
		if other := must[*design.Published](t)(svc.Live(shop("tb", "Eve"))); other.Number != 0 {
			t.Fatalf("tenant tb sees %+v", other)
		}
	})
}

// Concurrent publishers from the same version: exactly one wins.
func TestPublishRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("ta", "Ann")
		svc := design.New(db, design.Options{})
		d := must[*design.Draft](t)(svc.Edit(ctx, 0, "draft.save", func(doc *design.Document) error { return nil }))
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, conflicts := 0, 0
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := svc.Edit(ctx, d.Version, "draft.save", func(doc *design.Document) error { doc.Settings[design.SetFooterText] = "x"; return nil })
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errs.Is(err, errs.Conflict):
					conflicts++
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || conflicts != 5 {
			t.Fatalf("wins %d conflicts %d", wins, conflicts)
		}
	})
}

func pngBytes(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, x%h, color.RGBA{200, 10, 10, 255})
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func TestBuilderValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, b := shop("ta", "Ann"), shop("tb", "Eve")
		cat := catalog.New(db, catalog.Options{})
		pages := content.New(db, nil)
		blobs := must[*blob.FS](t)(blob.NewFS(t.TempDir()))
		svc := design.New(db, design.Options{Blobs: blobs, MaxImageBytes: 64 << 10, MaxImagePixels: 1_000_000})
		mine := collection(t, cat, a, "Mine")
		theirs := collection(t, cat, b, "Theirs")
		theirPage := must[*content.Page](t)(pages.CreatePage(b, content.PageInput{Kind: content.KindAbout, Title: "About B", Published: true}))
		myPage := must[*content.Page](t)(pages.CreatePage(a, content.PageInput{Kind: content.KindAbout, Title: "About A", Published: true}))
		logo := must[*design.Asset](t)(svc.UploadImage(a, bytes.NewReader(pngBytes(600, 200)), "logo.png"))
		if len(logo.Renditions) != 1 || logo.Renditions[0] != 480 || !strings.HasPrefix(logo.Key, "ta/design/") {
			t.Fatalf("asset %+v", logo)
		}
		theirLogo := must[*design.Asset](t)(svc.UploadImage(b, bytes.NewReader(pngBytes(100, 100)), "logo.png"))
		// An article may take its cover from the shop's own design library
		// once content is wired to it, never from another shop's.
		if _, err := pages.CreateArticle(a, content.ArticleInput{Title: "Unwired", Image: logo.Key}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("design image without an asset check: %v", err)
		}
		pages.SetAssets(design.ExistingAssets)
		if _, err := pages.CreateArticle(a, content.ArticleInput{Title: "Cover", Image: logo.Key}); err != nil {
			t.Fatalf("own design image: %v", err)
		}
		if _, err := pages.CreateArticle(a, content.ArticleInput{Title: "Stolen", Image: theirLogo.Key}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("another shop's design image: %v", err)
		}

		cases := []struct {
			name, field, msg string
			code             errs.Code
			edit             func(d *design.Document) error
		}{
			{"unknown section type", "templates.home[0].type", "unknown section type", errs.Invalid, func(d *design.Document) error {
				d.Templates["home"] = []design.Section{{ID: "x1", Type: "marquee", Settings: design.Settings{}}}
				return nil
			}},
			{"unknown section via AddSection", "type", "unknown section type", errs.Invalid, func(d *design.Document) error {
				_, err := d.AddSection("home", "carousel3d", 0)
				return err
			}},
			{"colour not a colour", "settings.color_accent", "is not a colour", errs.Invalid, func(d *design.Document) error {
				d.Settings[design.SetColorAccent] = "red; background:url(x)"
				return nil
			}},
			{"unreadable contrast", "settings.color_text", "contrast", errs.Invalid, func(d *design.Document) error {
				d.Settings[design.SetColorText] = "#eeeeee"
				return nil
			}},
			{"font not in the list", "settings.font_body", "not one of the available fonts", errs.Invalid, func(d *design.Document) error {
				d.Settings[design.SetFontBody] = "Comic Sans MS"
				return nil
			}},
			{"unknown theme", "theme", "unknown theme", errs.Invalid, func(d *design.Document) error { return d.SetTheme("brutalist") }},
			{"unknown setting", "settings.custom_css", "unknown setting", errs.Invalid, func(d *design.Document) error {
				d.Settings["custom_css"] = "body{}"
				return nil
			}},
			{"another tenant's collection", "templates.home[0].settings.collection", "collection that does not exist", errs.Invalid, func(d *design.Document) error {
				s, _ := d.AddSection("home", design.TypeFeaturedCollection, 0)
				s.Settings["collection"] = theirs.ID
				return nil
			}},
			{"missing collection", "templates.home[0].settings.collection", "collection that does not exist", errs.Invalid, func(d *design.Document) error {
				s, _ := d.AddSection("home", design.TypeFeaturedCollection, 0)
				s.Settings["collection"] = "0190-nope"
				return nil
			}},
			{"collection not chosen", "templates.home[0].settings.collection", "is required", errs.Invalid, func(d *design.Document) error {
				d.AddSection("home", design.TypeFeaturedCollection, 0)
				return nil
			}},
			{"menu link to another tenant's page", "menus.header[0].link", "page that does not exist", errs.Invalid, func(d *design.Document) error {
				d.Menus["header"] = []design.MenuItem{{Title: "About", Link: design.Link{Kind: design.LinkPage, Ref: theirPage.ID}}}
				return nil
			}},
			{"hero button to a missing product", "templates.home[0].settings.button_link", "product that does not exist", errs.Invalid, func(d *design.Document) error {
				s, _ := d.AddSection("home", design.TypeHero, 0)
				s.Settings["button_link"] = map[string]any{"kind": "product", "ref": "nope"}
				return nil
			}},
			{"javascript URL", "menus.footer[0].link", "not an http(s)", errs.Invalid, func(d *design.Document) error {
				d.Menus["footer"] = []design.MenuItem{{Title: "Click", Link: design.Link{Kind: design.LinkURL, Ref: "javascript:alert(1)"}}}
				return nil
			}},
			{"menus nest one level", "menus.header[0].children[0].children", "one level", errs.Invalid, func(d *design.Document) error {
				d.Menus["header"] = []design.MenuItem{{Title: "A", Link: design.Link{Kind: design.LinkHome}, Children: []design.MenuItem{
					{Title: "B", Link: design.Link{Kind: design.LinkHome}, Children: []design.MenuItem{{Title: "C", Link: design.Link{Kind: design.LinkHome}}}}}}}
				return nil
			}},
			{"script in rich text", "templates.home[0].settings.text", "scripts", errs.Invalid, func(d *design.Document) error {
				s, _ := d.AddSection("home", design.TypeRichText, 0)
				s.Settings["text"] = `<p>Hi</p><script>steal()</script>`
				return nil
			}},
			{"event handler in rich text", "templates.home[0].blocks[0].answer", "event handlers", errs.Invalid, func(d *design.Document) error {
				s, _ := d.AddSection("home", design.TypeFAQ, 0)
				s.Blocks = []design.Settings{{"question": "Q?", "answer": `<img src=x onerror="steal()">`}}
				return nil
			}},
			{"another tenant's logo", "settings.logo", "image that does not exist", errs.Invalid, func(d *design.Document) error {
				d.Settings[design.SetLogo] = "ta/design/" + strings.TrimPrefix(theirLogo.Key, "tb/design/")
				return nil
			}},
			{"logo key of another tenant's prefix", "settings.logo", "uploaded to this shop", errs.Invalid, func(d *design.Document) error {
				d.Settings[design.SetLogo] = theirLogo.Key
				return nil
			}},
			{"int out of range", "templates.home[0].settings.limit", "between", errs.Invalid, func(d *design.Document) error {
				s, _ := d.AddSection("home", design.TypeFeaturedCollection, 0)
				s.Settings["collection"] = mine.ID
				s.Settings["limit"] = 500
				return nil
			}},
			{"two newsletter forms", "templates.home[1].type", "at most 1", errs.Invalid, func(d *design.Document) error {
				d.AddSection("home", design.TypeNewsletter, 0)
				d.AddSection("home", design.TypeNewsletter, 0)
				return nil
			}},
			{"hero above the header", "templates.global[0].type", "only announcement bars", errs.Invalid, func(d *design.Document) error {
				_, err := d.AddSection("global", design.TypeHero, 0)
				return err
			}},
		}
		base := must[*design.Draft](t)(svc.Draft(a))
		for _, c := range cases {
			_, err := svc.Edit(a, base.Version, "draft.save", c.edit)
			var e *errs.Error
			if err == nil || !errs.Is(err, c.code) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("%s: got %v, want %s containing %q", c.name, err, c.code, c.msg)
			} else if asErr(err, &e); c.field != "" && e.Field != c.field {
				t.Errorf("%s: field %q, want %q", c.name, e.Field, c.field)
			}
		}
		if d := must[*design.Draft](t)(svc.Draft(a)); d.Version != base.Version {
			t.Fatalf("a failed edit saved something: %d", d.Version)
		}

		// Good values are normalised and saved.
		d := must[*design.Draft](t)(svc.Edit(a, base.Version, "draft.save", func(d *design.Document) error {
			d.Settings[design.SetColorAccent] = "#0A0"
			d.Settings[design.SetLogo] = logo.Key
			s, _ := d.AddSection("home", design.TypeRichText, 0)
			s.Settings["text"] = `<p>Hello <a href="https://example.com">there</a></p>`
			g, _ := d.AddSection("global", design.TypeAnnouncement, 0)
			g.Settings["link"] = map[string]any{"kind": "page", "ref": myPage.ID}
			f, _ := d.AddSection("home", design.TypeFeaturedCollection, -1)
			f.Settings["collection"] = mine.ID
			f.Settings["limit"] = "6"
			d.Menus["header"] = []design.MenuItem{{Title: "  Shop   all ", Link: design.Link{Kind: design.LinkCollection, Ref: mine.ID},
				Children: []design.MenuItem{{Title: "About", Link: design.Link{Kind: design.LinkPage, Ref: myPage.ID}}, {Title: "Blog", Link: design.Link{Kind: design.LinkURL, Ref: "/blogs/news"}}}}}
			return nil
		}))
		if d.Doc.Settings.String(design.SetColorAccent) != "#00aa00" || d.Doc.Menus["header"][0].Title != "Shop all" || d.Doc.Menus["header"][0].ID == "" {
			t.Fatalf("normalised %+v", d.Doc)
		}
		_, _, f := d.Doc.Section(d.Doc.Templates["home"][len(d.Doc.Templates["home"])-1].ID)
		if f.Settings.Int("limit") != 6 || !f.Settings.Bool("show_view_all") {
			t.Fatalf("featured settings %+v", f.Settings)
		}
		if _, err := svc.Publish(a, d.Version); err != nil {
			t.Fatal(err)
		}

		// Oversized and bogus images are refused before anything is stored.
		if _, err := svc.UploadImage(a, bytes.NewReader(pngBytes(1200, 1000)), "huge.png"); !errs.Is(err, errs.TooLarge) {
			t.Fatalf("1.2 MP image: %v", err)
		}
		if _, err := svc.UploadImage(a, bytes.NewReader(make([]byte, 70<<10)), "big.png"); !errs.Is(err, errs.TooLarge) {
			t.Fatalf("70 KiB upload: %v", err)
		}
		if _, err := svc.UploadImage(a, strings.NewReader("<svg onload=alert(1)>"), "x.svg"); !errs.Is(err, errs.Invalid) {
			t.Fatalf("svg: %v", err)
		}
		if as := must[[]*design.Asset](t)(svc.Assets(a)); len(as) != 1 {
			t.Fatalf("assets %d", len(as))
		}

		// Preview tokens belong to one shop.
		tok, _ := must[string](t)(func() (string, error) { s, _, err := svc.CreatePreviewToken(a); return s, err }()), 0
		if !svc.CheckPreviewToken(a, tok) || svc.CheckPreviewToken(b, tok) || svc.CheckPreviewToken(a, tok+"x") {
			t.Fatal("preview token check")
		}
	})
}

func asErr(err error, e **errs.Error) bool {
	x, ok := err.(*errs.Error)
	*e = x
	return ok
}

func TestDocumentEditing(t *testing.T) {
	d := design.DefaultDocument()
	d.Templates["home"] = nil
	var ids []string
	for _, typ := range []string{design.TypeHero, design.TypeRichText, design.TypeFAQ} {
		s, err := d.AddSection("home", typ, -1)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	order := func() string {
		var out []string
		for _, s := range d.Templates["home"] {
			out = append(out, s.Type)
		}
		return strings.Join(out, ",")
	}
	d.MoveSection(ids[2], -1)
	if order() != "hero,faq,rich_text" {
		t.Fatal(order())
	}
	d.MoveSection(ids[0], +5)
	if order() != "faq,rich_text,hero" {
		t.Fatal(order())
	}
	d.MoveSection(ids[0], -1)
	d.RemoveSection(ids[1])
	if order() != "faq,hero" {
		t.Fatal(order())
	}
	if err := d.ReorderSections("home", []string{ids[0], ids[2]}); err != nil || order() != "hero,faq" {
		t.Fatal(err, order())
	}
	if err := d.ReorderSections("home", []string{ids[0]}); !errs.Is(err, errs.Invalid) {
		t.Fatal(err)
	}
	d.Settings[design.SetLogo] = "ta/design/x/original.png"
	if err := d.SetTheme("editorial"); err != nil || d.Settings.String(design.SetFontHeading) != "didone" || d.Settings.String(design.SetLogo) == "" {
		t.Fatal(err, d.Settings)
	}
	if c := design.Contrast("#000000", "#ffffff"); c < 20.9 || c > 21.1 {
		t.Fatal(c)
	}
	// Both themes' defaults pass validation.
	for _, th := range design.Themes() {
		doc, _ := design.NewDocument(th.ID)
		if err := doc.Validate("ta"); err != nil {
			t.Fatalf("%s defaults: %v", th.ID, err)
		}
	}
}

func TestBrandMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("ta", "Ann")
		svc := design.New(db, design.Options{})
		wrap := func() string {
			var out string
			err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
				var err error
				out, err = svc.BrandMail(ctx, q, "ta", `<p>Thanks <a href="https://x.example">track</a></p>`)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		if got := wrap(); !strings.Contains(got, "border-top:6px solid #0b6bcb") || !strings.Contains(got, "<p>Thanks") {
			t.Fatalf("default look: %s", got)
		}
		d := must[*design.Draft](t)(svc.Edit(ctx, 0, "draft.save", func(doc *design.Document) error {
			doc.Settings[design.SetColorAccent] = "#8a1c4a"
			doc.Settings[design.SetFooterText] = "Shop & <Co>"
			return nil
		}))
		must[*design.Published](t)(svc.Publish(ctx, d.Version))
		got := wrap()
		if !strings.Contains(got, "#8a1c4a") || !strings.Contains(got, `<a style="color:#8a1c4a" href=`) || !strings.Contains(got, "Shop &amp; &lt;Co&gt;") {
			t.Fatalf("branded: %s", got)
		}
	})
}

// TestLastChange: the design's cache token moves with each publish of the
// shop (even while Live serves its cached copy), not with draft edits nor
// with another shop's publish.
func TestLastChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, b := shop("ta", "Ann"), shop("tb", "Bob")
		svc := design.New(db, design.Options{LiveTTL: time.Hour})
		token := func() string {
			t.Helper()
			var tok string
			var latest time.Time
			err := db.Read(a, func(ctx context.Context, q bun.IDB) (err error) {
				tok, latest, err = design.LastChange(ctx, q, "ta")
				return err
			})
			if err != nil || !latest.IsZero() {
				t.Fatalf("last change: %q %v %v", tok, latest, err)
			}
			return tok
		}
		never := token()
		must[*design.Published](t)(svc.Live(a)) // cached for an hour
		d := must[*design.Draft](t)(svc.Edit(a, 0, "draft.save", func(doc *design.Document) error { doc.Settings[design.SetFooterText] = "one"; return nil }))
		if token() != never {
			t.Fatal("a draft edit moved the token")
		}
		must[*design.Published](t)(svc.Publish(a, d.Version))
		first := token()
		if first == never {
			t.Fatal("publishing did not move the token")
		}
		db2 := must[*design.Draft](t)(svc.Edit(b, 0, "draft.save", func(doc *design.Document) error { return nil }))
		must[*design.Published](t)(svc.Publish(b, db2.Version))
		if token() != first {
			t.Fatal("another shop's publish moved the token")
		}
		d = must[*design.Draft](t)(svc.Edit(a, d.Version, "draft.save", func(doc *design.Document) error { doc.Settings[design.SetFooterText] = "two"; return nil }))
		must[*design.Published](t)(svc.Publish(a, d.Version))
		if token() == first {
			t.Fatal("the second publish did not move the token")
		}
	})
}
