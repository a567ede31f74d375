//go:build !unix

package retry

import "time"

func processCPU() time.Duration { return -1 }
