package retrieval

import (
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseTime(t *testing.T) {
	now := time.Date(2024, 5, 17, 15, 30, 0, 0, time.UTC) // a Friday
	tests := []struct {
		name, text   string
		since, until string // "" for open
		recent       bool
		rest         string // "" for the text unchanged
	}{
		{"this week", "What happened this week in Ukraine?", "2024-05-11", "2024-05-18", false, "What happened in Ukraine?"},
		{"this week at the start", "This week the minister resigned. Why?", "2024-05-11", "2024-05-18", false, "the minister resigned. Why?"},
		{"yesterday, with a day for the reports", "What did the president say yesterday?", "2024-05-16", "2024-05-18", false, "What did the president say?"},
		{"today", "What happened today?", "2024-05-17", "2024-05-18", false, "What happened?"},
		{"last month is the calendar month", "Who won the election last month?", "2024-04-01", "2024-05-01", false, "Who won the election?"},
		{"the past month is rolling", "What did the Fed do over the past month?", "2024-04-18", "2024-05-18", false, "What did the Fed do?"},
		{"last year", "Who won the title last year?", "2023-01-01", "2024-01-01", false, "Who won the title?"},
		{"this year", "Which horse won this year's Kentucky Derby?", "2024-01-01", "2024-05-18", false, "Which horse won's Kentucky Derby?"},
		{"earlier this month", "Which bank failed earlier this month?", "2024-05-01", "2024-05-18", false, "Which bank failed?"},
		{"since the start of the year", "How many wildfires have there been since the start of the year?", "2024-01-01", "2024-05-18", false, "How many wildfires have there been?"},
		{"the past two weeks", "What did the Senate pass in the past two weeks?", "2024-05-04", "2024-05-18", false, "What did the Senate pass?"},
		{"the last 12 months", "Who won the prize for the best album of the last 12 months?", "2023-05-18", "2024-05-18", false, "Who won the prize for the best album?"},
		{"a couple of days", "What happened in the last couple of days?", "2024-05-16", "2024-05-18", false, "What happened?"},
		{"two weeks ago", "What happened two weeks ago?", "2024-04-30", "2024-05-07", false, "What happened?"},
		{"a year ago", "What happened a year ago in Gaza?", "2022-11-15", "2023-11-16", false, "What happened in Gaza?"},
		{"since Monday", "What has the Fed done since Monday?", "2024-05-13", "2024-05-18", false, "What has the Fed done?"},
		{"on a weekday", "NASA launched its mission on Wednesday. Where is it headed?", "2024-05-15", "2024-05-17", false, "NASA launched its mission. Where is it headed?"},
		{"a weekday's", "Which state won Tuesday’s jackpot?", "2024-05-14", "2024-05-16", false, "Which state won jackpot?"},
		{"today's weekday is today", "Who spoke on Friday?", "2024-05-17", "2024-05-18", false, "Who spoke?"},
		{"last Friday is a week ago", "Who spoke last Friday?", "2024-05-10", "2024-05-12", false, "Who spoke?"},
		{"last weekend", "Who won the race last weekend?", "2024-05-11", "2024-05-13", false, "Who won the race?"},
		{"in March", "What did Lavrov say in March?", "2024-03-01", "2024-04-01", false, ""},
		{"in a month still to come is last year's", "What happened in October?", "2023-10-01", "2023-11-01", false, ""},
		{"early March", "What happened in early March?", "2024-03-01", "2024-03-11", false, ""},
		{"last June", "What happened last June?", "2023-06-01", "2023-07-01", false, "What happened?"},
		{"in 2023", "What happened in 2023 with inflation?", "2023-01-01", "2024-01-01", false, ""},
		{"late 2022", "Who resigned in late 2022?", "2022-09-01", "2023-01-01", false, ""},
		{"since a year stays in the text", "Which team reached its first final since 1999?", "1999-01-01", "2024-05-18", false, ""},
		{"between two months", "What happened between March and April?", "2024-03-01", "2024-05-01", false, ""},
		{"from a year to a year", "Who led the party from 2019 to 2021?", "2019-01-01", "2022-01-01", false, ""},
		{"on a date this year", "What did Biden announce on May 3?", "2024-05-03", "2024-05-05", false, ""},
		{"a date still to come is last year's", "What did Biden announce on December 3?", "2023-12-03", "2023-12-05", false, ""},
		{"a date with its year", "What happened on July 4, 1776 in Philadelphia?", "1776-07-04", "1776-07-06", false, ""},
		{"day first", "What happened on 3 March 2023?", "2023-03-03", "2023-03-05", false, ""},
		{"abbreviated month", "What happened on Dec. 3, 2023?", "2023-12-03", "2023-12-05", false, ""},
		{"ISO date", "What happened on 2023-03-05?", "2023-03-05", "2023-03-07", false, ""},
		{"US date", "What happened on 3/5/2023?", "2023-03-05", "2023-03-07", false, ""},
		{"latest", "What is the latest on the strike?", "", "", true, "What is on the strike?"},
		{"recently", "Which country recently banned teens from social media?", "", "", true, "Which country banned teens from social media?"},
		{"now", "Which chocolate bar now has paper wrappers?", "", "", true, "Which chocolate bar has paper wrappers?"},
		{"so far", "How many storms so far?", "", "", true, "How many storms?"},
		{"a period after now wants the newest", "What will Apple unveil early next month?", "", "", true, "What will Apple unveil early?"},
		{"this weekend before it comes", "Who plays this weekend?", "", "", true, "Who plays?"},
		{"relative names the frame before absolute", "Which country announced this week that it drops quarantine after sealing its borders in March 2020?", "2024-05-11", "2024-05-18", false, "Which country announced that it drops quarantine after sealing its borders in March 2020?"},
		{"a comparison is no frame", "Rents rose recently. Which city saw the biggest increase compared to a year ago?", "", "", true, "Rents rose. Which city saw the biggest increase compared to?"},

		// Not time expressions.
		{"a year as a name", "Which team won the 2022 NHL Stanley Cup Finals?", "", "", false, ""},
		{"a month as a name", "What did the March Madness winner say?", "", "", false, ""},
		{"may the verb", "What may happen to the bill?", "", "", false, ""},
		{"an abbreviation in a name", "Where is Mar-a-Lago located?", "", "", false, ""},
		{"numbers with separators", "Did 1,500 or 2,000 people die, and was it $1.58 billion?", "", "", false, ""},
		{"an ordinal", "Who is the 46th president?", "", "", false, ""},
		{"a day in the story", "What happened the next day?", "", "", false, ""},
		{"the last day of something", "Who spoke on the last day of the trial?", "", "", false, ""},
		{"a show named Today", "Nancy Guthrie, mother of “Today” anchor Savannah Guthrie, went missing. Where?", "", "", false, ""},
		{"from alone is a reference", "How much did prices rise from a year ago?", "", "", false, "How much did prices rise from?"},
		{"February 30", "What happened on February 30?", "", "", false, ""},
		{"no time at all", "What did Lavrov call for?", "", "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, rest := ParseTime(tt.text, now)
			var since, until string
			if !f.Since.IsZero() {
				since = f.Since.Format(time.DateOnly)
			}
			if !f.Until.IsZero() {
				until = f.Until.Format(time.DateOnly)
			}
			if since != tt.since || until != tt.until {
				t.Errorf("period: got %q..%q, want %q..%q (phrase %q)", since, until, tt.since, tt.until, f.Phrase)
			}
			if f.Recent != tt.recent {
				t.Errorf("recent: got %v, want %v", f.Recent, tt.recent)
			}
			want := tt.rest
			if want == "" {
				want = tt.text
			}
			if rest != want {
				t.Errorf("rest: got %q, want %q", rest, want)
			}
		})
	}
}

