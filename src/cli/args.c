/*
 * Command-line parsing shared by every command: options by long name,
 * positional words, and the global options accepted anywhere.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether `word` is option `name`, written alone or as "name=value";
 * sets *inline_val to the text after '=' (or NULL). */
static bool option_is(const char *word, const char *name,
                      const char **inline_val)
{
    size_t n = strlen(name);
    if (strncmp(word, name, n) != 0)
        return false;
    if (word[n] == '\0') {
        *inline_val = NULL;
        return true;
    }
    if (word[n] == '=') {
        *inline_val = word + n + 1;
        return true;
    }
    return false;
}

/* Takes an option's value: inline, or the next word. */
static const char *take_value(const char *cmd, const char *name,
                              const char *inline_val, int argc, char **argv,
                              int *i)
{
    if (inline_val)
        return inline_val;
    if (*i + 1 >= argc) {
        cli_usage_error(cmd, "%s needs a value", name);
        return NULL;
    }
    return argv[++*i];
}

/* The registry option ("--db", or the same as "--registry") that `word`
 * is, with its inline value; NULL when it is neither. */
static const char *registry_option(const char *word, const char **inline_val)
{
    if (option_is(word, "--db", inline_val))
        return "--db";
    if (option_is(word, "--registry", inline_val))
        return "--registry";
    return NULL;
}

int cli_take_registry(int argc, char **argv, int *i, const char **value)
{
    const char *iv, *name = registry_option(argv[*i], &iv);
    if (!name)
        return 0;
    *value = take_value(NULL, name, iv, argc, argv, i);
    return *value ? 1 : -1;
}

/* One word starting with "--" (not "--" itself): a global or a command
 * option. Returns CLI_EXIT_OK or CLI_EXIT_USAGE. */
static int parse_option(cli_global *g, const char *cmd, const cli_opt *opts,
                        size_t nopts, int argc, char **argv, int *i,
                        cli_args *out)
{
    const char *word = argv[*i], *iv;
    if (option_is(word, "--help", &iv) && !iv) {
        out->help = true;
        return CLI_EXIT_OK;
    }
    if (option_is(word, "--json", &iv) && !iv)
        return CLI_EXIT_OK; /* taken by wants_json */
    const char *reg = registry_option(word, &iv);
    if (reg) {
        const char *v = take_value(cmd, reg, iv, argc, argv, i);
        if (!v)
            return CLI_EXIT_USAGE;
        g->db = v;
        return CLI_EXIT_OK;
    }
    for (size_t k = 0; k < nopts; k++) {
        if (!option_is(word, opts[k].name, &iv))
            continue;
        if (!opts[k].metavar) {
            if (iv)
                return cli_usage_error(cmd, "%s takes no value", opts[k].name);
            out->val[k] = "";
            return CLI_EXIT_OK;
        }
        const char *v = take_value(cmd, opts[k].name, iv, argc, argv, i);
        if (!v)
            return CLI_EXIT_USAGE;
        out->val[k] = v;
        return CLI_EXIT_OK;
    }
    return cli_usage_error(cmd, "unknown option %s", word);
}

/* Whether --json is among the options: looked for before anything else,
 * so that an error about an option written before it is JSON too. */
static bool wants_json(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--json") == 0)
            return true;
    return false;
}

int cli_parse(cli_global *g, const char *cmd, const cli_opt *opts,
              size_t nopts, int argc, char **argv, cli_args *out)
{
    memset(out, 0, sizeof *out);
    if (wants_json(argc, argv)) {
        g->json = true;
        cli_set_json_errors(true);
    }
    if (nopts > CLI_MAX_OPTS)
        nopts = CLI_MAX_OPTS;
    bool only_pos = false;
    for (int i = 1; i < argc; i++) {
        const char *word = argv[i];
        if (!only_pos && strcmp(word, "--") == 0) {
            only_pos = true;
            continue;
        }
        if (!only_pos && strcmp(word, "-h") == 0) {
            out->help = true;
            continue;
        }
        if (!only_pos && strncmp(word, "--", 2) == 0) {
            int rc = parse_option(g, cmd, opts, nopts, argc, argv, &i, out);
            if (rc != CLI_EXIT_OK)
                return rc;
            continue;
        }
        if (out->npos == CLI_MAX_POS)
            return cli_usage_error(cmd, "too many arguments (at most %d)",
                                   CLI_MAX_POS);
        out->pos[out->npos++] = argv[i];
    }
    return CLI_EXIT_OK;
}

bool cli_parse_u32(const char *opt, const char *text, uint32_t max,
                   uint32_t *out)
{
    const char *p = text;
    bool digits = *p != '\0';
    for (; *p; p++)
        if (*p < '0' || *p > '9')
            digits = false;
    errno = 0;
    unsigned long long v = digits ? strtoull(text, NULL, 10) : 0;
    if (!digits || errno == ERANGE || v > max) {
        cli_error(WX_EARG,
                  "%s: expected a whole number from 0 to %u, got \"%s\"", opt,
                  max, text);
        return false;
    }
    *out = (uint32_t)v;
    return true;
}
