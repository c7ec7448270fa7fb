package prompts_test

import (
	"fmt"

	"github.com/newsbot/newsbot/prompts"
)

// Two adjacent paragraphs of one article share a header but get a citation
// number each, so [2] names exactly one paragraph.
func ExampleAnswer() {
	sources := []prompts.Source{{
		Outlet: "Reuters", Title: "Lavrov calls for UN conference", Date: "2024-03-01",
		Paragraphs: []prompts.Paragraph{
			{N: 4, Text: "Lavrov called for a United Nations conference."},
			{N: 5, Text: "Moscow would send a delegation \"at any level\"."},
		},
	}}
	msgs, err := prompts.Answer(prompts.AnswerInput{Question: "What did Lavrov propose?", Sources: sources})
	if err != nil {
		panic(err)
	}
	fmt.Println(msgs[1].Content)
	for _, r := range prompts.Refs(sources) {
		fmt.Printf("[%d] is paragraph %d of source %d\n", r.N, r.Paragraph, r.Source+1)
	}
	// Output:
	// <sources>
	// --- Reuters · 2024-03-01 · "Lavrov calls for UN conference" (paragraphs 4-5) ---
	// [1] Lavrov called for a United Nations conference.
	// [2] Moscow would send a delegation "at any level".
	// </sources>
	//
	// Question: What did Lavrov propose?
	// [1] is paragraph 4 of source 1
	// [2] is paragraph 5 of source 1
}
