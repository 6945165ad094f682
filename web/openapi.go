package web

import (
	"reflect"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/web/internal/session"
)

var pathParam = regexp.MustCompile(`:([A-Za-z_][A-Za-z0-9_]*)\??`)

// openAPI builds the OpenAPI 3 document from the route table, so a route
// cannot be served without being described.
func (s *Server) openAPI() map[string]any {
	paths := map[string]any{}
	ss := &schemaSet{schemas: map[string]any{}, types: map[string]reflect.Type{}}
	for _, r := range s.Routes() {
		if !r.IsAPI() || r.HTML {
			continue
		}
		p := pathParam.ReplaceAllString(r.Path, "{$1}")
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		op := map[string]any{
			"summary":      r.Summary,
			"operationId":  operationID(r),
			"tags":         []string{r.Tag},
			"x-permission": r.Perm,
			"responses": map[string]any{
				"default": map[string]any{"description": "error", "content": map[string]any{
					"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/ErrorBody"}}}},
			},
		}
		ok := map[string]any{"description": "success"}
		if r.Resp != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": ss.schemaOf(reflect.TypeOf(r.Resp))}}
		}
		op["responses"].(map[string]any)["200"] = ok
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(r.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range r.Query {
			sch := map[string]any{"type": "string"}
			if q.Type != "" {
				sch["type"] = q.Type
			}
			if q.Enum != nil {
				sch["enum"] = q.Enum
			}
			params = append(params, map[string]any{"name": q.Name, "in": "query", "required": false, "description": q.Description, "schema": sch})
		}
		if params != nil {
			op["parameters"] = params
		}
		if r.Body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": ss.schemaOf(reflect.TypeOf(r.Body))}}}
		}
		switch r.Perm {
		case Public:
			op["security"] = []any{}
		case Customer:
			op["security"] = []any{map[string]any{"customerSession": []string{}}}
		}
		item[strings.ToLower(r.Method)] = op
	}
	ss.schemaOf(reflect.TypeOf(ErrorBody{}))
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title": "Wasmart API", "version": "1",
			"description": "Multi-tenant shop builder. Every operation names the permission it needs in x-permission. Authenticate with a staff session cookie (plus X-CSRF-Token on writes) or an API token as `Authorization: Bearer wsm_...`.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": ss.schemas,
			"securitySchemes": map[string]any{
				"bearer":          map[string]any{"type": "http", "scheme": "bearer"},
				"session":         map[string]any{"type": "apiKey", "in": "cookie", "name": session.StaffCookie},
				"customerSession": map[string]any{"type": "apiKey", "in": "cookie", "name": session.CustomerCookie},
			},
		},
		"security": []any{map[string]any{"bearer": []string{}}, map[string]any{"session": []string{}}},
	}
}

func operationID(r Route) string {
	s := strings.ToLower(r.Method) + pathParam.ReplaceAllString(r.Path, "By_$1")
	return strings.NewReplacer("/api/", "_", "/", "_", "-", "_").Replace(s)
}

// webPackage is this package's import path.
var webPackage = reflect.TypeOf(Server{}).PkgPath()

// schemaSet is the components/schemas section being built, with the Go
// type each name stands for.
type schemaSet struct {
	schemas map[string]any
	types   map[string]reflect.Type
}

// name is the schema name of a named struct type. The web layer's own
// types (the server's, its areas' and httpx's) keep their short names;
// domain types share short names across packages (order.Line,
// shipping.Line), so they are qualified with their package's name. A name
// is never used for two types: the second is qualified too.
func (ss *schemaSet) name(t reflect.Type) string {
	name, p := t.Name(), t.PkgPath()
	if name == "" || p == "" {
		return name
	}
	qualified := p[strings.LastIndexByte(p, '/')+1:] + "." + name
	if p != webPackage && !strings.HasPrefix(p, webPackage+"/") {
		name = qualified
	}
	if prev, ok := ss.types[name]; ok && prev != t {
		name = qualified
	}
	ss.types[name] = t
	return name
}

// schemaOf describes a Go type as a JSON schema, registering named structs
// under components.
func (ss *schemaSet) schemaOf(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "format": "byte"}
		}
		return map[string]any{"type": "array", "items": ss.schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": ss.schemaOf(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		if t.PkgPath() == "time" && t.Name() == "Time" {
			return map[string]any{"type": "string", "format": "date-time"}
		}
		name := ss.name(t)
		if name != "" {
			if _, ok := ss.schemas[name]; ok {
				return map[string]any{"$ref": "#/components/schemas/" + name}
			}
			ss.schemas[name] = map[string]any{} // break recursion
		}
		props := map[string]any{}
		var required []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			jname, opts, _ := strings.Cut(tag, ",")
			if jname == "" {
				jname = f.Name
			}
			if f.Anonymous && tag == "" {
				if sub, ok := ss.schemaOf(f.Type)["properties"].(map[string]any); ok {
					for k, v := range sub {
						props[k] = v
					}
				}
				continue
			}
			props[jname] = ss.schemaOf(f.Type)
			if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
				required = append(required, jname)
			}
		}
		sch := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if required != nil {
			sch["required"] = required
		}
		if name == "" {
			return sch
		}
		ss.schemas[name] = sch
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func (s *Server) handleOpenAPI(c *fiber.Ctx) error {
	s.openapiOnce.Do(func() { s.openapiDoc = s.openAPI() })
	return c.JSON(s.openapiDoc)
}
