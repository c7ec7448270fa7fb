package discordtest

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits Discord enforces on what a bot sends. Lengths count characters
// (runes here; Discord's exact unit for astral characters is not documented).
const (
	MaxContent          = 2000
	MaxEmbeds           = 10
	MaxEmbedTitle       = 256
	MaxEmbedDescription = 4096
	MaxEmbedFields      = 25
	MaxEmbedFieldName   = 256
	MaxEmbedFieldValue  = 1024
	MaxEmbedFooter      = 2048
	MaxEmbedAuthor      = 256
	MaxEmbedTotal       = 6000
	MaxActionRows       = 5
	MaxCustomID         = 100
	MaxButtonLabel      = 80
	MaxChoices          = 25
)

// formErrors collects field errors in Discord's "Invalid Form Body" shape:
// {"content": {"_errors": [{"code": …, "message": …}]}}, nested by path.
type formErrors struct{ tree map[string]any }

func (f *formErrors) add(path, code, msg string) {
	if f.tree == nil {
		f.tree = map[string]any{}
	}
	node := f.tree
	for _, k := range strings.Split(path, ".") {
		next, _ := node[k].(map[string]any)
		if next == nil {
			next = map[string]any{}
			node[k] = next
		}
		node = next
	}
	errs, _ := node["_errors"].([]any)
	node["_errors"] = append(errs, map[string]any{"code": code, "message": msg})
}

// length checks that s has between lo and hi characters.
func (f *formErrors) length(path, s string, lo, hi int) {
	n := utf8.RuneCountInString(s)
	switch {
	case n > hi:
		f.add(path, "BASE_TYPE_MAX_LENGTH", "Must be "+strconv.Itoa(hi)+" or fewer in length.")
	case n < lo:
		f.add(path, "BASE_TYPE_BAD_LENGTH", "Must be between "+strconv.Itoa(lo)+" and "+strconv.Itoa(hi)+" in length.")
	}
}

func (f *formErrors) err() *apiError {
	if f.tree == nil {
		return nil
	}
	return &apiError{Message: "Invalid Form Body", Code: codeInvalidForm, Errors: f.tree}
}

// validateMessage checks a create (or, with create false, edit) payload
// against Discord's limits. A create must not be empty.
func validateMessage(body map[string]any, files int, create bool) *apiError {
	var fe formErrors
	content := str(body["content"])
	fe.length("content", content, 0, MaxContent)

	embeds, _ := body["embeds"].([]any)
	if len(embeds) > MaxEmbeds {
		fe.add("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
	}
	total := 0
	for i, e := range embeds {
		total += validateEmbed(&fe, "embeds."+strconv.Itoa(i), e)
	}
	if total > MaxEmbedTotal {
		fe.add("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
	}

	rows, _ := body["components"].([]any)
	if len(rows) > MaxActionRows {
		fe.add("components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
	}
	for i, row := range rows {
		validateComponent(&fe, "components."+strconv.Itoa(i), row)
	}

	if am, ok := body["allowed_mentions"].(map[string]any); ok {
		parse, _ := am["parse"].([]any)
		for _, kind := range []string{"users", "roles"} {
			list, _ := am[kind].([]any)
			for _, p := range parse {
				if str(p) == kind && len(list) > 0 {
					fe.add("allowed_mentions", "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
						`parse:["`+kind+`"] and `+kind+`: [ids...] are mutually exclusive.`)
				}
			}
		}
	}
	if e := fe.err(); e != nil {
		return e
	}
	if create && strings.TrimSpace(content) == "" && len(embeds) == 0 && len(rows) == 0 && files == 0 &&
		body["sticker_ids"] == nil && body["poll"] == nil {
		return &apiError{Message: "Cannot send an empty message", Code: codeEmptyMessage}
	}
	return nil
}

// validateEmbed checks one embed and returns its size toward the 6000 total.
func validateEmbed(fe *formErrors, path string, e any) int {
	m, _ := e.(map[string]any)
	title, desc := str(m["title"]), str(m["description"])
	fe.length(path+".title", title, 0, MaxEmbedTitle)
	fe.length(path+".description", desc, 0, MaxEmbedDescription)
	total := utf8.RuneCountInString(title) + utf8.RuneCountInString(desc)
	fields, _ := m["fields"].([]any)
	if len(fields) > MaxEmbedFields {
		fe.add(path+".fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
	}
	for i, f := range fields {
		fm, _ := f.(map[string]any)
		p := path + ".fields." + strconv.Itoa(i)
		name, value := str(fm["name"]), str(fm["value"])
		fe.length(p+".name", name, 1, MaxEmbedFieldName)
		fe.length(p+".value", value, 1, MaxEmbedFieldValue)
		total += utf8.RuneCountInString(name) + utf8.RuneCountInString(value)
	}
	if footer, ok := m["footer"].(map[string]any); ok {
		text := str(footer["text"])
		fe.length(path+".footer.text", text, 0, MaxEmbedFooter)
		total += utf8.RuneCountInString(text)
	}
	if author, ok := m["author"].(map[string]any); ok {
		name := str(author["name"])
		fe.length(path+".author.name", name, 0, MaxEmbedAuthor)
		total += utf8.RuneCountInString(name)
	}
	return total
}

func validateComponent(fe *formErrors, path string, c any) {
	m, _ := c.(map[string]any)
	if id, ok := m["custom_id"]; ok {
		fe.length(path+".custom_id", str(id), 1, MaxCustomID)
	}
	if label, ok := m["label"]; ok {
		fe.length(path+".label", str(label), 0, MaxButtonLabel)
	}
	children, _ := m["components"].([]any)
	if len(children) > 5 {
		fe.add(path+".components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
	}
	for i, ch := range children {
		validateComponent(fe, path+".components."+strconv.Itoa(i), ch)
	}
}

// validateChoices checks an autocomplete result.
func validateChoices(data map[string]any) *apiError {
	var fe formErrors
	choices, _ := data["choices"].([]any)
	if len(choices) > MaxChoices {
		fe.add("data.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
	}
	for i, c := range choices {
		cm, _ := c.(map[string]any)
		p := "data.choices." + strconv.Itoa(i)
		fe.length(p+".name", str(cm["name"]), 1, 100)
		if v, ok := cm["value"].(string); ok {
			fe.length(p+".value", v, 1, 100)
		}
	}
	return fe.err()
}

// validateModal checks a modal response.
func validateModal(data map[string]any) *apiError {
	var fe formErrors
	fe.length("data.title", str(data["title"]), 1, 45)
	fe.length("data.custom_id", str(data["custom_id"]), 1, MaxCustomID)
	rows, _ := data["components"].([]any)
	if len(rows) < 1 || len(rows) > MaxActionRows {
		fe.add("data.components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
	}
	return fe.err()
}
