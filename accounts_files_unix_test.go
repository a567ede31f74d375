//go:build unix

package anyca_test

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
)

// TestParseAccountsKeyFileNotAFile: an api_key_file that is a FIFO or a device is an
// error naming the account, returned without opening a FIFO (which would wait for a
// writer forever) or reading a device without end.
func TestParseAccountsKeyFileNotAFile(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"fifo", "/dev/zero", "/dev/null", dir} {
		cfg := `{"accounts":[{"name":"prod","provider":"digicert","api_key_file":"` + path + `"}]}`
		done := make(chan error, 1)
		go func() {
			_, _, err := anyca.ParseAccounts([]byte(cfg), anyca.AccountOptions{Dir: dir})
			done <- err
		}()
		var err error
		select {
		case err = <-done:
		case <-time.After(time.Minute):
			t.Fatalf("ParseAccounts with api_key_file %s did not return", path)
		}
		if !errors.Is(err, model.ErrInvalidArgument) || !strings.Contains(err.Error(), "prod") || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("api_key_file %s: %v", path, err)
		}
	}
}
