// Package pgtest gives each test its own schema in a real PostgreSQL
// server, dropped when the test ends. The server is named by
// NEWSBOT_TEST_DATABASE_URL; without it the tests that need PostgreSQL
// skip, saying so, except in CI (CI=true), where .ci/run sets it and a
// missing variable fails them.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// EnvVar names the variable that points the tests at a PostgreSQL server.
const EnvVar = "NEWSBOT_TEST_DATABASE_URL"

// URL returns the address of a new, empty schema of the test server, as a
// postgres:// URL whose search_path selects it. The schema is dropped when
// the test ends. Without EnvVar the test is skipped.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvVar)
	if base == "" && os.Getenv("CI") != "" {
		t.Fatalf("%s is not set: CI runs the PostgreSQL tests (see .ci/run)", EnvVar)
	}
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test) to run them", EnvVar)
	}
	base, err := plainOnLoopback(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvVar, err)
	}
	pool, err := adminPool(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvVar, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var b [6]byte
	rand.Read(b[:])
	schema := "newsbot_test_" + hex.EncodeToString(b[:])
	if _, err := pool.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("%s is set but PostgreSQL did not make a schema for the test: %v", EnvVar, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := pool.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop the test schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvVar, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// admin holds the test binary's connections for making and dropping the
// tests' schemas. Each new connection costs the server some 40 ms of
// processor time (a backend process started and its caches filled), more
// than making a schema or dropping it does; a connection of its own for
// each was two of the four to ten connections a test makes.
var admin struct {
	mu    sync.Mutex
	pools map[string]*pgxpool.Pool // by server address
}

// adminPool returns the connection pool to base shared by the test
// binary's tests, made on first use and left for the process's end to
// close. Two connections serve tests making schemas in parallel.
func adminPool(base string) (*pgxpool.Pool, error) {
	admin.mu.Lock()
	defer admin.mu.Unlock()
	if pool := admin.pools[base]; pool != nil {
		return pool, nil
	}
	cfg, err := pgxpool.ParseConfig(base)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	if admin.pools == nil {
		admin.pools = map[string]*pgxpool.Pool{}
	}
	admin.pools[base] = pool
	return pool, nil
}

// plainOnLoopback adds sslmode=disable to the address of a server on this
// machine that names no sslmode: the tests open hundreds of connections,
// and pgx's default (TLS if the server offers it) doubled what each one
// cost in processor time, server and test together, to protect traffic
// that never leaves the machine. An sslmode in the address is kept.
func plainOnLoopback(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	if q.Has("sslmode") {
		return base, nil
	}
	if h := u.Hostname(); h != "localhost" && !net.ParseIP(h).IsLoopback() {
		return base, nil
	}
	q.Set("sslmode", "disable")
	u.RawQuery = q.Encode()
	return u.String(), nil
}
