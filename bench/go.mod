module github.com/anyca/anyca/bench

go 1.26.0

replace github.com/anyca/anyca => ../

replace github.com/anyca/anyca/redislimit => ../redislimit

replace github.com/anyca/anyca/acme/acmetest => ../acme/acmetest

require (
	github.com/anyca/anyca v0.0.0-00010101000000-000000000000
	github.com/anyca/anyca/acme/acmetest v0.0.0-00010101000000-000000000000
	github.com/anyca/anyca/redislimit v0.0.0-00010101000000-000000000000
	github.com/caddyserver/zerossl v0.1.6
	github.com/go-acme/lego/v5 v5.6.0
	github.com/mholt/acmez/v3 v3.1.7
)

require (
	github.com/alicebob/miniredis/v2 v2.40.0 // indirect
	github.com/cenkalti/backoff/v5 v5.0.3 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/go-jose/go-jose/v4 v4.1.8 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	github.com/letsencrypt/challtestsrv v1.4.2 // indirect
	github.com/letsencrypt/pebble/v2 v2.10.3 // indirect
	github.com/miekg/dns v1.1.73 // indirect
	github.com/redis/go-redis/v9 v9.23.0 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	github.com/yuin/gopher-lua v1.1.1 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	go.uber.org/goleak v1.3.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	golang.org/x/time v0.16.0 // indirect
	software.sslmate.com/src/go-pkcs12 v0.7.4 // indirect
)
