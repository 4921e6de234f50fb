#!/bin/sh
# Makes the test PKI of the cert-policy crate with the openssl CLI: the classic CA / server /
# client recipe plus edge cases. The generated files are committed so that tests never need
# openssl; rerun this script only to change the set (serials and keys will change).
#
#   ca.pem / ca.key           root CA "Test Root CA"
#   inter.pem / inter.key     intermediate CA signed by the root
#   server.pem / server.key   server certificate for 127.0.0.1 / localhost
#   alice.*                   client: several OUs, emailAddress, SANs (email, DNS, msUPN), root-issued
#   utf8.*                    client: UTF-8 CN and O, multi-valued RDN (CN+UID), issued by inter
#   special.*                 client: RFC 2253 special characters in the DN, issued by root
#   expired.*                 client: validity 2020-01-01 .. 2021-01-01 (deliberately expired)
#   revoked.*                 client: revoked in crl.pem
#   wrongca.*                 client issued by an unrelated CA (rogue-ca.pem)
#   selfsigned.*              self-signed client certificate
#   legacy.*                  client: T61String CN, BMPString O (non-UTF-8 string types)
#   crl.pem                   root CRL revoking revoked.pem
#   crl-expired.pem           root CRL, nextUpdate one day after lastUpdate, both past (expired)
#   chain-utf8.pem            utf8.pem followed by inter.pem
#   *.der                     DER copies of the client certificates
set -eu
cd "$(dirname "$0")"
umask 022
DAYS=36500
rm -rf pki && mkdir -p pki/root pki/inter pki/rogue
for d in root inter rogue; do : > pki/$d/index.txt; echo 1000 > pki/$d/serial; echo 1000 > pki/$d/crlnumber; done

cat > pki/ca.cnf <<'CNF'
[ ca ]
default_ca = root
[ root ]
dir = pki/root
database = $dir/index.txt
serial = $dir/serial
crlnumber = $dir/crlnumber
new_certs_dir = $dir
certificate = ca.pem
private_key = ca.key
default_md = sha256
default_days = 36500
default_crl_days = 36500
policy = any
unique_subject = no
copy_extensions = copy
[ inter ]
dir = pki/inter
database = $dir/index.txt
serial = $dir/serial
crlnumber = $dir/crlnumber
new_certs_dir = $dir
certificate = inter.pem
private_key = inter.key
default_md = sha256
default_days = 36500
policy = any
unique_subject = no
copy_extensions = copy
[ rogue ]
dir = pki/rogue
database = $dir/index.txt
serial = $dir/serial
crlnumber = $dir/crlnumber
new_certs_dir = $dir
certificate = rogue-ca.pem
private_key = rogue-ca.key
default_md = sha256
default_days = 36500
policy = any
unique_subject = no
copy_extensions = copy
[ any ]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional
emailAddress = optional
userId = optional
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_inter ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_server ]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[ v3_client ]
basicConstraints = CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
[ v3_alice ]
basicConstraints = CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = email:alice@example.com, DNS:alice.example.com, DNS:www.alice.example.com, otherName:1.3.6.1.4.1.311.20.2.3;UTF8:alice@corp.example
nsComment = "alice test certificate"
CNF

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
rsakey() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }

# Root CA (RSA, self-signed) and the unrelated rogue CA.
rsakey ca.key
openssl req -new -x509 -key ca.key -out ca.pem -days $DAYS -sha256 -subj "/C=DE/O=httpauth test/CN=Test Root CA" \
  -config pki/ca.cnf -extensions v3_ca
key rogue-ca.key
openssl req -new -x509 -key rogue-ca.key -out rogue-ca.pem -days $DAYS -sha256 -subj "/C=XX/O=Rogue/CN=Rogue CA" \
  -config pki/ca.cnf -extensions v3_ca

# Intermediate CA.
key inter.key
openssl req -new -key inter.key -out pki/inter.csr -subj "/C=DE/O=httpauth test/OU=Issuing/CN=Test Intermediate CA"
openssl ca -batch -config pki/ca.cnf -name root -in pki/inter.csr -out inter.pem -extensions v3_inter -notext

# Server.
key server.key
openssl req -new -key server.key -out pki/server.csr -subj "/C=DE/O=httpauth test/CN=localhost"
openssl ca -batch -config pki/ca.cnf -name root -in pki/server.csr -out server.pem -extensions v3_server -notext

client() { # name ca extensions subject [extra req args]
  n=$1; ca=$2; ext=$3; subj=$4; shift 4
  key $n.key
  openssl req -new -utf8 -key $n.key -out pki/$n.csr -subj "$subj" "$@"
  openssl ca -batch -utf8 -config pki/ca.cnf -name $ca -in pki/$n.csr -out $n.pem -extensions $ext -notext -preserveDN \
    ${STARTEND:-}
  openssl x509 -in $n.pem -outform DER -out $n.der
}

client alice root v3_alice "/C=DE/ST=Bayern/L=Muenchen/O=garex AG/OU=Fun dept./OU=Sales/OU=R&D/CN=Alice Example/emailAddress=alice@example.com"
client utf8 inter v3_client "/C=DE/O=Bäckerei Müller GmbH/OU=Entwicklung/CN=Jürgen Müller+UID=jmueller" -multivalue-rdn
client special root v3_client "/C=US/O=Smith\, Jones <and> Co./OU=#hash; semi\\+plus/CN= lead space \"quoted\"\\\\back"
STARTEND="-startdate 20200101000000Z -enddate 20210101000000Z" client expired root v3_client "/C=DE/O=garex AG/CN=Old Timer"
client revoked root v3_client "/C=DE/O=garex AG/OU=Fun dept./CN=Revoked User"
client wrongca rogue v3_client "/C=DE/O=garex AG/OU=Fun dept./CN=Mallory"

# Legacy string types: T61String (Latin-1) CN and BMPString O, as `string_mask = default` makes.
cat > pki/legacy.cnf <<'CNF'
[ req ]
distinguished_name = dn
string_mask = default
utf8 = yes
prompt = no
[ dn ]
C = DE
O = 日本テスト
CN = Jürgen Bäcker
CNF
key legacy.key
openssl req -new -key legacy.key -config pki/legacy.cnf -out pki/legacy.csr
openssl ca -batch -config pki/ca.cnf -name root -in pki/legacy.csr -out legacy.pem -extensions v3_client -notext -preserveDN
openssl x509 -in legacy.pem -outform DER -out legacy.der

# Self-signed client.
key selfsigned.key
openssl req -new -x509 -key selfsigned.key -out selfsigned.pem -days $DAYS -sha256 \
  -subj "/C=DE/O=garex AG/CN=Selfie" -config pki/ca.cnf -extensions v3_client
openssl x509 -in selfsigned.pem -outform DER -out selfsigned.der

# Revoke and make the CRL.
openssl ca -batch -config pki/ca.cnf -name root -revoke revoked.pem -crl_reason keyCompromise
openssl ca -batch -config pki/ca.cnf -name root -gencrl -out crl.pem
# An expired CRL (OpenSSL: "CRL has expired"): lastUpdate an hour after the CA's notBefore
# would be ideal; two days ago .. yesterday is close enough for a freshly made PKI.
openssl ca -batch -config pki/ca.cnf -name root -gencrl \
  -crl_lastupdate "$(date -u -d '-2 days' +%Y%m%d%H%M%SZ)" \
  -crl_nextupdate "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)" -out crl-expired.pem

cat utf8.pem inter.pem > chain-utf8.pem
cat ca.pem inter.pem > ca-bundle.pem
rm -rf pki
