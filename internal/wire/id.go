package wire

// AlnumID reports whether id is an identifier of minLen to maxLen ASCII letters and
// digits: the only ids the adapters put into a URL path, so no id can change the path.
func AlnumID(id string, minLen, maxLen int) bool {
	if len(id) < minLen || len(id) > maxLen || id == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
