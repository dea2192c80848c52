// Command pki writes the certificates Kueue's webhooks serve on loopback in the integration test:
// a CA named as Kueue's certificate rotator expects (CN and DNS name "kueue-ca", organization
// "kueue"), and a server certificate for the webhook Service's DNS name and 127.0.0.1, both with
// PKCS#1 keys and ten years of validity, so that the rotator accepts them instead of replacing
// them with certificates that name only the Service.
//
// Usage: pki <dir> <service DNS name>
package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

func write(dir, name, kind string, der []byte) {
	data := pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
		panic(err)
	}
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: pki <dir> <service DNS name>")
		os.Exit(2)
	}
	dir, service := os.Args[1], os.Args[2]
	now := time.Now().Add(-time.Hour)
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "kueue-ca", Organization: []string{"kueue"}},
		DNSNames:              []string{"kueue-ca"},
		NotBefore:             now,
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		panic(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	server := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: service},
		DNSNames:     []string{service},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    now,
		NotAfter:     now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	serverDER, err := x509.CreateCertificate(rand.Reader, server, ca, &key.PublicKey, caKey)
	if err != nil {
		panic(err)
	}
	write(dir, "ca.crt", "CERTIFICATE", caDER)
	write(dir, "ca.key", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(caKey))
	write(dir, "tls.crt", "CERTIFICATE", serverDER)
	write(dir, "tls.key", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key))
}
