package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/knadh/koanf/parsers/toml/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"
	gotoml "github.com/pelletier/go-toml/v2"
)

// configNames are the file names newsbot looks for, in the working folder
// and then in the data folder, when --config does not name a file.
var configNames = []string{"newsbot.toml", "newsbot.yaml", "newsbot.yml"}

// maxConfigBytes caps a config file; a larger one is surely the wrong file.
const maxConfigBytes = 1 << 20

// configFlags is what the command line says about configuration: the
// config file to read, and settings given as flags (key → value, and the
// flag's name for messages).
type configFlags struct {
	file   string
	values map[string]string
	names  map[string]string
}

// findConfigFile returns the config file to read: the one --config or
// NEWSBOT_CONFIG names (which must exist), else newsbot.toml or .yaml in the
// working folder, else in the data folder; "" when there is none.
func findConfigFile(getenv func(string) string, flags configFlags) (string, error) {
	named, where := flags.file, "--config"
	if named == "" {
		named, where = strings.TrimSpace(getenv("NEWSBOT_CONFIG")), "NEWSBOT_CONFIG"
	}
	if named != "" {
		fi, err := os.Stat(named)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return "", fmt.Errorf("%s: %s does not exist", where, named)
		case err != nil:
			return "", fmt.Errorf("%s: cannot read %s: %v", where, named, errors.Unwrap(err))
		case fi.IsDir():
			return "", fmt.Errorf("%s: %s is a folder, not a config file", where, named)
		}
		return named, nil
	}
	dataDir := flags.values["data_dir"]
	if dataDir == "" {
		dataDir = orDefault(getenv(mustLookup("data_dir").env), mustLookup("data_dir").def)
	}
	for _, dir := range []string{".", dataDir} {
		var found []string
		for _, name := range configNames {
			p := name
			if dir != "." {
				p = filepath.Join(dir, name)
			}
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
				found = append(found, p)
			}
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			return found[0], nil
		default:
			return "", fmt.Errorf("found both %s and %s: keep one config file", found[0], found[1])
		}
	}
	return "", nil
}

func mustLookup(key string) setting {
	s, ok := lookup(key)
	if !ok {
		panic("no setting " + key)
	}
	return s
}

// loadFile applies a TOML or YAML config file. Every key must be a setting's
// key, or a secret's key with _file (the path of a file holding it); a key
// that is neither is refused by name, so a typo never goes unnoticed.
func (c *config) loadFile(path string) error {
	var parser koanf.Parser
	switch strings.ToLower(filepath.Ext(path)) {
	case ".toml":
		parser = toml.Parser()
	case ".yaml", ".yml":
		parser = yaml.Parser()
	default:
		return fmt.Errorf("%s: a config file must be .toml or .yaml", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: cannot be read: %v", path, errors.Unwrap(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return fmt.Errorf("%s: cannot be read: %v", path, err)
	}
	if len(data) > maxConfigBytes {
		return fmt.Errorf("%s: larger than a config file can be (1 MB)", path)
	}
	k := koanf.New(".")
	if err := k.Load(rawbytes.Provider(data), parser); err != nil {
		return fmt.Errorf("%s: %s", path, syntaxError(err))
	}
	keys := k.Keys()
	slices.Sort(keys)
	for _, key := range keys {
		s, ok := lookup(key)
		if ok {
			if s.secret && k.Exists(key+"_file") {
				return fmt.Errorf("%s: both %s and %s_file are set: keep one", path, key, key)
			}
			if err := s.set(c, k.Get(key), key+" in "+path); err != nil {
				return err
			}
			c.fileSecrets = c.fileSecrets || s.secret
			continue
		}
		base, isFile := strings.CutSuffix(key, "_file")
		if s, ok := lookup(base); ok && isFile && s.secret {
			name, err := scalar(k.Get(key))
			if err != nil {
				return fmt.Errorf("%s in %s must be the path of a file, not %s", key, path, show(k.Get(key)))
			}
			secret, err := readSecretFile(key+" in "+path, name)
			if err != nil {
				return err
			}
			if err := s.set(c, secret, key+" in "+path); err != nil {
				return err
			}
			continue
		}
		msg := fmt.Sprintf("%s: unknown key %q", path, key)
		if near := nearestKey(key); near != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", near)
		} else {
			msg += " (the README lists the keys)"
		}
		return errors.New(msg)
	}
	return nil
}

// readSecretFile reads a secret kept in its own file; where names the
// setting that pointed there.
func readSecretFile(where, name string) (string, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("%s: cannot read %s: %v", where, name, errors.Unwrap(err))
	}
	s := strings.TrimSpace(string(data))
	if s == "" {
		return "", fmt.Errorf("%s: %s is empty", where, name)
	}
	return s, nil
}

// syntaxError says where a config file stops parsing, in one line.
func syntaxError(err error) string {
	var de *gotoml.DecodeError
	if errors.As(err, &de) {
		row, col := de.Position()
		return fmt.Sprintf("not valid TOML at line %d, column %d: %s", row, col, de.Error())
	}
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	msg = strings.TrimPrefix(msg, "yaml: ")
	return "not valid YAML: " + msg
}

// unknownVariables warns about NEWSBOT_ variables in environ that newsbot
// does not read, naming the one meant when it is near: a mistyped variable
// is otherwise silently ignored. Only warnings: the environment is shared
// with other programs (and tests set NEWSBOT_TEST_ variables of their own).
func unknownVariables(environ []string) []string {
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "NEWSBOT_") || strings.HasPrefix(name, "NEWSBOT_TEST_") || name == "NEWSBOT_CONFIG" || name == "NEWSBOT_LARGE" {
			continue
		}
		key := strings.ToLower(strings.TrimPrefix(name, "NEWSBOT_"))
		if s, ok := lookup(key); ok && s.env == name {
			continue
		}
		if s, ok := lookup(strings.TrimSuffix(key, "_file")); ok && s.secret && s.env+"_FILE" == name {
			continue
		}
		msg := "ignoring " + name + ", which is no setting"
		if near := nearestKey(key); near != "" {
			s, _ := lookup(strings.TrimSuffix(near, "_file"))
			if strings.HasSuffix(near, "_file") {
				msg += " (did you mean " + s.env + "_FILE?)"
			} else {
				msg += " (did you mean " + s.env + "?)"
			}
		}
		out = append(out, msg)
	}
	slices.Sort(out)
	return out
}

// nearestKey is the known key closest to a mistyped one, or "".
func nearestKey(key string) string {
	best, bestD := "", 3 // at most two edits away
	for _, s := range settings {
		for _, k := range []string{s.key, s.key + "_file"} {
			if k != s.key && !s.secret {
				continue
			}
			if d := editDistance(key, k); d < bestD {
				best, bestD = k, d
			}
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
