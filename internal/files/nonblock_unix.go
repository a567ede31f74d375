//go:build unix

package files

import "syscall"

// nonBlock opens a FIFO swapped in after the check without waiting for a writer.
const nonBlock = syscall.O_NONBLOCK
