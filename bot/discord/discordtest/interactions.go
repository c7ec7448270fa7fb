package discordtest

import (
	"net/http"
	"slices"

	"github.com/bwmarrin/discordgo"
)

// interactionState is what the fake knows about one interaction: whether it
// was acknowledged, and which messages its token can reach.
type interactionState struct {
	id, token          string
	typ                discordgo.InteractionType
	cmdType            discordgo.ApplicationCommandType
	user               map[string]any
	guildID, channelID string
	messageID          string // the message a component sits on
	acked              bool
	response           discordgo.InteractionResponseType
	original           string // id of the @original message
	followups          []string
}

func (s *Server) interactionCallback(w http.ResponseWriter, r *http.Request, req *Request) {
	body, ok := bodyObject(w, req)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, token := r.PathValue("id"), r.PathValue("token")
	st := s.interactions[token]
	if st == nil {
		// Not dispatched through the fake (a test called a handler
		// directly): treat it as a fresh interaction.
		st = &interactionState{id: id, token: token}
		s.interactions[token] = st
	}
	if st.id != id {
		writeNotFound(w, "interaction", codeUnknownInteraction)
		return
	}
	if st.acked {
		writeJSON(w, http.StatusBadRequest, apiError{Message: "Interaction has already been acknowledged.", Code: codeAlreadyAcked})
		return
	}
	typ, _ := asInt(body["type"])
	rt := discordgo.InteractionResponseType(typ)
	data, _ := body["data"].(map[string]any)
	if data == nil {
		data = map[string]any{}
	}
	if e := s.checkCallbackLocked(st, rt, data, len(req.Files)); e != nil {
		writeJSON(w, http.StatusBadRequest, e)
		return
	}
	switch rt {
	case discordgo.InteractionResponseChannelMessageWithSource:
		m := s.responseMessageLocked(st, st.channelID, data, req.Files)
		st.original = str(m["id"])
	case discordgo.InteractionResponseDeferredChannelMessageWithSource:
		flags, _ := asInt(data["flags"])
		m := s.responseMessageLocked(st, st.channelID, map[string]any{
			"flags": flags&int64(discordgo.MessageFlagsEphemeral) | flagLoading,
		}, nil)
		st.original = str(m["id"])
	case discordgo.InteractionResponseDeferredMessageUpdate:
		st.original = st.messageID
	case discordgo.InteractionResponseUpdateMessage:
		st.original = st.messageID
		if m := s.messages[st.messageID]; m != nil {
			s.editMessageLocked(m, data, req.Files)
			s.broadcastMessageLocked("MESSAGE_UPDATE", m)
		}
	}
	st.acked = true
	st.response = rt
	s.notifyLocked()
	writeNoContent(w)
}

// checkCallbackLocked refuses responses Discord refuses: a type that does
// not fit the interaction, or data over Discord's limits.
func (s *Server) checkCallbackLocked(st *interactionState, rt discordgo.InteractionResponseType, data map[string]any, files int) *apiError {
	component := st.typ == discordgo.InteractionMessageComponent || st.typ == discordgo.InteractionModalSubmit
	invalid := &apiError{Message: "Interaction response type is invalid for this interaction", Code: codeInvalidForm}
	known := st.typ != 0
	switch rt {
	case discordgo.InteractionResponseChannelMessageWithSource:
		return validateMessage(data, files, true)
	case discordgo.InteractionResponseDeferredChannelMessageWithSource:
		return nil
	case discordgo.InteractionResponseDeferredMessageUpdate, discordgo.InteractionResponseUpdateMessage:
		if known && !component {
			return invalid
		}
		if rt == discordgo.InteractionResponseUpdateMessage {
			return validateMessage(data, files, false)
		}
		return nil
	case discordgo.InteractionApplicationCommandAutocompleteResult:
		if known && st.typ != discordgo.InteractionApplicationCommandAutocomplete {
			return invalid
		}
		return validateChoices(data)
	case discordgo.InteractionResponseModal:
		if known && (st.typ == discordgo.InteractionModalSubmit || st.typ == discordgo.InteractionApplicationCommandAutocomplete) {
			return invalid
		}
		return validateModal(data)
	case discordgo.InteractionResponsePong:
		if known && st.typ != discordgo.InteractionPing {
			return invalid
		}
		return nil
	}
	var fe formErrors
	fe.add("type", "BASE_TYPE_CHOICES", "Value must be one of {1, 4, 5, 6, 7, 8, 9, 10, 12}.")
	return fe.err()
}

// responseMessageLocked creates and stores a message posted through the
// interaction's webhook: the original response or a follow-up.
func (s *Server) responseMessageLocked(st *interactionState, channelID string, body map[string]any, files []File) map[string]any {
	m := s.botMessageLocked(channelID, body, files)
	m["webhook_id"] = s.cfg.appID
	m["application_id"] = s.cfg.appID
	switch {
	case st.typ == discordgo.InteractionApplicationCommand && st.cmdType != discordgo.ChatApplicationCommand && st.cmdType != 0:
		m["type"] = int(discordgo.MessageTypeContextMenuCommand)
	case st.typ == discordgo.InteractionApplicationCommand:
		m["type"] = int(discordgo.MessageTypeChatInputCommand)
	}
	meta := map[string]any{"id": st.id, "type": int(st.typ), "authorizing_integration_owners": map[string]any{}}
	if st.user != nil {
		meta["user"] = st.user
	}
	m["interaction_metadata"] = meta
	s.storeBotMessageLocked(m)
	s.broadcastMessageLocked("MESSAGE_CREATE", m)
	return m
}

