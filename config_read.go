package anyca

import (
	"bytes"
	"errors"
	"io"

	"github.com/anyca/anyca/internal/jsonstrict"
	"github.com/anyca/anyca/model"
)

// MaxConfigBytes caps the size of a config ReadConfig reads.
const MaxConfigBytes = 1 << 20

// ReadConfig reads one JSON config object (the field names of Config) from r, at most
// MaxConfigBytes of it. It is ParseConfig for files and standard input.
func ReadConfig(r io.Reader) (Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxConfigBytes+1))
	if err != nil {
		return Config{}, configError("ReadConfig", "reading the config: %v", err)
	}
	if len(data) > MaxConfigBytes {
		return Config{}, configError("ReadConfig", "the config is larger than %d bytes", MaxConfigBytes)
	}
	return ParseConfig(data)
}

// ParseConfig decodes one JSON config object. Unknown fields are errors at every depth
// (a typo inside "retry" too), as is anything after the object; the API key is taken as
// written (see MarshalJSON for the other direction). Every error is a *model.Error of
// kind model.ErrInvalidArgument that names the field at fault and never quotes a value.
func ParseConfig(data []byte) (Config, error) {
	if trimmed := bytes.TrimSpace(data); bytes.Equal(trimmed, []byte("null")) {
		return Config{}, configError("config", "the config is null: want a JSON object")
	}
	var cfg Config
	if err := jsonstrict.Decode(data, &cfg); err != nil {
		var me *model.Error
		if errors.As(err, &me) {
			return Config{}, err // from UnmarshalJSON, already described
		}
		return Config{}, configError("config", "%v", err)
	}
	return cfg, nil
}

// UnmarshalJSON reads a config object strictly: a field Config does not have, at any
// depth, is an error, so a typo is reported rather than silently ignored. The API key is
// taken as written. Errors are *model.Error of kind model.ErrInvalidArgument naming the
// field, never quoting a value. Like encoding/json, fields the input leaves out keep
// their values.
func (c *Config) UnmarshalJSON(b []byte) error {
	type plain Config // Config's fields without this method
	v := plain(*c)
	if err := jsonstrict.Decode(b, &v); err != nil {
		return configError("config", "%v", err)
	}
	*c = Config(v)
	return nil
}
