package discordtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/bwmarrin/discordgo"
)

// AddChannel makes a channel known to the fake, for a bot that posts to a
// configured channel before any event came from it. Channels that events
// came from (DispatchMessage, DispatchInteraction) are known already.
func (s *Server) AddChannel(ch *discordgo.Channel) {
	m, err := toMap(ch)
	if err != nil {
		s.t.Errorf("discordtest: marshal channel: %v", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[ch.ID] = m
}

// Channel returns a channel or thread the fake knows, nil if none; tests use
// it to check the threads the bot started.
func (s *Server) Channel(id string) *discordgo.Channel {
	s.mu.Lock()
	m := s.channels[id]
	s.mu.Unlock()
	if m == nil {
		return nil
	}
	var ch discordgo.Channel
	if b, err := json.Marshal(m); err != nil || json.Unmarshal(b, &ch) != nil {
		s.t.Errorf("discordtest: stored channel %s does not decode", id)
		return nil
	}
	return &ch
}

// rememberChannelLocked records a text channel (or DM) that an event came from.
func (s *Server) rememberChannelLocked(id, guildID string) {
	if id == "" || s.channels[id] != nil {
		return
	}
	ch := map[string]any{"id": id, "type": int(discordgo.ChannelTypeGuildText), "name": "channel-" + id, "guild_id": guildID, "flags": 0}
	if guildID == "" {
		ch["type"] = int(discordgo.ChannelTypeDM)
		delete(ch, "name")
		delete(ch, "guild_id")
	}
	s.channels[id] = ch
}

func (s *Server) channelGuildLocked(id string) string {
	return str(s.channels[id]["guild_id"])
}

func (s *Server) guildJSONLocked(g guild) map[string]any {
	channels, threads := []any{}, []any{}
	for _, ch := range s.channels {
		if str(ch["guild_id"]) != g.id {
			continue
		}
		if isThread(ch) {
			threads = append(threads, ch)
		} else {
			channels = append(channels, ch)
		}
	}
	return map[string]any{
		"id": g.id, "name": g.name, "unavailable": false, "owner_id": "1", "joined_at": timestamp(time.Now()),
		"member_count": 2, "large": false, "features": []any{}, "emojis": []any{}, "stickers": []any{},
		"roles":   []any{map[string]any{"id": g.id, "name": "@everyone", "permissions": "1071698660929", "position": 0}},
		"members": []any{}, "presences": []any{}, "voice_states": []any{}, "stage_instances": []any{},
		"channels": channels, "threads": threads, "preferred_locale": "en-US",
	}
}

func isThread(ch map[string]any) bool {
	t, _ := asInt(ch["type"])
	return t == int64(discordgo.ChannelTypeGuildPublicThread) || t == int64(discordgo.ChannelTypeGuildPrivateThread) || t == int64(discordgo.ChannelTypeGuildNewsThread)
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request, _ *Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[r.PathValue("channel")]
	if ch == nil {
		writeNotFound(w, "Channel", codeUnknownChannel)
		return
	}
	writeJSON(w, http.StatusOK, ch)
}

func (s *Server) typing(w http.ResponseWriter, r *http.Request, _ *Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.channels[r.PathValue("channel")] == nil {
		writeNotFound(w, "Channel", codeUnknownChannel)
		return
	}
	writeNoContent(w)
}

func (s *Server) createMessage(w http.ResponseWriter, r *http.Request, req *Request) {
	body, ok := bodyObject(w, req)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	chID := r.PathValue("channel")
	if s.channels[chID] == nil {
		writeNotFound(w, "Channel", codeUnknownChannel)
		return
	}
	if e := validateMessage(body, len(req.Files), true); e != nil {
		writeJSON(w, http.StatusBadRequest, e)
		return
	}
	if e := s.checkReferenceLocked(body); e != nil {
		writeJSON(w, http.StatusBadRequest, e)
		return
	}
	earlier, e := s.checkNonceLocked(body)
	if e != nil {
		writeJSON(w, http.StatusBadRequest, e)
		return
	}
	if earlier != nil {
		writeJSON(w, http.StatusOK, earlier)
		return
	}
	m := s.botMessageLocked(chID, body, req.Files)
	s.rememberNonceLocked(body, m)
	s.storeBotMessageLocked(m)
	s.broadcastMessageLocked("MESSAGE_CREATE", m)
	s.notifyLocked()
	writeJSON(w, http.StatusOK, m)
}

// checkReferenceLocked refuses a reply to a message Discord does not know,
// unless fail_if_not_exists is false.
func (s *Server) checkReferenceLocked(body map[string]any) *apiError {
	ref, ok := body["message_reference"].(map[string]any)
	if !ok || s.messages[str(ref["message_id"])] != nil || ref["fail_if_not_exists"] == false {
		return nil
	}
	var fe formErrors
	fe.add("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
	return fe.err()
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request, _ *Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	chID := r.PathValue("channel")
	if s.channels[chID] == nil {
		writeNotFound(w, "Channel", codeUnknownChannel)
		return
	}
	limit := min(max(queryInt(r, "limit", 50), 1), 100)
	q := r.URL.Query()
	ids := s.channelMsgs[chID]
	if b := q.Get("before"); b != "" {
		ids = slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return !snowflakeLess(id, b) })
	}
	if a := q.Get("after"); a != "" {
		ids = slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return !snowflakeLess(a, id) })
		if len(ids) > limit {
			ids = ids[:limit] // the oldest after a, as Discord answers
		}
	}
	out := []any{}
	for i := len(ids) - 1; i >= 0 && len(out) < limit; i-- {
		m := s.messages[ids[i]]
		if f, _ := asInt(m["flags"]); m != nil && f&int64(discordgo.MessageFlagsEphemeral) == 0 {
			out = append(out, m)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func snowflakeLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func (s *Server) getMessage(w http.ResponseWriter, r *http.Request, _ *Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.messages[r.PathValue("message")]
	if m == nil || str(m["channel_id"]) != r.PathValue("channel") {
		writeNotFound(w, "Message", codeUnknownMessage)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) editMessage(w http.ResponseWriter, r *http.Request, req *Request) {
	body, ok := bodyObject(w, req)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.messages[r.PathValue("message")]
	if m == nil || str(m["channel_id"]) != r.PathValue("channel") {
		writeNotFound(w, "Message", codeUnknownMessage)
		return
	}
	if !s.authoredByBot(m) {
		writeJSON(w, http.StatusForbidden, apiError{Message: "Cannot edit a message authored by another user", Code: codeNotAuthor})
		return
	}
	s.applyEditLocked(w, m, body, req.Files)
}

func (s *Server) deleteMessage(w http.ResponseWriter, r *http.Request, _ *Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.messages[r.PathValue("message")]
	if m == nil || str(m["channel_id"]) != r.PathValue("channel") {
		writeNotFound(w, "Message", codeUnknownMessage)
		return
	}
	s.deleteMessageLocked(str(m["id"]))
	s.notifyLocked()
	writeNoContent(w)
}

func (s *Server) react(w http.ResponseWriter, r *http.Request, _ *Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.messages[r.PathValue("message")]
	if m == nil || str(m["channel_id"]) != r.PathValue("channel") {
		writeNotFound(w, "Message", codeUnknownMessage)
		return
	}
	writeNoContent(w)
}

// startThreadFromMessage creates a public thread whose id is the starter
// message's id, as Discord does.
func (s *Server) startThreadFromMessage(w http.ResponseWriter, r *http.Request, req *Request) {
	body, ok := bodyObject(w, req)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	parentID, msgID := r.PathValue("channel"), r.PathValue("message")
	m := s.messages[msgID]
	if m == nil || str(m["channel_id"]) != parentID {
		writeNotFound(w, "Message", codeUnknownMessage)
		return
	}
	if s.channels[msgID] != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Message: "A thread has already been created for this message", Code: codeThreadExists})
		return
	}
	th, e := s.newThreadLocked(parentID, msgID, int(discordgo.ChannelTypeGuildPublicThread), body)
	if e != nil {
		writeJSON(w, e.status, e.apiError)
		return
	}
	m["thread"] = th
	writeJSON(w, http.StatusCreated, th)
}

