package web

import "embed"

// The page templates of every area (still in one tree until the areas
// move into their own packages) and the console's static assets.

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS
