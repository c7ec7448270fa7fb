package discordtest_test

import (
	"testing"

	"github.com/newsbot/newsbot/bot/discord/discordtest"
)

func TestMain(m *testing.M) { discordtest.Main(m) }
