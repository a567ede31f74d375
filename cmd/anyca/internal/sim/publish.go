package sim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
)

// Publish publishes into the world the record or file of every challenge of
// certificate (or order) id, in each simulated CA that knows the id, right or with the
// wrong value k. It reads the challenges as a user does, through the CA's API at root,
// and returns the lines published. An id every CA refuses as malformed is
// ErrInvalidArgument; an id no CA knows is ErrNotFound; a wrong kind that fits no
// challenge of the id is ErrInvalidArgument.
func Publish(ctx context.Context, cas []CA, root, id string, k Wrong) ([]string, error) {
	var lines []string
	known, fitted := false, k == WrongNone
	asked, malformed := 0, 0
	for _, ca := range cas {
		if ca.World == nil {
			continue
		}
		p, err := anyca.New(ctx, ca.Config(root))
		if err != nil {
			return nil, err
		}
		chs, err := p.Challenges(ctx, id)
		asked++
		if model.KindOf(err) == model.ErrInvalidArgument {
			malformed++
			continue // not an id of this CA's shape
		}
		if errors.Is(err, model.ErrNotFound) || errors.Is(err, model.ErrInvalidArgument) {
			continue // another CA's id
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ca.Label, err)
		}
		known = true
		SortChallenges(chs)
		for _, ch := range chs {
			out, err := ca.World.publish(ch, k)
			if errors.Is(err, errNotPublishable) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %s %s: %w", ca.Label, ch.Domain, ch.Type, err)
			}
			fitted = fitted || k.affects(ch)
			lines = append(lines, out...)
		}
	}
	if !known && asked > 0 && malformed == asked {
		return nil, &model.Error{Kind: model.ErrInvalidArgument, Op: "sim publish", Message: fmt.Sprintf("%q is not a certificate id of any simulated CA", id)}
	}
	if !known {
		return nil, &model.Error{Kind: model.ErrNotFound, Op: "sim publish", Message: fmt.Sprintf("no simulated CA knows certificate %q", id)}
	}
	if !fitted {
		return lines, &model.Error{Kind: model.ErrInvalidArgument, Op: "sim publish",
			Message: fmt.Sprintf("certificate %q has no challenge a --wrong %s value fits (the others were published right)", id, k)}
	}
	return lines, nil
}

// publishHandler serves POST /publish?id=CERT_ID[&wrong=KIND]: the record or file of
// every challenge of the certificate is put into the simulator's DNS zones and file
// host, where the simulated CAs look. It answers the published lines as text: 404 for
// an id no CA knows, 400 for a bad request.
func publishHandler(cas []CA) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		id := q.Get("id")
		if id == "" && q.Has("domain") {
			http.Error(w, "publish: ?domain= is gone: publish a certificate's records and files with ?id=CERT_ID (anyca sim publish ID)", http.StatusBadRequest)
			return
		}
		if id == "" {
			http.Error(w, "publish: want ?id=CERT_ID (and optionally &wrong=KIND)", http.StatusBadRequest)
			return
		}
		k, err := ParseWrong(q.Get("wrong"))
		if err != nil {
			http.Error(w, "publish: "+err.Error(), http.StatusBadRequest)
			return
		}
		// The CAs are asked at the address this request came in on, never at the Host
		// header's: a request must not make the simulator send its keys elsewhere.
		local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
		if !ok {
			http.Error(w, "publish: the simulator's own address is unknown", http.StatusInternalServerError)
			return
		}
		lines, err := Publish(r.Context(), cas, "http://"+local.String(), id, k)
		switch {
		case errors.Is(err, model.ErrNotFound):
			http.Error(w, publishErrText(err), http.StatusNotFound)
			return
		case errors.Is(err, model.ErrInvalidArgument):
			http.Error(w, publishErrText(err), http.StatusBadRequest)
			return
		case err != nil:
			http.Error(w, "publish: "+err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, strings.Join(lines, "\n")+"\n")
	})
}

// publishErrText is the text of a publish error for the HTTP answer: a model error's
// message alone (anyca sim publish adds the kind), else the whole error.
func publishErrText(err error) string {
	var me *model.Error
	if errors.As(err, &me) && me.Op == "sim publish" {
		return me.Message
	}
	return err.Error()
}

// SortChallenges orders challenges by domain, then type, keeping the CA's order otherwise:
// the order anyca prints challenges in, and the simulator publishes them in.
func SortChallenges(chs []model.Challenge) {
	sort.SliceStable(chs, func(i, j int) bool {
		if chs[i].Domain != chs[j].Domain {
			return chs[i].Domain < chs[j].Domain
		}
		return chs[i].Type < chs[j].Type
	})
}
