package main

// writeListDecode renders BenchmarkListDecode: per listing, anyca and the floor side by
// side, with anyca's ratios against the floor and the throughput goal.
func writeListDecode(w func(string, ...any)) {
	found := false
	for _, c := range listDecodeCases {
		found = found || samples["ListDecode/"+c+"/anyca"] != nil || samples["ListDecode/"+c+"/floor"] != nil
	}
	if !found {
		return
	}
	w("\n### P3 list-decode: one 1,000-item page per op\n\n")
	w("%s", loadLine(loads, "ListDecode"))
	w("| listing / client | time/op | client CPU/op | items per client CPU second | B/op | allocs/op | throughput vs floor | CPU vs floor | allocs vs floor | goal (>= %.2gx throughput) |\n|---|---|---|---|---|---|---|---|---|---|\n", listDecodeBound)
	for _, c := range listDecodeCases {
		floor := "ListDecode/" + c + "/floor"
		for impl, name := range ran("ListDecode/"+c+"/", "floor", "anyca") {
			thr, cpu, a := median(name, "items/cpu-s"), median(name, "cpu-ns/op"), median(name, "allocs/op")
			r := pairedRatios(name, floor, "items/cpu-s", "cpu-ns/op", "allocs/op")
			goal := ""
			if impl == "anyca" {
				goal = judge("", vs("throughput", name, floor, "items/cpu-s", listDecodeBound, false)).status
			}
			w("| %s / %s | %s%s | %s%s | %s%s | %s | %s | %.2fx | %.2fx | %.2fx | %s |\n", c, impl,
				dur(median(name, "ns/op")), spread(name, "ns/op"), dur(cpu), spread(name, "cpu-ns/op"),
				num(float64(int64(thr))), spread(name, "items/cpu-s"), num(median(name, "B/op")), num(a),
				r[0], r[1], r[2], goal)
		}
	}
	w("\nThe page is one List orders / List domains / list certificates answer of 1,000 items (DigiCert orders with five names each, DigiCert domains with OV and DV validations, ZeroSSL certificates with five names and their validation objects), read through `Provider.Certificates` or `anyca.Domains` with PageSize 1000; the floor sends the same request and decodes it with `json.Decoder` into minimal structs, then maps each item into the same model value. Items per client CPU second = 1,000 x ops / the benchmark process's CPU time (getrusage); the fakes are in a child process. The ZeroSSL fake renders its page once and replays it (the fake, not the client, is slow at 1,000 five-name certificates).\n")
}
