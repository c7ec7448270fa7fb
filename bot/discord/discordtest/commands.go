package discordtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/bwmarrin/discordgo"
)

// Commands returns the application commands registered for a guild, or the
// global ones for guildID "", as the last bulk overwrite or create left them.
func (s *Server) Commands(guildID string) []*discordgo.ApplicationCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*discordgo.ApplicationCommand
	for _, c := range s.commands[guildID] {
		var ac discordgo.ApplicationCommand
		b, err := json.Marshal(c)
		if err == nil {
			err = json.Unmarshal(b, &ac)
		}
		if err != nil {
			s.t.Errorf("discordtest: stored command does not decode: %v", err)
			continue
		}
		out = append(out, &ac)
	}
	return out
}

// commandIDLocked returns the id of the registered command an interaction
// names, preferring the guild's own commands, or a fresh id.
func (s *Server) commandIDLocked(name string, typ discordgo.ApplicationCommandType, guildID string) string {
	if typ == 0 {
		typ = discordgo.ChatApplicationCommand
	}
	for _, scope := range []string{guildID, ""} {
		for _, c := range s.commands[scope] {
			if t, _ := asInt(c["type"]); str(c["name"]) == name && discordgo.ApplicationCommandType(t) == typ {
				return str(c["id"])
			}
		}
		if guildID == "" {
			break
		}
	}
	return s.newID()
}

// commandScope checks {app} and {guild} and returns the scope key.
func (s *Server) commandScope(w http.ResponseWriter, r *http.Request) (string, bool) {
	g := r.PathValue("guild")
	if r.PathValue("app") != s.cfg.appID || (g != "" && len(s.cfg.guilds) > 0 && !s.inGuild(g)) {
		writeJSON(w, http.StatusForbidden, apiError{Message: "Missing Access", Code: codeMissingAccess})
		return "", false
	}
	return g, true
}

func (s *Server) inGuild(id string) bool {
	for _, g := range s.cfg.guilds {
		if g.id == id {
			return true
		}
	}
	return false
}

func (s *Server) listCommands(w http.ResponseWriter, r *http.Request, _ *Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	scope, ok := s.commandScope(w, r)
	if !ok {
		return
	}
	out := s.commands[scope]
	if out == nil {
		out = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) overwriteCommands(w http.ResponseWriter, r *http.Request, req *Request) {
	var cmds []map[string]any
	dec := json.NewDecoder(bytes.NewReader(req.Body))
	dec.UseNumber()
	if err := dec.Decode(&cmds); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Message: "Invalid Form Body", Code: codeInvalidForm})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	scope, ok := s.commandScope(w, r)
	if !ok {
		return
	}
	var fe formErrors
	seen := map[string]bool{}
	for i, c := range cmds {
		validateCommand(&fe, strconv.Itoa(i), c)
		key := str(c["name"]) + "/" + commandType(c)
		if seen[key] {
			fe.add(strconv.Itoa(i)+".name", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
		}
		seen[key] = true
	}
	validateCommandCounts(&fe, cmds)
	if e := fe.err(); e != nil {
		writeJSON(w, http.StatusBadRequest, e)
		return
	}
	out := make([]map[string]any, 0, len(cmds))
	for _, c := range cmds {
		out = append(out, s.registerLocked(scope, c))
	}
	s.commands[scope] = out
	s.notifyLocked()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createCommand(w http.ResponseWriter, r *http.Request, req *Request) {
	body, ok := bodyObject(w, req)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	scope, ok := s.commandScope(w, r)
	if !ok {
		return
	}
	var fe formErrors
	validateCommand(&fe, "", body)
	others := slices.DeleteFunc(slices.Clone(s.commands[scope]), func(c map[string]any) bool {
		return str(c["name"]) == str(body["name"]) && commandType(c) == commandType(body)
	})
	validateCommandCounts(&fe, append(others, body))
	if e := fe.err(); e != nil {
		writeJSON(w, http.StatusBadRequest, e)
		return
	}
	c := s.registerLocked(scope, body)
	status := http.StatusCreated
	list := s.commands[scope]
	for i, old := range list {
		if old["id"] == c["id"] {
			list[i], status = c, http.StatusOK
		}
	}
	if status == http.StatusCreated {
		s.commands[scope] = append(list, c)
	}
	s.notifyLocked()
	writeJSON(w, status, c)
}

// registerLocked completes a command as Discord stores it. A command keeps
// its id when one of the same name and type existed, as on Discord.
func (s *Server) registerLocked(scope string, c map[string]any) map[string]any {
	out := shallowCopy(c)
	typ := commandType(c)
	out["type"] = json.Number(typ)
	out["id"] = s.newID()
	for _, old := range s.commands[scope] {
		if str(old["name"]) == str(c["name"]) && commandType(old) == typ {
			out["id"] = old["id"]
		}
	}
	out["application_id"] = s.cfg.appID
	if scope != "" {
		out["guild_id"] = scope
	}
	out["version"] = s.newID()
	if out["description"] == nil {
		out["description"] = ""
	}
	for _, k := range []string{"default_member_permissions", "dm_permission", "nsfw"} {
		if _, ok := out[k]; !ok {
			out[k] = nil
		}
	}
	return out
}

func commandType(c map[string]any) string {
	if t, ok := asInt(c["type"]); ok && t != 0 {
		return strconv.FormatInt(t, 10)
	}
	return "1"
}

func (s *Server) findCommandLocked(w http.ResponseWriter, r *http.Request) (string, int) {
	scope, ok := s.commandScope(w, r)
	if !ok {
		return "", -1
	}
	for i, c := range s.commands[scope] {
		if str(c["id"]) == r.PathValue("command") {
			return scope, i
		}
	}
	writeNotFound(w, "application command", codeUnknownCommand)
	return "", -1
}

func (s *Server) getCommand(w http.ResponseWriter, r *http.Request, _ *Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if scope, i := s.findCommandLocked(w, r); i >= 0 {
		writeJSON(w, http.StatusOK, s.commands[scope][i])
	}
}

func (s *Server) deleteCommand(w http.ResponseWriter, r *http.Request, _ *Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if scope, i := s.findCommandLocked(w, r); i >= 0 {
		list := s.commands[scope]
		s.commands[scope] = append(list[:i:i], list[i+1:]...)
		s.notifyLocked()
		writeNoContent(w)
	}
}
