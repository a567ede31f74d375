package anyca

// builtins returns the adapters compiled into anyca, so New works without blank imports
// or init functions. Each adapter's entry converts Config into the adapter's own options.
func builtins() map[string]NewFunc {
	m := map[string]NewFunc{
		"digicert": newDigiCert,
		"zerossl":  newZeroSSL,
	}
	for name := range acmeCAs {
		m[name] = newACME
	}
	return m
}

// asProvider returns an adapter's constructor result as a Provider: on an error, a nil
// interface rather than a typed nil client inside it (which would compare non-nil).
func asProvider[P Provider](p P, err error) (Provider, error) {
	if err != nil {
		return nil, err
	}
	return p, nil
}
