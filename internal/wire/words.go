package wire

// Words pairs a CA's words with model values (statuses, challenge types), to read them
// both ways from one table: Value gives a word's value, Word the first word listed for a
// value, so the two directions stay inverses. Several words may share a value; list the
// one the CA sends first.
type Words[V comparable] []struct {
	Word  string
	Value V
}

// Value returns the value of word, or none when the table does not have it. The match is
// exact: the caller brings word to the table's case and trims it.
func (t Words[V]) Value(word string, none V) V {
	for _, p := range t {
		if p.Word == word {
			return p.Value
		}
	}
	return none
}

// Word returns the first word listed for v, or "" when the table has none.
func (t Words[V]) Word(v V) string {
	for _, p := range t {
		if p.Value == v {
			return p.Word
		}
	}
	return ""
}
