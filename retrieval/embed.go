package retrieval

import (
	"context"
	"fmt"
	"strings"
)

// Embedder turns texts into vectors. Vectors of one embedder are comparable
// with each other only: the index records which embedder made its vectors
// and re-embeds everything when that changes.
type Embedder interface {
	// Embed returns one vector per text, in order.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// Info names the embedder and the size of its vectors.
	Info() EmbedderInfo
}

// EmbedderInfo identifies the vectors an embedder makes.
type EmbedderInfo struct {
	Provider   string `json:"provider"` // "local" or "openai"
	Model      string `json:"model"`
	Dimensions int    `json:"dimensions"`
}

// Lexical reports whether the embedder's vectors are made of the text's
// words (the built-in embedder): their similarity then says nothing that
// shared words don't, unlike a neural model's.
func (i EmbedderInfo) Lexical() bool { return i.Provider == "local" }

// Key is a file-name-safe identifier of the embedder.
func (i EmbedderInfo) Key() string {
	s := fmt.Sprintf("%s-%s-%d", i.Provider, i.Model, i.Dimensions)
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

func (i EmbedderInfo) String() string {
	return fmt.Sprintf("%s %s (%d dimensions)", i.Provider, i.Model, i.Dimensions)
}
