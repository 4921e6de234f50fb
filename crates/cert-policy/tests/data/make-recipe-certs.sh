#!/bin/sh
# Issue 16: the certificates the usual client-certificate guides make, and the verification
# edge cases of the Apache differential (tests/apache_verify.rs). Uses the committed root
# CA (ca.pem / ca.key) of make-certs.sh; the generated files are committed, rerun only to
# change the set.
#
#   recipe-ca.*            X.509 v1 CA: `openssl req -new` + `openssl x509 -req -signkey`
#   recipe-client.*        X.509 v1 client: `openssl x509 -req -CA recipe-ca.pem -CAkey ...`
#   selfca.*               self-signed leaf with CA:TRUE (`openssl req -x509`, default v3_ca)
#   notyet.*               root-issued client, valid from 2090 (not yet valid)
#   ekuserver.*            root-issued client whose extendedKeyUsage is serverAuth only
#   inter-revoked.*        intermediate CA signed by the root, revoked in crl-chain.pem
#   underrevoked.*         client issued by inter-revoked; chain-underrevoked.pem = leaf + CA
#   crl-chain.pem          root CRL revoking revoked.pem and inter-revoked.pem
#   ca-trust.pem           ca.pem followed by recipe-ca.pem (the server's SSLCACertificateFile)
set -eu
cd "$(dirname "$0")"
umask 022
DAYS=36500
rm -rf pki && mkdir -p pki/root
: > pki/root/index.txt; echo 2000 > pki/root/serial; echo 2000 > pki/root/crlnumber
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
[ any ]
countryName = optional
organizationName = optional
commonName = optional
[ v3_inter ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_client ]
basicConstraints = CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
[ v3_ekuserver ]
basicConstraints = CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
CNF

# The recipe, as the nginx / Apache client-certificate guides give it (RSA 2048, v1).
openssl genrsa -out recipe-ca.key 2048 2>/dev/null
openssl req -new -key recipe-ca.key -subj "/C=DE/O=Recipe Org/CN=Recipe CA" -out pki/recipe-ca.csr
openssl x509 -req -in pki/recipe-ca.csr -signkey recipe-ca.key -days $DAYS -sha256 -out recipe-ca.pem
openssl genrsa -out recipe-client.key 2048 2>/dev/null
openssl req -new -key recipe-client.key -subj "/C=DE/O=Recipe Org/CN=Recipe Client" -out pki/recipe-client.csr
openssl x509 -req -in pki/recipe-client.csr -CA recipe-ca.pem -CAkey recipe-ca.key -set_serial 4242 \
  -days $DAYS -sha256 -out recipe-client.pem

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# Self-signed leaf with CA:TRUE (openssl.cnf's default v3_ca for `req -x509`).
key selfca.key
openssl req -new -x509 -key selfca.key -out selfca.pem -days $DAYS -sha256 -subj "/C=DE/O=garex AG/CN=Self CA"

issue() { # name extensions subject [openssl ca args]
  n=$1; ext=$2; subj=$3; shift 3
  key $n.key
  openssl req -new -key $n.key -out pki/$n.csr -subj "$subj"
  openssl ca -batch -config pki/ca.cnf -name root -in pki/$n.csr -out $n.pem -extensions $ext -notext "$@"
}
issue notyet v3_client "/C=DE/O=garex AG/CN=Future User" -startdate 20900101000000Z -enddate 21000101000000Z
issue ekuserver v3_ekuserver "/C=DE/O=garex AG/CN=Server Only"
issue inter-revoked v3_inter "/C=DE/O=httpauth test/CN=Revoked Intermediate CA"

# A client under the revoked intermediate.
key underrevoked.key
openssl req -new -key underrevoked.key -out pki/underrevoked.csr -subj "/C=DE/O=garex AG/CN=Under Revoked"
openssl x509 -req -in pki/underrevoked.csr -CA inter-revoked.pem -CAkey inter-revoked.key -set_serial 77 \
  -days $DAYS -sha256 -extfile pki/ca.cnf -extensions v3_client -out underrevoked.pem
cat underrevoked.pem inter-revoked.pem > chain-underrevoked.pem

# Root CRL revoking revoked.pem (of make-certs.sh) and the intermediate.
openssl ca -batch -config pki/ca.cnf -name root -revoke revoked.pem -crl_reason keyCompromise
openssl ca -batch -config pki/ca.cnf -name root -revoke inter-revoked.pem -crl_reason cACompromise
openssl ca -batch -config pki/ca.cnf -name root -gencrl -out crl-chain.pem
cat ca.pem recipe-ca.pem > ca-trust.pem
rm -rf pki
