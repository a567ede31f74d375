package anyca

// builtins returns the adapters compiled into anyca, so New works without blank imports
// or init functions. Each adapter's entry converts Config into the adapter's own options.
func builtins() map[string]NewFunc {
	return map[string]NewFunc{
		"digicert": newDigiCert,
		"zerossl":  newZeroSSL,
	}
}
