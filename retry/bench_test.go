package retry

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// benchBody is a JSON body of about 1 KB, the size of one certificate record.
var benchBody = func() string {
	var b strings.Builder
	b.WriteString(`{"id":"123456","common_name":"www.example.com","status":"issued","dns_names":[`)
	for i := 0; b.Len() < 1000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"host-%03d.example.com"`, i)
	}
	b.WriteString(`]}`)
	return b.String()
}()

// reportCPU adds the process CPU time per op since start as the metric cpu-ns/op.
func reportCPU(b *testing.B, start time.Duration) {
	if end := processCPU(); start >= 0 && end >= 0 && b.N > 0 {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkTransportOverhead compares one GET through a plain http.Client with the same
// GET through Client.Do, against the same loopback server, so the difference is what the
// retry loop, the limiter, redaction and the capped read cost per call.
func BenchmarkTransportOverhead(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, benchBody)
	}))
	defer srv.Close()
	ctx := context.Background()

	b.Run("plain-http-client", func(b *testing.B) {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 32
		hc := &http.Client{Transport: t, Timeout: DefaultTimeout}
		defer t.CloseIdleConnections()
		url := srv.URL + "/order/certificate/123?access_key=" + testKey
		b.ReportAllocs()
		b.ResetTimer()
		cpu := processCPU()
		defer func() { reportCPU(b, cpu) }()
		for i := 0; i < b.N; i++ {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Accept", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || len(body) != len(benchBody) {
				b.Fatalf("status %d, %d bytes, %v", resp.StatusCode, len(body), err)
			}
		}
	})

	run := func(b *testing.B, cfg Config) {
		c, err := New(Options{Provider: "bench", BaseURL: srv.URL, Auth: Auth{Key: testKey, QueryParam: "access_key"}, Config: cfg})
		if err != nil {
			b.Fatal(err)
		}
		req := &Request{Op: "Certificate", Path: "order/certificate/123"}
		b.ReportAllocs()
		b.ResetTimer()
		cpu := processCPU()
		defer func() { reportCPU(b, cpu) }()
		for i := 0; i < b.N; i++ {
			resp, err := c.Do(ctx, req)
			if err != nil {
				b.Fatal(err)
			}
			if len(resp.Body) != len(benchBody) {
				b.Fatalf("%d bytes", len(resp.Body))
			}
		}
	}
	b.Run("retry-client", func(b *testing.B) {
		run(b, Config{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: time.Second, RequestsPerSecond: -1})
	})
	b.Run("retry-client-limited", func(b *testing.B) {
		// A limit far above what one loopback connection can do: the limiter is consulted on
		// every attempt but never makes it wait.
		run(b, Config{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: time.Second, RequestsPerSecond: 1e9, Burst: 1000})
	})
}
