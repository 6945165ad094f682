package httpx

import (
	"io"
	"mime/multipart"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/plugins"
)

// PluginUpload reads a plugin package from a multipart upload: the
// manifest (a file or a plain field "manifest", JSON) and the module (file
// "wasm"), each at most PluginUploadLimit bytes.
func PluginUpload(c *fiber.Ctx) (plugins.PublishInput, error) {
	var in plugins.PublishInput
	form, err := c.MultipartForm()
	if err != nil {
		return in, errs.Field("body", "send multipart/form-data with fields \"manifest\" and \"wasm\"")
	}
	file := func(name string) ([]byte, error) {
		fhs := form.File[name]
		if len(fhs) == 0 {
			return nil, nil
		}
		return readPart(fhs[0])
	}
	if in.Manifest, err = file("manifest"); err != nil {
		return in, err
	}
	if len(in.Manifest) == 0 && len(form.Value["manifest"]) > 0 {
		in.Manifest = []byte(form.Value["manifest"][0])
	}
	if in.Wasm, err = file("wasm"); err != nil {
		return in, err
	}
	if len(in.Manifest) == 0 {
		return in, errs.Field("manifest", "the manifest (JSON) is required")
	}
	if err := CheckJSONText(in.Manifest, "manifest"); err != nil {
		return in, err
	}
	if len(in.Wasm) == 0 {
		return in, errs.Field("wasm", "the .wasm module is required")
	}
	return in, nil
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	if fh.Size > PluginUploadLimit {
		return nil, errs.E(errs.TooLarge, "%s is larger than %d bytes", fh.Filename, PluginUploadLimit)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, PluginUploadLimit+1))
}
