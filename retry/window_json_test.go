package retry

import (
	"encoding/json"
	"testing"
	"time"
)

func TestConfigJSONWindowsStrict(t *testing.T) {
	var c Config
	if err := json.Unmarshal([]byte(`{"windows":[{"n":100,"per":"5s"}]}`), &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Windows) != 1 || c.Windows[0].N != 100 || c.Windows[0].Per != 5*time.Second {
		t.Fatalf("windows %+v", c.Windows)
	}
	if err := json.Unmarshal([]byte(`{"windows":[{"n":100,"per":"5s","typo":1}]}`), &c); err == nil {
		t.Fatal("unknown field inside a window accepted")
	}
}
