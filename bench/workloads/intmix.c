/*
 * intmix: an integer mix in the spirit of CoreMark (our own code, not
 * CoreMark's): linked-list processing, a small integer matrix kernel, a
 * character state machine that scans numbers, and CRC-16, each iteration
 * feeding its results into the next. Branchy, load/store heavy integer
 * code with short loops: the bread and butter of an interpreter.
 */
#include "wl.h"

#ifndef WL_SIZE
#define WL_SIZE 2000 /* iterations */
#endif

#define LIST_LEN 256
#define MAT_N 24
#define TEXT_LEN 512

typedef struct node {
    struct node *next;
    int32_t key;
    int16_t data;
    int16_t pad;
} node;

typedef struct state {
    node pool[LIST_LEN];
    node *head;
    int16_t a[MAT_N * MAT_N];
    int16_t b[MAT_N * MAT_N];
    int32_t c[MAT_N * MAT_N];
    char text[TEXT_LEN];
    uint32_t seed;
} state;

static state g_state;

/* CRC-16/CCITT, bit by bit as CoreMark does, for a branchy inner loop. */
static uint16_t crc16_byte(uint16_t crc, uint8_t byte)
{
    crc ^= (uint16_t)(byte << 8);
    for (int i = 0; i < 8; i++) {
        if (crc & 0x8000)
            crc = (uint16_t)((crc << 1) ^ 0x1021);
        else
            crc = (uint16_t)(crc << 1);
    }
    return crc;
}

static uint16_t crc16_u32(uint16_t crc, uint32_t v)
{
    crc = crc16_byte(crc, (uint8_t)v);
    crc = crc16_byte(crc, (uint8_t)(v >> 8));
    crc = crc16_byte(crc, (uint8_t)(v >> 16));
    return crc16_byte(crc, (uint8_t)(v >> 24));
}

/* ------------------------------------------------------------ lists */

static void list_init(state *s)
{
    for (int i = 0; i < LIST_LEN; i++) {
        s->pool[i].key = (int32_t)(wl_rand(&s->seed) & 0xFFFF);
        s->pool[i].data = (int16_t)i;
        s->pool[i].next = i + 1 < LIST_LEN ? &s->pool[i + 1] : NULL;
    }
    s->head = &s->pool[0];
}

