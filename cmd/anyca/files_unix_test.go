//go:build unix

package main

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// mkfifo makes a FIFO in dir that nobody writes to.
func mkfifo(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// runGuarded is runApp that fails the test, instead of hanging it, when the command
// does not return.
func runGuarded(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	done := make(chan result, 1)
	go func() { done <- runApp(t, env, args...) }()
	select {
	case r := <-done:
		return r
	case <-time.After(time.Minute):
		t.Fatalf("anyca %q with %v did not return", args, env)
		return result{}
	}
}

// TestConfigFilesThatAreNotFiles: a config or key file that is a device or a FIFO is a
// configuration error naming the path (exit 2), checked before it is opened: never a
// read until memory runs out (/dev/zero) or an open that waits forever for a writer.
func TestConfigFilesThatAreNotFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, dir, "fifo")
	mkfifo(t, dir, "key") // the api_key_file of accounts.json
	accounts := writeFile(t, dir, "accounts.json", `{"accounts":[{"name":"prod","provider":"digicert","api_key_file":"key"}]}`)
	for name, env := range map[string]map[string]string{
		"ANYCA_CONFIG=/dev/zero":   {"ANYCA_CONFIG": "/dev/zero"},
		"ANYCA_CONFIG=a FIFO":      {"ANYCA_CONFIG": fifo},
		"api_key_file a FIFO":      {"ANYCA_CONFIG": accounts},
		"ANYCA_CONFIG=a directory": {"ANYCA_CONFIG": dir},
	} {
		t.Run(name, func(t *testing.T) {
			r := runGuarded(t, env, "certs", "list")
			assertFailure(t, r, 2, "not a regular file")
		})
	}
}
