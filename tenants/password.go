package tenants

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/wasmart/wasmart/core/errs"
	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's recommended minimum (m = 19 MiB, t = 2, p = 1).
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Password length limits.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 128
)

//go:embed common_passwords.txt
var commonPasswordsTxt string

var commonPasswords = func() map[string]struct{} {
	m := make(map[string]struct{}, 6000)
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsTxt))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[line] = struct{}{}
	}
	return m
}()

// CheckPassword applies the password policy: 10 to 128 characters, not on
// the bundled list of common and breached passwords (checked
// case-insensitively), not the e-mail address or its local part. field names
// the input in the error.
func CheckPassword(field, password, email string) error {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLen {
		return errs.Field(field, "must be at least %d characters", MinPasswordLen)
	}
	if n > MaxPasswordLen {
		return errs.Field(field, "must be at most %d characters", MaxPasswordLen)
	}
	lower := strings.ToLower(password)
	if _, bad := commonPasswords[lower]; bad {
		return errs.Field(field, "is too common; it appears in lists of breached passwords")
	}
	if strings.Trim(lower, lower[:1]) == "" {
		return errs.Field(field, "is a single repeated character")
	}
	if email != "" {
		e := strings.ToLower(email)
		local, _, _ := strings.Cut(e, "@")
		if lower == e || (len(local) >= 4 && strings.Contains(lower, local) && len(lower)-len(local) < 4) {
			return errs.Field(field, "must not be based on your e-mail address")
		}
	}
	return nil
}

// HashPassword hashes a password with argon2id and returns it in PHC string
// format: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var b64 = base64.RawStdEncoding

// VerifyPassword checks password against a PHC argon2id hash. rehash is true
// when the hash uses other parameters than the current ones.
func VerifyPassword(password, phc string) (ok, rehash bool) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<20 || t > 16 {
		return false, false
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, ok && (m != argonMemory || t != argonTime || p != argonThreads || len(want) != argonKeyLen)
}

// dummyHash is verified against when an account does not exist, so a
// login for an unknown e-mail takes as long as one for a known e-mail.
var dummyHash = func() string {
	h, err := HashPassword("wasmart-no-such-user-password")
	if err != nil {
		panic(err)
	}
	return h
}()

// randomToken returns a URL-safe random token with n bytes of entropy.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is how every bearer secret (session, API token, reset and
// invitation tokens, recovery codes, MFA challenges) is stored: SHA-256,
// hex. The secrets are 128-256 random bits, so a fast hash is enough.
func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}
