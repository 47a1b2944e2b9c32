/* ir/ir_equiv.c: compares two trace texts up to a consistent one-to-one
 * renaming of variables (like PyPy's equaloplists), so optimiser tests can
 * state an expected trace without predicting variable numbers. Ignores
 * whitespace, blank lines, comments, "+N: " offsets and the
 * "--end of the loop--" line. */
#include "ir.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 4096

typedef struct {
    const char *s;
    int n;
} token;

typedef struct {
    const char *p;   /* rest of the text */
    const char *line; /* start of the current line, for messages */
    int lineno;
} reader;

static bool is_word(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.';
}

/* Tokenises the next significant line; returns its token count, 0 at the
 * end of the text, -1 when the line has too many tokens. */
static int next_line(reader *R, token *tok)
{
    while (*R->p) {
        const char *s = R->p, *e = strchr(s, '\n');
        if (e == NULL)
            e = s + strlen(s);
        R->p = *e ? e + 1 : e;
        R->line = s;
        R->lineno++;
        while (s < e && isspace((unsigned char)*s))
            s++;
        if (s < e && *s == '+') { /* "+123: " offset */
            const char *c = s;
            while (c < e && *c != ':')
                c++;
            s = c < e ? c + 1 : s;
        }
        int n = 0;
        while (s < e) {
            if (isspace((unsigned char)*s)) {
                s++;
                continue;
            }
            if (*s == '#')
                break;
            if (n == MAX_TOKENS)
                return -1;
            const char *b = s;
            if (*s == '\'') {
                do
                    s++;
                while (s < e && *s != '\'');
                s += s < e;
            } else if (is_word(*s)) {
                while (s < e && is_word(*s))
                    s++;
            } else {
                s++;
            }
            tok[n++] = (token){b, (int)(s - b)};
        }
        if (n >= 3 && *tok[0].s == '-' && *tok[1].s == '-' && tok[2].n == 3 && !strncmp(tok[2].s, "end", 3))
            continue; /* --end of the loop-- */
        if (n > 0)
            return n;
    }
    return 0;
}

/* "i12" -> letter index and number; false for anything else. */
static bool var(const token *t, int *li, long *num)
{
    const char *l = t->n >= 2 && t->n <= 9 ? strchr("ipf", t->s[0]) : NULL;
    if (l == NULL)
        return false;
    *li = (int)(l - "ipf");
    *num = 0;
    for (int k = 1; k < t->n; k++) {
        if (!isdigit((unsigned char)t->s[k]))
            return false;
        *num = *num * 10 + (t->s[k] - '0');
    }
    return true;
}

typedef struct {
    long *from, *to; /* pairs (from[k] -> to[k]) */
    int n, cap;
} map;

/* Records a -> b; false when a already maps elsewhere. */
static bool bind(map *m, long a, long b, bool *oom)
{
    for (int k = 0; k < m->n; k++)
        if (m->from[k] == a)
            return m->to[k] == b;
    if (m->n == m->cap) {
        int cap = m->cap ? 2 * m->cap : 64;
        long *f = realloc(m->from, (size_t)cap * sizeof *f);
        if (f)
            m->from = f;
        long *t = f ? realloc(m->to, (size_t)cap * sizeof *t) : NULL;
        if (t == NULL) {
            *oom = true;
            return false;
        }
        m->to = t;
        m->cap = cap;
    }
    m->from[m->n] = a;
    m->to[m->n++] = b;
    return true;
}

static int line_len(const char *s)
{
    return (int)strcspn(s, "\n");
}

bool ir_text_equiv(const char *a, const char *b, char *why, size_t whysize)
{
    token *ta = malloc(2 * MAX_TOKENS * sizeof *ta), *tb = ta + MAX_TOKENS;
    map fwd[3] = {{0}}, back[3] = {{0}};
    reader A = {a, a, 0}, B = {b, b, 0};
    bool same = ta != NULL, oom = ta == NULL;
    const char *msg = oom ? "out of memory" : NULL;
    if (whysize)
        why[0] = 0;
    while (same) {
        int na = next_line(&A, ta), nb = next_line(&B, tb);
        if (na < 0 || nb < 0) {
            same = false;
            msg = "line too long";
            break;
        }
        if (na == 0 && nb == 0)
            break;
        same = na == nb;
        for (int k = 0; same && k < na; k++) {
            int la, lb;
            long xa, xb;
            if (var(&ta[k], &la, &xa) && var(&tb[k], &lb, &xb))
                same = la == lb && bind(&fwd[la], xa, xb, &oom) && bind(&back[la], xb, xa, &oom);
            else
                same = ta[k].n == tb[k].n && memcmp(ta[k].s, tb[k].s, (size_t)ta[k].n) == 0;
        }
        if (!same && whysize)
            snprintf(why, whysize, "line %d: '%.*s' vs line %d: '%.*s'", A.lineno, na ? line_len(A.line) : 5,
                     na ? A.line : "(end)", B.lineno, nb ? line_len(B.line) : 5, nb ? B.line : "(end)");
    }
    if (msg && whysize)
        snprintf(why, whysize, "%s", oom ? "out of memory" : msg);
    for (int i = 0; i < 3; i++) {
        free(fwd[i].from), free(fwd[i].to);
        free(back[i].from), free(back[i].to);
    }
    free(ta);
    return same;
}
