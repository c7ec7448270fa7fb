package modeltest

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"strconv"
	"strings"
	"unicode"
)

// Embed returns the vector the server gives text: a hashed bag of lowercase
// words, normalized to unit length, so equal texts get equal vectors and
// texts sharing words point the same way. Text without words gets a fixed
// unit vector rather than zeros, which would break cosine similarity.
func Embed(text string, dims int) []float32 {
	return embedMeaning(text, dims, nil)
}

// embedMeaning is Embed with each word first replaced by its meaning, when
// meanings has one: words of one meaning point the same way, as a neural
// model's paraphrases do.
func embedMeaning(text string, dims int, meanings map[string]string) []float32 {
	v := make([]float64, dims)
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for _, w := range words {
		if m, ok := meanings[w]; ok {
			w = m
		}
		h := fnv.New64a()
		h.Write([]byte(w))
		sum := h.Sum64()
		sign := 1.0
		if sum>>63 == 1 {
			sign = -1
		}
		v[sum%uint64(dims)] += sign
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	out := make([]float32, dims)
	if norm == 0 {
		out[0] = 1
		return out
	}
	norm = math.Sqrt(norm)
	for i, x := range v {
		out[i] = float32(x / norm)
	}
	return out
}

// decodeEmbeddingRequest accepts every form of "input" the API allows: a
// string, a list of strings, a list of tokens or a list of token lists.
// Token lists are turned into text by joining the numbers.
func decodeEmbeddingRequest(body []byte) (EmbeddingRequest, error) {
	var raw struct {
		Model          string          `json:"model"`
		Input          json.RawMessage `json:"input"`
		Dimensions     int             `json:"dimensions"`
		EncodingFormat string          `json:"encoding_format"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return EmbeddingRequest{}, fmt.Errorf("parse JSON body: %v", err)
	}
	req := EmbeddingRequest{Model: raw.Model, Dimensions: raw.Dimensions, EncodingFormat: raw.EncodingFormat}
	var one string
	var many []string
	var tokens []int
	var tokenLists [][]int
	switch {
	case json.Unmarshal(raw.Input, &one) == nil:
		req.Input = []string{one}
	case json.Unmarshal(raw.Input, &many) == nil:
		req.Input = many
	case json.Unmarshal(raw.Input, &tokens) == nil:
		req.Input = []string{joinInts(tokens)}
	case json.Unmarshal(raw.Input, &tokenLists) == nil:
		for _, t := range tokenLists {
			req.Input = append(req.Input, joinInts(t))
		}
	default:
		return req, errors.New("'input' must be a string, an array of strings or an array of tokens")
	}
	if len(req.Input) == 0 {
		return req, errors.New("'input' must not be empty")
	}
	return req, nil
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, " ")
}

func (s *Server) serveEmbeddings(w http.ResponseWriter, r *http.Request, req EmbeddingRequest) {
	s.mu.Lock()
	dims := s.dims
	unknown := s.models != nil && !s.models[req.Model]
	meanings := s.meanings
	s.mu.Unlock()
	if req.Dimensions > 0 {
		dims = req.Dimensions
	}

	resp, scripted := s.next(&s.embedScript)
	if !scripted && unknown {
		resp = ModelNotFound(req.Model)
	}
	if s.fault(w, r, resp) {
		return
	}
	if resp.Body != "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(statusOr200(resp.Status))
		w.Write([]byte(resp.Body))
		return
	}

	data := make([]map[string]any, len(req.Input))
	tokens := 0
	for i, text := range req.Input {
		var vec any = embedMeaning(text, dims, meanings)
		if req.EncodingFormat == "base64" {
			vec = encodeBase64(embedMeaning(text, dims, meanings))
		}
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": vec}
		tokens += len(strings.Fields(text))
	}
	writeJSON(w, statusOr200(resp.Status), map[string]any{
		"object": "list",
		"data":   data,
		"model":  req.Model,
		"usage":  map[string]int{"prompt_tokens": tokens, "total_tokens": tokens},
	})
}

// encodeBase64 packs v as little-endian float32s, as the API does for
// encoding_format "base64".
func encodeBase64(v []float32) string {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return base64.StdEncoding.EncodeToString(b)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
