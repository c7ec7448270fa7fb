package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/newsbot/newsbot/bot"
)

// keepConversations is how long a conversation's turns outlive its last
// one: a thread idle this long starts afresh.
const keepConversations = "30 days"

// Turns implements bot.TurnStore with the table conversation_turns
// (migration 6): any process of a fleet continues any conversation.
func (s *Stores) Turns(ctx context.Context, conversation string) ([]bot.Turn, error) {
	rows, err := s.pool.Query(ctx, `SELECT question, answer FROM conversation_turns WHERE conversation = $1 ORDER BY n`, conversation)
	if err != nil {
		return nil, fmt.Errorf("read the turns of %s: %w", conversation, err)
	}
	turns, err := pgx.CollectRows(rows, pgx.RowToStructByPos[bot.Turn])
	if err != nil {
		return nil, fmt.Errorf("read the turns of %s: %w", conversation, err)
	}
	return turns, nil
}

// AddTurn implements bot.TurnStore. Turns are numbered as they commit, so
// two processes adding at once keep both, each in its order; the
// conversation's older turns and every conversation idle for a month go.
func (s *Stores) AddTurn(ctx context.Context, conversation string, t bot.Turn, keep int) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO conversation_turns (conversation, question, answer) VALUES ($1, $2, $3)`,
			conversation, t.Question, t.Answer); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM conversation_turns WHERE conversation = $1 AND n < ALL (
				SELECT n FROM conversation_turns WHERE conversation = $1 ORDER BY n DESC LIMIT $2)`, conversation, keep); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM conversation_turns WHERE at < now() - $1::interval`, keepConversations)
		return err
	})
	if err != nil {
		return fmt.Errorf("keep a turn of %s: %w", conversation, err)
	}
	return nil
}
