module github.com/anyca/anyca/bench

go 1.26.8

replace github.com/anyca/anyca => ../

require (
	github.com/anyca/anyca v0.0.0-00010101000000-000000000000
	github.com/caddyserver/zerossl v0.1.6
)

require (
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	golang.org/x/net v0.43.0 // indirect
	golang.org/x/text v0.28.0 // indirect
	golang.org/x/time v0.12.0 // indirect
)
