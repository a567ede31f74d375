// Package redistest starts a Redis for tests: a redis-server of the test's own, in a temp
// dir on a random loopback port, when the binary is on PATH, else an in-process miniredis.
// RequireEnv=1 makes the real server required. It also has a loopback proxy that slows
// Redis down, for timeout tests.
package redistest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// RequireEnv, set to 1, makes Start fail the test rather than fall back to miniredis when
// no redis-server binary is on PATH (CI sets it).
const RequireEnv = "ANYCA_REQUIRE_REDIS"

// Server is one Redis for a test: a redis-server the test started, or miniredis.
type Server struct {
	Addr string               // host:port on loopback
	Real bool                 // a redis-server process, not miniredis
	Mini *miniredis.Miniredis // the miniredis, when not Real
	cmd  *exec.Cmd
	once sync.Once
}

// Start starts a redis-server of the test's own (temp dir, random loopback port) when the
// binary is on PATH, else an in-process miniredis. It is stopped when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%s=1 but no redis-server on PATH: %v", RequireEnv, err)
		}
		mr := miniredis.RunT(t)
		return &Server{Addr: mr.Addr(), Mini: mr}
	}
	var lastErr error
	for range 5 { // the free port can be taken between probing and binding
		r, err := startRedisServer(t, bin)
		if err == nil {
			return r
		}
		lastErr = err
	}
	t.Fatalf("starting redis-server: %v", lastErr)
	return nil
}

func startRedisServer(t testing.TB, bin string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
		"--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Real: true, cmd: cmd}
	t.Cleanup(r.Kill)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			r.cmd = nil
			return nil, fmt.Errorf("redis-server exited (%v): %s", err, strings.TrimSpace(string(log)))
		default:
		}
		if c, err := net.DialTimeout("tcp", r.Addr, 100*time.Millisecond); err == nil {
			_, _ = c.Write([]byte("PING\r\n"))
			_ = c.SetReadDeadline(time.Now().Add(time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "+PONG") {
				go func() { <-exited }()
				return r, nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.Kill()
	return nil, fmt.Errorf("redis-server on %s did not answer PING", r.Addr)
}

// Kill stops the server at once (SIGKILL for redis-server), as a crash would.
func (r *Server) Kill() {
	r.once.Do(func() {
		if r.cmd != nil && r.cmd.Process != nil {
			_ = r.cmd.Process.Kill()
		}
		if r.Mini != nil {
			r.Mini.Close()
		}
	})
}

// Client returns a go-redis client for the server, closed when the test ends.
func (r *Server) Client(t testing.TB) *redis.Client {
	return Client(t, r.Addr)
}

// Client returns a go-redis client for addr that does not retry, closed when the test ends.
func Client(t testing.TB, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second,
		ReadTimeout: 2 * time.Second, WriteTimeout: time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

// SlowProxy listens on loopback and forwards to target, holding every chunk from target
// for delay. It returns its address and stops when the test ends.
func SlowProxy(t testing.TB, target string, delay time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			wg.Add(2)
			go func() { defer wg.Done(); pipe(ctx, out, in, 0); out.Close() }()
			go func() { defer wg.Done(); pipe(ctx, in, out, delay); in.Close() }()
		}
	}()
	return ln.Addr().String()
}

func pipe(ctx context.Context, dst, src net.Conn, delay time.Duration) {
	go func() { <-ctx.Done(); src.Close(); dst.Close() }()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if delay > 0 {
				select {
				case <-time.After(delay):
				case <-ctx.Done():
					return
				}
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