static node *list_reverse(node *head)
{
    node *prev = NULL;
    while (head) {
        node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

static node *list_find(node *head, int32_t key)
{
    while (head && head->key != key)
        head = head->next;
    return head;
}

/* Merge sort on a singly linked list by key (stable, no recursion). */
static node *list_sort(node *head)
{
    for (int width = 1;; width *= 2) {
        node *p = head, *tail = NULL;
        int merges = 0;
        head = NULL;
        while (p) {
            node *q = p;
            int psize = 0, qsize = width;
            merges++;
            while (psize < width && q) {
                psize++;
                q = q->next;
            }
            while (psize > 0 || (qsize > 0 && q)) {
                node *e;
                if (psize == 0) {
                    e = q, q = q->next, qsize--;
                } else if (qsize == 0 || !q || p->key <= q->key) {
                    e = p, p = p->next, psize--;
                } else {
                    e = q, q = q->next, qsize--;
                }
                if (tail)
                    tail->next = e;
                else
                    head = e;
                tail = e;
            }
            p = q;
        }
        tail->next = NULL;
        if (merges <= 1)
            return head;
    }
}

static uint16_t list_bench(state *s, uint16_t crc, uint32_t iter)
{
    int32_t found = 0;
    s->head = list_reverse(s->head);
    for (int i = 0; i < 8; i++) {
        node *n = list_find(s->head, (int32_t)((iter * 7 + i * 131) & 0xFFFF));
        found += n ? n->data : -1;
    }
    /* Perturb some keys so the sort always has work to do. */
    node *n = s->head;
    for (int i = 0; n; n = n->next, i++) {
        if ((i & 15) == (int)(iter & 15))
            n->key = (int32_t)(wl_rand(&s->seed) & 0xFFFF);
    }
    s->head = list_sort(s->head);
    crc = crc16_u32(crc, (uint32_t)found);
    crc = crc16_u32(crc, (uint32_t)s->head->key);
    for (n = s->head; n; n = n->next)
        crc = crc16_byte(crc, (uint8_t)n->data);
    return crc;
}

/* ----------------------------------------------------------- matrix */

static void matrix_init(state *s)
{
    for (int i = 0; i < MAT_N * MAT_N; i++) {
        s->a[i] = (int16_t)((wl_rand(&s->seed) & 0xFF) - 128);
        s->b[i] = (int16_t)((wl_rand(&s->seed) & 0xFF) - 128);
    }
}

static uint16_t matrix_bench(state *s, uint16_t crc, uint32_t iter)
{
    int16_t k = (int16_t)(iter & 0x7);
    int32_t sum = 0;
    for (int i = 0; i < MAT_N * MAT_N; i++)
        s->a[i] = (int16_t)(s->a[i] + k);
    for (int i = 0; i < MAT_N; i++) {
        for (int j = 0; j < MAT_N; j++) {
            int32_t acc = 0;
            for (int x = 0; x < MAT_N; x++)
                acc += s->a[i * MAT_N + x] * s->b[x * MAT_N + j];
            s->c[i * MAT_N + j] = acc;
        }
    }
    for (int i = 0; i < MAT_N * MAT_N; i++) {
        int32_t v = s->c[i];
        sum += v > 100000 ? 1 : v < -100000 ? -1 : 0;
        sum += (v >> 3) & 0xF;
    }
    for (int i = 0; i < MAT_N * MAT_N; i++)
        s->a[i] = (int16_t)(s->a[i] - k);
    return crc16_u32(crc, (uint32_t)sum);
}

/* ---------------------------------------------------- state machine */

enum { ST_START, ST_INT, ST_FRAC, ST_EXP, ST_EXP_SIGN, ST_EXP_INT,
       ST_INVALID, ST_COUNT };

static void text_init(state *s)
{
    static const char alphabet[] = "0123456789+-.eE,,,,x";
    for (int i = 0; i < TEXT_LEN; i++)
        s->text[i] = alphabet[wl_rand(&s->seed) % (sizeof alphabet - 1)];
}

static int next_state(int st, char c)
{
    int digit = c >= '0' && c <= '9';
    switch (st) {
    case ST_START:
        if (digit || c == '+' || c == '-')
            return ST_INT;
        if (c == '.')
            return ST_FRAC;
        return ST_INVALID;
    case ST_INT:
        if (digit)
            return ST_INT;
        if (c == '.')
            return ST_FRAC;
        if (c == 'e' || c == 'E')
            return ST_EXP;
        return ST_INVALID;
    case ST_FRAC:
        if (digit)
            return ST_FRAC;
        if (c == 'e' || c == 'E')
            return ST_EXP;
        return ST_INVALID;
    case ST_EXP:
        if (c == '+' || c == '-')
            return ST_EXP_SIGN;
        return digit ? ST_EXP_INT : ST_INVALID;
    case ST_EXP_SIGN:
    case ST_EXP_INT:
        return digit ? ST_EXP_INT : ST_INVALID;
    default:
        return ST_INVALID;
    }
}

static uint16_t state_bench(state *s, uint16_t crc, uint32_t iter)
{
    uint32_t final_counts[ST_COUNT] = {0};
    uint32_t transitions = 0;
    int st = ST_START;
    for (int i = 0; i < TEXT_LEN; i++) {
        char c = s->text[i];
        if (c == ',') {
            final_counts[st]++;
            st = ST_START;
            continue;
        }
        int nst = next_state(st, c);
        transitions += nst != st;
        st = nst;
    }
    final_counts[st]++;
    /* Mutate the text a little so the next pass differs. */
    s->text[(iter * 37) % TEXT_LEN] ^= 1;
    for (int i = 0; i < ST_COUNT; i++)
        crc = crc16_u32(crc, final_counts[i]);
    return crc16_u32(crc, transitions);
}

WL_EXPORT(run) uint32_t run(void)
{
    state *s = &g_state;
    uint16_t crc = 0;
    uint32_t check = WL_FNV_INIT;
    s->seed = 0x12345678u;
    list_init(s);
    matrix_init(s);
    text_init(s);
    for (uint32_t iter = 0; iter < WL_SIZE; iter++) {
        crc = list_bench(s, crc, iter);
        crc = matrix_bench(s, crc, iter);
        crc = state_bench(s, crc, iter);
        check = wl_mix(check, crc);
    }
    return check;
}
