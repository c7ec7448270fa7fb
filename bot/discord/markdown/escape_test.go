package markdown

import "testing"

func TestDefuseMentions(t *testing.T) {
	tests := []struct{ in, want string }{
		{"@everyone look", "@\u200beveryone look"},
		{"hey @here and @Everyone", "hey @\u200bhere and @\u200bEveryone"},
		{"<@123> <@!5> <@&7> <#9>", "<\u200b@123> <\u200b@!5> <\u200b@&7> <\u200b#9>"},
		{"**bold** and\n- a list\n> a quote [1]", "**bold** and\n- a list\n> a quote [1]"},
		{"write to me@example.com or @someone", "write to me@example.com or @someone"},
		{"2 < 3 and a<b", "2 < 3 and a<b"},
		{"bad \xff byte", "bad \uFFFD byte"},
	}
	for _, tt := range tests {
		got := DefuseMentions(tt.in)
		if got != tt.want {
			t.Errorf("DefuseMentions(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := DefuseMentions(got); again != got {
			t.Errorf("DefuseMentions is not idempotent: %q then %q", got, again)
		}
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"*a* _b_ ~~c~~ `d` ||e||", `\*a\* \_b\_ \~\~c\~\~ \` + "`" + `d\` + "`" + ` \|\|e\|\|`},
		{"# Title\n> quote\n- item\n+ x\n12. twelve\n  - nested", "\\# Title\n\\> quote\n\\- item\n\\+ x\n12\\. twelve\n  \\- nested"},
		{"a - b > c # d 1. e", "a - b > c # d 1. e"},
		{"see https://example.com/a_b*c now *x*", `see https://example.com/a_b*c now \*x\*`},
		{"[link](https://evil.example)", `\[link\](https://evil.example)`},
		{`back\slash`, `back\\slash`},
		{"<@123> <#4> <t:1700000000:R> </cmd:1> @everyone @here", "<\u200b@123> <\u200b#4> <\u200bt:1700000000:R> <\u200b/cmd:1> @\u200beveryone @\u200bhere"},
		{"Привет *мир* 🎉", `Привет \*мир\* 🎉`},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
