package discordtest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// Limits Discord sets on application commands.
const (
	MaxCommandName        = 32
	MaxCommandDescription = 100
	MaxCommandOptions     = 25
	MaxOptionChoices      = 25
	MaxChoiceName         = 100
	MaxChoiceValue        = 100
	MaxStringOption       = 6000
	// MaxCommandTotal caps the characters of a command's names,
	// descriptions and choice names and values, its options' included.
	MaxCommandTotal = 4000
	// MaxChatCommands and MaxMenuCommands cap how many commands of each
	// kind one scope (global or a guild) holds.
	MaxChatCommands = 100
	MaxMenuCommands = 5
)

// commandName is Discord's pattern for CHAT_INPUT command and option
// names; where a letter has a lowercase form it must be used.
var commandName = regexp.MustCompile(`^[-_'\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

// Option types that hold other options.
const (
	optSubcommand = int64(discordgo.ApplicationCommandOptionSubCommand)
	optGroup      = int64(discordgo.ApplicationCommandOptionSubCommandGroup)
)

// validateCommand checks one command as Discord does when it is created or
// overwritten, adding each problem at its path (prefix "0" is the first
// command of a bulk overwrite).
func validateCommand(fe *formErrors, prefix string, c map[string]any) {
	p := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	name, desc := str(c["name"]), str(c["description"])
	chat := commandType(c) == "1"
	fe.length(p("name"), name, 1, MaxCommandName)
	if chat {
		checkName(fe, p("name"), name)
		fe.length(p("description"), desc, 1, MaxCommandDescription)
	} else if desc != "" {
		fe.add(p("description"), "APPLICATION_COMMAND_INVALID_DESCRIPTION", "Context menu commands cannot have description")
	}
	opts, _ := c["options"].([]any)
	if !chat && len(opts) > 0 {
		fe.add(p("options"), "APPLICATION_COMMAND_INVALID_OPTIONS", "Context menu commands cannot have options")
	}
	validateOptions(fe, p("options"), opts, 0)
	if n := commandChars(c); n > MaxCommandTotal {
		fe.add(prefix, "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size ("+strconv.Itoa(MaxCommandTotal)+")")
	}
}

// validateOptions checks a level of options: the command's (parent 0), a
// group's or a sub-command's (parent is their type).
func validateOptions(fe *formErrors, path string, opts []any, parent int64) {
	if len(opts) > MaxCommandOptions {
		fe.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
	}
	names := map[string]bool{}
	nested, plain, optionalSeen := 0, 0, false
	for i, o := range opts {
		op := path + "." + strconv.Itoa(i)
		m, _ := o.(map[string]any)
		typ, _ := asInt(m["type"])
		name := str(m["name"])
		fe.length(op+".name", name, 1, MaxCommandName)
		checkName(fe, op+".name", name)
		fe.length(op+".description", str(m["description"]), 1, MaxCommandDescription)
		if names[name] {
			fe.add(op+".name", "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS", "Option names must be unique")
		}
		names[name] = true
		children, _ := m["options"].([]any)
		switch typ {
		case optSubcommand, optGroup:
			nested++
			if typ == optGroup && parent != 0 || typ == optSubcommand && parent == optSubcommand {
				fe.add(op+".type", "APPLICATION_COMMAND_OPTION_INVALID_NESTING", "Sub-command groups and sub-commands can't be nested this deep")
			}
			if typ == optGroup {
				for k, ch := range children {
					if t, _ := asInt(ch.(map[string]any)["type"]); t != optSubcommand {
						fe.add(op+".options."+strconv.Itoa(k)+".type", "APPLICATION_COMMAND_OPTION_INVALID_NESTING", "A sub-command group may hold only sub-commands")
					}
				}
				if len(children) == 0 {
					fe.add(op+".options", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length.")
				}
			}
			validateOptions(fe, op+".options", children, typ)
			if m["required"] == true {
				fe.add(op+".required", "APPLICATION_COMMAND_OPTION_INVALID_REQUIRED", "Sub-commands can't be required")
			}
		default:
			plain++
			if typ < 3 || typ > 11 {
				fe.add(op+".type", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}.")
			}
			if len(children) > 0 {
				fe.add(op+".options", "APPLICATION_COMMAND_OPTION_INVALID_NESTING", "Only sub-commands and groups hold options")
			}
			required := m["required"] == true
			if required && optionalSeen {
				fe.add(op+".required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options")
			}
			optionalSeen = optionalSeen || !required
			validateOptionValues(fe, op, typ, m)
		}
	}
	if nested > 0 && plain > 0 {
		fe.add(path, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Sub-commands and sub-command groups can't sit beside other options")
	}
}

// validateOptionValues checks what an option of type typ may say about
// its values: choices, autocomplete, ranges, lengths and channel types.
func validateOptionValues(fe *formErrors, op string, typ int64, m map[string]any) {
	str3, integer, number, channel := typ == 3, typ == 4, typ == 10, typ == 7
	choices, _ := m["choices"].([]any)
	if len(choices) > 0 && !(str3 || integer || number) {
		fe.add(op+".choices", "APPLICATION_COMMAND_OPTION_CHOICES_INVALID", "Only string, integer and number options have choices")
	}
	if len(choices) > MaxOptionChoices {
		fe.add(op+".choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
	}
	for k, ch := range choices {
		cm, _ := ch.(map[string]any)
		cp := op + ".choices." + strconv.Itoa(k)
		fe.length(cp+".name", str(cm["name"]), 1, MaxChoiceName)
		if v, ok := cm["value"].(string); ok {
			fe.length(cp+".value", v, 1, MaxChoiceValue)
		}
	}
	if m["autocomplete"] == true {
		if len(choices) > 0 {
			fe.add(op+".autocomplete", "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID", "Autocomplete can't be set with choices")
		}
		if !(str3 || integer || number) {
			fe.add(op+".autocomplete", "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID", "Only string, integer and number options autocomplete")
		}
	}
	for _, k := range []string{"min_value", "max_value"} {
		if _, ok := m[k]; ok && m[k] != nil && !(integer || number) {
			fe.add(op+"."+k, "APPLICATION_COMMAND_OPTION_INVALID", "Only integer and number options have "+k)
		}
	}
	if lo, ok := asFloat(m["min_value"]); ok {
		if hi, ok := asFloat(m["max_value"]); ok && lo > hi {
			fe.add(op+".min_value", "APPLICATION_COMMAND_OPTION_INVALID", "min_value must not exceed max_value")
		}
	}
	for _, k := range []string{"min_length", "max_length"} {
		v, ok := asInt(m[k])
		if !ok {
			continue
		}
		if !str3 {
			fe.add(op+"."+k, "APPLICATION_COMMAND_OPTION_INVALID", "Only string options have "+k)
		}
		if lo := map[string]int64{"min_length": 0, "max_length": 1}[k]; v < lo || v > MaxStringOption {
			fe.add(op+"."+k, "NUMBER_TYPE_MAX", k+" must be between "+strconv.FormatInt(lo, 10)+" and 6000")
		}
	}
	if ct, _ := m["channel_types"].([]any); len(ct) > 0 && !channel {
		fe.add(op+".channel_types", "APPLICATION_COMMAND_OPTION_INVALID", "Only channel options have channel_types")
	}
}

// checkName applies Discord's pattern to a CHAT_INPUT name.
func checkName(fe *formErrors, path, name string) {
	lower := !strings.ContainsFunc(name, func(r rune) bool { return unicode.ToLower(r) != r })
	if name != "" && (!commandName.MatchString(name) || !lower) {
		fe.add(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
	}
}

// commandChars counts what Discord counts toward MaxCommandTotal.
func commandChars(c map[string]any) int {
	n := utf8.RuneCountInString(str(c["name"])) + utf8.RuneCountInString(str(c["description"]))
	opts, _ := c["options"].([]any)
	for _, o := range opts {
		m, _ := o.(map[string]any)
		n += commandChars(m)
		choices, _ := m["choices"].([]any)
		for _, ch := range choices {
			cm, _ := ch.(map[string]any)
			n += utf8.RuneCountInString(str(cm["name"]))
			if v, ok := cm["value"].(string); ok {
				n += utf8.RuneCountInString(v)
			} else {
				n += utf8.RuneCountInString(str(cm["value"]))
			}
		}
	}
	return n
}

// validateCommandCounts checks how many commands of each kind one scope's
// list holds.
func validateCommandCounts(fe *formErrors, cmds []map[string]any) {
	count := map[string]int{}
	for _, c := range cmds {
		count[commandType(c)]++
	}
	if count["1"] > MaxChatCommands {
		fe.add("_", "MAX_COMMANDS", "Maximum number of application commands reached (100)")
	}
	if count["2"] > MaxMenuCommands || count["3"] > MaxMenuCommands {
		fe.add("_", "MAX_COMMANDS", "Maximum number of context menu commands reached (5)")
	}
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// checkInvocationLocked reports, as a test error, an interaction no
// Discord client could send: one that doesn't fit the registered command
// it names (an unknown option or subcommand, a wrong type, a required
// option missing). Commands the test never registered are not checked.
func (s *Server) checkInvocationLocked(i *discordgo.Interaction, d discordgo.ApplicationCommandInteractionData) {
	if d.CommandType != discordgo.ChatApplicationCommand && d.CommandType != 0 {
		return
	}
	var def map[string]any
	for _, scope := range []string{i.GuildID, ""} {
		for _, c := range s.commands[scope] {
			if str(c["name"]) == d.Name && commandType(c) == "1" {
				def = c
				break
			}
		}
		if def != nil || i.GuildID == "" {
			break
		}
	}
	if def == nil {
		return
	}
	schema, _ := def["options"].([]any)
	autocomplete := i.Type == discordgo.InteractionApplicationCommandAutocomplete
	if problem := checkGiven("/"+d.Name, schema, d.Options, autocomplete); problem != "" {
		s.t.Errorf("discordtest: Discord would never send this interaction: %s", problem)
	}
}

// checkGiven checks given options against one level of a schema and says
// what is wrong, or "".
func checkGiven(where string, schema []any, given []*discordgo.ApplicationCommandInteractionDataOption, autocomplete bool) string {
	find := func(name string) map[string]any {
		for _, o := range schema {
			if m, _ := o.(map[string]any); str(m["name"]) == name {
				return m
			}
		}
		return nil
	}
	nested := slices.ContainsFunc(schema, func(o any) bool {
		t, _ := asInt(o.(map[string]any)["type"])
		return t == optSubcommand || t == optGroup
	})
	if nested && (len(given) != 1 || given[0].Type != discordgo.ApplicationCommandOptionSubCommand && given[0].Type != discordgo.ApplicationCommandOptionSubCommandGroup) {
		return where + " needs exactly one sub-command and nothing beside it"
	}
	for _, g := range given {
		m := find(g.Name)
		if m == nil {
			return where + " has no option " + strconv.Quote(g.Name)
		}
		if t, _ := asInt(m["type"]); t != int64(g.Type) {
			return where + " " + g.Name + " is of type " + strconv.FormatInt(t, 10) + ", not " + strconv.Itoa(int(g.Type))
		}
		if g.Type == discordgo.ApplicationCommandOptionSubCommand || g.Type == discordgo.ApplicationCommandOptionSubCommandGroup {
			children, _ := m["options"].([]any)
			if p := checkGiven(where+" "+g.Name, children, g.Options, autocomplete); p != "" {
				return p
			}
		}
		if g.Focused && m["autocomplete"] != true {
			return where + " " + g.Name + " does not autocomplete"
		}
		if p := checkValue(where+" "+g.Name, m, g, autocomplete); p != "" {
			return p
		}
	}
	if autocomplete {
		return ""
	}
	for _, o := range schema {
		m := o.(map[string]any)
		if m["required"] == true && !slices.ContainsFunc(given, func(g *discordgo.ApplicationCommandInteractionDataOption) bool { return g.Name == str(m["name"]) }) {
			return where + " needs option " + strconv.Quote(str(m["name"]))
		}
	}
	return ""
}

// checkValue checks a value against its option's bounds, which Discord's
// clients enforce: min_value and max_value, min_length and max_length, and
// the choices when there are some. What is being typed (autocomplete) may
// not be done yet.
func checkValue(where string, m map[string]any, g *discordgo.ApplicationCommandInteractionDataOption, autocomplete bool) string {
	if autocomplete {
		return ""
	}
	if f, ok := asFloat(g.Value); ok {
		if lo, ok := asFloat(m["min_value"]); ok && f < lo {
			return where + " is below its min_value"
		}
		if hi, ok := asFloat(m["max_value"]); ok && f > hi {
			return where + " is above its max_value"
		}
	}
	if v, ok := g.Value.(string); ok && g.Type == discordgo.ApplicationCommandOptionString {
		n := int64(utf8.RuneCountInString(v))
		if lo, ok := asInt(m["min_length"]); ok && n < lo {
			return where + " is shorter than its min_length"
		}
		if hi, ok := asInt(m["max_length"]); ok && n > hi {
			return where + " is longer than its max_length"
		}
	}
	if choices, _ := m["choices"].([]any); len(choices) > 0 {
		if !slices.ContainsFunc(choices, func(c any) bool { return fmt.Sprint(c.(map[string]any)["value"]) == fmt.Sprint(g.Value) }) {
			return where + " is none of its choices"
		}
	}
	return ""
}
