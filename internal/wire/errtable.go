package wire

import "strings"

// Rule is one line of an adapter's error table: an answer matches when its status equals
// Status (0 matches any) and its vendor code matches Code ("" matches any). A Code with a
// "|" must equal the whole vendor code; one without matches the code's part before the
// first "|" (CertCentral's codes are composite: "not_found|order"). Codes compare
// case-insensitively.
type Rule struct {
	Status int
	Code   string
	Kind   error
}

// ErrorTable is an adapter's whole mapping from (status, vendor code) to a model kind,
// read top to bottom: the first matching rule decides. Put code-specific rules before
// status-only ones when the code must win (an invalid key that answers 403).
type ErrorTable []Rule

// Kind returns the kind of the first rule matching status and code, or nil when none
// does (the caller then decides from the status alone).
func (t ErrorTable) Kind(status int, code string) error {
	code = strings.ToLower(strings.TrimSpace(code))
	head, _, _ := strings.Cut(code, "|")
	for _, r := range t {
		if r.Status != 0 && r.Status != status {
			continue
		}
		if r.Code != "" {
			want := strings.ToLower(r.Code)
			if strings.Contains(want, "|") {
				if want != code {
					continue
				}
			} else if want != head {
				continue
			}
		}
		return r.Kind
	}
	return nil
}
