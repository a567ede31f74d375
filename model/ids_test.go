package model

import (
	"errors"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
)

func TestLessIDOrdersNumbersNumerically(t *testing.T) {
	nums := []string{"1000", "999", "18446744073709551615", "5", "10", "0"}
	sort.Slice(nums, func(i, j int) bool { return LessID(nums[i], nums[j]) })
	if want := []string{"0", "5", "10", "999", "1000", "18446744073709551615"}; !slices.Equal(nums, want) {
		t.Errorf("numeric ids sort as %v, want %v", nums, want)
	}
	words := []string{"b0", "a10", "a9", "B"}
	sort.Slice(words, func(i, j int) bool { return LessID(words[i], words[j]) })
	if want := []string{"B", "a10", "a9", "b0"}; !slices.Equal(words, want) {
		t.Errorf("word ids sort as %v, want byte order %v", words, want)
	}
	if !LessID("999", "abc") || LessID("abc", "999") || LessID("5", "5") {
		t.Error("a number against a word compares as strings, and no id is less than itself")
	}
}

func TestCheckURLID(t *testing.T) {
	origin, _ := url.Parse("https://acme.example.net/directory")
	const order = "https://acme.example.net/acme/order/123/456"
	for id, want := range map[string]error{
		order: nil,
		"https://ACME.example.net:443/acme/order/123/456": nil,
		order + "?x=1":                    nil,
		"https://acme.example.net/a b%2F": nil,
		"":                                ErrBadID,
		order + "/../789":                 ErrBadID,
		"../" + order:                     ErrBadID,
		"..":                              ErrBadID,
		"https://acme.example.net/./acme": ErrBadID,
		order[:9] + "\n" + order[9:]:      ErrBadID,
		order[:9] + "\x1b" + order[9:]:    ErrBadID,
		order + "\u0085":                  ErrBadID,
		order + "\\x":                     ErrBadID,
		order + "\xff":                    ErrBadID,
		order + "?" + strings.Repeat("9", MaxURLIDLength): ErrBadID,
		"OID-223344":                                 ErrForeignURL,
		"oid 22?33#44%2F55":                          ErrForeignURL,
		"http://acme.example.net/acme/order/1":       ErrForeignURL,
		"https://other.example.net/acme/order/1":     ErrForeignURL,
		"https://acme.example.net:8443/acme/order/1": ErrForeignURL,
		"https://user@acme.example.net/acme/order/1": ErrForeignURL,
		order + "#frag":                              ErrForeignURL,
		"https://acme.example.net/":                  ErrForeignURL,
		"https://acme.example.net":                   ErrForeignURL,
		"https:acme.example.net/acme":                ErrForeignURL,
	} {
		u, err := CheckURLID(id, origin)
		if want == nil {
			if err != nil || u == nil {
				t.Errorf("CheckURLID(%q) = %v, %v; want the URL", id, u, err)
			}
			continue
		}
		if !errors.Is(err, want) || u != nil {
			t.Errorf("CheckURLID(%q) = %v, %v; want %v", id, u, err, want)
		}
		if err != nil && len(id) > 4 && strings.Contains(err.Error(), id) {
			t.Errorf("CheckURLID(%q): the error quotes the id: %v", id, err)
		}
	}
}
