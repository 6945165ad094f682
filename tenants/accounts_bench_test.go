package tenants_test

import (
	"testing"

	"github.com/wasmart/wasmart/tenants"
)

func BenchmarkPasswordHash(b *testing.B) {
	for b.Loop() {
		if _, err := tenants.HashPassword(goodPassword); err != nil {
			b.Fatal(err)
		}
	}
}
