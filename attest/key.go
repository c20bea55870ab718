package attest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/fips140"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// KeyFile is the name of the instance key in the state folder.
const KeyFile = "attest-key.pem"

// Key algorithms, as named on the wire.
const (
	AlgEd25519   = "ed25519"
	AlgECDSAP256 = "ecdsa-p256-sha256"
)

// Key is the instance's signing key. It implements dsse.SignerVerifier.
type Key struct {
	signer crypto.Signer
	*Verifier
}

// LoadOrCreateKey loads the instance key from dir, or creates it when
// there is none: Ed25519, or ECDSA P-256 when FIPS 140-3 mode is on. The
// file is written with mode 0600 and fsync'd before it is used.
func LoadOrCreateKey(dir string) (*Key, error) {
	path := filepath.Join(dir, KeyFile)
	k, err := loadKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := createKey(path); err != nil {
		return nil, err
	}
	return loadKey(path)
}

// NewKey wraps an existing Ed25519 or ECDSA P-256 private key.
func NewKey(priv crypto.Signer) (*Key, error) {
	v, err := NewVerifier(priv.Public())
	if err != nil {
		return nil, err
	}
	return &Key{signer: priv, Verifier: v}, nil
}

func createKey(path string) error {
	priv, err := generateKey()
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("encode instance key: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create state folder: %w", err)
	}
	return writeFileSync(path, data, 0o600)
}

func generateKey() (crypto.Signer, error) {
	if fips140.Enabled() {
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	return priv, err
}

func loadKey(path string) (*Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read instance key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("instance key %s: no PKCS#8 PEM block", path)
	}
	priv, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("instance key %s: %w", path, err)
	}
	s, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("instance key %s: not a signing key", path)
	}
	return NewKey(s)
}

// Sign signs data (the DSSE pre-authentication encoding).
func (k *Key) Sign(_ context.Context, data []byte) ([]byte, error) {
	switch k.alg {
	case AlgEd25519:
		return k.signer.Sign(rand.Reader, data, crypto.Hash(0))
	default:
		sum := sha256.Sum256(data)
		return k.signer.Sign(rand.Reader, sum[:], crypto.SHA256)
	}
}

// Verifier checks signatures of one instance public key. It implements
// dsse.Verifier.
//
// The attestation server caches one for every instance of its fleet,
// and every garbage collection traces them all, so a Verifier is few
// objects: an Ed25519 key is held in place, and Verify makes the DSSE
// envelope verifier over it (two small allocations) rather than keep
// one (docs/attestation.md).
type Verifier struct {
	alg string // AlgEd25519 or AlgECDSAP256
	id  string
	der []byte
	ed  [ed25519.PublicKeySize]byte // when alg is AlgEd25519
	ec  *ecdsa.PublicKey            // when alg is AlgECDSAP256
}

// ErrKeyType is returned for a key that is neither Ed25519 nor ECDSA P-256.
var ErrKeyType = errors.New("key is neither ed25519 nor ecdsa p-256")

// NewVerifier makes a verifier for an Ed25519 or ECDSA P-256 public key.
func NewVerifier(pub crypto.PublicKey) (*Verifier, error) {
	v := &Verifier{}
	switch p := pub.(type) {
	case ed25519.PublicKey:
		if len(p) != ed25519.PublicKeySize {
			return nil, ErrKeyType
		}
		v.alg = AlgEd25519
		copy(v.ed[:], p)
	case *ecdsa.PublicKey:
		if p.Curve != elliptic.P256() {
			return nil, ErrKeyType
		}
		v.alg, v.ec = AlgECDSAP256, p
	default:
		return nil, ErrKeyType
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	sum := sha256.Sum256(der)
	v.id, v.der = hex.EncodeToString(sum[:]), der
	return v, nil
}

// ParsePublicKey parses a PKIX DER public key, as sent at enrolment.
func ParsePublicKey(der []byte) (*Verifier, error) {
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	return NewVerifier(pub)
}

// Verify checks sig over data.
func (v *Verifier) Verify(_ context.Context, data, sig []byte) error {
	switch v.alg {
	case AlgEd25519:
		if ed25519.Verify(v.ed[:], data, sig) {
			return nil
		}
	default:
		sum := sha256.Sum256(data)
		if ecdsa.VerifyASN1(v.ec, sum[:], sig) {
			return nil
		}
	}
	return ErrBadSignature
}

// KeyID is the hex SHA-256 of the PKIX DER public key.
func (v *Verifier) KeyID() (string, error) { return v.id, nil }

// Public returns the public key.
func (v *Verifier) Public() crypto.PublicKey {
	if v.alg == AlgEd25519 {
		return ed25519.PublicKey(bytes.Clone(v.ed[:]))
	}
	return v.ec
}

// Alg names the key algorithm (AlgEd25519 or AlgECDSAP256).
func (v *Verifier) Alg() string { return v.alg }

// PublicDER is the PKIX DER encoding of the public key.
func (v *Verifier) PublicDER() []byte { return v.der }

func writeFileSync(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
