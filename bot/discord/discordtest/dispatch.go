package discordtest

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Dispatch sends an event of type event (such as "THREAD_CREATE") with data
// marshalled as is to every gateway session that hears its server (the
// data's guild_id; see ShardOf). Sessions that are disconnected get it when
// they resume. Prefer DispatchInteraction and DispatchMessage, which fill
// in what Discord always sends and keep the fake's state in step.
func (s *Server) Dispatch(event string, data any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, _ := toMap(data)
	guildID := str(m["guild_id"])
	s.requireSessionLocked(event, guildID)
	s.broadcastLocked(guildID, event, data, nil)
	s.notifyLocked()
}

// requireSessionLocked fails the test when an event is dispatched before a
// bot has identified on the shard of its server: nobody would ever receive
// it.
func (s *Server) requireSessionLocked(event, guildID string) {
	for _, sess := range s.sessions {
		if !sess.ended && sess.hears(guildID) {
			return
		}
	}
	s.t.Errorf("discordtest: dispatch %s in server %q: no gateway session on its shard; open one first (Server.Session)", event, guildID)
}

// broadcastLocked sends the event to every live session that hears
// guildID and for which keep (nil: all) returns the data to send, or false
// to skip that session: as on Discord, each server's events reach only the
// session of its shard.
func (s *Server) broadcastLocked(guildID, event string, data any, keep func(*gwSession) (any, bool)) {
	for _, sess := range s.sessions {
		if sess.ended || !sess.hears(guildID) {
			continue
		}
		d := data
		if keep != nil {
			var ok bool
			if d, ok = keep(sess); !ok {
				continue
			}
		}
		s.sendLocked(sess, event, d)
	}
}

// DispatchInteraction sends INTERACTION_CREATE for i, after filling in what
// Discord always sets and a builder leaves empty: id, token, application_id,
// version, and the id of a registered command of that name. It returns the
// interaction as sent, whose Token the test can use to find the responses.
// The fake remembers the interaction, so it can tell a response edit that
// arrives before the acknowledgement (Discord answers 404 Unknown Message).
func (s *Server) DispatchInteraction(i *discordgo.Interaction) *discordgo.Interaction {
	cp := *i
	i = &cp
	s.mu.Lock()
	defer s.mu.Unlock()
	if i.ID == "" {
		i.ID = s.newID()
	}
	if i.Token == "" {
		i.Token = "fake-interaction-token-" + randomHex(24)
	}
	if i.AppID == "" {
		i.AppID = s.cfg.appID
	}
	if i.Version == 0 {
		i.Version = 1
	}
	if i.Locale == "" {
		i.Locale = discordgo.EnglishUS
	}
	if i.Message != nil {
		i.Message = s.fillMessageLocked(i.Message, i.GuildID)
	}
	switch d := i.Data.(type) {
	case discordgo.ApplicationCommandInteractionData:
		i.Data = s.fillCommandDataLocked(d, i.GuildID)
		s.checkInvocationLocked(i, d)
	case *discordgo.ApplicationCommandInteractionData:
		i.Data = s.fillCommandDataLocked(*d, i.GuildID)
		s.checkInvocationLocked(i, *d)
	case discordgo.MessageComponentInteractionData:
		s.checkComponentLocked(i, d)
	}
	s.rememberChannelLocked(i.ChannelID, i.GuildID)

	wire, err := interactionWire(i)
	if err != nil {
		s.t.Errorf("discordtest: marshal interaction: %v", err)
		return i
	}
	// Messages the fake already holds go out as they stand now, edits
	// included, as Discord sends them; new ones are stored.
	if i.Message != nil {
		wire["message"] = s.storeDispatchedLocked(i.Message, false)
	}
	if d, ok := i.Data.(discordgo.ApplicationCommandInteractionData); ok && d.Resolved != nil {
		for id, m := range d.Resolved.Messages {
			wire["data"].(map[string]any)["resolved"].(map[string]any)["messages"].(map[string]any)[id] = s.storeDispatchedLocked(m, false)
		}
	}
	st := &interactionState{id: i.ID, token: i.Token, typ: i.Type, guildID: i.GuildID, channelID: i.ChannelID}
	if i.Message != nil {
		st.messageID = i.Message.ID
	}
	if d, ok := i.Data.(discordgo.ApplicationCommandInteractionData); ok {
		st.cmdType = d.CommandType
	}
	switch {
	case i.Member != nil && i.Member.User != nil:
		st.user, _ = toMap(i.Member.User)
	case i.User != nil:
		st.user, _ = toMap(i.User)
	}
	s.interactions[i.Token] = st
	s.requireSessionLocked("INTERACTION_CREATE", i.GuildID)
	s.broadcastLocked(i.GuildID, "INTERACTION_CREATE", wire, nil)
	s.notifyLocked()
	return i
}

