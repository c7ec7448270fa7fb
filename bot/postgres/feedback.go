package postgres

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/newsbot/newsbot/bot"
)

// AddVote stores v on a, and a itself with its first vote, in one
// transaction; a voter's later vote replaces theirs and keeps its place.
func (s *Stores) AddVote(ctx context.Context, a bot.RatedAnswer, v bot.VoteRecord) (bot.Vote, error) {
	cites, err := json.Marshal(a.Citations)
	if err != nil {
		return "", err
	}
	if a.Citations == nil {
		cites = []byte("[]")
	}
	var prev bot.Vote
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		prev = ""
		_, err := tx.Exec(ctx, `
			INSERT INTO rated_answers (id, scope, kind, asked_at, question, standalone, answer, mode, abstained, citations)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (id) DO NOTHING`,
			a.ID, a.Scope, a.Kind, a.AskedAt, a.Question, a.Standalone, a.Answer, a.Mode, a.Abstained, cites)
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `SELECT vote FROM answer_votes WHERE answer_id = $1 AND voter = $2 FOR UPDATE`, a.ID, v.User).Scan(&prev)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO answer_votes (answer_id, voter, vote, at, first_at) VALUES ($1, $2, $3, $4, $4)
			ON CONFLICT (answer_id, voter) DO UPDATE SET vote = excluded.vote, at = excluded.at`,
			a.ID, v.User, string(v.Vote), v.At)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store vote: %w", err)
	}
	return prev, nil
}

// RatedAnswers returns every rated answer with its votes, oldest first.
func (s *Stores) RatedAnswers(ctx context.Context) ([]bot.RatedAnswer, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, scope, kind, asked_at, question, standalone, answer, mode, abstained, citations
		FROM rated_answers ORDER BY asked_at, id`)
	if err != nil {
		return nil, fmt.Errorf("read feedback: %w", err)
	}
	var out []bot.RatedAnswer
	index := map[string]int{}
	for rows.Next() {
		var a bot.RatedAnswer
		var cites []byte
		if err := rows.Scan(&a.ID, &a.Scope, &a.Kind, &a.AskedAt, &a.Question, &a.Standalone, &a.Answer, &a.Mode, &a.Abstained, &cites); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read feedback: %w", err)
		}
		if err := json.Unmarshal(cites, &a.Citations); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read feedback %s: %w", a.ID, err)
		}
		a.AskedAt = a.AskedAt.UTC()
		index[a.ID] = len(out)
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read feedback: %w", err)
	}
	votes, err := s.pool.Query(ctx, `SELECT answer_id, voter, vote, at FROM answer_votes ORDER BY answer_id, first_at, voter`)
	if err != nil {
		return nil, fmt.Errorf("read votes: %w", err)
	}
	defer votes.Close()
	for votes.Next() {
		var id, vote string
		var v bot.VoteRecord
		if err := votes.Scan(&id, &v.User, &vote, &v.At); err != nil {
			return nil, fmt.Errorf("read votes: %w", err)
		}
		v.Vote, v.At = bot.Vote(vote), v.At.UTC()
		if i, ok := index[id]; ok {
			out[i].Votes = append(out[i].Votes, v)
		}
	}
	return out, votes.Err()
}

// feedbackSecret names the key voters are hashed with.
const feedbackSecret = "feedback"

// Secret returns the fleet's key for hashing voters: the first process to
// need it makes it, and every process reads the same.
func (s *Stores) Secret(ctx context.Context) ([]byte, error) {
	key := make([]byte, 32)
	rand.Read(key) // crypto/rand.Read never fails
	if _, err := s.pool.Exec(ctx, `INSERT INTO installation_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, feedbackSecret, key); err != nil {
		return nil, fmt.Errorf("store the feedback key: %w", err)
	}
	if err := s.pool.QueryRow(ctx, `SELECT value FROM installation_secrets WHERE name = $1`, feedbackSecret).Scan(&key); err != nil {
		return nil, fmt.Errorf("read the feedback key: %w", err)
	}
	return key, nil
}
