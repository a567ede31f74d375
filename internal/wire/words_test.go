package wire

import "testing"

func TestWordsReadBothWays(t *testing.T) {
	words := Words[int]{{"one", 1}, {"uno", 1}, {"two", 2}}
	for word, want := range map[string]int{"one": 1, "uno": 1, "two": 2, "three": -1, "": -1, "One": -1, " one": -1} {
		if got := words.Value(word, -1); got != want {
			t.Errorf("Value(%q) = %d, want %d", word, got, want)
		}
	}
	for v, want := range map[int]string{1: "one", 2: "two", 3: "", 0: ""} {
		if got := words.Word(v); got != want {
			t.Errorf("Word(%d) = %q, want %q (the first word listed)", v, got, want)
		}
	}
}
