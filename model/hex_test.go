package model_test

import (
	"testing"

	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
)

func TestNormalizeHex(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"   ", ""},
		{"0a1b2c", "0a1b2c"},
		{"0A1B2C", "0a1b2c"},
		{"0a:1B:2c", "0a1b2c"},
		{"0A 1B 2C", "0a1b2c"},
		{"0a-1b-2c", "0a1b2c"},
		{" 0A:1b-2C 3d ", "0a1b2c3d"},
		{"0x0A1B", "0a1b"},
		{"0X0A1B", "0a1b"},
		{"0x0a:1b", "0a1b"},
		{"DE:AD:BE:EF:00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F", "deadbeef000102030405060708090a0b0c0d0e0f"},
		{"00", "00"}, // leading zeros are part of the value
		{"0", "0"},
		{"0x", "0x"},     // a bare prefix is not a value: kept as is
		{"ABC", "abc"},   // hex that looks like a word
		{"0xZZ", "0xzz"}, // not hex: the whole value is kept, lower-cased
		{"Serial-G1", "serial-g1"},
		{"N/A", "n/a"},
		{"12:34:XY", "12:34:xy"},
		{"ÄB", "äb"},
		{"  Not Hex  ", "not hex"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, model.NormalizeHex(tt.in), "NormalizeHex(%q)", tt.in)
	}
	for _, tt := range tests {
		once := model.NormalizeHex(tt.in)
		if once == "0x" || once == "0xzz" {
			continue // a kept odd value is not re-interpreted further
		}
		assert.Equal(t, once, model.NormalizeHex(once), "idempotent on %q", tt.in)
	}
}
