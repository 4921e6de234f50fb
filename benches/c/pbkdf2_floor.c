/*
 * The PBKDF2 floor (issue 6; tightened in issue 19): PBKDF2-HMAC-SHA-256 / SHA-512
 * (RFC 8018 section 5.2) for one output block, doing exactly two compression-function
 * calls per iteration through OpenSSL's SHA256_Transform / SHA512_Transform (which
 * dispatch to SHA-NI, AVX2 or the generic code as the CPU allows).
 *
 * What the loop keeps: state words only. The inner and outer HMAC states (RFC 2104
 * section 4, implementation note: the keyed ipad / opad blocks compressed once) are 8
 * words each; U_j is the 8 words the outer compression leaves in the working context;
 * the running T = U_1 ^ ... ^ U_j is 8 words, turned into bytes once at the end. One
 * iteration is:
 *
 *   w.h = inner (8 words); SHA*_Transform(&w, block); block[0..] = BE(w.h)
 *   w.h = outer (8 words); SHA*_Transform(&w, block); block[0..] = BE(w.h); T ^= w.h
 *
 * No SHA*_CTX is copied (only the h[] words of one working context are set; the
 * transform reads and writes nothing else of it) and nothing is converted except what
 * the compression function's input format forces: SHA*_Transform takes its message as a
 * big-endian byte block (FIPS 180-4 sections 3.1 and 5.2), and in PBKDF2 the message of
 * each compression is the state the previous one produced (U_{j-1}, then the inner
 * hash). So each of the two output states is stored once, big-endian, into the first
 * 32 (64) octets of the pre-padded block: 8 byte swaps per compression (two (four)
 * 16-octet shuffles with SSSE3, see put_be32x8). That is the minimum through this API:
 * OpenSSL exports no entry point that takes message words (its sha256_block_data_order
 * / sha512_block_data_order are internal), and the block assembly swaps the bytes back
 * on load. The Rust pbkdf2_fast does exactly the same conversions (write_state).
 *
 * U_1 goes through the ordinary SHA*_Init/Update/Final calls (once per call).
 * Benchmark baseline only: it does not wipe its buffers.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t get_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t get_be64(const uint8_t *p) {
    return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/*
 * 8 state words to 32 (64) big-endian octets of the next block. With SSSE3 (the build
 * passes -march=native): one byte shuffle per 16 octets and 16-octet stores, which the
 * 16-octet loads of OpenSSL's block functions take straight from the store buffer
 * (octet or word stores feeding a wider load cannot be forwarded and stall; the first
 * version of this file lost about 20% at SHA-256 to that and to octet-wise code).
 * Elsewhere: one byte-swapped word store per word.
 */
#if defined(__SSSE3__)
#include <immintrin.h>
static inline void put_be32x8(uint8_t *out, const SHA_LONG *h) {
    const __m128i swap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
    for (int i = 0; i < 2; i++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(h + 4 * i));
        _mm_storeu_si128((__m128i *)(out + 16 * i), _mm_shuffle_epi8(x, swap));
    }
}

static inline void put_be64x8(uint8_t *out, const SHA_LONG64 *h) {
    const __m128i swap = _mm_set_epi8(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
    for (int i = 0; i < 4; i++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(h + 2 * i));
        _mm_storeu_si128((__m128i *)(out + 16 * i), _mm_shuffle_epi8(x, swap));
    }
}
#else
static inline void put_be32x8(uint8_t *out, const SHA_LONG *h) {
    for (int i = 0; i < 8; i++) {
        uint32_t x = (uint32_t)h[i];
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        x = __builtin_bswap32(x);
#endif
        memcpy(out + 4 * i, &x, 4);
    }
}

static inline void put_be64x8(uint8_t *out, const SHA_LONG64 *h) {
    for (int i = 0; i < 8; i++) {
        uint64_t x = (uint64_t)h[i];
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        x = __builtin_bswap64(x);
#endif
        memcpy(out + 8 * i, &x, 8);
    }
}
#endif

