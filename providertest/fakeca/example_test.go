package fakeca_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/anyca/anyca/providertest/fakeca"
)

// The injector in front of a handler that knows nothing of it: the first request is
// refused with the fault set by FailNext, in the error format NewInjector was given; the
// next reaches the handler.
func ExampleInjector_Wrap() {
	faults := fakeca.NewInjector(func(status int, message string) []byte {
		return []byte(fmt.Sprintf(`{"status":%d,"error":%q}`, status, message))
	})
	h := faults.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))

	faults.FailNext(1, fakeca.Fault{Kind: fakeca.RateLimit, RetryAfter: "2", Message: "slow down"})
	for range 2 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/certificates", nil))
		fmt.Println(rec.Code, rec.Header().Get("Retry-After"), rec.Body.String())
	}
	fmt.Println(faults.Requests(), "requests,", faults.Injected()[fakeca.RateLimit], "fault injected")
	// Output:
	// 429 2 {"status":429,"error":"slow down"}
	// 200  {"ok":true}
	// 2 requests, 1 fault injected
}
