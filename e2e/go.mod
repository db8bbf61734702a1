module github.com/sessionkit/sessionkit/e2e

go 1.26.0

// The tests build ../cmd/sessionkit from this checkout; an import of the
// library from here must use this checkout too, never a published version.
replace github.com/sessionkit/sessionkit => ../

require (
	github.com/chromedp/cdproto v0.159.0
	github.com/chromedp/chromedp v0.23.0
)

require (
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/sessionkit/sessionkit v0.0.0-00010101000000-000000000000
)
