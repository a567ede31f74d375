package main

import (
	"net/http"
	"time"
)

// newSimDigiCert is a placeholder until the digicerttest fake lands.
func newSimDigiCert(seed uint64, now time.Time) simCA {
	return simCA{provider: "digicert", label: "DigiCert", prefix: "/digicert", basePath: "/services/v2",
		apiKey: "anyca-sim-digicert-demo-key", missingID: "404404", handler: http.NotFoundHandler()}
}
