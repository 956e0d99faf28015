#!/bin/sh
# make-fixtures.sh rebuilds the binary fixtures from the sources in src/ and
# sample.ps. Needs zip, ghostscript (ps2pdf) and qpdf. Run from this folder.
set -eu
rm -f sample.docx sample.epub sample.pdf encrypted.pdf ownerlocked.pdf
(cd src/docx && zip -X -r ../../sample.docx '[Content_Types].xml' _rels docProps word >/dev/null)
# EPUB: "mimetype" must come first and be stored uncompressed.
(cd src/epub && zip -X -0 ../../sample.epub mimetype >/dev/null && zip -X -r ../../sample.epub META-INF OEBPS >/dev/null)
ps2pdf sample.ps sample.pdf
# encrypted.pdf needs the user password "secret"; ownerlocked.pdf opens without one.
qpdf --encrypt secret owner 256 -- sample.pdf encrypted.pdf
qpdf --allow-weak-crypto --encrypt "" owner 128 --use-aes=n -- sample.pdf ownerlocked.pdf
