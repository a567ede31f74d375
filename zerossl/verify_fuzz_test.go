package zerossl

import (
	"strings"
	"testing"

	"github.com/anyca/anyca/internal/testsupport/fuzzseed"
	"github.com/anyca/anyca/model"
)

// FuzzVerifyAnswer feeds arbitrary bodies to the reader of verify answers. Properties:
// no panic; an error is a *model.Error of a model kind; a failed check gives every domain
// a verdict that is valid, or failed with a one-line Problem.
func FuzzVerifyAnswer(f *testing.F) {
	fuzzseed.AddFiles(f, "testdata", `{"success":false,"error":{"code":0,"type":"domain_control_validation_failed","details":{"a.com":{"x":{"cname_found":"1"}},"b.com":{"validation_successful":"0"}}}}`,
		`{"success":0,"error":{"type":"domain_control_validation_failed","details":[]}}`,
		`{"success":0,"error":{"type":"domain_control_validation_failed","details":{"a.com":[1,2]}}}`)
	c := fuzzClient(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		verdicts, failed, err := c.checkVerdicts("Verify", fuzzseed.Response(body))
		if err != nil {
			fuzzseed.CheckModelError(t, err)
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
