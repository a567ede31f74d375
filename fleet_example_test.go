package anyca_test

import (
	"context"
	"fmt"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
)

// A fleet lists every account at once; an account that fails is named in the result
// while the others' answers are complete.
func ExampleFleet() {
	ctx := context.Background()
	dc, zs, stop := seededFakes() // one certificate each, for shop.example.com
	defer stop()

	fleet, err := anyca.NewFleet(ctx, []anyca.Account{
		{Name: "prod", Config: anyca.Config{Provider: "digicert", APIKey: dc.APIKey, BaseURL: dc.URL}},
		{Name: "dv", Config: anyca.Config{Provider: "zerossl", APIKey: zs.APIKey, BaseURL: zs.URL}},
		{Name: "old", Config: anyca.Config{Provider: "zerossl", APIKey: "revoked-key-0123456789", BaseURL: zs.URL}},
	}, anyca.FleetOptions{Concurrency: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := fleet.Certificates(ctx, model.CertificateQuery{})
	for _, c := range r.Items {
		fmt.Println(c.Account, c.Provider, c.CommonName, c.NotAfter.Format(time.DateOnly))
	}
	for name, err := range r.Failed {
		fmt.Println("failed:", name, model.KindOf(err))
	}
	// Output:
	// dv zerossl shop.example.com 2031-03-01
	// prod digicert shop.example.com 2031-03-01
	// failed: old unauthenticated
}

// A config file lists named accounts; keys come from the environment or files, and
// warnings say what is unsafe without showing a key.
func ExampleParseAccounts() {
	config := []byte(`{"accounts": [
		{"name": "prod", "provider": "digicert", "api_key_env": "DIGICERT_PROD_KEY", "region": "eu"},
		{"name": "dv", "provider": "zerossl", "api_key": "zerossl-key-written-in-the-file"}
	]}`)
	env := map[string]string{"DIGICERT_PROD_KEY": "digicert-key-from-the-environment"}
	accounts, warnings, err := anyca.ParseAccounts(config, anyca.AccountOptions{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range accounts {
		fmt.Println(a.Name, a.Config.Provider, a.Config.Region, len(a.Config.APIKey) > 0)
	}
	fmt.Println(warnings)
	// Output:
	// prod digicert eu true
	// dv zerossl  true
	// [account "dv": api_key is written in the config file; prefer api_key_env or api_key_file so the file can be shared]
}
