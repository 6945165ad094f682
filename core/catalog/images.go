package catalog

import (
	"context"
	"fmt"
	"io"
	"net/url"
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

// Image is a product image: an uploaded file kept in the blob store with
// resized renditions, or an external URL (from a CSV import).
type Image struct {
	ID          string
	ProductID   string
	Position    int
	Src         string // external URL; "" for uploads
	Key         string // blob key of the original upload; "" for external
	Alt         string
	Width       int
	Height      int
	ContentType string
	Size        int64
	Renditions  []int // widths available, ascending
}

// RenditionKey returns the blob key of the smallest rendition at least w
// pixels wide (or the largest one, or the original).
func (im *Image) RenditionKey(w int) string {
	if im.Key == "" {
		return ""
	}
	for _, r := range im.Renditions {
		if r >= w {
			return renditionKey(im.Key, r, im.ContentType)
		}
	}
	if n := len(im.Renditions); n > 0 && im.Renditions[n-1] >= im.Width {
		return renditionKey(im.Key, im.Renditions[n-1], im.ContentType)
	}
	return im.Key
}

type imageRow struct {
	bun.BaseModel `bun:"table:catalog_images"`
	TenantID      string    `bun:"tenant_id,pk"`
	ID            string    `bun:"id,pk"`
	ProductID     string    `bun:"product_id"`
	Position      int       `bun:"position"`
	Src           string    `bun:"src"`
	BlobKey       string    `bun:"blob_key"`
	Alt           string    `bun:"alt"`
	Width         int       `bun:"width"`
	Height        int       `bun:"height"`
	ContentType   string    `bun:"content_type"`
	SizeBytes     int64     `bun:"size_bytes"`
	Renditions    string    `bun:"renditions"`
	CreatedAt     time.Time `bun:"created_at"`
}

func (r *imageRow) toImage() Image {
	im := Image{ID: r.ID, ProductID: r.ProductID, Position: r.Position, Src: r.Src, Key: r.BlobKey, Alt: r.Alt,
		Width: r.Width, Height: r.Height, ContentType: r.ContentType, Size: r.SizeBytes}
	for _, f := range strings.Split(r.Renditions, ",") {
		if n, err := strconv.Atoi(f); err == nil {
			im.Renditions = append(im.Renditions, n)
		}
	}
	return im
}

func imageDir(key string) string { return path.Dir(key) }

func renditionKey(orig string, w int, contentType string) string {
	return blob.RenditionKey(orig, w, contentType)
}

// AddImage validates an uploaded image by decoding it (JPEG, PNG, GIF or
// WebP; size and pixel caps), stores the original and resized renditions
// in the blob store, and appends it to the product's images. filename is
// the uploaded file's name, for the audit log.
func (s *Service) AddImage(ctx context.Context, productID string, r io.Reader, filename, alt string) (*Image, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if s.opts.Blobs == nil {
		return nil, errs.E(errs.Unavailable, "image uploads are not configured")
	}
	up, err := blob.DecodeImage(r, blob.ImageLimits{MaxBytes: s.opts.MaxImageBytes, MaxPixels: s.opts.MaxImagePixels, MaxSide: 20000})
	if err != nil {
		return nil, err
	}
	if _, err := s.Get(ctx, productID); err != nil {
		return nil, err
	}
	id := store.NewID()
	key, made, err := up.Store(ctx, s.opts.Blobs, fmt.Sprintf("%s/products/%s/%s", tid, productID, id), s.opts.RenditionWidths)
	if err != nil {
		return nil, err
	}
	var widths []string
	for _, w := range made {
		widths = append(widths, strconv.Itoa(w))
	}
	row := &imageRow{TenantID: tid, ID: id, ProductID: productID, BlobKey: key, Alt: strings.TrimSpace(alt), Width: up.Width,
		Height: up.Height, ContentType: up.ContentType, SizeBytes: int64(len(up.Data)), Renditions: strings.Join(widths, ","), CreatedAt: s.now()}
	if err := s.insertImage(ctx, tid, row, filename); err != nil {
		s.opts.Blobs.DeletePrefix(ctx, imageDir(key))
		return nil, err
	}
	im := row.toImage()
	return &im, nil
}

// AddImageURL appends an external image (http or https URL).
func (s *Service) AddImageURL(ctx context.Context, productID, src, alt string) (*Image, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkImageURL(src, "src"); err != nil {
		return nil, err
	}
	if _, err := s.Get(ctx, productID); err != nil {
		return nil, err
	}
	row := &imageRow{TenantID: tid, ID: store.NewID(), ProductID: productID, Src: strings.TrimSpace(src), Alt: strings.TrimSpace(alt), CreatedAt: s.now()}
	if err := s.insertImage(ctx, tid, row, row.Src); err != nil {
		return nil, err
	}
	im := row.toImage()
	return &im, nil
}

// ValidImageURL reports whether src can be an external image: an http or
// https URL of at most 2048 bytes.
func ValidImageURL(src string) bool { return checkImageURL(src, "src") == nil }

func checkImageURL(src, field string) error {
	u, err := url.Parse(strings.TrimSpace(src))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(src) > 2048 {
		return errs.Field(field, "must be an http or https URL")
	}
	return nil
}

// insertImage appends row to its product's images and audits it
// ("product.image.add", summary what).
func (s *Service) insertImage(ctx context.Context, tid string, row *imageRow, what string) error {
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var pos int
		if err := q.NewRaw("SELECT COALESCE(MAX(position), 0) FROM catalog_images WHERE tenant_id = ? AND product_id = ?", tid, row.ProductID).Scan(ctx, &pos); err != nil {
			return errs.Wrap(err, "catalog: image position")
		}
		row.Position = pos + 1
		if _, err := q.NewInsert().Model(row).Exec(ctx); err != nil {
			return errs.Wrap(err, "catalog: insert image")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "product.image.add", ObjectType: "product", ObjectID: row.ProductID, After: what})
	})
}

