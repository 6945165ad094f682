// Package reporting links the wasmart_report export of ABI version 1 into a plugin and
// registers its handler. Import it from the plugin's main package and call
// Handle in init.
package reporting

import "github.com/wasmart/wasmart/sdk"

// Handle registers h as the plugin's handler for this extension point.
func Handle(h sdk.ReportHandler) { sdk.HandleReporting(h) }
