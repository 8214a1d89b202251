/*
 * What the pool tests share: loading a guest, and a gate that holds the
 * guests' env.block import until the test opens it.
 */
#ifndef WX_TESTS_VM_TEST_H
#define WX_TESTS_VM_TEST_H

#include "wasmext/engine.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* tests/vm's CMakeLists.txt assembles the .wat files into a directory
 * passed as argv[1]; a guest that cannot be read or loaded ends the test
 * with exit status 2 (a broken setup, not a failed check). */
static inline wx_module *vmt_load_guest(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *bytes = malloc(len > 0 ? (size_t)len : 1);
    if (!bytes || len < 0 || fread(bytes, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    wx_error err;
    wx_error_clear(&err);
    wx_module *m = wx_module_load(bytes, (size_t)len, NULL, &err);
    free(bytes);
    if (!m) {
        fprintf(stderr, "%s: %s\n", path, err.message);
        exit(2);
    }
    return m;
}

/*
 * A gate that holds whoever passes it until the test opens it: env.block
 * (the guests' import, see vmt_block_linker) passes it, and so may a
 * pool's init hook, so that a test can hold an instance busy, or one
 * being made, without depending on timing. Starts open.
 */
typedef struct vmt_gate {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    int entered; /* threads that reached the gate */
    bool shut;   /* hold them */
} vmt_gate;

#define VMT_GATE_INIT                                                         \
    {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false}

static inline void gate_pass(vmt_gate *g)
{
    pthread_mutex_lock(&g->lock);
    g->entered++;
    pthread_cond_broadcast(&g->cv);
    while (g->shut)
        pthread_cond_wait(&g->cv, &g->lock);
    pthread_mutex_unlock(&g->lock);
}

/* Shuts the gate and forgets who passed before. */
static inline void gate_shut(vmt_gate *g)
{
    pthread_mutex_lock(&g->lock);
    g->entered = 0;
    g->shut = true;
    pthread_mutex_unlock(&g->lock);
}

static inline void gate_wait_entered(vmt_gate *g, int n)
{
    pthread_mutex_lock(&g->lock);
    while (g->entered < n)
        pthread_cond_wait(&g->cv, &g->lock);
    pthread_mutex_unlock(&g->lock);
}

static inline void gate_open(vmt_gate *g)
{
    pthread_mutex_lock(&g->lock);
    g->shut = false;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->lock);
}

/* env.block: passes the gate `env`, then returns 7. */
static inline wx_status vmt_block_fn(wx_host_ctx *ctx, const wx_wasm_val *args,
                                     wx_wasm_val *results, void *env)
{
    (void)ctx;
    (void)args;
    gate_pass(env);
    results[0] = wx_wasm_i32(7);
    return WX_OK;
}

/* A linker defining env.block on gate `g`. */
static inline wx_linker *vmt_block_linker(vmt_gate *g)
{
    static const wx_valtype i32[] = {WX_I32};
    wx_functype t = {0, 1, NULL, i32};
    wx_linker *l = wx_linker_new(NULL);
    if (!l || wx_linker_define_func(l, "env", "block", &t, vmt_block_fn, g,
                                    NULL) != WX_OK) {
        fprintf(stderr, "cannot make the linker\n");
        exit(2);
    }
    return l;
}

#endif