func (s *Server) startThread(w http.ResponseWriter, r *http.Request, req *Request) {
	body, ok := bodyObject(w, req)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	typ := int(discordgo.ChannelTypeGuildPrivateThread) // the v9 and v10 default
	if t, ok := asInt(body["type"]); ok {
		typ = int(t)
	}
	th, e := s.newThreadLocked(r.PathValue("channel"), s.newID(), typ, body)
	if e != nil {
		writeJSON(w, e.status, e.apiError)
		return
	}
	writeJSON(w, http.StatusCreated, th)
}

type statusError struct {
	status int
	*apiError
}

func (s *Server) newThreadLocked(parentID, id string, typ int, body map[string]any) (map[string]any, *statusError) {
	parent := s.channels[parentID]
	if parent == nil {
		return nil, &statusError{http.StatusNotFound, &apiError{Message: "Unknown Channel", Code: codeUnknownChannel}}
	}
	if pt, _ := asInt(parent["type"]); pt != int64(discordgo.ChannelTypeGuildText) && pt != int64(discordgo.ChannelTypeGuildNews) {
		return nil, &statusError{http.StatusBadRequest, &apiError{Message: "Cannot execute action on this channel type", Code: codeWrongChannelType}}
	}
	name := str(body["name"])
	var fe formErrors
	fe.length("name", name, 1, 100)
	if e := fe.err(); e != nil {
		return nil, &statusError{http.StatusBadRequest, e}
	}
	archive, ok := asInt(body["auto_archive_duration"])
	if !ok {
		archive = 4320
	}
	now := timestamp(time.Now())
	th := map[string]any{
		"id": id, "type": typ, "guild_id": parent["guild_id"], "parent_id": parentID, "name": name,
		"owner_id": s.cfg.botID, "last_message_id": nil, "message_count": 0, "member_count": 1,
		"total_message_sent": 0, "rate_limit_per_user": body["rate_limit_per_user"], "flags": 0,
		"thread_metadata": map[string]any{
			"archived": false, "auto_archive_duration": archive, "archive_timestamp": now, "locked": false,
		},
		"member": map[string]any{"id": id, "user_id": s.cfg.botID, "join_timestamp": now, "flags": 0},
	}
	if th["rate_limit_per_user"] == nil {
		th["rate_limit_per_user"] = 0
	}
	s.channels[id] = th
	created := shallowCopy(th)
	created["newly_created"] = true
	s.broadcastLocked(str(created["guild_id"]), "THREAD_CREATE", created, func(sess *gwSession) (any, bool) {
		return created, sess.intents&discordgo.IntentGuilds != 0
	})
	s.notifyLocked()
	return th, nil
}

// applyEditLocked validates an edit of message m, applies it, tells the
// gateway and answers with the edited message.
func (s *Server) applyEditLocked(w http.ResponseWriter, m map[string]any, body map[string]any, files []File) {
	if e := validateMessage(body, len(files), false); e != nil {
		writeJSON(w, http.StatusBadRequest, e)
		return
	}
	s.editMessageLocked(m, body, files)
	s.broadcastMessageLocked("MESSAGE_UPDATE", m)
	s.notifyLocked()
	writeJSON(w, http.StatusOK, m)
}
