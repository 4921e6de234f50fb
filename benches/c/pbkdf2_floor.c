/*
 * The PBKDF2 floor (issue 6): PBKDF2-HMAC-SHA-256 / SHA-512 (RFC 8018 section 5.2) for one
 * output block, doing exactly two compression-function calls per iteration through
 * OpenSSL's SHA256_Transform / SHA512_Transform (which dispatch to SHA-NI, AVX2 or the
 * generic code as the CPU allows).
 *
 * The inner and outer HMAC states (RFC 2104 section 4, implementation note) are computed
 * once; each iteration compresses one pre-padded block U_{j-1} || 0x80 || 0.. || length
 * from each state. U_1 goes through the ordinary SHA*_Update/Final calls (once per call).
 * Benchmark baseline only: it does not wipe its buffers.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <stdint.h>
#include <string.h>

static void be32(uint8_t *out, const SHA_LONG *h, int words) {
    for (int i = 0; i < words; i++) {
        out[4 * i] = (uint8_t)(h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(h[i] >> 8);
        out[4 * i + 3] = (uint8_t)h[i];
    }
}

static void be64(uint8_t *out, const SHA_LONG64 *h, int words) {
    for (int i = 0; i < words; i++)
        for (int b = 0; b < 8; b++)
            out[8 * i + b] = (uint8_t)(h[i] >> (56 - 8 * b));
}

void floor_pbkdf2_sha256(const uint8_t *pw, size_t pw_len, const uint8_t *salt,
                         size_t salt_len, uint32_t rounds, uint8_t out[32]) {
    uint8_t key[64] = {0}, pad[64];
    SHA256_CTX inner, outer, c;
    if (pw_len > 64) {
        SHA256(pw, pw_len, key);
    } else {
        memcpy(key, pw, pw_len);
    }
    for (int i = 0; i < 64; i++) pad[i] = key[i] ^ 0x36;
    SHA256_Init(&inner);
    SHA256_Update(&inner, pad, 64);
    for (int i = 0; i < 64; i++) pad[i] = key[i] ^ 0x5c;
    SHA256_Init(&outer);
    SHA256_Update(&outer, pad, 64);

    uint8_t u[32], t[32], block[64] = {0};
    static const uint8_t one[4] = {0, 0, 0, 1};
    c = inner;
    SHA256_Update(&c, salt, salt_len);
    SHA256_Update(&c, one, 4);
    SHA256_Final(u, &c);
    c = outer;
    SHA256_Update(&c, u, 32);
    SHA256_Final(u, &c);
    memcpy(t, u, 32);

    /* block = U || 0x80 || zeros || bit length of (64 + 32) octets. */
    block[32] = 0x80;
    block[62] = (uint8_t)((96 * 8) >> 8);
    block[63] = (uint8_t)(96 * 8);
    memcpy(block, u, 32);
    for (uint32_t r = 1; r < rounds; r++) {
        c = inner;
        SHA256_Transform(&c, block);
        be32(block, c.h, 8);
        c = outer;
        SHA256_Transform(&c, block);
        be32(block, c.h, 8);
        for (int i = 0; i < 32; i++) t[i] ^= block[i];
    }
    memcpy(out, t, 32);
}

void floor_pbkdf2_sha512(const uint8_t *pw, size_t pw_len, const uint8_t *salt,
                         size_t salt_len, uint32_t rounds, uint8_t out[64]) {
    uint8_t key[128] = {0}, pad[128];
    SHA512_CTX inner, outer, c;
    if (pw_len > 128) {
        SHA512(pw, pw_len, key);
    } else {
        memcpy(key, pw, pw_len);
    }
    for (int i = 0; i < 128; i++) pad[i] = key[i] ^ 0x36;
    SHA512_Init(&inner);
    SHA512_Update(&inner, pad, 128);
    for (int i = 0; i < 128; i++) pad[i] = key[i] ^ 0x5c;
    SHA512_Init(&outer);
    SHA512_Update(&outer, pad, 128);

    uint8_t u[64], t[64], block[128] = {0};
    static const uint8_t one[4] = {0, 0, 0, 1};
    c = inner;
    SHA512_Update(&c, salt, salt_len);
    SHA512_Update(&c, one, 4);
    SHA512_Final(u, &c);
    c = outer;
    SHA512_Update(&c, u, 64);
    SHA512_Final(u, &c);
    memcpy(t, u, 64);

    /* block = U || 0x80 || zeros || 128-bit length of (128 + 64) octets. */
    block[64] = 0x80;
    block[126] = (uint8_t)((192 * 8) >> 8);
    block[127] = (uint8_t)(192 * 8);
    memcpy(block, u, 64);
    for (uint32_t r = 1; r < rounds; r++) {
        c = inner;
        SHA512_Transform(&c, block);
        be64(block, c.h, 8);
        c = outer;
        SHA512_Transform(&c, block);
        be64(block, c.h, 8);
        for (int i = 0; i < 64; i++) t[i] ^= block[i];
    }
    memcpy(out, t, 64);
}
