/* LEB128 and byte reading at the limits the binary format sets. */
#include "check.h"
#include "reader.h"

static int u32_of(const uint8_t *b, size_t n, uint32_t *v, const char **e)
{
    wxr_reader r;
    wxr_init(&r, b, b, b + n);
    bool ok = wxr_u32(&r, v);
    *e = r.error;
    return ok;
}

static int s32_of(const uint8_t *b, size_t n, int32_t *v, const char **e)
{
    wxr_reader r;
    wxr_init(&r, b, b, b + n);
    bool ok = wxr_s32(&r, v);
    *e = r.error;
    return ok;
}

static int s64_of(const uint8_t *b, size_t n, int64_t *v, const char **e)
{
    wxr_reader r;
    wxr_init(&r, b, b, b + n);
    bool ok = wxr_s64(&r, v);
    *e = r.error;
    return ok;
}

int main(void)
{
    uint32_t u;
    int32_t s;
    int64_t l;
    const char *e;

    CHECK(u32_of((const uint8_t[]){0x00}, 1, &u, &e) && u == 0);
    CHECK(u32_of((const uint8_t[]){0xE5, 0x8E, 0x26}, 3, &u, &e) &&
          u == 624485);
    /* Padded encodings are legal while they fit the byte budget. */
    CHECK(u32_of((const uint8_t[]){0x80, 0x80, 0x80, 0x80, 0x00}, 5, &u,
                 &e) &&
          u == 0);
    CHECK(u32_of((const uint8_t[]){0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, 5, &u,
                 &e) &&
          u == UINT32_MAX);
    /* Bits beyond 32 in the fifth byte. */
    CHECK(!u32_of((const uint8_t[]){0xFF, 0xFF, 0xFF, 0xFF, 0x1F}, 5, &u,
                  &e) &&
          strcmp(e, "integer too large") == 0);
    /* A sixth byte. */
    CHECK(!u32_of((const uint8_t[]){0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 6,
                  &u, &e) &&
          strcmp(e, "integer representation too long") == 0);
    CHECK(!u32_of((const uint8_t[]){0x80, 0x80}, 2, &u, &e) &&
          strcmp(e, "unexpected end") == 0);

    CHECK(s32_of((const uint8_t[]){0x7F}, 1, &s, &e) && s == -1);
    CHECK(s32_of((const uint8_t[]){0x80, 0x7F}, 2, &s, &e) && s == -128);
    CHECK(s32_of((const uint8_t[]){0x80, 0x80, 0x80, 0x80, 0x78}, 5, &s,
                 &e) &&
          s == INT32_MIN);
    CHECK(s32_of((const uint8_t[]){0xFF, 0xFF, 0xFF, 0xFF, 0x07}, 5, &s,
                 &e) &&
          s == INT32_MAX);
    /* Unused bits must repeat the sign bit. */
    CHECK(!s32_of((const uint8_t[]){0xFF, 0xFF, 0xFF, 0xFF, 0x4F}, 5, &s,
                  &e) &&
          strcmp(e, "integer too large") == 0);
    CHECK(!s32_of((const uint8_t[]){0x80, 0x80, 0x80, 0x80, 0x70}, 5, &s,
                  &e) &&
          strcmp(e, "integer too large") == 0);

    CHECK(s64_of((const uint8_t[]){0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                   0x80, 0x80, 0x7F},
                 10, &l, &e) &&
          l == INT64_MIN);
    CHECK(s64_of((const uint8_t[]){0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                   0xFF, 0xFF, 0x00},
                 10, &l, &e) &&
          l == INT64_MAX);
    CHECK(!s64_of((const uint8_t[]){0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                    0xFF, 0xFF, 0x01},
                  10, &l, &e) &&
          strcmp(e, "integer too large") == 0);

    /* 33-bit signed: block types. */
    {
        const uint8_t b[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
        wxr_reader r;
        wxr_init(&r, b, b, b + 5);
        int64_t v;
        CHECK(wxr_sleb(&r, 33, &v) && v == 0xFFFFFFFF);
    }
    {
        const uint8_t b[] = {1, 2, 3};
        const uint8_t *p;
        wxr_reader r;
        wxr_init(&r, b, b, b + 3);
        CHECK(wxr_bytes(&r, 2, &p) && p == b && wxr_offset(&r) == 2);
        CHECK(!wxr_bytes(&r, 2, &p) && wxr_offset(&r) == 2);
    }
    return CHECK_DONE();
}
