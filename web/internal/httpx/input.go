package httpx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
	"github.com/wasmart/wasmart/core/errs"
)

// Text from outside is checked at the boundary, once for every route:
// CheckInput looks at the path, the query parameters and the form values,
// and DecodeJSON at every string (and key) of a JSON body. A control
// character no text field needs (C0 except tab, line feed and carriage
// return; DEL; C1) or text that is not UTF-8 is refused with a 400 naming
// the field, instead of reaching the database (PostgreSQL refuses NUL in
// text, and the driver's error then surfaced as a 500). Handlers that parse
// JSON typed into a form field call CheckJSONText on it.

// badRune reports whether r is a control character no text field needs.
func badRune(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r':
		return false
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	}
	return false
}

// textProblem describes what is wrong with s, or returns "".
func textProblem(s string) string {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return "is not valid UTF-8 text"
			}
		}
		if badRune(r) {
			return fmt.Sprintf("contains a control character (U+%04X), which is not allowed here", r)
		}
	}
	return ""
}

func hasBadText(b []byte) bool {
	if utf8.Valid(b) {
		for _, r := range string(b) {
			if badRune(r) {
				return true
			}
		}
		return false
	}
	return true
}

// CheckInput is the middleware that refuses control characters and
// invalid UTF-8 in the path, in query parameter names and values, and in
// form values (url-encoded and multipart; uploaded files are not text).
func CheckInput(c *fiber.Ctx) error {
	if p := c.Request().URI().Path(); hasBadText(p) {
		return errs.Field("path", "%s", textProblem(string(p)))
	}
	if err := checkArgs(c.Request().URI().QueryArgs(), "query"); err != nil {
		return err
	}
	ct := string(c.Request().Header.ContentType())
	switch {
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
		if err := checkArgs(c.Request().PostArgs(), "form"); err != nil {
			return err
		}
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		// A form that does not parse is left to the handler to refuse.
		if f, err := c.Request().MultipartForm(); err == nil {
			for name, vals := range f.Value {
				if p := textProblem(name); p != "" {
					return errs.Field("form", "a field name %s", p)
				}
				for _, v := range vals {
					if p := textProblem(v); p != "" {
						return errs.Field(name, "%s", p)
					}
				}
			}
		}
	}
	return c.Next()
}

func checkArgs(args *fasthttp.Args, kind string) error {
	var err error
	args.VisitAll(func(k, v []byte) {
		switch {
		case err != nil:
		case hasBadText(k):
			err = errs.Field(kind, "a parameter name %s", textProblem(string(k)))
		case hasBadText(v):
			err = errs.Field(string(k), "%s", textProblem(string(v)))
		}
	})
	return err
}

// CheckJSONText refuses a JSON document with a string or key that has a
// control character no text field needs, naming the value's path
// ("lines[0].variant_id"; a bad key names the object that holds it).
// field is the form field that holds the document, "" for a request body:
// paths are then bare and the top level is "body". Malformed JSON is left
// for the decoder to report.
func CheckJSONText(data []byte, field string) error {
	// Raw control characters are syntax errors in JSON; only escapes and
	// raw DEL or C1 characters can smuggle one in.
	if !bytes.Contains(data, []byte(`\u`)) && !hasBadText(data) {
		return nil
	}
	type frame struct {
		array   bool
		index   int
		key     string
		wantKey bool
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		b.WriteString(field)
		for _, f := range stack {
			switch {
			case f.array:
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
			case f.wantKey: // between keys: the object itself
			default:
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			}
		}
		if b.Len() == 0 {
			return "body"
		}
		return b.String()
	}
	done := func() { // a value ended
		if n := len(stack); n > 0 {
			if stack[n-1].array {
				stack[n-1].index++
			} else {
				stack[n-1].wantKey = true
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return nil // malformed: the decoder says where
		}
		if n := len(stack); n > 0 && !stack[n-1].array && stack[n-1].wantKey {
			if key, ok := tok.(string); ok {
				if p := textProblem(key); p != "" {
					return errs.Field(path(), "has a key that %s", p)
				}
				stack[n-1].key, stack[n-1].wantKey = key, false
				continue
			}
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, frame{wantKey: true})
			case '[':
				stack = append(stack, frame{array: true})
			default:
				stack = stack[:len(stack)-1]
				done()
			}
		case string:
			if p := textProblem(v); p != "" {
				return errs.Field(path(), "%s", p)
			}
			done()
		default:
			done()
		}
	}
}
