package modeltest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/bot/modeltest"
)

func chatRequest(stream bool) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model:    "gpt-test",
		Stream:   stream,
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "What did Lavrov propose? [gold paragraph]"}},
	}
}

func TestChatJSON(t *testing.T) {
	srv := modeltest.New(t)
	srv.Script(modeltest.Text("Lavrov asked for a UN conference [1]."))
	srv.SetReply(func(req openai.ChatCompletionRequest) string { return "echo: " + req.Messages[0].Content })
	client := srv.Client()

	for _, want := range []string{"Lavrov asked for a UN conference [1].", "echo: What did Lavrov propose? [gold paragraph]"} {
		resp, err := client.CreateChatCompletion(context.Background(), chatRequest(false))
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Choices[0].Message.Content; got != want {
			t.Errorf("got reply %q, want %q", got, want)
		}
		if resp.Choices[0].FinishReason != openai.FinishReasonStop {
			t.Errorf("got finish reason %q, want stop", resp.Choices[0].FinishReason)
		}
	}
	reqs := srv.ChatRequests()
	if len(reqs) != 2 {
		t.Fatalf("got %d recorded requests, want 2", len(reqs))
	}
	if !strings.Contains(reqs[0].Messages[0].Content, "[gold paragraph]") {
		t.Errorf("recorded prompt %q lacks the gold paragraph", reqs[0].Messages[0].Content)
	}
	if got := srv.Requests()[0].Header.Get("Authorization"); got != "Bearer test-key" {
		t.Errorf("got Authorization %q, want the client's key", got)
	}
}

func TestChatStream(t *testing.T) {
	srv := modeltest.New(t)
	srv.Script(modeltest.Chunks("Lavrov ", "asked ", "for talks [1]."))
	req := chatRequest(true)
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	stream, err := srv.Client().CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var deltas []string
	var finish openai.FinishReason
	var sawUsage bool
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if chunk.Object != "chat.completion.chunk" {
			t.Errorf("got object %q, want chat.completion.chunk", chunk.Object)
		}
		if chunk.Usage != nil {
			sawUsage = true
		}
		for _, c := range chunk.Choices {
			if c.Delta.Content != "" {
				deltas = append(deltas, c.Delta.Content)
			}
			if c.FinishReason != "" {
				finish = c.FinishReason
			}
		}
	}
	if diff := cmp.Diff([]string{"Lavrov ", "asked ", "for talks [1]."}, deltas); diff != "" {
		t.Errorf("deltas (-want +got):\n%s", diff)
	}
	if finish != openai.FinishReasonStop {
		t.Errorf("got finish reason %q, want stop", finish)
	}
	if !sawUsage {
		t.Error("got no usage chunk, want one when include_usage is set")
	}
}

func TestStreamWireFormat(t *testing.T) {
	srv := modeltest.New(t)
	srv.Script(modeltest.Text("Hi there"))
	body := `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	resp, err := http.Post(srv.URL()+"/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("got Content-Type %q, want text/event-stream", ct)
	}
	events := strings.Split(strings.TrimSuffix(string(raw), "\n\n"), "\n\n")
	if got := events[len(events)-1]; got != "data: [DONE]" {
		t.Errorf("got last event %q, want data: [DONE]", got)
	}
	for _, e := range events {
		if !strings.HasPrefix(e, "data: ") {
			t.Errorf("event %q does not start with data: ", e)
		}
	}
	if want := 1 + 2 + 1 + 1; len(events) != want { // role, two words, finish, [DONE]
		t.Errorf("got %d events, want %d:\n%s", len(events), want, raw)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name       string
		resp       modeltest.Response
		wantStatus int
		wantCode   any
	}{
		{"unauthorized", modeltest.Unauthorized(), 401, "invalid_api_key"},
		{"model not found", modeltest.ModelNotFound("gpt-nope"), 404, "model_not_found"},
		{"rate limited", modeltest.RateLimited(2 * time.Second), 429, "rate_limit_exceeded"},
		{"server error", modeltest.ServerError(), 500, nil},
		{"context length", modeltest.ContextLengthExceeded(), 400, "context_length_exceeded"},
	}
	for _, tt := range tests {
		for _, stream := range []bool{false, true} {
			name := tt.name
			if stream {
				name += " stream"
			}
			t.Run(name, func(t *testing.T) {
				srv := modeltest.New(t)
				srv.Script(tt.resp)
				var err error
				if stream {
					_, err = srv.Client().CreateChatCompletionStream(context.Background(), chatRequest(true))
				} else {
					_, err = srv.Client().CreateChatCompletion(context.Background(), chatRequest(false))
				}
				var apiErr *openai.APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("got error %v, want *openai.APIError", err)
				}
				if apiErr.HTTPStatusCode != tt.wantStatus {
					t.Errorf("got status %d, want %d", apiErr.HTTPStatusCode, tt.wantStatus)
				}
				if tt.wantCode != nil && apiErr.Code != tt.wantCode { // go-openai reads a null code as 0
					t.Errorf("got code %v, want %v", apiErr.Code, tt.wantCode)
				}
				if apiErr.Message == "" {
					t.Error("got empty message")
				}
			})
		}
	}
}

func TestRetryAfterHeader(t *testing.T) {
	srv := modeltest.New(t)
	srv.Script(modeltest.RateLimited(1500 * time.Millisecond))
	resp, err := http.Post(srv.URL()+"/chat/completions", "application/json", strings.NewReader(`{"model":"m"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Retry-After"); got != "2" {
		t.Errorf("got Retry-After %q, want 2 (whole seconds, rounded up)", got)
	}
}

func TestSetModels(t *testing.T) {
	srv := modeltest.New(t)
	srv.SetModels("known")
	req := chatRequest(false)
	req.Model = "unknown"
	_, err := srv.Client().CreateChatCompletion(context.Background(), req)
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 404 {
		t.Fatalf("got %v, want a 404 APIError", err)
	}
	req.Model = "known"
	if _, err := srv.Client().CreateChatCompletion(context.Background(), req); err != nil {
		t.Errorf("known model: %v", err)
	}
}

func TestHangRespectsContext(t *testing.T) {
	srv := modeltest.New(t)
	srv.Script(modeltest.Hang(), modeltest.Hang())
	for _, stream := range []bool{false, true} {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		var err error
		if stream {
			_, err = srv.Client().CreateChatCompletionStream(ctx, chatRequest(true))
		} else {
			_, err = srv.Client().CreateChatCompletion(ctx, chatRequest(false))
		}
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("stream=%v: got %v, want context.DeadlineExceeded", stream, err)
		}
	}
}

// TestHangEndsWithTest leaves a request hanging with no deadline; the
// server's cleanup must still return.
func TestHangEndsWithTest(t *testing.T) {
	t.Run("inner", func(t *testing.T) {
		srv := modeltest.New(t)
		srv.Script(modeltest.Hang())
		go srv.Client().CreateChatCompletion(context.Background(), chatRequest(false))
		for len(srv.Requests()) == 0 {
			time.Sleep(time.Millisecond)
		}
	})
}

func TestDelayed(t *testing.T) {
	srv := modeltest.New(t)
	srv.Script(modeltest.Delayed(50*time.Millisecond, modeltest.Text("late")))
	start := time.Now()
	resp, err := srv.Client().CreateChatCompletion(context.Background(), chatRequest(false))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Choices[0].Message.Content != "late" {
		t.Errorf("got %q, want late", resp.Choices[0].Message.Content)
	}
	if elapsed := time.Since(start); elapsed < 50*time.Millisecond {
		t.Errorf("answered after %v, want at least the 50ms delay", elapsed)
	}
}

func TestMalformed(t *testing.T) {
	srv := modeltest.New(t)
	srv.Script(modeltest.Malformed(), modeltest.Malformed())
	if _, err := srv.Client().CreateChatCompletion(context.Background(), chatRequest(false)); err == nil {
		t.Error("JSON: got no error, want a decoding error")
	}
	stream, err := srv.Client().CreateChatCompletionStream(context.Background(), chatRequest(true))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if _, err := stream.Recv(); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("stream: got %v, want a decoding error", err)
	}
}

func TestCutStream(t *testing.T) {
	srv := modeltest.New(t)
	srv.Script(modeltest.CutStream("one two three four", 2), modeltest.CutStream("one two", 0))
	stream, err := srv.Client().CreateChatCompletionStream(context.Background(), chatRequest(true))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var text string
	var finished bool
	for {
		chunk, err := stream.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				t.Error("got a clean end of stream, want the connection cut")
			}
			break
		}
		for _, c := range chunk.Choices {
			text += c.Delta.Content
			finished = finished || c.FinishReason != ""
		}
	}
	if text != "one two " || finished {
		t.Errorf("got text %q finished=%v before the cut, want %q unfinished", text, finished, "one two ")
	}
	if _, err := srv.Client().CreateChatCompletion(context.Background(), chatRequest(false)); err == nil {
		t.Error("JSON: got no error from a cut body")
	}
}

func TestStallStream(t *testing.T) {
	srv := modeltest.New(t)
	srv.Script(modeltest.StallStream("one two three", 1))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	stream, err := srv.Client().CreateChatCompletionStream(ctx, chatRequest(true))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var text string
	for {
		chunk, err := stream.Recv()
		if err != nil {
			if ctx.Err() == nil {
				t.Errorf("stream ended with %v before the deadline, want a stall", err)
			}
			break
		}
		for _, c := range chunk.Choices {
			text += c.Delta.Content
		}
	}
	if text != "one " {
		t.Errorf("got %q before the stall, want %q", text, "one ")
	}
}

func TestEmbeddings(t *testing.T) {
	srv := modeltest.New(t)
	srv.SetDimensions(8)
	client := srv.Client()
	inputs := []string{"Lavrov calls for talks", "", "lavrov CALLS for talks!"}
	resp, err := client.CreateEmbeddings(context.Background(), openai.EmbeddingRequestStrings{Input: inputs, Model: "emb"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != len(inputs) {
		t.Fatalf("got %d vectors, want %d", len(resp.Data), len(inputs))
	}
	for i, d := range resp.Data {
		if d.Index != i {
			t.Errorf("vector %d has index %d", i, d.Index)
		}
		if len(d.Embedding) != 8 {
			t.Errorf("vector %d has %d dimensions, want 8", i, len(d.Embedding))
		}
		if diff := cmp.Diff(modeltest.Embed(inputs[i], 8), d.Embedding); diff != "" {
			t.Errorf("vector %d differs from Embed (-want +got):\n%s", i, diff)
		}
	}
	if diff := cmp.Diff(resp.Data[0].Embedding, resp.Data[2].Embedding); diff != "" {
		t.Errorf("same words, different vectors:\n%s", diff)
	}

	one, err := client.CreateEmbeddings(context.Background(), openai.EmbeddingRequest{Input: "x", Model: "emb", Dimensions: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Data[0].Embedding) != 4 {
		t.Errorf("got %d dimensions, want the 4 the request asked for", len(one.Data[0].Embedding))
	}

	b64, err := client.CreateEmbeddings(context.Background(), openai.EmbeddingRequestStrings{
		Input: []string{"a b"}, Model: "emb", EncodingFormat: openai.EmbeddingEncodingFormatBase64,
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(modeltest.Embed("a b", 8), b64.Data[0].Embedding); diff != "" {
		t.Errorf("base64 vector differs (-want +got):\n%s", diff)
	}

	if diff := cmp.Diff([]int{3, 1, 1}, srv.BatchSizes()); diff != "" {
		t.Errorf("batch sizes (-want +got):\n%s", diff)
	}
}

func TestEmbeddingFaults(t *testing.T) {
	srv := modeltest.New(t)
	srv.ScriptEmbeddings(modeltest.RateLimited(time.Second), modeltest.Response{})
	client := srv.Client()
	_, err := client.CreateEmbeddings(context.Background(), openai.EmbeddingRequestStrings{Input: []string{"a"}, Model: "emb"})
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 429 {
		t.Fatalf("got %v, want a 429 APIError", err)
	}
	if _, err := client.CreateEmbeddings(context.Background(), openai.EmbeddingRequestStrings{Input: []string{"a"}, Model: "emb"}); err != nil {
		t.Errorf("second request: %v", err)
	}
}

func TestUnknownPath(t *testing.T) {
	srv := modeltest.New(t)
	resp, err := http.Get(srv.URL() + "/models")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("got status %d, want 404", resp.StatusCode)
	}
}

// With synonyms, texts that say the same in other words get the same
// vector; without them, the same texts differ.
func TestEmbeddingSynonyms(t *testing.T) {
	srv := modeltest.New(t)
	srv.SetDimensions(64)
	client := srv.Client()
	embed := func() []openai.Embedding {
		t.Helper()
		resp, err := client.CreateEmbeddings(context.Background(), openai.EmbeddingRequestStrings{
			Input: []string{"the summit should be staged", "the conference should be convened"}, Model: "emb"})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Data
	}
	if d := embed(); cmp.Equal(d[0].Embedding, d[1].Embedding) {
		t.Fatal("different words embed alike without synonyms")
	}
	srv.SetSynonyms([]string{"conference", "summit"}, []string{"convened", "staged"})
	if d := embed(); !cmp.Equal(d[0].Embedding, d[1].Embedding) {
		t.Errorf("synonymous texts embed differently:\n%v\n%v", d[0].Embedding, d[1].Embedding)
	}
}