func (s *Server) fillCommandDataLocked(d discordgo.ApplicationCommandInteractionData, guildID string) discordgo.ApplicationCommandInteractionData {
	if d.ID == "" {
		d.ID = s.commandIDLocked(d.Name, d.CommandType, guildID)
	}
	if d.Resolved != nil && len(d.Resolved.Messages) > 0 {
		r := *d.Resolved
		r.Messages = make(map[string]*discordgo.Message, len(d.Resolved.Messages))
		for _, m := range d.Resolved.Messages {
			m = s.fillMessageLocked(m, guildID)
			r.Messages[m.ID] = m
			if d.TargetID == "" && d.CommandType == discordgo.MessageApplicationCommand {
				d.TargetID = m.ID
			}
		}
		d.Resolved = &r
	}
	return d
}

// DispatchMessage sends MESSAGE_CREATE for m, as Discord does when someone
// posts: it fills in id and timestamp, stores the message (so the bot can
// fetch it, reply to it or start a thread on it) and sends it to each session
// as its intents allow: nothing without the Guild Messages (or Direct
// Messages) intent, and blank content without Message Content unless the bot
// is mentioned or it is a DM. It returns the message as stored.
func (s *Server) DispatchMessage(m *discordgo.Message) *discordgo.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	m = s.fillMessageLocked(m, m.GuildID)
	s.rememberChannelLocked(m.ChannelID, m.GuildID)
	wire := s.storeDispatchedLocked(m, true)
	if wire == nil {
		return m
	}
	s.requireSessionLocked("MESSAGE_CREATE", m.GuildID)
	s.broadcastMessageLocked("MESSAGE_CREATE", wire)
	s.notifyLocked()
	return m
}

// fillMessageLocked returns a copy of m with id, timestamp and author set.
func (s *Server) fillMessageLocked(in *discordgo.Message, guildID string) *discordgo.Message {
	m := *in
	if m.ID == "" {
		m.ID = s.newID()
	}
	if m.GuildID == "" {
		m.GuildID = guildID
	}
	if m.Timestamp.IsZero() {
		m.Timestamp = time.Now().UTC()
	}
	if m.Author == nil {
		m.Author = s.BotUser()
	}
	return &m
}

// storeDispatchedLocked keeps a message that a test dispatched and returns
// its wire form. A message the fake already holds is replaced only if
// replace is set; otherwise the stored one is returned.
func (s *Server) storeDispatchedLocked(m *discordgo.Message, replace bool) map[string]any {
	if old := s.messages[m.ID]; old != nil && !replace {
		return old
	}
	wire, err := messageWire(m)
	if err != nil {
		s.t.Errorf("discordtest: marshal message: %v", err)
		return nil
	}
	if _, ok := s.messages[m.ID]; !ok {
		s.channelMsgs[m.ChannelID] = append(s.channelMsgs[m.ChannelID], m.ID)
	}
	s.messages[m.ID] = wire
	return wire
}

