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

func TestSustainedRate(t *testing.T) {
	digicert := Config{Windows: []Window{{N: 100, Per: 5 * time.Second}, {N: 1000, Per: 3 * time.Minute}}}
	tests := []struct {
		name string
		c    Config
		want float64
	}{
		{"the long window binds", digicert, 1000.0 / 180},
		{"windows win over a bucket rate", Config{RequestsPerSecond: 50, Windows: digicert.Windows}, 1000.0 / 180},
		{"a bucket", Config{RequestsPerSecond: 5, Burst: 5}, 5},
		{"disabled", Config{RequestsPerSecond: -1}, 0},
		{"none", Config{}, 0},
		{"a Limiter's rate is its own", Config{Limiter: &countingLimiter{}, Windows: digicert.Windows}, 0},
	}
	for _, tt := range tests {
		if got := tt.c.SustainedRate(); got < tt.want-1e-9 || got > tt.want+1e-9 {
			t.Errorf("%s: SustainedRate() = %v, want %v", tt.name, got, tt.want)
		}
	}
}
