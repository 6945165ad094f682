package errs

import (
	"errors"
	"testing"
)

func TestUnder(t *testing.T) {
	err := Under("promotion", Field("tiers[1].off", "must grow"))
	var e *Error
	if !errors.As(err, &e) || e.Field != "promotion.tiers[1].off" || e.Code != Invalid || e.Message != "must grow" {
		t.Fatalf("Under: %#v", err)
	}
	plain := E(NotFound, "promotion not found")
	if Under("promotion", plain) != error(plain) {
		t.Fatal("an error without a field changed")
	}
}
