module github.com/reasonkit/desktop/internal/ingest/extract/testdata/pdfcompare

go 1.26.8

require (
	github.com/dslipak/pdf v0.0.2
	github.com/ledongthuc/pdf v0.0.0-20260907135840-6c8c28e0e8a0
	github.com/reasonkit/desktop v0.0.0
	rsc.io/pdf v0.1.1
)

require golang.org/x/net v0.56.0 // indirect

replace github.com/reasonkit/desktop => ../../../../..
