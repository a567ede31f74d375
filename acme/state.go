package acme

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// maxStateFile caps one state file read back; maxRecords caps the orders kept.
const (
	maxStateFile = 256 << 10
	maxRecords   = 100000
)

// record is what the Client remembers of one order it placed (or looked at): enough to
// finalize it with its CSR after a restart, to list it where the CA has no orders list,
// and to report the leaf without fetching it again.
type record struct {
	ID       string    `json:"id"`            // local id, the file name
	URL      string    `json:"url,omitempty"` // the order URL; "" while newOrder's outcome is unknown
	Names    []string  `json:"names"`
	CSR      []byte    `json:"csr,omitempty"` // DER
	Created  time.Time `json:"created"`
	Method   string    `json:"method,omitempty"`
	Profile  string    `json:"profile,omitempty"`
	Replaces string    `json:"replaces,omitempty"` // the order URL this one renews
	Revoked  bool      `json:"revoked,omitempty"`
	// Authzs and Finalize are the order's authorization and finalize URLs, as newOrder
	// answered them (RFC 8555 §7.1.3: an order's authorizations never change), so that
	// Challenges, Verify and Download need not read the order to find them.
	Authzs   []string `json:"authzs,omitempty"`
	Finalize string   `json:"finalize,omitempty"`
	// Finalized: a finalize request was sent for the order (whatever its answer), so
	// Download reads the order before sending another.
	Finalized bool   `json:"finalized,omitempty"`
	Leaf      []byte `json:"leaf,omitempty"` // DER of the issued leaf, once fetched
}

// state is the orders and account URLs, in memory and, when dir is set, on disk (one
// JSON file each, written whole through a rename).
type state struct {
	mu       sync.Mutex
	dir      string
	records  map[string]*record // by local id
	byURL    map[string]*record
	accounts map[string]accountEntry // by directory and key thumbprint
}

// accountEntry is what the state remembers of an account: its URL and its orders
// list's URL ("" when the CA has none).
type accountEntry struct {
	URL    string `json:"url"`
	Orders string `json:"orders,omitempty"`
}

func openState(dir string) (*state, error) {
	s := &state{dir: dir, records: map[string]*record{}, byURL: map[string]*record{}, accounts: map[string]accountEntry{}}
	if dir == "" {
		return s, nil
	}
	if err := os.MkdirAll(filepath.Join(dir, "orders"), 0o700); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(filepath.Join(dir, "orders"))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if len(s.records) >= maxRecords || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		var r record
		if err := readJSON(filepath.Join(dir, "orders", e.Name()), &r); err != nil || r.ID == "" {
			continue
		}
		s.records[r.ID] = &r
		if r.URL != "" {
			s.byURL[r.URL] = &r
		}
	}
	var accts map[string]accountEntry
	if err := readJSON(filepath.Join(dir, "accounts.json"), &accts); err == nil {
		s.accounts = accts
	}
	if s.accounts == nil {
		s.accounts = map[string]accountEntry{}
	}
	return s, nil
}

func readJSON(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() > maxStateFile {
		return errors.New("state file too large")
	}
	return json.NewDecoder(f).Decode(v)
}

func writeJSON(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func accountKey(dir, thumb string) string {
	sum := sha256.Sum256([]byte(dir + "\n" + thumb))
	return hex.EncodeToString(sum[:16])
}

// account returns what is remembered of the account of key thumb at directory dir.
func (s *state) account(dir, thumb string) accountEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts[accountKey(dir, thumb)]
}

// setAccount remembers the account of key thumb at directory dir.
func (s *state) setAccount(dir, thumb string, e accountEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts[accountKey(dir, thumb)] = e
	if s.dir == "" {
		return nil
	}
	return writeJSON(filepath.Join(s.dir, "accounts.json"), s.accounts)
}

// add stores a new record (a local id is assigned) and returns a copy.
func (s *state) add(r record) (record, error) {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	r.ID = hex.EncodeToString(b)
	return r, s.put(r)
}

// put stores r (by its id) and writes it out.
func (s *state) put(r record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.records[r.ID]; !ok && len(s.records) >= maxRecords {
		return fmt.Errorf("more than %d orders remembered", maxRecords)
	}
	cp := r
	s.records[r.ID] = &cp
	if r.URL != "" {
		s.byURL[r.URL] = &cp
	}
	if s.dir == "" {
		return nil
	}
	return writeJSON(filepath.Join(s.dir, "orders", r.ID+".json"), cp)
}

// get returns a copy of the record of order URL u.
func (s *state) get(u string) (record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.byURL[u]
	if !ok {
		return record{}, false
	}
	return *r, true
}

// update changes the record of u with fn, creating one when there is none.
func (s *state) update(u string, fn func(*record)) error {
	r, ok := s.get(u)
	if !ok {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		r = record{ID: hex.EncodeToString(b), URL: u}
	}
	fn(&r)
	return s.put(r)
}

// all returns copies of every record, oldest first.
func (s *state) all() []record {
	s.mu.Lock()
	out := make([]record, 0, len(s.records))
	for _, r := range s.records {
		out = append(out, *r)
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// persistent reports whether the records survive the process (StateDir is set).
func (s *state) persistent() bool { return s.dir != "" }
