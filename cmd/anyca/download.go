package main

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/textout"
)

var downloadCommand = command{
	name:  "download",
	short: "download an issued certificate and its chain as PEM",
	help: `Usage: anyca download ID [--out FILE] [--force] [-o json]

Downloads the issued certificate of a certificate or order with its chain, checks that
the leaf is the certificate the CA describes (serial, SHA-1 fingerprint, names), and
writes it as PEM, leaf first: to stdout, or with --out to FILE (mode 0644), which must not
exist unless --force is given (it is then replaced whole, never half-written). With
--out a summary is printed: the leaf's subject, serial, SHA-1 fingerprint, validity and
chain length (-o json: {"id", "file", "common_name", "dns_names", "serial_number",
"fingerprint_sha1", "not_before", "not_after", "chain"}).
Exit code 1 when the certificate is not issued (pending, revoked, ...) or the download
does not match; 2 when FILE exists without --force; 3 for an unknown id.

Examples:
  anyca download 4123045 > shop.pem
  anyca download 4123045 --out shop.pem --force`,
	flags: func(fs *flag.FlagSet, o *cmdOpts) {
		fs.StringVar(&o.loop.out, "out", "", "write the PEM to `file` instead of stdout")
		fs.BoolVar(&o.loop.force, "force", false, "replace --out's file when it exists")
	},
	arg: "the certificate ID",
	check: func(o *cmdOpts) error {
		if o.loop.out != "" && !o.loop.force {
			if _, err := os.Lstat(o.loop.out); err == nil {
				return usagef("%s exists: pass --force to replace it", o.loop.out)
			}
		}
		return nil
	},
	run: onProvider(runDownload),
}

func runDownload(ctx context.Context, a *app, o *cmdOpts, p anyca.Provider, id string) error {
	b, err := anyca.Download(ctx, p, id)
	if err != nil {
		return err
	}
	if o.loop.out == "" {
		_, err := a.stdout.Write(b.PEM)
		return err
	}
	if err := writeFileAtomic(o.loop.out, b.PEM, o.loop.force); err != nil {
		return err
	}
	sum := sha1.Sum(b.Leaf.Raw)
	summary := struct {
		ID              string    `json:"id"`
		File            string    `json:"file"`
		CommonName      string    `json:"common_name"`
		DNSNames        []string  `json:"dns_names"`
		SerialNumber    string    `json:"serial_number"`
		FingerprintSHA1 string    `json:"fingerprint_sha1"`
		NotBefore       time.Time `json:"not_before"`
		NotAfter        time.Time `json:"not_after"`
		Chain           int       `json:"chain"`
	}{id, o.loop.out, b.Leaf.Subject.CommonName, b.Leaf.DNSNames, hex.EncodeToString(b.Leaf.SerialNumber.Bytes()),
		hex.EncodeToString(sum[:]), b.Leaf.NotBefore.UTC(), b.Leaf.NotAfter.UTC(), len(b.Intermediates)}
	if o.output == "json" {
		return writeJSON(a.stdout, summary)
	}
	tw := textout.NewTable(a.stdout)
	textout.Row(tw, "File:", summary.File)
	textout.Row(tw, "Subject:", summary.CommonName)
	textout.Row(tw, "Serial:", summary.SerialNumber)
	textout.Row(tw, "SHA-1 fingerprint:", summary.FingerprintSHA1)
	textout.Row(tw, "Valid:", textout.Date(summary.NotBefore)+" to "+textout.Date(summary.NotAfter))
	textout.Row(tw, "Chain:", fmt.Sprintf("%d certificates after the leaf", summary.Chain))
	return tw.Flush()
}

// writeFileAtomic writes data to path with mode 0644: through a temporary file in the
// same directory renamed over path, so a reader never sees half a file. Without force an
// existing path is an error (checked again at the rename, by linking).
func writeFileAtomic(path string, data []byte, force bool) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".anyca-download-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name)
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if force {
		return os.Rename(name, path)
	}
	err = os.Link(name, path)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrExist):
		return usagef("%s exists: pass --force to replace it", path)
	}
	// No hard links on this file system: create the file exclusively and write it.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return usagef("%s exists: pass --force to replace it", path)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
