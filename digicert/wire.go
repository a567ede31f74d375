package digicert

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
)

// flexString decodes a JSON string, number, bool or null into a string, so ids and
// tokens decode whether CertCentral sends them quoted or not.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	text, err := wire.ScalarString(b) // an object or array is an error, never "no value"
	*s = flexString(strings.TrimSpace(text))
	return err
}

// flexStrings decodes an array of strings (tolerating numbers and nulls inside), a
// single comma-separated string, or null.
type flexStrings []string

func (v *flexStrings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		items, err := wire.ScalarList(b)
		if err != nil {
			return err
		}
		*v = items
		return nil
	}
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	*v = model.SplitList(string(s))
	return nil
}

// page is the paging object of list answers.
type page struct {
	Total  wire.Int `json:"total"`
	Limit  wire.Int `json:"limit"`
	Offset wire.Int `json:"offset"`
}

// sizes returns the page's total (-1 when it does not say, as old List domains answers
// without a page object do) and the page limit the server used (0 when it does not say).
func (p *page) sizes() (total int64, limit int) {
	if p == nil {
		return -1, 0
	}
	total = -1
	if p.Total.Set {
		total = p.Total.N
	}
	return total, int(p.Limit.N)
}

// errorBody is CertCentral's error answer.
type errorBody struct {
	Errors vendorErrors `json:"errors"`
}

// vendorError is one entry of "errors".
type vendorError struct {
	Code    flexString `json:"code"`
	Message flexString `json:"message"`
}

// vendorErrors reads "errors" as an array of error objects or, in an old form, as one
// error object.
type vendorErrors []vendorError

func (v *vendorErrors) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var one vendorError
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*v = vendorErrors{one}
		return nil
	}
	var many []vendorError
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*v = many
	return nil
}

type productWire struct {
	NameID         flexString `json:"name_id"`
	Name           flexString `json:"name"`
	Type           flexString `json:"type"`
	ValidationType flexString `json:"validation_type"`
}

type orderCertWire struct {
	ID           flexString  `json:"id"`
	CommonName   flexString  `json:"common_name"`
	DNSNames     flexStrings `json:"dns_names"`
	SerialNumber flexString  `json:"serial_number"`
	Thumbprint   flexString  `json:"thumbprint"`
	DateCreated  flexString  `json:"date_created"`
	ValidFrom    flexString  `json:"valid_from"`
	ValidTill    flexString  `json:"valid_till"`
}

// orderWire is an order from Order info or List orders.
type orderWire struct {
	ID          flexString    `json:"id"`
	Status      flexString    `json:"status"`
	DateCreated flexString    `json:"date_created"`
	Product     productWire   `json:"product"`
	Certificate orderCertWire `json:"certificate"`
}

type orderListWire struct {
	Orders []orderWire `json:"orders"`
	Page   *page       `json:"page"`
}

// reportOrderWire is order_details_by_id's flat, string-typed answer.
type reportOrderWire struct {
	ID                   flexString `json:"id"`
	CertificateTrackerID flexString `json:"certificate_tracker_id"`
	CommonName           flexString `json:"common_name"`
	DNSNames             flexString `json:"dns_names"`
	Status               flexString `json:"status"`
	ValidFrom            flexString `json:"valid_from"`
	ValidTill            flexString `json:"valid_till"`
	DateCreated          flexString `json:"date_created"`
	SerialNumber         flexString `json:"serial_number"`
	Thumbprint           flexString `json:"thumbprint"`
	ProductNameID        flexString `json:"product_name_id"`
}

// reportFields are the Reports fields requested: only those the model needs.
const reportFields = "id,certificate_tracker_id,common_name,dns_names,status,valid_from,valid_till,date_created,serial_number,thumbprint,product_name_id"

type reportAnswer struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors vendorErrors               `json:"errors"`
}

type validationWire struct {
	Type           flexString `json:"type"`
	ValidatedUntil flexString `json:"validated_until"`
	Status         flexString `json:"status"`
	DCVStatus      flexString `json:"dcv_status"`
}