void floor_pbkdf2_sha256(const uint8_t *pw, size_t pw_len, const uint8_t *salt,
                         size_t salt_len, uint32_t rounds, uint8_t out[32]) {
    uint8_t key[64] = {0}, ipad[64], opad[64];
    if (pw_len > 64) {
        SHA256(pw, pw_len, key);
    } else {
        memcpy(key, pw, pw_len);
    }
    for (int i = 0; i < 64; i++) {
        ipad[i] = key[i] ^ 0x36;
        opad[i] = key[i] ^ 0x5c;
    }

    /* w: the one working context; only w.h is ever set or read in the loop. */
    SHA256_CTX w;
    SHA_LONG inner[8], outer[8], t[8];
    SHA256_Init(&w);
    SHA256_Transform(&w, ipad);
    memcpy(inner, w.h, sizeof inner);
    SHA256_Init(&w);
    SHA256_Transform(&w, opad);
    memcpy(outer, w.h, sizeof outer);

    /* U_1 = HMAC(P, S || INT(1)), once per call. */
    uint8_t u[32];
    static const uint8_t one[4] = {0, 0, 0, 1};
    SHA256_Init(&w);
    SHA256_Update(&w, ipad, 64);
    SHA256_Update(&w, salt, salt_len);
    SHA256_Update(&w, one, 4);
    SHA256_Final(u, &w);
    SHA256_Init(&w);
    SHA256_Update(&w, opad, 64);
    SHA256_Update(&w, u, 32);
    SHA256_Final(u, &w);
    for (int i = 0; i < 8; i++) t[i] = get_be32(u + 4 * i);

    /* block = U || 0x80 || zeros || bit length of (64 + 32) octets (FIPS 180-4 5.1.1). */
    _Alignas(64) uint8_t block[64] = {0};
    memcpy(block, u, 32);
    block[32] = 0x80;
    block[62] = (uint8_t)((96 * 8) >> 8);
    block[63] = (uint8_t)(96 * 8);
    for (uint32_t r = 1; r < rounds; r++) {
        memcpy(w.h, inner, sizeof inner);
        SHA256_Transform(&w, block);
        put_be32x8(block, w.h);
        memcpy(w.h, outer, sizeof outer);
        SHA256_Transform(&w, block);
        put_be32x8(block, w.h);
        for (int i = 0; i < 8; i++) t[i] ^= w.h[i];
    }
    put_be32x8(out, t);
}

void floor_pbkdf2_sha512(const uint8_t *pw, size_t pw_len, const uint8_t *salt,
                         size_t salt_len, uint32_t rounds, uint8_t out[64]) {
    uint8_t key[128] = {0}, ipad[128], opad[128];
    if (pw_len > 128) {
        SHA512(pw, pw_len, key);
    } else {
        memcpy(key, pw, pw_len);
    }
    for (int i = 0; i < 128; i++) {
        ipad[i] = key[i] ^ 0x36;
        opad[i] = key[i] ^ 0x5c;
    }

    SHA512_CTX w;
    SHA_LONG64 inner[8], outer[8], t[8];
    SHA512_Init(&w);
    SHA512_Transform(&w, ipad);
    memcpy(inner, w.h, sizeof inner);
    SHA512_Init(&w);
    SHA512_Transform(&w, opad);
    memcpy(outer, w.h, sizeof outer);

    uint8_t u[64];
    static const uint8_t one[4] = {0, 0, 0, 1};
    SHA512_Init(&w);
    SHA512_Update(&w, ipad, 128);
    SHA512_Update(&w, salt, salt_len);
    SHA512_Update(&w, one, 4);
    SHA512_Final(u, &w);
    SHA512_Init(&w);
    SHA512_Update(&w, opad, 128);
    SHA512_Update(&w, u, 64);
    SHA512_Final(u, &w);
    for (int i = 0; i < 8; i++) t[i] = get_be64(u + 8 * i);

    /* block = U || 0x80 || zeros || 128-bit length of (128 + 64) octets (5.1.2). */
    _Alignas(64) uint8_t block[128] = {0};
    memcpy(block, u, 64);
    block[64] = 0x80;
    block[126] = (uint8_t)((192 * 8) >> 8);
    block[127] = (uint8_t)(192 * 8);
    for (uint32_t r = 1; r < rounds; r++) {
        memcpy(w.h, inner, sizeof inner);
        SHA512_Transform(&w, block);
        put_be64x8(block, w.h);
        memcpy(w.h, outer, sizeof outer);
        SHA512_Transform(&w, block);
        put_be64x8(block, w.h);
        for (int i = 0; i < 8; i++) t[i] ^= w.h[i];
    }
    put_be64x8(out, t);
}
