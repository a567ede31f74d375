package retry

import (
	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
)

// The answers that are not the CA's: codes every adapter reports alike and that
// providertest.Run checks, public so that an adapter outside this repository reports
// them as the built-in ones do.

// CodeUnexpectedDocument is the model.Error code of a 2xx answer that is not the
// document asked for (a wrong BaseURL, a proxy's JSON, another vendor's API).
const CodeUnexpectedDocument = wire.CodeUnexpectedDocument

// CodeEndpointNotFound is the model.Error code of a 404 whose body is not the vendor's
// error format: the endpoint is missing, not the object asked for.
const CodeEndpointNotFound = wire.NotVendor404Code

// UnexpectedDocument is the error of a 2xx answer that is not document (a description
// such as "a ToyCA certificate") because it has none of fields at its top level: kind
// model.ErrUnavailable, code CodeUnexpectedDocument, and a message asking whether
// BaseURL is right. An adapter returns it rather than read the answer as empty.
func UnexpectedDocument(provider, op string, status int, document string, fields ...string) *model.Error {
	return wire.UnexpectedDocument(provider, op, status, document, fields...)
}

// NotVendor404 is what an adapter's ErrorDecoder returns for a 404 whose body is not
// the vendor's error format: code CodeEndpointNotFound, a message asking whether BaseURL
// is right, and kind model.ErrUnavailable, never model.ErrNotFound, which a caller would
// read as "no such certificate".
func NotVendor404() (code, message string, kind error) { return wire.NotVendor404() }

// EndpointNotFound is what an adapter's ErrorDecoder returns for the vendor's own "no
// such route" answer (a request under a wrong BaseURL path), and for a 404 whose code is
// not the vendor's "this object does not exist": code CodeEndpointNotFound, kind
// model.ErrUnavailable, and a message that keeps the vendor's code and text and asks
// whether BaseURL is right. Only the vendor's object-not-found code is model.ErrNotFound;
// providertest.Run checks it (Errors/WrongRoute).
func EndpointNotFound(vendorCode, vendorMessage string) (code, message string, kind error) {
	return wire.EndpointNotFound(vendorCode, vendorMessage)
}