type dcvTokenWire struct {
	Token             flexString `json:"token"`
	Status            flexString `json:"status"`
	ExpirationDate    flexString `json:"expiration_date"`
	VerificationValue flexString `json:"verification_value"`
	HTTPTokenURL      flexString `json:"http_token_url"` // where the file goes, when the API says
}

// domainWire is a domain from Domain info or List domains.
type domainWire struct {
	ID                  flexString        `json:"id"`
	IsActive            wire.Bool         `json:"is_active"`
	Status              flexString        `json:"status"` // deprecated: not used for status
	Name                flexString        `json:"name"`
	Validations         []validationWire  `json:"validations"`
	DCVMethod           flexString        `json:"dcv_method"`
	DCVToken            *dcvTokenWire     `json:"dcv_token"`
	DCVExpiration       dcvExpirationWire `json:"dcv_expiration"`
	DCVApprovalDatetime flexString        `json:"dcv_approval_datetime"`
	IsPendingValidation wire.Bool         `json:"is_pending_validation"`
	// LastSubmittedDatetime is when the domain was last submitted for DCV (List domains).
	LastSubmittedDatetime flexString `json:"last_submitted_datetime"`
}

// dcvExpirationWire is a domain's dcv_expiration object: when the OV and EV validations
// expire and, in List domains, their status words. The object's other members
// (ov_shortened, dcv_approval_date) are not read.
type dcvExpirationWire struct {
	OV       flexString `json:"ov"`
	EV       flexString `json:"ev"`
	OVStatus flexString `json:"ov_status"`
	EVStatus flexString `json:"ev_status"`
}

// of is the expiration date and status word given for lvl; "" for a level the object
// does not carry.
func (e *dcvExpirationWire) of(lvl model.ValidationLevel) (date, status string) {
	switch lvl {
	case model.LevelOV:
		return string(e.OV), string(e.OVStatus)
	case model.LevelEV:
		return string(e.EV), string(e.EVStatus)
	}
	return "", ""
}

type domainListWire struct {
	Domains []domainWire `json:"domains"`
	Page    *page        `json:"page"`
}

type orderValidationWire struct {
	OrderID            flexString `json:"order_id"`
	OrderStatus        flexString `json:"order_status"`
	OrderDCVMethod     flexString `json:"order_dcv_method"`
	DNSNameValidations []struct {
		DomainID  flexString  `json:"domain_id"`
		NameScope flexString  `json:"name_scope"`
		Status    flexString  `json:"status"`
		Method    flexString  `json:"method"`
		DNSNames  flexStrings `json:"dns_names"`
	} `json:"dns_name_validations"`
}

type randomValueWire struct {
	DCVRandomValue flexString `json:"dcv_random_value"`
	ExpirationDate flexString `json:"expiration_date"`
}

// bareToken matches a "token" value the vendor's own example shows unquoted.
var bareToken = regexp.MustCompile(`("token"\s*:\s*)([A-Za-z0-9_.{}\-]+)(\s*[,}\n])`)

// decodeJSON unmarshals body into v. When the body is not valid JSON only because a
// "token" value is unquoted (as in DigiCert's Domain info example), it quotes it and
// tries again.
func decodeJSON(body []byte, v any) error {
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	if _, ok := err.(*json.SyntaxError); ok {
		if err2 := json.Unmarshal(quoteBareToken(body), v); err2 == nil {
			return nil
		}
	}
	return err
}

// quoteBareToken returns body with unquoted "token" values quoted (numbers, booleans and
// null are left alone), or body itself when it has none.
func quoteBareToken(body []byte) []byte {
	if !bareToken.Match(body) {
		return body
	}
	return bareToken.ReplaceAllFunc(body, func(m []byte) []byte {
		sub := bareToken.FindSubmatch(m)
		val := string(sub[2])
		if val == "true" || val == "false" || val == "null" {
			return m
		}
		if _, nerr := strconv.ParseFloat(val, 64); nerr == nil {
			return m
		}
		return []byte(string(sub[1]) + strconv.Quote(val) + string(sub[3]))
	})
}
