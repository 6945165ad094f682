package blob

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
	"strings"

	"github.com/wasmart/wasmart/core/errs"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // WebP decoder
)

// ImageLimits cap an uploaded image.
type ImageLimits struct {
	MaxBytes  int64 // encoded size
	MaxPixels int   // width × height
	MaxSide   int   // either dimension
}

// Image is an uploaded image that decoded and passed the limits.
type Image struct {
	Data          []byte
	ContentType   string // image/jpeg, image/png, image/gif or image/webp
	Ext           string // .jpg, .png, .gif or .webp
	Width, Height int
	img           image.Image
}

var imageFormats = map[string][2]string{
	"jpeg": {"image/jpeg", ".jpg"}, "png": {"image/png", ".png"},
	"gif": {"image/gif", ".gif"}, "webp": {"image/webp", ".webp"},
}

// DecodeImage reads an upload and proves it is a JPEG, PNG, GIF or WebP
// image by decoding it, within the limits. Errors name the field "image":
// too_large for bytes or pixels over the caps, invalid otherwise.
func DecodeImage(r io.Reader, lim ImageLimits) (*Image, error) {
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		return nil, errs.Wrap(err, "blob: read image upload")
	}
	if int64(len(data)) > lim.MaxBytes {
		return nil, &errs.Error{Code: errs.TooLarge, Field: "image", Message: fmt.Sprintf("images may be at most %d MiB", lim.MaxBytes>>20)}
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	f, known := imageFormats[format]
	if err != nil || !known {
		return nil, errs.Field("image", "is not a JPEG, PNG, GIF or WebP image")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > lim.MaxPixels || cfg.Width > lim.MaxSide || cfg.Height > lim.MaxSide {
		return nil, &errs.Error{Code: errs.TooLarge, Field: "image", Message: fmt.Sprintf("image is %d×%d pixels; the limit is %d megapixels", cfg.Width, cfg.Height, lim.MaxPixels/1_000_000)}
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, errs.Field("image", "is damaged or not an image: %v", err)
	}
	return &Image{Data: data, ContentType: f[0], Ext: f[1], Width: cfg.Width, Height: cfg.Height, img: img}, nil
}

// Store puts the original at <dir>/original<ext> and a rendition for every
// width narrower than the image (see RenditionKey), returning the
// original's key and the widths made. On failure nothing is left under dir.
func (im *Image) Store(ctx context.Context, st Store, dir string, widths []int) (string, []int, error) {
	key := dir + "/original" + im.Ext
	if _, err := st.Put(ctx, key, bytes.NewReader(im.Data), im.ContentType); err != nil {
		return "", nil, err
	}
	var made []int
	for _, w := range widths {
		if w >= im.Width {
			continue
		}
		h := max(1, im.Height*w/im.Width)
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.CatmullRom.Scale(dst, dst.Bounds(), im.img, im.img.Bounds(), draw.Over, nil)
		var buf bytes.Buffer
		rk := RenditionKey(key, w, im.ContentType)
		var err error
		if strings.HasSuffix(rk, ".png") {
			err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, dst)
		} else {
			err = jpeg.Encode(&buf, onWhite(dst), &jpeg.Options{Quality: 82})
		}
		if err == nil {
			_, err = st.Put(ctx, rk, &buf, "")
		}
		if err != nil {
			st.DeletePrefix(ctx, dir)
			return "", nil, errs.Wrap(err, "blob: image rendition")
		}
		made = append(made, w)
	}
	return key, made, nil
}

// RenditionKey is where the w-pixel-wide rendition of an original image is
// stored: JPEG for JPEG originals, PNG for the others (they may carry
// transparency).
func RenditionKey(orig string, w int, contentType string) string {
	ext := ".jpg"
	switch contentType {
	case "image/png", "image/gif", "image/webp":
		ext = ".png"
	}
	return fmt.Sprintf("%s/w%d%s", path.Dir(orig), w, ext)
}

// onWhite puts an image with alpha on white, for JPEG.
func onWhite(src *image.RGBA) image.Image {
	dst := image.NewRGBA(src.Bounds())
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(dst, dst.Bounds(), src, src.Bounds().Min, draw.Over)
	return dst
}
