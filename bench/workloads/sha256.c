/*
 * sha256: SHA-256 (FIPS 180-4) over 16 MB of pseudo-random bytes that the
 * guest generates in its own linear memory, hashed WL_SIZE times. 32-bit
 * rotates, adds and big-endian loads in a long straight-line block: the
 * kind of code where operand traffic, not dispatch, decides the speed.
 */
#include "wl.h"

#ifndef WL_SIZE
#define WL_SIZE 1 /* passes over the data */
#endif

#ifndef WL_DATA_MB
#define WL_DATA_MB 16 /* smaller only for the runner's --quick mode */
#endif

#define DATA_LEN ((uint32_t)WL_DATA_MB << 20)

static uint8_t g_data[DATA_LEN];

static const uint32_t k_round[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void sha256_block(uint32_t h[8], const uint8_t *block)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = load_be32(block + 4 * i);
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^
                      (w[i - 15] >> 3);
        uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^
                      (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    uint32_t e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = hh + s1 + ch + k_round[i] + w[i];
        uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = s0 + maj;
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

/* Hashes data[0, len) and leaves the digest words in h. */
static void sha256(uint32_t h[8], const uint8_t *data, uint32_t len)
{
    static const uint32_t init[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };
    uint8_t tail[128];
    uint32_t full = len & ~63u, rest = len - full, tail_len;
    uint64_t bits = (uint64_t)len * 8;

    for (int i = 0; i < 8; i++)
        h[i] = init[i];
    for (uint32_t off = 0; off < full; off += 64)
        sha256_block(h, data + off);

    for (uint32_t i = 0; i < rest; i++)
        tail[i] = data[full + i];
    tail[rest] = 0x80;
    tail_len = rest + 1 + 8 <= 64 ? 64 : 128;
    for (uint32_t i = rest + 1; i < tail_len - 8; i++)
        tail[i] = 0;
    for (int i = 0; i < 8; i++)
        tail[tail_len - 1 - i] = (uint8_t)(bits >> (8 * i));
    for (uint32_t off = 0; off < tail_len; off += 64)
        sha256_block(h, tail + off);
}

static void fill(uint8_t *p, uint32_t len, uint32_t seed)
{
    for (uint32_t i = 0; i < len; i += 4) {
        uint32_t r = wl_rand(&seed);
        p[i] = (uint8_t)r;
        p[i + 1] = (uint8_t)(r >> 8);
        p[i + 2] = (uint8_t)(r >> 16);
        p[i + 3] = (uint8_t)(r >> 24);
    }
}

WL_EXPORT(run) uint32_t run(void)
{
    uint32_t h[8];
    uint32_t check = WL_FNV_INIT;
    fill(g_data, DATA_LEN, 0x9E3779B9u);
    for (int pass = 0; pass < WL_SIZE; pass++) {
        /* Each pass hashes a slightly different prefix of the data. */
        sha256(h, g_data, DATA_LEN - (uint32_t)pass * 3);
        for (int i = 0; i < 8; i++)
            check = wl_mix(check, h[i]);
    }
    return check;
}
