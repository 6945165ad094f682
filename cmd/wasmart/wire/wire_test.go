package wire_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/cmd/wasmart/wire"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web"
)

// TestBuildFillsEveryDep: Build leaves no field of web.Deps empty but the
// optional image store, and web.New takes the result; without one of them
// web.New refuses, naming the missing service (it builds none itself).
func TestBuildFillsEveryDep(t *testing.T) {
	svc, err := wire.Build(storetest.SQLite(t), wire.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	deps := svc.Deps()
	v := reflect.ValueOf(deps)
	for i := range v.NumField() {
		name, f := v.Type().Field(i).Name, v.Field(i)
		if name != "Blobs" && f.IsZero() {
			t.Errorf("Deps.%s left empty by Build", name)
		}
	}
	if _, err := web.New(web.Config{}, deps); err != nil {
		t.Fatalf("web.New over Build's services: %v", err)
	}
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		if name == "Blobs" {
			continue
		}
		d := deps
		reflect.ValueOf(&d).Elem().Field(i).SetZero()
		_, err := web.New(web.Config{}, d)
		if err == nil || !strings.Contains(err.Error(), "Deps."+name+" is missing") {
			t.Errorf("without %s: web.New said %v", name, err)
		}
	}
}
