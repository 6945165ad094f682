//go:build race

package shopifycsv_test

// The race detector slows the large import about fivefold; keep the
// default test time reasonable.
func init() { defaultLargeRows = 5000 }
