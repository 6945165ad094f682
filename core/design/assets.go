package design

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // GIF decoder
	"image/jpeg"
	"image/png"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // WebP decoder
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
	ext := ".jpg"
	if contentType != "image/jpeg" {
		ext = ".png" // may carry transparency
	}
	return fmt.Sprintf("%s/w%d%s", path.Dir(orig), w, ext)
}

var formatTypes = map[string]string{"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}

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
	data, err := io.ReadAll(io.LimitReader(r, s.opts.MaxImageBytes+1))
	if err != nil {
		return nil, errs.Wrap(err, "design: read upload")
	}
	if int64(len(data)) > s.opts.MaxImageBytes {
		return nil, &errs.Error{Code: errs.TooLarge, Field: "image", Message: fmt.Sprintf("images may be at most %d MiB", s.opts.MaxImageBytes>>20)}
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || formatTypes[format] == "" {
		return nil, errs.Field("image", "is not a JPEG, PNG, GIF or WebP image")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > s.opts.MaxImagePixels || cfg.Width > 12000 || cfg.Height > 12000 {
		return nil, &errs.Error{Code: errs.TooLarge, Field: "image", Message: fmt.Sprintf("image is %d×%d pixels; the limit is %d megapixels", cfg.Width, cfg.Height, s.opts.MaxImagePixels/1_000_000)}
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, errs.Field("image", "is damaged or not an image: %v", err)
	}
	ctype := formatTypes[format]
	id := store.NewID()
	ext := map[string]string{"jpeg": ".jpg", "png": ".png", "gif": ".gif", "webp": ".webp"}[format]
	key := fmt.Sprintf("%s%s/original%s", AssetPrefix(tid), id, ext)
	if _, err := s.opts.Blobs.Put(ctx, key, bytes.NewReader(data), ctype); err != nil {
		return nil, err
	}
	cleanup := func() { s.opts.Blobs.DeletePrefix(ctx, path.Dir(key)) }
	var widths []string
	for _, w := range s.opts.RenditionWidths {
		if w >= cfg.Width {
			continue
		}
		h := max(1, cfg.Height*w/cfg.Width)
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Over, nil)
		var buf bytes.Buffer
		rk := renditionKey(key, w, ctype)
		if strings.HasSuffix(rk, ".png") {
			err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, dst)
		} else {
			err = jpeg.Encode(&buf, flatten(dst), &jpeg.Options{Quality: 82})
		}
		if err == nil {
			_, err = s.opts.Blobs.Put(ctx, rk, &buf, "")
		}
		if err != nil {
			cleanup()
			return nil, errs.Wrap(err, "design: rendition")
		}
		widths = append(widths, strconv.Itoa(w))
	}
	name := path.Base(strings.ReplaceAll(filename, "\\", "/"))
	if len(name) > 200 || name == "." || name == "/" {
		name = ""
	}
	row := &assetRow{TenantID: tid, ID: id, BlobKey: key, Filename: name, ContentType: ctype, Width: cfg.Width, Height: cfg.Height,
		SizeBytes: int64(len(data)), Renditions: strings.Join(widths, ","), CreatedAt: s.now()}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		_, err := q.NewInsert().Model(row).Exec(ctx)
		return errs.Wrap(err, "design: asset")
	})
	if err != nil {
		cleanup()
		return nil, err
	}
	return row.toAsset(), nil
}

func flatten(src *image.RGBA) image.Image {
	dst := image.NewRGBA(src.Bounds())
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(dst, dst.Bounds(), src, src.Bounds().Min, draw.Over)
	return dst
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
		err := q.NewSelect().Model(&rows).Where("tenant_id = ? AND blob_key IN (?)", tid, bun.In(keys)).Scan(ctx)
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
