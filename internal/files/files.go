// Package files reads the small files a user points anyca at (a config file, an API key
// file, a PEM roots file) without trusting what the path names: the path is checked
// before it is opened, opened without blocking, checked again on the open file, and
// read through a cap. A FIFO, a device (/dev/zero, /dev/stdin), a socket or a directory
// is an error naming the path, never a hang or an unbounded read.
package files

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrNotRegular: the path names something other than a regular file.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge: the file is larger than the cap its reader allows.
var ErrTooLarge = errors.New("file too large")

// Read returns the contents of the regular file at path, at most max bytes. The path
// is stat'ed first (a FIFO is never opened), opened with O_NONBLOCK where the system
// has it, and stat'ed again on the open file (in case it was swapped); a file that is
// not regular is an error wrapping ErrNotRegular, one over max bytes an error wrapping
// ErrTooLarge. Errors name the path, never the contents. It also returns the file's
// FileInfo (for its permissions).
func Read(path string, max int64) ([]byte, os.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s: %w (%s)", path, ErrNotRegular, kind(fi.Mode()))
	}
	f, err := os.OpenFile(path, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err = f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s: %w (%s)", path, ErrNotRegular, kind(fi.Mode()))
	}
	if fi.Size() > max {
		return nil, nil, fmt.Errorf("%s: %w: over %d bytes", path, ErrTooLarge, max)
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, nil, err
	}
	if int64(len(b)) > max {
		return nil, nil, fmt.Errorf("%s: %w: over %d bytes", path, ErrTooLarge, max)
	}
	return b, fi, nil
}

// kind names a non-regular file mode for an error.
func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.String()
}
