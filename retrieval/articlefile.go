package retrieval

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// The article file format is front matter between two "---" lines, one
// "key: value" per line, then the paragraphs, one per line, separated by
// blank lines:
//
//	---
//	id: moscow-calls-for-un-conference-to-solve-israel-conflict-forever-1a2b3c4d
//	title: Moscow Calls for UN Conference To Solve Israel Conflict ‘Forever’
//	url:
//	fetched_from: file:moscow-times-un-conference.txt
//	source: The Moscow Times
//	author:
//	published_at:
//	loaded_at: 2026-11-27T10:00:00Z
//	scope: global
//	---
//
//	The Russian foreign minister on Wednesday called on ...
//
// It reads well, diffs well, and a person can fix a typo in it by hand.
// fetched_from is written only when known, so files written before it was
// recorded read, and are written back, as they were.

// frontMatterKeys lists the keys in the order they are written.
var frontMatterKeys = []string{"id", "title", "url", "fetched_from", "source", "author", "published_at", "loaded_at", "scope"}

// MarshalArticle writes a in the article file format.
func MarshalArticle(a *Article) ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("---\n")
	for _, k := range frontMatterKeys {
		v := ""
		switch k {
		case "id":
			v = a.ID
		case "title":
			v = a.Title
		case "url":
			v = a.URL
		case "fetched_from":
			if a.FetchedFrom == "" {
				continue
			}
			v = a.FetchedFrom
		case "source":
			v = a.Source
		case "author":
			v = a.Author
		case "published_at":
			v = formatTime(a.PublishedAt)
		case "loaded_at":
			v = formatTime(a.LoadedAt)
		case "scope":
			v = a.Scope
		}
		b.WriteString(k)
		b.WriteString(":")
		if v != "" {
			b.WriteString(" ")
			b.WriteString(v)
		}
		b.WriteString("\n")
	}
	b.WriteString("---\n")
	for _, p := range a.Paragraphs {
		b.WriteString("\n")
		b.WriteString(p)
		b.WriteString("\n")
	}
	return b.Bytes(), nil
}

// unmarshalArticle reads an article file. Errors name the line at fault.
func unmarshalArticle(data []byte) (*Article, error) {
	a, err := parseArticle(data)
	if err != nil {
		return nil, err
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return a, nil
}

// parseArticle reads the article file format without validating the result.
func parseArticle(data []byte) (*Article, error) {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), MaxParagraphBytes*2)
	line := 0
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		line++
		return sc.Text(), true
	}
	first, ok := next()
	if !ok || strings.TrimSpace(first) != "---" {
		return nil, errors.New("line 1: front matter must start with a line of three dashes")
	}
	a := &Article{}
	seen := map[string]bool{}
	closed := false
	for {
		l, ok := next()
		if !ok {
			break
		}
		if strings.TrimSpace(l) == "---" {
			closed = true
			break
		}
		if strings.TrimSpace(l) == "" {
			return nil, fmt.Errorf("line %d: front matter is not closed by a line of three dashes", line)
		}
		k, v, found := strings.Cut(l, ":")
		k = strings.TrimSpace(k)
		v = strings.TrimSpace(v)
		if !found || k == "" {
			return nil, fmt.Errorf("line %d: front matter lines look like \"key: value\"", line)
		}
		if seen[k] {
			return nil, fmt.Errorf("line %d: %q appears twice", line, k)
		}
		seen[k] = true
		var err error
		switch k {
		case "id":
			a.ID = v
		case "title":
			a.Title = v
		case "url":
			a.URL = v
		case "fetched_from":
			a.FetchedFrom = v
		case "source":
			a.Source = v
		case "author":
			a.Author = v
		case "published_at":
			a.PublishedAt, err = parseTime(v)
		case "loaded_at":
			a.LoadedAt, err = parseTime(v)
		case "scope":
			a.Scope = v
		default:
			return nil, fmt.Errorf("line %d: unknown front matter key %q", line, k)
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %s: %w", line, k, err)
		}
	}
	if !closed {
		return nil, errors.New("front matter is not closed by a line of three dashes")
	}
	if a.Scope == "" {
		a.Scope = GlobalScope
	}
	var para []string
	flush := func() {
		if len(para) > 0 {
			a.Paragraphs = append(a.Paragraphs, strings.Join(para, " "))
			para = para[:0]
		}
	}
	for {
		l, ok := next()
		if !ok {
			break
		}
		if strings.TrimSpace(l) == "" {
			flush()
			continue
		}
		para = append(para, strings.TrimSpace(l))
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d: longer than %d bytes", line+1, MaxParagraphBytes*2)
		}
		return nil, err
	}
	flush()
	return a, nil
}

// ReadArticle reads one article file from r.
func ReadArticle(r io.Reader) (*Article, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("article file is larger than %d MB", MaxFileBytes>>20)
	}
	return unmarshalArticle(data)
}

func formatTime(t time.Time) string {
	switch {
	case t.IsZero():
		return ""
	case t.Equal(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)):
		return t.Format(time.DateOnly)
	default:
		return t.UTC().Format(time.RFC3339)
	}
}

func parseTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (use 2006-01-02 or RFC 3339)", v)
}
