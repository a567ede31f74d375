package retry_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/anyca/anyca/retry"
)

// A rolling-window limiter lets the window's N requests go at once and then refuses, at
// once, a wait that would outlast the caller's deadline.
func ExampleNewWindowLimiter() {
	lim, err := retry.NewWindowLimiter(retry.Window{N: 2, Per: time.Minute})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range 3 {
		err := lim.Wait(ctx)
		fmt.Println(i, err == nil, errors.Is(err, context.DeadlineExceeded))
	}
	// Output:
	// 0 true false
	// 1 true false
	// 2 false true
}

// Config.Windows (anyca.Config.Retry.Windows) gives any adapter a rolling-window limit;
// each window is kept with a margin for network jitter (Gap). Config.Limiter plugs in any
// other limiter, such as a shared one.
func ExampleConfig_windows() {
	cfg := retry.Config{Windows: []retry.Window{{N: 100, Per: 5 * time.Second}, {N: 1000, Per: 3 * time.Minute}}}
	fmt.Println(cfg.Windows, cfg.Windows[1].Gap())
	// Output: [100 per 5s 1000 per 3m0s] 3m2s
}
