package discordtest

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

// flagLoading marks the "is thinking…" message of a deferred response.
const flagLoading = 1 << 7

// botMessageLocked builds the message Discord creates when the bot posts
// body (a create payload) in channelID.
func (s *Server) botMessageLocked(channelID string, body map[string]any, files []File) map[string]any {
	m := map[string]any{
		"id":               s.newID(),
		"type":             int(discordgo.MessageTypeDefault),
		"channel_id":       channelID,
		"content":          str(body["content"]),
		"author":           s.botUserJSON(),
		"timestamp":        timestamp(time.Now()),
		"edited_timestamp": nil,
		"tts":              body["tts"] == true,
		"mention_everyone": false,
		"mentions":         []any{},
		"mention_roles":    []any{},
		"attachments":      attachmentsJSON(channelID, nil, files),
		"embeds":           orEmpty(body["embeds"]),
		"components":       orEmpty(body["components"]),
		"pinned":           false,
		"flags":            body["flags"],
	}
	if m["flags"] == nil {
		m["flags"] = 0
	}
	if g := s.channelGuildLocked(channelID); g != "" {
		m["guild_id"] = g
	}
	var replied map[string]any
	if ref, ok := body["message_reference"].(map[string]any); ok {
		if target := s.messages[str(ref["message_id"])]; target != nil {
			m["type"] = int(discordgo.MessageTypeReply)
			m["message_reference"] = map[string]any{
				"type": 0, "message_id": target["id"], "channel_id": target["channel_id"], "guild_id": target["guild_id"],
			}
			replied = shallowCopy(target)
			delete(replied, "referenced_message")
			m["referenced_message"] = replied
		}
	}
	s.setMentionsLocked(m, body["allowed_mentions"], replied)
	return m
}

// editMessageLocked applies an edit payload to m as Discord does: fields
// present replace the old ones, a null clears them.
func (s *Server) editMessageLocked(m, body map[string]any, files []File) {
	for _, k := range []string{"content", "embeds", "components"} {
		v, ok := body[k]
		if !ok {
			continue
		}
		if k == "content" {
			m[k] = str(v)
		} else {
			m[k] = orEmpty(v)
		}
	}
	if keep, ok := body["attachments"].([]any); ok || len(files) > 0 {
		var kept []any
		if ok {
			old, _ := m["attachments"].([]any)
			for _, a := range old {
				if slices.ContainsFunc(keep, func(k any) bool { return sameID(k, a) }) {
					kept = append(kept, a)
				}
			}
		} else {
			kept, _ = m["attachments"].([]any)
		}
		m["attachments"] = attachmentsJSON(str(m["channel_id"]), kept, files)
	}
	flags, _ := asInt(m["flags"])
	if flags&flagLoading != 0 {
		// Completing a deferred response is not an edit in Discord's eyes.
		m["flags"] = flags &^ flagLoading
	} else {
		m["edited_timestamp"] = timestamp(time.Now())
	}
	if _, ok := body["content"]; ok {
		replied, _ := m["referenced_message"].(map[string]any)
		s.setMentionsLocked(m, body["allowed_mentions"], replied)
	}
}

var (
	userMentionRE     = regexp.MustCompile(`<@!?(\d+)>`)
	roleMentionRE     = regexp.MustCompile(`<@&(\d+)>`)
	everyoneMentionRE = regexp.MustCompile(`@(everyone|here)`)
)

// setMentionsLocked fills mentions, mention_roles and mention_everyone the
// way Discord resolves them: from the content, filtered by allowed_mentions.
// Without allowed_mentions everything in the content pings, @everyone too.
func (s *Server) setMentionsLocked(m map[string]any, allowed any, replied map[string]any) {
	parse := map[string]bool{"users": true, "roles": true, "everyone": true}
	var users, roles []any
	repliedUser := true
	if am, ok := allowed.(map[string]any); ok {
		parse = map[string]bool{}
		p, _ := am["parse"].([]any)
		for _, v := range p {
			parse[str(v)] = true
		}
		users, _ = am["users"].([]any)
		roles, _ = am["roles"].([]any)
		repliedUser = am["replied_user"] == true
	}
	content := str(m["content"])
	var mentioned []any
	seen := map[string]bool{}
	addUser := func(id string) {
		if !seen[id] {
			seen[id] = true
			mentioned = append(mentioned, s.userJSON(id))
		}
	}
	for _, sm := range userMentionRE.FindAllStringSubmatch(content, -1) {
		if parse["users"] || slices.ContainsFunc(users, func(u any) bool { return str(u) == sm[1] }) {
			addUser(sm[1])
		}
	}
	if replied != nil && repliedUser {
		if a, ok := replied["author"].(map[string]any); ok {
			addUser(str(a["id"]))
		}
	}
	mentionRoles := []any{}
	for _, sm := range roleMentionRE.FindAllStringSubmatch(content, -1) {
		if parse["roles"] || slices.ContainsFunc(roles, func(r any) bool { return str(r) == sm[1] }) {
			if !slices.Contains(mentionRoles, any(sm[1])) {
				mentionRoles = append(mentionRoles, sm[1])
			}
		}
	}
	if mentioned == nil {
		mentioned = []any{}
	}
	m["mentions"] = mentioned
	m["mention_roles"] = mentionRoles
	m["mention_everyone"] = parse["everyone"] && everyoneMentionRE.MatchString(content)
}

func (s *Server) userJSON(id string) map[string]any {
	if id == s.cfg.botID {
		return s.botUserJSON()
	}
	u, err := toMap(User(id))
	if err != nil {
		return map[string]any{"id": id}
	}
	return u
}

func attachmentsJSON(channelID string, kept []any, files []File) []any {
	out := append([]any{}, kept...)
	for _, f := range files {
		id := strconv.Itoa(len(out) + 1)
		url := "https://cdn.discordapp.com/attachments/" + channelID + "/" + id + "/" + f.Name
		out = append(out, map[string]any{
			"id": id, "filename": f.Name, "size": len(f.Data), "content_type": f.ContentType,
			"url": url, "proxy_url": url,
		})
	}
	return out
}

// ChannelMessages returns the messages in a channel as the fake holds them,
// oldest first, with edits applied: what people in the channel would see.
// Ephemeral responses are left out; see InteractionResponse and Followups.
func (s *Server) ChannelMessages(channelID string) []*discordgo.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*discordgo.Message
	for _, id := range s.channelMsgs[channelID] {
		m := s.messages[id]
		if f, _ := asInt(m["flags"]); m == nil || f&int64(discordgo.MessageFlagsEphemeral) != 0 {
			continue
		}
		out = append(out, s.decodeMessage(m))
	}
	return out
}

// decodeMessage converts a stored message to discordgo's type.
func (s *Server) decodeMessage(m map[string]any) *discordgo.Message {
	b, err := json.Marshal(m)
	if err != nil {
		s.t.Errorf("discordtest: marshal stored message: %v", err)
		return nil
	}
	var out discordgo.Message
	if err := json.Unmarshal(b, &out); err != nil {
		s.t.Errorf("discordtest: stored message does not decode as discordgo.Message: %v", err)
		return nil
	}
	return &out
}

func (s *Server) storeBotMessageLocked(m map[string]any) {
	id, ch := str(m["id"]), str(m["channel_id"])
	s.messages[id] = m
	s.channelMsgs[ch] = append(s.channelMsgs[ch], id)
}

func (s *Server) deleteMessageLocked(id string) {
	m := s.messages[id]
	if m == nil {
		return
	}
	delete(s.messages, id)
	ch := str(m["channel_id"])
	s.channelMsgs[ch] = slices.DeleteFunc(s.channelMsgs[ch], func(x string) bool { return x == id })
}

func str(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

func asInt(v any) (int64, bool) {
	switch v := v.(type) {
	case json.Number:
		i, err := v.Int64()
		return i, err == nil
	case float64:
		return int64(v), true
	case int:
		return int64(v), true
	case int64:
		return v, true
	}
	return 0, false
}

func orEmpty(v any) any {
	if v == nil {
		return []any{}
	}
	return v
}

func sameID(a, b any) bool {
	am, _ := a.(map[string]any)
	bm, _ := b.(map[string]any)
	return am != nil && bm != nil && str(am["id"]) == str(bm["id"])
}

func shallowCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