func TestParseTimeWithoutNow(t *testing.T) {
	f, rest := ParseTime("What happened this week?", time.Time{})
	if f.HasPeriod() || f.Recent || rest != "What happened this week?" {
		t.Errorf("got %+v, %q; want nothing read without a now", f, rest)
	}
}

// Now's calendar day is taken in now's location: late on Friday evening in
// New York it is Saturday in UTC, and "yesterday" is still Thursday.
func TestParseTimeUsesNowsLocation(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone data")
	}
	now := time.Date(2024, 5, 17, 22, 0, 0, 0, ny)
	f, _ := ParseTime("What happened yesterday?", now)
	if got := f.Since.Format(time.DateOnly); got != "2024-05-16" {
		t.Errorf("yesterday: got %s, want 2024-05-16", got)
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"What happened this week in Ukraine?", "since Monday", "between March and May", "from 2019 to 2021",
		"On July 4, 1776, in which city?", "3/5/2023", "2023-13-45", "the past 3 days", "a couple of weeks ago",
		"Tuesday’s $1.58 billion jackpot", "mid-March 2024", "last", "in", "the last", "since", "between March and",
		"“Today” show", "9999-99-99", "December 31st, 2100", "12th of never",
	} {
		f.Add(s, int64(0))
	}
	f.Fuzz(func(t *testing.T, text string, offset int64) {
		now := time.Date(2024, 5, 17, 12, 0, 0, 0, time.UTC).Add(time.Duration(offset%(200*365*24)) * time.Hour)
		fr, rest := ParseTime(text, now)
		tomorrow := dayOf(now).AddDate(0, 0, 1)
		if !fr.Since.IsZero() && !fr.Until.IsZero() && !fr.Since.Before(fr.Until) {
			t.Errorf("%q: empty period %v..%v", text, fr.Since, fr.Until)
		}
		if fr.Until.After(tomorrow) || !fr.Since.IsZero() && !fr.Since.Before(tomorrow) {
			t.Errorf("%q: period %v..%v reaches past now %v", text, fr.Since, fr.Until, now)
		}
		if fr.HasPeriod() && !strings.Contains(text, fr.Phrase) {
			t.Errorf("%q: phrase %q is not in the text", text, fr.Phrase)
		}
		// The rest keeps the question's other words, in order.
		words := tokenize(text)
		for _, w := range tokenize(rest) {
			for len(words) > 0 && words[0] != w {
				words = words[1:]
			}
			if len(words) == 0 {
				t.Fatalf("%q: rest %q has %q out of place", text, rest, w)
			}
			words = words[1:]
		}
	})
}
