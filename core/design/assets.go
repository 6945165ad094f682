package design

import (
	"context"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Asset is an uploaded design image (logo, favicon, banner) kept in the
// blob store with resized renditions.
type Asset struct {
	ID          string
	Key         string // blob key of the original; what settings store
	Filename    string
	ContentType string
	Width       int
	Height      int
	Size        int64
	Renditions  []int // widths, ascending
	CreatedAt   time.Time
}

// RenditionKey returns the blob key of the smallest rendition at least w
// pixels wide, or the original.
func (a *Asset) RenditionKey(w int) string {
	for _, r := range a.Renditions {
		if r >= w {
			return renditionKey(a.Key, r, a.ContentType)
		}
	}
	return a.Key
}

// SrcSet lists (blob key, width) pairs of every rendition and the original.
func (a *Asset) SrcSet() [][2]string {
	var out [][2]string
	for _, r := range a.Renditions {
		out = append(out, [2]string{renditionKey(a.Key, r, a.ContentType), strconv.Itoa(r)})
	}
	return append(out, [2]string{a.Key, strconv.Itoa(a.Width)})
}

type assetRow struct {
	bun.BaseModel `bun:"table:design_assets"`
	TenantID      string    `bun:"tenant_id,pk"`
	ID            string    `bun:"id,pk"`
	BlobKey       string    `bun:"blob_key"`
	Filename      string    `bun:"filename"`
	ContentType   string    `bun:"content_type"`
	Width         int       `bun:"width"`
	Height        int       `bun:"height"`
	SizeBytes     int64     `bun:"size_bytes"`
	Renditions    string    `bun:"renditions"`
	CreatedAt     time.Time `bun:"created_at"`
}

func (r *assetRow) toAsset() *Asset {
	a := &Asset{ID: r.ID, Key: r.BlobKey, Filename: r.Filename, ContentType: r.ContentType, Width: r.Width, Height: r.Height, Size: r.SizeBytes, CreatedAt: r.CreatedAt.UTC()}
	for _, f := range strings.Split(r.Renditions, ",") {
		if n, err := strconv.Atoi(f); err == nil {
			a.Renditions = append(a.Renditions, n)
		}
	}
	return a
}

func renditionKey(orig string, w int, contentType string) string {
	return blob.RenditionKey(orig, w, contentType)
}

// UploadImage checks an image by decoding it (JPEG, PNG, GIF or WebP, under
// the byte and pixel caps; oversized images are refused with errs.TooLarge),
// stores it with resized renditions and records it as the shop's asset.
func (s *Service) UploadImage(ctx context.Context, r io.Reader, filename string) (*Asset, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if s.opts.Blobs == nil {
		return nil, errs.E(errs.Unavailable, "image uploads are not configured")
	}
	up, err := blob.DecodeImage(r, blob.ImageLimits{MaxBytes: s.opts.MaxImageBytes, MaxPixels: s.opts.MaxImagePixels, MaxSide: 12000})
	if err != nil {
		return nil, err
	}
	id := store.NewID()
	key, made, err := up.Store(ctx, s.opts.Blobs, strings.TrimSuffix(AssetPrefix(tid)+id, "/"), s.opts.RenditionWidths)
	if err != nil {
		return nil, err
	}
	cleanup := func() { s.opts.Blobs.DeletePrefix(ctx, path.Dir(key)) }
	var widths []string
	for _, w := range made {
		widths = append(widths, strconv.Itoa(w))
	}
	name := path.Base(strings.ReplaceAll(filename, "\\", "/"))
	if len(name) > 200 || name == "." || name == "/" {
		name = ""
	}
	row := &assetRow{TenantID: tid, ID: id, BlobKey: key, Filename: name, ContentType: up.ContentType, Width: up.Width, Height: up.Height,
		SizeBytes: int64(len(up.Data)), Renditions: strings.Join(widths, ","), CreatedAt: s.now()}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if _, err := q.NewInsert().Model(row).Exec(ctx); err != nil {
			return errs.Wrap(err, "design: asset")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "design.asset.upload", ObjectType: "design_asset", ObjectID: row.ID, After: row.Filename})
	})
	if err != nil {
		cleanup()
		return nil, err
	}
	return row.toAsset(), nil
}

// Assets lists the shop's design images, newest first.
func (s *Service) Assets(ctx context.Context) ([]*Asset, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var rows []assetRow
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		err := q.NewSelect().Model(&rows).Where("tenant_id = ?", tid).Order("id DESC").Limit(500).Scan(ctx)
		if store.NoRows(err) {
			err = nil
		}
		return errs.Wrap(err, "design: assets")
	})
	out := make([]*Asset, len(rows))
	for i := range rows {
		out[i] = rows[i].toAsset()
	}
	return out, err
}

// AssetsByKey returns the shop's assets with the given blob keys (missing
// and foreign keys are absent).
func (s *Service) AssetsByKey(ctx context.Context, keys []string) (map[string]*Asset, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]*Asset{}
	if len(keys) == 0 {
		return out, nil
	}
	var rows []assetRow
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		err := q.NewSelect().Model(&rows).Where("tenant_id = ? AND blob_key IN (?)", tid, bun.List(keys)).Scan(ctx)
		if store.NoRows(err) {
			err = nil
		}
		return errs.Wrap(err, "design: assets")
	})
	for i := range rows {
		out[rows[i].BlobKey] = rows[i].toAsset()
	}
	return out, err
}

// OwnsKey reports whether a blob key (an asset or one of its renditions)
// belongs to the tenant's design images; the storefront serves only those.
func OwnsKey(tenantID, key string) bool {
	return strings.HasPrefix(key, AssetPrefix(tenantID))
}
