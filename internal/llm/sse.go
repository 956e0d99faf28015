package llm

import (
	"bufio"
	"bytes"
	"io"
)

// maxLine bounds one SSE or NDJSON line (a single streamed chunk).
const maxLine = 4 << 20

// readSSE reads a server-sent event stream and calls fn for each complete
// event (event name, joined data). An event cut off by the end of the
// stream is dropped; the caller decides from what it saw whether the
// stream ended properly. fn returning an error stops the reading.
func readSSE(r io.Reader, fn func(event string, data []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var event string
	var data []byte
	has := false
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			if has {
				if err := fn(event, data); err != nil {
					return err
				}
			}
			event, data, has = "", data[:0], false
			continue
		}
		if line[0] == ':' { // comment / keep-alive
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "event":
			event = string(value)
		case "data":
			if has {
				data = append(data, '\n')
			}
			data = append(data, value...)
			has = true
		}
	}
	return sc.Err()
}

// readLines calls fn for each non-empty line of an NDJSON stream.
func readLines(r io.Reader, fn func(line []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if err := fn(line); err != nil {
			return err
		}
	}
	return sc.Err()
}
