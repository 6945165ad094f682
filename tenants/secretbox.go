package tenants

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
)

// sealSecret encrypts a TOTP secret with AES-256-GCM under Config.SecretKey,
// bound to the user id, when a key is configured; without a key the secret
// is stored as is. Sealed values start with "v1:".
func (s *Service) sealSecret(userID, secret string) (string, error) {
	if s.aead == nil {
		return secret, nil
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := s.aead.Seal(nonce, nonce, []byte(secret), []byte(userID))
	return "v1:" + base64.RawStdEncoding.EncodeToString(out), nil
}

// openSecret reverses sealSecret (plain values pass through, so a key can
// be introduced later).
func (s *Service) openSecret(userID, stored string) (string, error) {
	rest, ok := strings.CutPrefix(stored, "v1:")
	if !ok {
		return stored, nil
	}
	if s.aead == nil {
		return "", errors.New("tenants: TOTP secret is encrypted but no SecretKey is configured")
	}
	raw, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", errors.New("tenants: malformed sealed secret")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(userID))
	if err != nil {
		return "", errors.New("tenants: sealed secret does not open with this key")
	}
	return string(plain), nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) == 0 {
		return nil, nil
	}
	if len(key) != 32 {
		return nil, errors.New("tenants: SecretKey must be 32 bytes")
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}
