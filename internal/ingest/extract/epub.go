package extract

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/url"
	"path"
	"strings"

	"golang.org/x/net/html"
)

type epubContainer struct {
	Rootfiles []struct {
		FullPath string `xml:"full-path,attr"`
	} `xml:"rootfiles>rootfile"`
}

type epubPackage struct {
	Titles   []string `xml:"metadata>title"`
	Manifest []struct {
		ID        string `xml:"id,attr"`
		Href      string `xml:"href,attr"`
		MediaType string `xml:"media-type,attr"`
	} `xml:"manifest>item"`
	Spine []struct {
		IDRef  string `xml:"idref,attr"`
		Linear string `xml:"linear,attr"`
	} `xml:"spine>itemref"`
}

// extractEPUB reads the package document named by META-INF/container.xml and
// extracts its XHTML chapters in spine order. Headings come from each
// chapter's h1-h6; text before a chapter's first heading takes the chapter's
// <title> as its heading.
func extractEPUB(ctx context.Context, p string, data []byte, lim Limits) (*Document, error) {
	zr, err := openZip(p, "EPUB", data)
	if err != nil {
		return nil, err
	}
	corrupt := func(what string, err error) error {
		reason := "corrupt EPUB (" + what
		if err != nil {
			reason += ": " + err.Error()
		}
		return &Error{Path: p, Reason: reason + "): download or export it again", Err: err}
	}
	if enc, ok, _ := readZipEntry(zr, "META-INF/encryption.xml", 4<<20); ok && encryptsText(enc) {
		return nil, fail(p, "DRM-protected EPUB (its chapters are encrypted): remove the DRM with the seller's tools, or export an unprotected copy, then index again")
	}
	cdata, ok, err := readZipEntry(zr, "META-INF/container.xml", 1<<20)
	if err != nil || !ok {
		return nil, corrupt("META-INF/container.xml is missing or unreadable", err)
	}
	var c epubContainer
	if err := xml.Unmarshal(cdata, &c); err != nil || len(c.Rootfiles) == 0 || c.Rootfiles[0].FullPath == "" {
		return nil, corrupt("META-INF/container.xml names no package document", err)
	}
	opfPath := c.Rootfiles[0].FullPath
	odata, ok, err := readZipEntry(zr, opfPath, 16<<20)
	if err != nil || !ok {
		return nil, corrupt("package document "+opfPath+" is missing or unreadable", err)
	}
	var pkg epubPackage
	if err := xml.Unmarshal(odata, &pkg); err != nil {
		return nil, corrupt("package document "+opfPath+" is not valid XML", err)
	}
	hrefs := map[string]string{}
	for _, it := range pkg.Manifest {
		if strings.Contains(it.MediaType, "html") {
			hrefs[it.ID] = it.Href
		}
	}
	doc := &Document{}
	if len(pkg.Titles) > 0 {
		doc.Title = strings.TrimSpace(pkg.Titles[0])
	}
	base := path.Dir(opfPath)
	read := 0
	for _, ref := range pkg.Spine {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		href, ok := hrefs[ref.IDRef]
		if !ok {
			continue
		}
		if u, err := url.PathUnescape(href); err == nil {
			href = u
		}
		name := path.Join(base, href)
		chapter, ok, err := readZipEntry(zr, name, lim.MaxBytes)
		if err != nil || !ok {
			return nil, corrupt("chapter "+name+" is missing or unreadable", err)
		}
		root, err := html.Parse(bytes.NewReader(chapter))
		if err != nil {
			return nil, corrupt("chapter "+name+" is not valid XHTML", err)
		}
		w := newHTMLWalker(ctx)
		title := w.document(root)
		if w.err != nil {
			return nil, w.err
		}
		for _, s := range w.sections {
			if s.Heading == "" {
				s.Heading = title
			}
			doc.Sections = append(doc.Sections, s)
		}
		read++
	}
	if read == 0 {
		return nil, corrupt("the spine lists no XHTML chapters", nil)
	}
	return doc, nil
}

// encryptsText reports whether META-INF/encryption.xml encrypts anything but
// fonts (publishers obfuscate embedded fonts in unprotected books too).
func encryptsText(enc []byte) bool {
	var e struct {
		Refs []struct {
			URI string `xml:"URI,attr"`
		} `xml:"EncryptedData>CipherData>CipherReference"`
	}
	if xml.Unmarshal(enc, &e) != nil {
		return false
	}
	for _, r := range e.Refs {
		switch strings.ToLower(path.Ext(r.URI)) {
		case ".ttf", ".otf", ".woff", ".woff2":
		default:
			return true
		}
	}
	return false
}