// webhookLocked finds the interaction behind /webhooks/{app}/{token}. Its
// token works only once the interaction has been acknowledged.
func (s *Server) webhookLocked(w http.ResponseWriter, r *http.Request) *interactionState {
	st := s.interactions[r.PathValue("token")]
	if r.PathValue("app") != s.cfg.appID || st == nil || !st.acked {
		writeNotFound(w, "Webhook", codeUnknownWebhook)
		return nil
	}
	return st
}

// webhookMessageLocked finds {message} ("@original" or a follow-up id)
// among the messages the interaction's token can reach.
func (s *Server) webhookMessageLocked(w http.ResponseWriter, r *http.Request, st *interactionState) map[string]any {
	id := r.PathValue("message")
	if id == "@original" {
		id = st.original
	}
	if id == "" || (id != st.original && !slices.Contains(st.followups, id)) || s.messages[id] == nil {
		writeNotFound(w, "Message", codeUnknownMessage)
		return nil
	}
	return s.messages[id]
}

func (s *Server) createFollowup(w http.ResponseWriter, r *http.Request, req *Request) {
	body, ok := bodyObject(w, req)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.webhookLocked(w, r)
	if st == nil {
		return
	}
	if e := validateMessage(body, len(req.Files), true); e != nil {
		writeJSON(w, http.StatusBadRequest, e)
		return
	}
	channelID := st.channelID
	if th := r.URL.Query().Get("thread_id"); th != "" {
		if s.channels[th] == nil {
			writeNotFound(w, "Channel", codeUnknownChannel)
			return
		}
		channelID = th
	}
	m := s.responseMessageLocked(st, channelID, body, req.Files)
	st.followups = append(st.followups, str(m["id"]))
	s.notifyLocked()
	if r.URL.Query().Get("wait") != "true" {
		writeNoContent(w)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) getWebhookMessage(w http.ResponseWriter, r *http.Request, _ *Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.webhookLocked(w, r); st != nil {
		if m := s.webhookMessageLocked(w, r, st); m != nil {
			writeJSON(w, http.StatusOK, m)
		}
	}
}

func (s *Server) editWebhookMessage(w http.ResponseWriter, r *http.Request, req *Request) {
	body, ok := bodyObject(w, req)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.webhookLocked(w, r)
	if st == nil {
		return
	}
	m := s.webhookMessageLocked(w, r, st)
	if m == nil {
		return
	}
	s.applyEditLocked(w, m, body, req.Files)
}

func (s *Server) deleteWebhookMessage(w http.ResponseWriter, r *http.Request, _ *Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.webhookLocked(w, r)
	if st == nil {
		return
	}
	m := s.webhookMessageLocked(w, r, st)
	if m == nil {
		return
	}
	id := str(m["id"])
	s.deleteMessageLocked(id)
	if id == st.original {
		st.original = ""
	}
	s.notifyLocked()
	writeNoContent(w)
}

// InteractionResponse returns the original response to the interaction
// with this token as it stands now (after edits), or nil if there is none:
// not acknowledged yet, or deleted. A deferred response that was never
// edited has empty content and the loading flag (1<<7).
func (s *Server) InteractionResponse(token string) *discordgo.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.interactions[token]
	if st == nil || s.messages[st.original] == nil {
		return nil
	}
	return s.decodeMessage(s.messages[st.original])
}

// Followups returns the follow-up messages sent with this interaction
// token, oldest first.
func (s *Server) Followups(token string) []*discordgo.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.interactions[token]
	if st == nil {
		return nil
	}
	var out []*discordgo.Message
	for _, id := range st.followups {
		if m := s.messages[id]; m != nil {
			out = append(out, s.decodeMessage(m))
		}
	}
	return out
}

// InteractionResponseType reports how the interaction with this token was
// acknowledged (4 message, 5 deferred, 6/7 component update, 8 autocomplete,
// 9 modal), and false if it was not.
func (s *Server) InteractionResponseType(token string) (discordgo.InteractionResponseType, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.interactions[token]
	if st == nil || !st.acked {
		return 0, false
	}
	return st.response, true
}

// checkComponentLocked reports, as a test error, a click no Discord client
// could send: on a component the message doesn't have, or a disabled one.
// A message the fake doesn't hold is checked as the test built it.
func (s *Server) checkComponentLocked(i *discordgo.Interaction, d discordgo.MessageComponentInteractionData) {
	if i.Message == nil {
		return
	}
	m := s.messages[i.Message.ID]
	if m == nil {
		var err error
		if m, err = messageWire(i.Message); err != nil {
			return
		}
	}
	found, disabled := findComponent(m["components"], d.CustomID)
	switch {
	case !found:
		s.t.Errorf("discordtest: Discord would never send this click: message %s has no component %q", i.Message.ID, d.CustomID)
	case disabled:
		s.t.Errorf("discordtest: Discord would never send this click: component %q of message %s is disabled", d.CustomID, i.Message.ID)
	}
}

// findComponent looks for custom_id among components, rows included.
func findComponent(components any, customID string) (found, disabled bool) {
	list, _ := components.([]any)
	for _, c := range list {
		m, _ := c.(map[string]any)
		if str(m["custom_id"]) == customID {
			return true, m["disabled"] == true
		}
		if found, disabled = findComponent(m["components"], customID); found {
			return found, disabled
		}
	}
	return false, false
}
