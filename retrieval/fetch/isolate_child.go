package fetch

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"runtime/debug"
)

// maxParseInput caps what a parser process reads: the largest file or page the bot accepts,
// with room to spare.
const maxParseInput = 64 << 20

// parserMain is a parser process: it limits itself, reads one request and its document from in,
// parses it and writes the answer to out. It returns the exit code.
func parserMain(in io.Reader, out io.Writer) int {
	br := bufio.NewReader(io.LimitReader(in, maxParseInput))
	line, err := br.ReadSlice('\n')
	var req parseRequest
	if err == nil {
		err = json.Unmarshal(line, &req)
	}
	if err != nil {
		fmt.Fprintln(out, `{"Error":{"Detail":"unreadable parse request"}}`)
		return 2
	}
	lim := req.Limits.withDefaults()
	if err := limitProcess(lim); err != nil {
		fmt.Fprintf(out, "{\"Error\":{\"Detail\":%q}}\n", "limit parser process: "+err.Error())
		return 2
	}
	body, err := io.ReadAll(br)
	if err != nil {
		return 2
	}
	resp := parseDocument(context.Background(), req, body, lim)
	if err := json.NewEncoder(out).Encode(resp); err != nil {
		return 2
	}
	return 0
}

// limitProcess bounds this process before it touches the document: the Go heap target and
// stack size from inside, memory and processor time through rlimits the kernel enforces (see
// rlimit_unix.go).
func limitProcess(lim Limits) error {
	debug.SetMemoryLimit(lim.Memory * 3 / 4)
	debug.SetMaxStack(64 << 20)
	return setRlimits(lim)
}

// parseDocument does in this process what the request asks.
func parseDocument(ctx context.Context, req parseRequest, body []byte, lim Limits) parseResponse {
	var base *url.URL
	if req.URL != "" {
		u, err := url.Parse(req.URL)
		if err != nil {
			return parseResponse{Error: toWire(fmt.Errorf("parse url: %w", ErrInvalidURL))}
		}
		base = u
	}
	switch req.Kind {
	case "pdf":
		doc, err := readPDF(ctx, body, lim)
		if err != nil {
			return parseResponse{Error: toWire(err)}
		}
		return parseResponse{Document: &doc}
	case "html":
		// Readability cannot be interrupted; the context stops the page between its steps, and
		// the kernel (RLIMIT_CPU) a second later in the middle of one.
		ctx, cancel := withCPUDeadline(ctx, lim.Timeout, limitf("page", limitTime, 0, "no result after %s of processor time", lim.Timeout))
		defer cancel()
		doc, err := readHTML(ctx, body, req.ContentType, base, lim)
		if err != nil {
			return parseResponse{Error: toWire(err)}
		}
		return parseResponse{Document: &doc}
	case "feed":
		f, err := parseFeed(body, base)
		if err != nil {
			return parseResponse{Error: toWire(err)}
		}
		texts := make([][]string, len(f.Items))
		for i, it := range f.Items {
			texts[i] = itemText(it)
		}
		return parseResponse{Feed: &f, ItemText: texts}
	}
	return parseResponse{Error: toWire(fmt.Errorf("unknown parse request %q", req.Kind))}
}
