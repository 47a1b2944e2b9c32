/* ir/ir_parse.c: reads PyPy's trace text format (what ir_print writes, and
 * what PyPy's logs and oparser tests use) back into a trace, so optimiser
 * and backend tests can be written as text. One op per line:
 *   # comment                          (also after an op, outside quotes)
 *   [i0, p1, f2]                       input arguments, before any op
 *   i3 = int_add(i0, 1)                ints: 5, -3, 0x10, ConstInt(5)
 *   f4 = float_mul(f2, 1.5)            floats: 1.5, 1e-07, inf, ConstFloat(2.0)
 *   guard_true(i3) [p1, i0, None]      fail args -> a one-frame snapshot
 *   guard_value(p1, ConstPtr(obj))     ConstPtr(name|null), ConstClass(name)
 *   p5 = getfield_gc_r(p1, descr=<FieldP PyFrame.f_code 32>)
 *   setfield_gc(p1, i3, descr=fdescr)  a name from env->descrs
 *   label(p1, i3, descr=TargetToken(7))
 *   debug_merge_point(0, 0, 'f;x.py:3-4~#12 LOAD_FAST')
 *   +123: i6 = ...                     machine-code offset (kept)
 *   --end of the loop--                ignored
 * Variables are a type letter (i, p, f) and a number; the number is kept
 * as the op's vnum so that ir_print(ir_parse(text)) gives the text back.
 * A ConstPtr/ConstClass name missing from env->ptrs gets a synthetic,
 * deterministic address (never dereference it). A descr repr equal to
 * that of a descr in env->descrs means that descr; otherwise it is built
 * from the repr (field size 8 unless "size=N"). */
#include "ir.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VNUM 10000000

typedef struct {
    ir_trace *t;
    const ir_parse_env *env;
    char *err;
    size_t errsize;
    int line;
    const char *p, *end; /* cursor and end of the current line */
    ir_ref *names[3];    /* per letter i, p, f: vnum -> ref */
    int ncap[3];
} parser;

