package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/jackc/pgx/v5"
)

// textHash keys a paragraph's vectors: 16 bytes of the SHA-256 of its text,
// so a text is embedded once whatever article or position holds it.
func textHash(text string) []byte {
	sum := sha256.Sum256([]byte(text))
	return sum[:16]
}

func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func decodeVector(b []byte, dims int) ([]float32, error) {
	if len(b) != 4*dims {
		return nil, fmt.Errorf("stored vector of %d bytes, want %d", len(b), 4*dims)
	}
	v := make([]float32, dims)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

// embedChunk is how many texts one embedding transaction claims: the most
// one request to OpenAI takes.
const embedChunk = 2048

// Prepare makes sure every text has a vector of the library's embedder,
// embedding the missing ones in batches as large as the endpoint takes.
// Loading many articles calls it first, so that their Upserts find every
// vector stored instead of embedding one article's paragraphs a request.
func (l *Library) Prepare(ctx context.Context, texts []string) (int, error) {
	missing, err := l.missing(ctx, texts)
	if err != nil {
		return 0, err
	}
	done := 0
	for start := 0; start < len(missing); start += embedChunk {
		chunk := missing[start:min(start+embedChunk, len(missing))]
		var n int
		err := l.inTx(ctx, func(tx pgx.Tx) (err error) {
			n, err = l.embedInTx(ctx, tx, chunk)
			return err
		})
		if err != nil {
			return done, err
		}
		done += n
		if l.opts.Progress != nil {
			l.opts.Progress(start+len(chunk), len(missing))
		}
	}
	return done, nil
}

// missing returns the distinct texts that have no vector yet.
func (l *Library) missing(ctx context.Context, texts []string) ([]string, error) {
	byHash := map[string]string{}
	var hashes [][]byte
	for _, t := range texts {
		h := textHash(t)
		if _, ok := byHash[string(h)]; !ok {
			byHash[string(h)] = t
			hashes = append(hashes, h)
		}
	}
	rows, err := l.pool.Query(ctx, `SELECT hash FROM embeddings WHERE embedder_id = $1 AND hash = ANY($2) AND vector IS NOT NULL`, l.embID, hashes)
	if err != nil {
		return nil, fmt.Errorf("look up vectors: %w", err)
	}
	have, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, fmt.Errorf("look up vectors: %w", err)
	}
	for _, h := range have {
		delete(byHash, string(h))
	}
	out := make([]string, 0, len(byHash))
	for _, h := range hashes {
		if t, ok := byHash[string(h)]; ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// embedInTx embeds the texts that have no vector and that no other
// transaction is embedding, and stores their vectors in tx. It claims a
// text by inserting its row without a vector: a concurrent transaction
// that needs the same text waits on that row until tx ends and then finds
// the vector, so a text is embedded once for the whole fleet; if tx rolls
// back, the waiter claims it. Claims go in hash order, so two transactions
// never wait on each other in a circle.
func (l *Library) embedInTx(ctx context.Context, tx pgx.Tx, texts []string) (int, error) {
	byHash := map[string]string{}
	var hashes [][]byte
	for _, t := range texts {
		h := textHash(t)
		if _, ok := byHash[string(h)]; !ok {
			byHash[string(h)] = t
			hashes = append(hashes, h)
		}
	}
	slices.SortFunc(hashes, bytes.Compare)
	rows, err := tx.Query(ctx, `
		INSERT INTO embeddings (embedder_id, hash)
		SELECT $1, h FROM unnest($2::bytea[]) WITH ORDINALITY AS u(h, i) ORDER BY i
		ON CONFLICT DO NOTHING RETURNING hash`, l.embID, hashes)
	if err != nil {
		return 0, fmt.Errorf("claim paragraphs to embed: %w", err)
	}
	claimed, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return 0, fmt.Errorf("claim paragraphs to embed: %w", err)
	}
	if len(claimed) == 0 {
		return 0, nil
	}
	todo := make([]string, len(claimed))
	for i, h := range claimed {
		todo[i] = byHash[string(h)]
	}
	vecs, err := l.emb.Embed(ctx, todo)
	if err != nil {
		return 0, fmt.Errorf("embed paragraphs: %w", err)
	}
	dims := l.emb.Info().Dimensions
	enc := make([][]byte, len(vecs))
	for i, v := range vecs {
		if len(v) != dims {
			return 0, fmt.Errorf("the embedder returned %d dimensions, want %d", len(v), dims)
		}
		enc[i] = encodeVector(v)
	}
	_, err = tx.Exec(ctx, `
		UPDATE embeddings e SET vector = v.vec
		FROM unnest($2::bytea[], $3::bytea[]) AS v(hash, vec)
		WHERE e.embedder_id = $1 AND e.hash = v.hash`, l.embID, claimed, enc)
	if err != nil {
		return 0, fmt.Errorf("store vectors: %w", err)
	}
	return len(claimed), nil
}
