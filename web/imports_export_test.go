package web

import "github.com/wasmart/wasmart/core/catalog/shopifycsv"

// SetImportFault makes every import that s starts call f at each of its
// progress reports, from inside the importer (nil removes it): a test
// injects a panic into a background import with it.
func SetImportFault(s *Server, f func(shopifycsv.ImportProgress)) {
	s.imports.SetFault(f)
}