// broadcastMessageLocked sends a MESSAGE_CREATE or MESSAGE_UPDATE to the
// sessions whose intents ask for it, with content blanked where Discord
// would blank it.
func (s *Server) broadcastMessageLocked(event string, msg map[string]any) {
	if flags, _ := asInt(msg["flags"]); flags&int64(discordgo.MessageFlagsEphemeral) != 0 {
		return // ephemeral messages never reach the gateway
	}
	dm := str(msg["guild_id"]) == ""
	s.broadcastLocked(str(msg["guild_id"]), event, msg, func(sess *gwSession) (any, bool) {
		need := discordgo.IntentGuildMessages
		if dm {
			need = discordgo.IntentDirectMessages
		}
		if sess.intents&need == 0 {
			return nil, false
		}
		if sess.intents&discordgo.IntentMessageContent != 0 || dm || s.authoredByBot(msg) || s.mentionsBot(msg) {
			return msg, true
		}
		blank := make(map[string]any, len(msg))
		for k, v := range msg {
			blank[k] = v
		}
		blank["content"] = ""
		blank["embeds"] = []any{}
		blank["attachments"] = []any{}
		blank["components"] = []any{}
		delete(blank, "poll")
		return blank, true
	})
}

func (s *Server) authoredByBot(msg map[string]any) bool {
	a, _ := msg["author"].(map[string]any)
	return a != nil && str(a["id"]) == s.cfg.botID
}

func (s *Server) mentionsBot(msg map[string]any) bool {
	ms, _ := msg["mentions"].([]any)
	for _, u := range ms {
		if u, ok := u.(map[string]any); ok && str(u["id"]) == s.cfg.botID {
			return true
		}
	}
	return false
}

// messageWire is m as Discord sends it. discordgo's Message has no
// MarshalJSON and tags Components `json:"-"`, so components are added here.
func messageWire(m *discordgo.Message) (map[string]any, error) {
	out, err := toMap(m)
	if err != nil {
		return nil, err
	}
	out["components"] = []any{}
	if len(m.Components) > 0 {
		if out["components"], err = toAny(m.Components); err != nil {
			return nil, err
		}
	}
	if m.ReferencedMessage != nil {
		if out["referenced_message"], err = messageWire(m.ReferencedMessage); err != nil {
			return nil, err
		}
	}
	for _, k := range []string{"embeds", "attachments", "mentions", "mention_roles"} {
		if out[k] == nil {
			out[k] = []any{}
		}
	}
	return out, nil
}

// interactionWire is i as Discord sends it, with the components that
// discordgo's types do not marshal put back in.
func interactionWire(i *discordgo.Interaction) (map[string]any, error) {
	out, err := toMap(i)
	if err != nil {
		return nil, err
	}
	if i.Message != nil {
		if out["message"], err = messageWire(i.Message); err != nil {
			return nil, err
		}
	}
	data, _ := out["data"].(map[string]any)
	switch d := i.Data.(type) {
	case discordgo.ApplicationCommandInteractionData:
		if d.Resolved != nil && len(d.Resolved.Messages) > 0 {
			msgs := map[string]any{}
			for id, m := range d.Resolved.Messages {
				if msgs[id], err = messageWire(m); err != nil {
					return nil, err
				}
			}
			data["resolved"].(map[string]any)["messages"] = msgs
		}
	case discordgo.ModalSubmitInteractionData:
		if data["components"], err = toAny(d.Components); err != nil {
			return nil, err
		}
	case *discordgo.ModalSubmitInteractionData:
		if data["components"], err = toAny(d.Components); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func toMap(v any) (map[string]any, error) {
	a, err := toAny(v)
	if err != nil {
		return nil, err
	}
	m, _ := a.(map[string]any)
	return m, nil
}

// toAny round-trips v through JSON; numbers stay json.Number so that ids
// and flags come out exactly as they went in.
func toAny(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	err = dec.Decode(&out)
	return out, err
}
