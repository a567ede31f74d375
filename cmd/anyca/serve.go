package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// serveUntilDone serves srv on ln until ctx ends, then shuts it down (at most 5 s for
// the requests in flight) and prints "anyca NAME: stopped" on stderr. afterServe, when
// set, runs once serving ends, before the shutdown or the error. Errors name the
// command: "NAME: ...".
func (a *app) serveUntilDone(ctx context.Context, name string, srv *http.Server, ln net.Listener, afterServe func()) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if a.simReady != nil {
		a.simReady(ln.Addr().String()) // tests: the address, once serving
	}
	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
	}
	if afterServe != nil {
		afterServe()
	}
	if serveErr != nil {
		return fmt.Errorf("%s: %w", name, serveErr)
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("%s: shutdown: %w", name, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("%s: %w", name, err)
	}
	fmt.Fprintf(a.stderr, "anyca %s: stopped\n", name)
	return nil
}
