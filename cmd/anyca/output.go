package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/anyca/anyca/model"
)

// writeJSON writes v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// sortCertificates orders certificates by common name, then id.
func sortCertificates(cs []*model.Certificate) {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].CommonName != cs[j].CommonName {
			return cs[i].CommonName < cs[j].CommonName
		}
		return model.LessID(cs[i].ID, cs[j].ID)
	})
}

// progress writes a transient count line on a terminal's stderr during long listings.
type progress struct {
	w     io.Writer
	on    bool
	what  string
	n     int
	shown bool
}

func (a *app) newProgress(what string) *progress {
	return &progress{w: a.stderr, on: a.progress, what: what}
}

// add counts one item and refreshes the line every 50 items.
func (p *progress) add() {
	p.n++
	if p.on && p.n%50 == 0 {
		fmt.Fprintf(p.w, "\ranyca: %d %s so far…", p.n, p.what)
		p.shown = true
	}
}

// done erases the progress line.
func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}
