package model

import (
	"slices"
	"sort"
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
