package shopifycsv_test

import (
	"os"
	"strconv"
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// defaultLargeRows is TestCSVImportLarge's row count unless
// WASMART_CSV_ROWS says otherwise.
var defaultLargeRows = 20000
