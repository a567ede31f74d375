package zerossl

import (
	"errors"
	"strings"
	"testing"

	"github.com/anyca/anyca/internal/fuzzseed"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// FuzzVerifyAnswer feeds arbitrary bodies to the reader of verify answers. Properties:
// no panic; an error is a *model.Error; a failed check gives every domain a verdict that
// is valid, or failed with a one-line Problem.
func FuzzVerifyAnswer(f *testing.F) {
	fuzzseed.AddFiles(f, "testdata", `{"success":false,"error":{"code":0,"type":"domain_control_validation_failed","details":{"a.com":{"x":{"cname_found":"1"}},"b.com":{"validation_successful":"0"}}}}`,
		`{"success":0,"error":{"type":"domain_control_validation_failed","details":[]}}`,
		`{"success":0,"error":{"type":"domain_control_validation_failed","details":{"a.com":[1,2]}}}`)
	c, err := New(Config{APIKey: "fuzz-key-0123456789abcdef", BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		verdicts, failed, err := c.checkVerdicts("Verify", &retry.Response{StatusCode: 200, Body: body})
		if err != nil {
			var me *model.Error
			if !errors.As(err, &me) {
				t.Fatalf("%T is not a *model.Error", err)
			}
			return
		}
		if !failed {
			return
		}
		for d, v := range verdicts {
			switch v.status {
			case model.ValidationValid:
			case model.ValidationFailed:
				if v.problem == "" || strings.ContainsAny(v.problem, "\n\r\x00") {
					t.Fatalf("%q: problem %q", d, v.problem)
				}
			default:
				t.Fatalf("%q: status %q", d, v.status)
			}
		}
	})
}
