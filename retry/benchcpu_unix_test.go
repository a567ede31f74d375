//go:build unix

package retry

import (
	"syscall"
	"time"
)

// processCPU returns the user+system CPU time this process has used. Client and server
// share the process, so per-op differences between sub-benchmarks are the client's cost;
// unlike wall time it does not grow when other processes take the machine's cores.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
