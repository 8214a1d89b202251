/*
 * Job queues: a FIFO of requests and the threads that run them, so that
 * guest code and plugin changes never run on libmicrohttpd's threads
 * (docs/rest.md, *Threads*). The HTTP glue suspends a request's
 * connection, pushes the request here, and a worker runs its handler and
 * resumes the connection.
 *
 * A job waits in the queue at most as long as the daemon's caller
 * decides: wxd_jobs_expire() (called by the HTTP guard thread) hands the
 * jobs queued before a time to their `expire` function instead of
 * running them, so that a client whose call finds every worker busy with
 * stuck guests gets a 503 after --wait-ms, as for a busy instance pool,
 * instead of waiting for a worker without bound.
 *
 * Knows nothing about HTTP: a job is run or expired, exactly once.
 */
#include "wxd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct wxd_jobs {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    pthread_cond_t idle; /* busy dropped */
    wxd_job *head, *tail;
    size_t queued;
    unsigned busy;     /* jobs running now */
    bool closed;       /* no more pops: the daemon is stopping */
    unsigned nthreads;
    pthread_t *threads;
};

static void *worker(void *arg)
{
    wxd_jobs *q = arg;
    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (!q->head && !q->closed)
            pthread_cond_wait(&q->ready, &q->lock);
        if (q->closed)
            break;
        wxd_job *j = q->head;
        q->head = j->next;
        if (!q->head)
            q->tail = NULL;
        q->queued--;
        q->busy++;
        pthread_mutex_unlock(&q->lock);
        j->next = NULL;
        j->run(j);
        pthread_mutex_lock(&q->lock);
        q->busy--;
        pthread_cond_broadcast(&q->idle);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

wxd_jobs *wxd_jobs_start(unsigned threads, char *why, size_t wsize)
{
    wxd_jobs *q = calloc(1, sizeof *q);
    pthread_t *t = calloc(threads ? threads : 1, sizeof *t);
    if (!q || !t) {
        free(q);
        free(t);
        snprintf(why, wsize, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->ready, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->idle, &ca);
    pthread_condattr_destroy(&ca);
    q->threads = t;
    for (unsigned i = 0; i < threads; i++) {
        int rc = pthread_create(&t[i], NULL, worker, q);
        if (rc != 0) {
            snprintf(why, wsize, "cannot start worker thread %u of %u: %s",
                     i + 1, threads, strerror(rc));
            wxd_jobs_stop(q);
            return NULL;
        }
        q->nthreads++;
    }
    return q;
}

void wxd_jobs_push(wxd_jobs *q, wxd_job *j)
{
    j->next = NULL;
    j->queued_ns = wxd_now_ns();
    pthread_mutex_lock(&q->lock);
    bool closed = q->closed;
    if (!closed) {
        if (q->tail)
            q->tail->next = j;
        else
            q->head = j;
        q->tail = j;
        q->queued++;
        pthread_cond_signal(&q->ready);
    }
    pthread_mutex_unlock(&q->lock);
    if (closed)
        j->expire(j);
}

/* Takes the jobs queued before `before_ns` (all if UINT64_MAX) off the
 * queue and expires them, outside the lock. */
static void expire_before(wxd_jobs *q, uint64_t before_ns)
{
    wxd_job *gone = NULL, **tail = &gone;
    pthread_mutex_lock(&q->lock);
    /* FIFO: the oldest are at the head. */
    while (q->head && q->head->queued_ns < before_ns) {
        wxd_job *j = q->head;
        q->head = j->next;
        q->queued--;
        j->next = NULL;
        *tail = j;
        tail = &j->next;
    }
    if (!q->head)
        q->tail = NULL;
    pthread_mutex_unlock(&q->lock);
    while (gone) {
        wxd_job *j = gone;
        gone = j->next;
        j->next = NULL;
        j->expire(j);
    }
}

void wxd_jobs_expire(wxd_jobs *q, uint64_t before_ns)
{
    if (q)
        expire_before(q, before_ns);
}

unsigned wxd_jobs_close(wxd_jobs *q, uint64_t wait_until_ns)
{
    if (!q)
        return 0;
    pthread_mutex_lock(&q->lock);
    q->closed = true;
    pthread_cond_broadcast(&q->ready);
    pthread_mutex_unlock(&q->lock);
    expire_before(q, UINT64_MAX);
    /* A worker answers its request a moment before it counts itself
     * free: wait for that moment, and for short jobs, until the bound. */
    pthread_mutex_lock(&q->lock);
    struct timespec ts = {(time_t)(wait_until_ns / 1000000000u),
                          (long)(wait_until_ns % 1000000000u)};
    while (q->busy && wxd_now_ns() < wait_until_ns)
        pthread_cond_timedwait(&q->idle, &q->lock, &ts);
    unsigned busy = q->busy;
    pthread_mutex_unlock(&q->lock);
    return busy;
}

void wxd_jobs_stop(wxd_jobs *q)
{
    if (!q)
        return;
    wxd_jobs_close(q, 0);
    for (unsigned i = 0; i < q->nthreads; i++)
        pthread_join(q->threads[i], NULL);
    pthread_cond_destroy(&q->ready);
    pthread_cond_destroy(&q->idle);
    pthread_mutex_destroy(&q->lock);
    free(q->threads);
    free(q);
}

void wxd_jobs_counts(wxd_jobs *q, unsigned *threads, unsigned *busy,
                     size_t *queued)
{
    *threads = *busy = 0;
    *queued = 0;
    if (!q)
        return;
    pthread_mutex_lock(&q->lock);
    *threads = q->nthreads;
    *busy = q->busy;
    *queued = q->queued;
    pthread_mutex_unlock(&q->lock);
}
