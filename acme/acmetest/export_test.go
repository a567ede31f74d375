package acmetest

// RevocationReason reports, for the tests, whether Pebble holds the certificate der as
// revoked and the reason code it recorded (-1 when the request named none).
func (s *Server) RevocationReason(der []byte) (reason int, revoked bool) {
	rc := s.store.GetRevokedCertificateByDER(der)
	switch {
	case rc == nil:
		return 0, false
	case rc.Reason == nil:
		return -1, true
	}
	return int(*rc.Reason), true
}
