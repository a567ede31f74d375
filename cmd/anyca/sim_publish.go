package main

import (
	"net/http"

	"github.com/anyca/anyca/model"
)

// publishHandler serves POST /publish?domain=NAME: every simulated CA then treats the
// domain's challenges as published, so the next anyca verify passes it. It stands in
// for publishing the DNS record or file, which the simulator cannot see.
func publishHandler(cas []simCA) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, err := model.NormalizeDomain(r.URL.Query().Get("domain"))
		if err != nil {
			http.Error(w, "publish: "+err.Error(), http.StatusBadRequest)
			return
		}
		for _, ca := range cas {
			if ca.publish != nil {
				ca.publish(name)
			}
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
