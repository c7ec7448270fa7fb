package modeltest

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

func (s *Server) serveChat(w http.ResponseWriter, r *http.Request, req openai.ChatCompletionRequest) {
	s.mu.Lock()
	s.seq++
	id := fmt.Sprintf("chatcmpl-modeltest-%d", s.seq)
	unknown := s.models != nil && !s.models[req.Model]
	reply := s.reply
	s.mu.Unlock()

	resp, scripted := s.next(&s.chatScript)
	if !scripted && unknown {
		resp = ModelNotFound(req.Model)
	}
	if s.fault(w, r, resp) {
		return
	}
	if resp.Text == "" && resp.Body == "" {
		resp.Text = DefaultReply
		if reply != nil {
			resp.Text = reply(req)
		}
	}
	if resp.FinishReason == "" {
		resp.FinishReason = string(openai.FinishReasonStop)
	}
	if req.Stream {
		s.stream(w, r, req, id, resp)
		return
	}
	if resp.Body != "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(statusOr200(resp.Status))
		fmt.Fprint(w, resp.Body)
		return
	}
	body := map[string]any{
		"id":      id,
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   req.Model,
		"choices": []any{map[string]any{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": resp.Text, "refusal": nil},
			"logprobs":      nil,
			"finish_reason": resp.FinishReason,
		}},
		"usage":              usage(req, resp.Text),
		"system_fingerprint": nil,
	}
	if resp.Cut {
		// Send a prefix of the JSON and drop the connection.
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "4096")
		w.WriteHeader(statusOr200(resp.Status))
		fmt.Fprintf(w, `{"id":%q,"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"`, id)
		http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	}
	writeJSON(w, statusOr200(resp.Status), body)
}

// stream writes resp as server-sent events in OpenAI's chunk format: a
// role chunk, content chunks, a finish chunk, a usage chunk when asked for,
// then [DONE].
func (s *Server) stream(w http.ResponseWriter, r *http.Request, req openai.ChatCompletionRequest, id string, resp Response) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(statusOr200(resp.Status))

	created := time.Now().Unix()
	send := func(data string) {
		fmt.Fprintf(w, "data: %s\n\n", data)
		rc.Flush()
	}
	chunk := func(choices []any, u any) {
		c := map[string]any{
			"id": id, "object": "chat.completion.chunk", "created": created, "model": req.Model,
			"system_fingerprint": "fp_modeltest", "choices": choices,
		}
		if u != nil {
			c["usage"] = u
		}
		send(mustJSON(c))
	}
	choice := func(delta map[string]any, finish any) []any {
		return []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}}
	}

	if resp.Body != "" {
		send(resp.Body)
		send("[DONE]")
		return
	}
	chunk(choice(map[string]any{"role": "assistant", "content": "", "refusal": nil}, nil), nil)
	parts := resp.Chunks
	if parts == nil {
		parts = words(resp.Text)
	}
	for i, p := range parts {
		if i >= resp.After {
			if resp.Cut {
				panic(http.ErrAbortHandler) // close the connection mid-stream
			}
			if resp.Stall {
				s.hang(r)
				return
			}
		}
		if resp.ChunkDelay > 0 && !s.wait(r, resp.ChunkDelay) {
			return
		}
		chunk(choice(map[string]any{"content": p}, nil), nil)
	}
	if resp.Cut {
		panic(http.ErrAbortHandler)
	}
	if resp.Stall {
		s.hang(r)
		return
	}
	chunk(choice(map[string]any{}, resp.FinishReason), nil)
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		chunk([]any{}, usage(req, resp.Text))
	}
	send("[DONE]")
}

// words splits s after each space, keeping the spaces, so the deltas join
// back to s exactly.
func words(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

// usage estimates token counts as one token per word, which is enough for
// code that only logs them.
func usage(req openai.ChatCompletionRequest, reply string) map[string]int {
	prompt := 0
	for _, m := range req.Messages {
		prompt += len(strings.Fields(m.Content)) + 3
	}
	completion := len(strings.Fields(reply))
	return map[string]int{"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
}

func statusOr200(status int) int {
	if status == 0 {
		return http.StatusOK
	}
	return status
}
