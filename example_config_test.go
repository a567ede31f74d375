package anyca_test

import (
	"errors"
	"fmt"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
)

// A typo anywhere in a JSON config, even inside "retry", is an error that names the
// field, of kind model.ErrInvalidArgument, and never quotes the key.
func ExampleParseConfig() {
	_, err := anyca.ParseConfig([]byte(`{
		"provider": "zerossl",
		"api_key": "0123456789abcdef0123456789abcdef",
		"retry": {"max_atempts": 3}
	}`))
	fmt.Println(err)
	fmt.Println(errors.Is(err, model.ErrInvalidArgument))
	// Output:
	// anyca: config: invalid argument: retry: unknown field "max_atempts"
	// true
}
