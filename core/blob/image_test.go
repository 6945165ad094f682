package blob

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/errs"
)

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, h/2, color.RGBA{200, 40, 40, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestImageDecodeAndStore(t *testing.T) {
	lim := ImageLimits{MaxBytes: 1 << 20, MaxPixels: 4_000_000, MaxSide: 4000}
	for _, c := range []struct {
		name string
		data []byte
		code errs.Code
	}{
		{"not an image", []byte("<script>alert(1)</script>"), errs.Invalid},
		{"too many bytes", bytes.Repeat([]byte{1}, 2<<20), errs.TooLarge},
		{"too many pixels", pngOf(t, 4001, 2), errs.TooLarge},
	} {
		if _, err := DecodeImage(bytes.NewReader(c.data), lim); !errs.Is(err, c.code) {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
	im, err := DecodeImage(bytes.NewReader(pngOf(t, 1000, 500)), lim)
	if err != nil {
		t.Fatal(err)
	}
	st, err := NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	key, made, err := im.Store(ctx, st, "t1/products/p1/i1", []int{320, 800, 1200})
	if err != nil {
		t.Fatal(err)
	}
	if key != "t1/products/p1/i1/original.png" || len(made) != 2 || made[0] != 320 || made[1] != 800 {
		t.Fatalf("stored %s with renditions %v", key, made)
	}
	rc, _, err := st.Open(ctx, RenditionKey(key, 320, im.ContentType))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	cfg, err := png.DecodeConfig(rc)
	if err != nil || cfg.Width != 320 || cfg.Height != 160 {
		t.Fatalf("rendition %+v %v", cfg, err)
	}
	if !strings.HasSuffix(RenditionKey("a/original.jpg", 320, "image/jpeg"), "/w320.jpg") {
		t.Fatal("JPEG renditions stay JPEG")
	}
}