static bool fail(parser *P, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(parser *P, const char *fmt, ...)
{
    if (P->errsize == 0)
        return false;
    int n = snprintf(P->err, P->errsize, "line %d: ", P->line);
    if (n >= 0 && (size_t)n < P->errsize) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(P->err + n, P->errsize - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* ---- lexing within one line ---- */

static void skip_ws(parser *P)
{
    while (P->p < P->end && isspace((unsigned char)*P->p))
        P->p++;
}

static bool accept(parser *P, char c)
{
    skip_ws(P);
    if (P->p < P->end && *P->p == c) {
        P->p++;
        return true;
    }
    return false;
}

static bool expect(parser *P, char c)
{
    if (accept(P, c))
        return true;
    skip_ws(P);
    return fail(P, "expected '%c' at '%.*s'", c, (int)(P->end - P->p), P->p);
}

static bool accept_word(parser *P, const char *w)
{
    skip_ws(P);
    size_t n = strlen(w);
    if ((size_t)(P->end - P->p) >= n && strncmp(P->p, w, n) == 0) {
        P->p += n;
        return true;
    }
    return false;
}

/* A word: letters, digits and _ . - + (names, variables, numbers). */
static size_t word(parser *P, const char **start)
{
    skip_ws(P);
    *start = P->p;
    while (P->p < P->end && (isalnum((unsigned char)*P->p) || strchr("_.-+", *P->p)))
        P->p++;
    return (size_t)(P->p - *start);
}

static bool read_int(parser *P, long long *v)
{
    skip_ws(P);
    char tmp[32];
    const char *s;
    size_t n = word(P, &s);
    if (n == 0 || n >= sizeof tmp)
        return fail(P, "expected an integer at '%.*s'", (int)(P->end - s), s);
    memcpy(tmp, s, n);
    tmp[n] = 0;
    char *e;
    errno = 0;
    *v = strtoll(tmp, &e, 10);
    if (*e || errno)
        return fail(P, "bad integer '%s'", tmp);
    return true;
}

/* ---- variables ---- */

static int letter_index(char c)
{
    return c == 'i' ? 0 : c == 'p' ? 1 : c == 'f' ? 2 : -1;
}

/* Parses "i12" at s (length n) into letter index and number. */
static bool var_name(const char *s, size_t n, int *li, long *num)
{
    if (n < 2 || (*li = letter_index(s[0])) < 0)
        return false;
    *num = 0;
    for (size_t k = 1; k < n; k++) {
        if (!isdigit((unsigned char)s[k]) || *num > MAX_VNUM)
            return false;
        *num = *num * 10 + (s[k] - '0');
    }
    return *num <= MAX_VNUM;
}

static ir_ref *name_slot(parser *P, int li, long num)
{
    if (num >= P->ncap[li]) {
        int cap = P->ncap[li] ? P->ncap[li] : 64;
        while (cap <= num)
            cap *= 2;
        ir_ref *a = realloc(P->names[li], (size_t)cap * sizeof *a);
        if (a == NULL)
            return NULL;
        for (int k = P->ncap[li]; k < cap; k++)
            a[k] = IR_NONE;
        P->names[li] = a;
        P->ncap[li] = cap;
    }
    return &P->names[li][num];
}

/* Binds the result name s[0..n) to op r, checking its letter against the op type. */
static bool define(parser *P, const char *s, size_t n, ir_ref r)
{
    int li;
    long num;
    if (!var_name(s, n, &li, &num))
        return fail(P, "bad variable name '%.*s'", (int)n, s);
    char ty = ir_ref_type(P->t, r);
    if ("irf"[li] != ty)
        return fail(P, "'%.*s' names a value of type '%c'", (int)n, s, ty == 'r' ? 'p' : ty);
    ir_ref *slot = name_slot(P, li, num);
    if (slot == NULL)
        return fail(P, "out of memory");
    if (*slot != IR_NONE)
        return fail(P, "variable '%.*s' defined twice", (int)n, s);
    *slot = r;
    P->t->ops[r].vnum = (int32_t)num;
    if (num >= P->t->next_vnum)
        P->t->next_vnum = (int)num + 1;
    return true;
}

/* ---- constants and values ---- */

static void *synthetic_ptr(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t k = 0; k < n; k++)
        h = (h ^ (unsigned char)s[k]) * 0x100000001b3ull;
    return (void *)(uintptr_t)(0x7e5700000000ull | (h & 0xfffffff0ull));
}

/* ConstPtr(name) / ConstClass(name), after the opening parenthesis. */
static bool named_const(parser *P, bool is_class, ir_ref *out)
{
    const char *s;
    size_t n = word(P, &s);
    if (n == 0 || n >= 256)
        return fail(P, "expected a constant name");
    char name[256];
    memcpy(name, s, n);
    name[n] = 0;
    if (!expect(P, ')'))
        return false;
    void *v = NULL;
    bool found = false;
    for (const ir_named_ptr *e = P->env ? P->env->ptrs : NULL; e && e->name; e++)
        if (strcmp(e->name, name) == 0) {
            v = e->ptr;
            found = true;
            break;
        }
    if (!is_class && !found && strcmp(name, "null") == 0) {
        *out = ir_const_ptr(P->t, NULL);
        return true;
    }
    if (!found)
        v = synthetic_ptr(s, n);
    *out = is_class ? ir_const_class(P->t, v, name) : ir_const_ptr_named(P->t, v, name);
    return true;
}

static bool number(parser *P, ir_ref *out)
{
    const char *s;
    size_t n = word(P, &s);
    char tmp[64];
    if (n == 0 || n >= sizeof tmp)
        return fail(P, "expected a value at '%.*s'", (int)(P->end - s), s);
    memcpy(tmp, s, n);
    tmp[n] = 0;
    char *e;
    errno = 0;
    bool hex = strstr(tmp, "0x") || strstr(tmp, "0X");
    if (!hex && strpbrk(tmp, ".eEni")) {
        double d = strtod(tmp, &e);
        if (*e)
            return fail(P, "bad number '%s'", tmp);
        *out = ir_const_float(P->t, d);
    } else {
        long long v = strtoll(tmp, &e, hex ? 16 : 10); /* "010" is ten, not octal */
        if (*e || errno)
            return fail(P, "bad number '%s'", tmp);
        *out = ir_const_int(P->t, v);
    }
    return true;
}

/* A value: variable, None (when allowed), or constant. */
static bool value(parser *P, bool allow_none, ir_ref *out)
{
    skip_ws(P);
    const char *save = P->p;
    if (accept_word(P, "ConstPtr("))
        return named_const(P, false, out);
    if (accept_word(P, "ConstClass("))
        return named_const(P, true, out);
    bool is_int = accept_word(P, "ConstInt("), is_float = !is_int && accept_word(P, "ConstFloat(");
    if (is_int || is_float) {
        if (!number(P, out) || !expect(P, ')'))
            return false;
        if (is_float && ir_ref_type(P->t, *out) == 'i')
            *out = ir_const_float(P->t, (double)ir_const_at(P->t, *out)->v.i);
        return true;
    }
    const char *s;
    size_t n = word(P, &s);
    if (n == 4 && strncmp(s, "None", 4) == 0) {
        if (!allow_none)
            return fail(P, "None is only allowed in fail args");
        *out = IR_NONE;
        return true;
    }
    int li;
    long num;
    if (n > 0 && isalpha((unsigned char)s[0])) {
        ir_ref *slot = var_name(s, n, &li, &num) && num < P->ncap[li] ? &P->names[li][num] : NULL;
        if (slot == NULL || *slot == IR_NONE) {
            if (strncmp(s, "inf", 3) != 0 && strncmp(s, "nan", 3) != 0)
                return fail(P, "undefined variable '%.*s'", (int)n, s);
        } else {
            *out = *slot;
            return true;
        }
    }
    P->p = save;
    return number(P, out);
}

/* ---- descrs ---- */

/* Builds a descr from its repr text "<...>" / "TargetToken(N)" and adds
 * it to the trace; *out is its index. */
static bool descr_from_repr(parser *P, const char *s, size_t n, int *out)
{
    char tmp[512], name[256] = "", extra[2][64] = {"", ""}, args[128] = "";
    if (n >= sizeof tmp)
        return fail(P, "descr too long");
    memcpy(tmp, s, n);
    tmp[n] = 0;
    ir_descr d = {0};
    unsigned long long id;
    char flag;
    int a = 0, b = 0, k = 0;
    if (sscanf(tmp, "TargetToken(%llu)%n", &id, &k) == 1 && tmp[k] == 0) {
        d = (ir_descr){.kind = IR_DESCR_TARGET, .id = id};
    } else if (sscanf(tmp, "<Guard0x%llx>%n", &id, &k) == 1 && tmp[k] == 0) {
        d = (ir_descr){.kind = IR_DESCR_GUARD, .id = id};
    } else if (sscanf(tmp, "<Field%c %255s %d %63s %63s", &flag, name, &a, extra[0], extra[1]) >= 3) {
        d = (ir_descr){.kind = IR_DESCR_FIELD, .flag = flag, .offset = a, .size = 8, .name = name};
        for (int i = 0; i < 2; i++) {
            char *x = extra[i];
            x[strcspn(x, ">")] = 0;
            if (strcmp(x, "pure") == 0)
                d.pure = true;
            else if (sscanf(x, "size=%d", &b) == 1)
                d.size = b;
            else if (*x)
                return fail(P, "bad field descr '%s'", tmp);
        }
    } else if (sscanf(tmp, "<Array%c %d %63s", &flag, &a, extra[0]) >= 2) {
        d = (ir_descr){.kind = IR_DESCR_ARRAY, .flag = flag, .size = a};
        extra[0][strcspn(extra[0], ">")] = 0;
        if (sscanf(extra[0], "base=%d", &b) == 1)
            d.offset = b;
        else if (extra[0][0])
            return fail(P, "bad array descr '%s'", tmp);
    } else if (sscanf(tmp, "<SizeDescr %d %255s", &a, name) >= 1) {
        name[strcspn(name, ">")] = 0;
        d = (ir_descr){.kind = IR_DESCR_SIZE, .size = a, .name = name[0] ? name : NULL};
    } else if (sscanf(tmp, "<Call%c %d", &flag, &a) == 2) {
        /* PyPy's EF=n back to our flags (the inverse of ir_print's) */
        static const uint32_t from_ef[8] = {
            IR_CALL_ELIDABLE, IR_CALL_LOOPINVARIANT, 0,
            IR_CALL_ELIDABLE | IR_CALL_CAN_RAISE | IR_CALL_MEMERROR_ONLY, IR_CALL_ELIDABLE | IR_CALL_CAN_RAISE,
            IR_CALL_CAN_RAISE, IR_CALL_MAY_FORCE | IR_CALL_CAN_RAISE,
            IR_CALL_RANDOM_EFFECTS | IR_CALL_MAY_FORCE | IR_CALL_CAN_RAISE};
        d = (ir_descr){.kind = IR_DESCR_CALL, .flag = flag, .size = a, .argtypes = args};
        char *save, *tok = strtok_r(tmp + 6, " >", &save); /* the size */
        for (tok = strtok_r(NULL, " >", &save); tok; tok = strtok_r(NULL, " >", &save)) {
            int ef;
            if (sscanf(tok, "EF=%d", &ef) == 1 && ef >= 0 && ef <= 7)
                d.callflags |= from_ef[ef];
            else if (sscanf(tok, "OS=%d", &b) == 1)
                d.oopspec = b;
            else if (strcmp(tok, "borrowed") == 0)
                d.callflags |= IR_CALL_BORROWED;
            else if (strcmp(tok, "releasegil") == 0)
                d.callflags |= IR_CALL_RELEASES_GIL;
            else if (strspn(tok, "irf") == strlen(tok) && strlen(tok) < sizeof args)
                strcpy(args, tok);
            else
                return fail(P, "bad call descr '%.*s'", (int)n, s);
        }
    } else {
        return fail(P, "unknown descr '%s'", tmp);
    }
    *out = ir_descr_add(P->t, &d);
    return true;
}

/* After "descr=": a repr or a name from env->descrs; returns its index. */
static bool descr(parser *P, int *out)
{
    skip_ws(P);
    const char *s = P->p;
    if (*s == '<') {
        const char *e = memchr(s, '>', (size_t)(P->end - s));
        if (e == NULL)
            return fail(P, "unterminated descr");
        P->p = e + 1;
    } else if (accept_word(P, "TargetToken(")) {
        const char *e = memchr(P->p, ')', (size_t)(P->end - P->p));
        if (e == NULL)
            return fail(P, "unterminated TargetToken");
        P->p = e + 1;
    } else {
        const char *w;
        size_t n = word(P, &w);
        for (const ir_named_descr *e = P->env ? P->env->descrs : NULL; e && e->name; e++)
            if (strlen(e->name) == n && strncmp(e->name, w, n) == 0) {
                *out = ir_descr_add(P->t, &e->descr);
                return true;
            }
        return fail(P, "unknown descr '%.*s'", (int)n, w);
    }
    size_t n = (size_t)(P->p - s);
    char repr[512];
    for (const ir_named_descr *e = P->env ? P->env->descrs : NULL; e && e->name; e++) {
        int m = ir_descr_repr(&e->descr, repr, sizeof repr);
        if (m >= 0 && (size_t)m == n && strncmp(repr, s, n) == 0) {
            *out = ir_descr_add(P->t, &e->descr);
            return true;
        }
    }
    return descr_from_repr(P, s, n, out);
}

/* ---- lines ---- */

/* "[a, b, ...]" after the '[' of fail args: a one-frame snapshot. */
static bool fail_args(parser *P, int *snap)
{
    ir_ref refs[1024];
    int n = 0;
    if (!accept(P, ']')) {
        do {
            if (n == 1024)
                return fail(P, "too many fail args");
            if (!value(P, true, &refs[n++]))
                return false;
        } while (accept(P, ','));
        if (!expect(P, ']'))
            return false;
    }
    ir_snap_begin(P->t);
    ir_slot *slots = ir_snap_frame(P->t, NULL, -1, n);
    if (slots == NULL)
        return fail(P, "out of memory");
    for (int i = 0; i < n; i++) {
        char ty = ir_ref_type(P->t, refs[i]);
        slots[i].ref = refs[i];
        slots[i].kind = ty == 'i' ? IR_BOX_INT : ty == 'f' ? IR_BOX_FLOAT : ty == 'r' ? IR_BOX_BORROWED : IR_BOX_NONE;
    }
    *snap = ir_snap_end(P->t);
    return true;
}

static bool inputs(parser *P)
{
    if (P->t->nops > 0)
        return fail(P, "input arguments must come first and once");
    if (accept(P, ']'))
        return true;
    do {
        const char *s;
        size_t n = word(P, &s);
        char ty = n ? s[0] : 0;
        ir_ref r = ir_input(P->t, ty == 'p' ? 'r' : ty);
        if (r == IR_NONE && !ir_failed(P->t))
            return fail(P, "bad input argument '%.*s'", (int)n, s);
        if (r == IR_NONE || !define(P, s, n, r))
            return ir_failed(P->t) ? fail(P, "out of memory") : false;
    } while (accept(P, ','));
    return expect(P, ']');
}

static bool debug_merge_point(parser *P)
{
    long long depth, call_id;
    if (!read_int(P, &depth) || !expect(P, ',') || !read_int(P, &call_id) || !expect(P, ',') || !expect(P, '\''))
        return false;
    const char *s = P->p, *e = P->end;
    while (e > s && e[-1] != ')')
        e--;
    if (e - s < 2 || e[-2] != '\'')
        return fail(P, "expected 'text') in debug_merge_point");
    size_t n = (size_t)(e - 2 - s);
    char *repr = malloc(n + 1);
    if (repr == NULL)
        return fail(P, "out of memory");
    memcpy(repr, s, n);
    repr[n] = 0;
    const char *hash = strrchr(repr, '#'); /* "...~#12 LOAD_FAST" -> pc 12 */
    ir_debug_merge_point(P->t, NULL, hash ? atoi(hash + 1) : -1, (int)depth, (int)call_id, repr);
    free(repr);
    P->p = e;
    return true;
}

static bool operation(parser *P, int mc_offset)
{
    const char *res = NULL, *s;
    size_t nres = 0, n = word(P, &s);
    if (accept(P, '=')) {
        res = s;
        nres = n;
        n = word(P, &s);
    }
    int opnum = ir_op_lookup(s, n);
    const ir_opinfo *info = ir_op_info(opnum);
    if (info == NULL || (info->flags & IR_F_INPUT))
        return fail(P, "unknown operation '%.*s'", (int)n, s);
    if (!expect(P, '('))
        return false;
    if (res == NULL && info->type != 'v')
        return fail(P, "%s needs a result variable", info->name);
    if (res != NULL && info->type == 'v')
        return fail(P, "%s has no result", info->name);
    ir_ref r;
    if (opnum == IR_debug_merge_point) {
        if (!debug_merge_point(P))
            return false;
        r = P->t->nops - 1;
    } else {
        ir_ref args[1024];
        int nargs = 0, d = -1, snap = -1;
        if (!accept(P, ')')) {
            do {
                if (accept_word(P, "descr=")) {
                    if (!descr(P, &d))
                        return false;
                    break;
                }
                if (nargs == 1024)
                    return fail(P, "too many arguments");
                if (!value(P, false, &args[nargs++]))
                    return false;
            } while (accept(P, ','));
            if (!expect(P, ')'))
                return false;
        }
        if (info->arity >= 0 && info->arity != nargs)
            return fail(P, "%s takes %d argument%s, got %d", info->name, info->arity, info->arity == 1 ? "" : "s", nargs);
        if (accept(P, '[')) {
            if (!(info->flags & IR_F_GUARD))
                return fail(P, "fail args on %s, which is not a guard", info->name);
            if (!fail_args(P, &snap))
                return false;
        }
        if (info->flags & IR_F_GUARD) {
            r = ir_emit_guard(P->t, opnum, args, nargs, snap);
            if (r != IR_NONE)
                P->t->ops[r].descr = d;
        } else {
            r = ir_emit(P->t, opnum, args, nargs, d);
        }
    }
    if (ir_failed(P->t))
        return fail(P, "out of memory");
    P->t->ops[r].mc_offset = mc_offset;
    skip_ws(P);
    if (P->p != P->end)
        return fail(P, "unexpected '%.*s'", (int)(P->end - P->p), P->p);
    return res == NULL || define(P, res, nres, r);
}

static bool parse_line(parser *P)
{
    /* cut a comment that is not inside quotes */
    bool quoted = false;
    for (const char *c = P->p; c < P->end; c++) {
        if (*c == '\'')
            quoted = !quoted;
        else if (*c == '#' && !quoted) {
            P->end = c;
            break;
        }
    }
    skip_ws(P);
    if (P->p == P->end)
        return true;
    int mc_offset = -1;
    if (*P->p == '+') {
        const char *colon = memchr(P->p, ':', (size_t)(P->end - P->p));
        if (colon == NULL)
            return fail(P, "expected '+offset:'");
        mc_offset = atoi(P->p + 1);
        P->p = colon + 1;
    }
    if (accept_word(P, "--end of the loop--"))
        return true;
    if (accept(P, '['))
        return inputs(P);
    return operation(P, mc_offset);
}

ir_trace *ir_parse(const char *text, const ir_parse_env *env, char *err, size_t errsize)
{
    parser P = {.t = ir_trace_new(), .env = env, .err = err, .errsize = errsize};
    if (errsize)
        err[0] = 0;
    bool ok = P.t != NULL || fail(&P, "out of memory");
    for (const char *line = text; ok && *line;) {
        const char *nl = strchr(line, '\n');
        P.p = line;
        P.end = nl ? nl : line + strlen(line);
        P.line++;
        ok = parse_line(&P);
        line = nl ? nl + 1 : P.end;
    }
    for (int i = 0; i < 3; i++)
        free(P.names[i]);
    if (!ok) {
        ir_trace_free(P.t);
        return NULL;
    }
    return P.t;
}
