package retrieval

import (
	"testing"
	"time"
)

func TestDatesIn(t *testing.T) {
	// Thursday 7 March 2024.
	written := time.Date(2024, 3, 7, 0, 0, 0, 0, time.UTC)
	day := func(m time.Month, d int) time.Time { return time.Date(2024, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name, text string
		want       []time.Time // the days (or months' first days) named, in order
		month      bool
		phrase     string // of the first mention
	}{
		{"month and day", "On March 3, the council voted to close the harbour.", []time.Time{day(3, 3)}, false, "On March 3"},
		{"weekday", "The minister resigned last Tuesday after the vote.", []time.Time{day(3, 5)}, false, "last Tuesday"},
		{"bare weekday", "The talks collapsed on Monday, officials said.", []time.Time{day(3, 4)}, false, "on Monday"},
		{"yesterday", "Rescuers reached the village yesterday.", []time.Time{day(3, 6)}, false, "yesterday"},
		{"days ago", "The fire started two days ago.", []time.Time{day(3, 5)}, false, "two days ago"},
		{"numeric", "The report, dated 2024-02-28, was leaked.", []time.Time{day(2, 28)}, false, "2024-02-28"},
		{"day with year", "The dam was finished on 3 June 2021.", []time.Time{time.Date(2021, 6, 3, 0, 0, 0, 0, time.UTC)}, false, "on 3 June 2021"},
		{"month", "Prices rose in February 2023, the agency said.", []time.Time{time.Date(2023, 2, 1, 0, 0, 0, 0, time.UTC)}, true, "in February 2023"},
		{"last month", "Exports fell last month.", []time.Time{day(2, 1)}, true, "last month"},
		{"two dates", "Drilling began on March 1 and stopped on March 4.", []time.Time{day(3, 1), day(3, 4)}, false, "on March 1"},
		{"a week is no date", "This week the river rose again.", nil, false, ""},
		{"early March is no date", "Rain is expected in early March.", nil, false, ""},
		{"a year is no date", "The law passed in 2023.", nil, false, ""},
		{"since is no date", "Water has been rationed since Monday.", nil, false, ""},
		{"future", "The summit will open tomorrow.", nil, false, ""},
		{"yearless date far back is a plan", "Talks are set for April 3.", nil, false, ""},
		{"reference point", "Sales were higher than a year ago.", nil, false, ""},
		{"no date", "The council agreed the budget.", nil, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DatesIn(tt.text, written)
			if len(got) != len(tt.want) {
				t.Fatalf("DatesIn(%q) = %+v, want %d mentions", tt.text, got, len(tt.want))
			}
			for i, d := range got {
				if !d.Since.Equal(tt.want[i]) {
					t.Errorf("mention %d: %s, want %s", i, d.Since.Format(time.DateOnly), tt.want[i].Format(time.DateOnly))
				}
				if d.Month != tt.month {
					t.Errorf("mention %d: month %v, want %v", i, d.Month, tt.month)
				}
				if tt.text[d.Start:d.End] != d.Phrase {
					t.Errorf("mention %d: span %d-%d is %q, phrase %q", i, d.Start, d.End, tt.text[d.Start:d.End], d.Phrase)
				}
			}
			if len(got) > 0 && got[0].Phrase != tt.phrase {
				t.Errorf("phrase %q, want %q", got[0].Phrase, tt.phrase)
			}
		})
	}
	if got := DatesIn("On March 3 it rained.", time.Time{}); got != nil {
		t.Errorf("without a writing date: %+v, want none", got)
	}
}
