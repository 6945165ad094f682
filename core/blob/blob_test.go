package blob

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/errs"
)

func TestFS(t *testing.T) {
	ctx := context.Background()
	s, err := NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Put(ctx, "t1/products/p1/img.png", strings.NewReader("data"), "")
	if err != nil || info.Size != 4 || info.ContentType != "image/png" {
		t.Fatalf("put: %+v %v", info, err)
	}
	rc, info, err := s.Open(ctx, "t1/products/p1/img.png")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "data" || info.Size != 4 {
		t.Fatalf("got %q", b)
	}
	for _, bad := range []string{"../x", "a/../../b", "/abs", "a//b", ".hidden", "a/b c", ""} {
		if _, err := s.Put(ctx, bad, strings.NewReader("x"), ""); !errs.Is(err, errs.Invalid) {
			t.Errorf("key %q accepted: %v", bad, err)
		}
	}
	if err := s.DeletePrefix(ctx, "t1/products"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Open(ctx, "t1/products/p1/img.png"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("after delete: %v", err)
	}
	if err := s.Delete(ctx, "t1/none"); err != nil {
		t.Fatal(err)
	}
}
