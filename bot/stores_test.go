package bot_test

import (
	"path/filepath"
	"testing"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/storetest"
)

// The files in the data folder keep the stores' contract (bot/postgres is
// held to the same tests).
func TestSettingsFileContract(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "settings.json")
	storetest.Settings(t, func() bot.SettingsStore {
		f, err := bot.OpenSettingsFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return f
	})
}

func TestFeedbackFilesContract(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "feedback")
	storetest.Feedback(t, func() bot.FeedbackStore { return bot.OpenFeedbackFiles(dir) })
}

func TestBriefingFileContract(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "briefings.json")
	storetest.Briefings(t, func() bot.BriefingLog {
		f, err := bot.OpenBriefingFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return f
	})
}

func TestFeedFileContract(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "feeds.json")
	open := func() *bot.FeedFile {
		f, err := bot.OpenFeedFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	t.Run("feeds", func(t *testing.T) {
		// One process holds a data folder: its leases live in its store.
		f := open()
		storetest.Feeds(t, func() bot.FeedStore { return f })
	})
	t.Run("announcements", func(t *testing.T) {
		storetest.Announcements(t, func() bot.AnnouncementLog { return open() })
	})
}