// DeleteImage removes an image and its files.
func (s *Service) DeleteImage(ctx context.Context, productID, imageID string) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	var key string
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := q.NewRaw("SELECT blob_key FROM catalog_images WHERE tenant_id = ? AND product_id = ? AND id = ?", tid, productID, imageID).Scan(ctx, &key); err != nil {
			if store.NoRows(err) {
				return errs.NotFoundf("image not found")
			}
			return errs.Wrap(err, "catalog: delete image")
		}
		if _, err := q.NewDelete().Table("catalog_images").Where("tenant_id = ? AND product_id = ? AND id = ?", tid, productID, imageID).Exec(ctx); err != nil {
			return errs.Wrap(err, "catalog: delete image")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "product.image.delete", ObjectType: "product", ObjectID: productID, After: imageID})
	})
	if err == nil && key != "" && s.opts.Blobs != nil {
		s.opts.Blobs.DeletePrefix(ctx, imageDir(key))
	}
	return err
}

// ReorderImages sets the images' order to ids (every image of the product,
// each once).
func (s *Service) ReorderImages(ctx context.Context, productID string, ids []string) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var have []string
		if err := q.NewRaw("SELECT id FROM catalog_images WHERE tenant_id = ? AND product_id = ?", tid, productID).Scan(ctx, &have); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "catalog: reorder")
		}
		set := map[string]bool{}
		for _, id := range have {
			set[id] = true
		}
		if len(ids) != len(have) {
			return errs.Field("ids", "list every image of the product once")
		}
		for i, id := range ids {
			if !set[id] {
				return errs.Field("ids", "list every image of the product once")
			}
			delete(set, id)
			if _, err := q.NewRaw("UPDATE catalog_images SET position = ? WHERE tenant_id = ? AND id = ?", i+1, tid, id).Exec(ctx); err != nil {
				return errs.Wrap(err, "catalog: reorder")
			}
		}
		return nil
	})
}
