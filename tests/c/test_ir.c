/* tests/c/test_ir: the IR op table, trace emission, constants, descrs,
 * snapshot sharing, the PyPy-format printer, the parser (errors and
 * round trips), the verifier and text comparison modulo renaming. */
#include "../../src/jit/ir/ir.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_STR(a, b)                                                       \
    do {                                                                      \
        const char *a_ = (a), *b_ = (b);                                      \
        if (a_ == NULL || strcmp(a_, b_) != 0) {                              \
            fprintf(stderr, "  %s:%d: got\n%s\n  expected\n%s\n", __FILE__,   \
                    __LINE__, a_ ? a_ : "(null)", b_);                        \
            *failed_ = 1;                                                     \
        }                                                                     \
    } while (0)

/* print(parse(text)) must give text back exactly. */
static int round_trip(const char *text, const ir_parse_env *env, int *failed_)
{
    char err[256];
    ir_trace *t = ir_parse(text, env, err, sizeof err);
    if (t == NULL) {
        fprintf(stderr, "  parse error: %s\n", err);
        *failed_ = 1;
        return 0;
    }
    char *out = ir_print(t, IR_PRINT_OFFSETS);
    CHECK_STR(out, text);
    free(out);
    if (ir_verify(t, err, sizeof err) < 0) {
        fprintf(stderr, "  verify: %s\n", err);
        *failed_ = 1;
    }
    int nops = t->nops;
    ir_trace_free(t);
    return nops;
}

/* Parse error message for text (static buffer), or "" when it parses. */
static const char *parse_error(const char *text)
{
    static char err[256];
    ir_trace *t = ir_parse(text, NULL, err, sizeof err);
    if (t != NULL) {
        ir_trace_free(t);
        return "";
    }
    return err;
}

/* ---- the op table ---- */

TEST(ir_table_is_complete)
{
    static const char *required[] = {
        "int_add", "int_sub", "int_mul", "int_and", "int_or", "int_xor", "int_lshift", "int_rshift",
        "uint_rshift", "int_neg", "int_invert", "int_lt", "int_le", "int_eq", "int_ne", "int_gt",
        "int_ge", "uint_lt", "uint_le", "uint_gt", "uint_ge", "int_is_zero", "int_is_true",
        "int_add_ovf", "int_sub_ovf", "int_mul_ovf", "int_py_div", "int_py_mod", "float_add",
        "float_sub", "float_mul", "float_truediv", "float_neg", "float_abs", "float_lt", "float_le",
        "float_eq", "float_ne", "float_gt", "float_ge", "cast_int_to_float", "cast_float_to_int",
        "ptr_eq", "ptr_ne", "instance_ptr_eq", "same_as_i", "same_as_r", "same_as_f", "guard_true",
        "guard_false", "guard_value", "guard_class", "guard_nonnull", "guard_isnull",
        "guard_nonnull_class", "guard_no_overflow", "guard_overflow", "guard_no_exception",
        "guard_not_invalidated", "getfield_gc_i", "getfield_gc_r", "getfield_gc_f", "setfield_gc",
        "getfield_raw_i", "setfield_raw", "getarrayitem_gc_i", "getarrayitem_gc_r",
        "getarrayitem_gc_f", "setarrayitem_gc", "arraylen_gc", "call_i", "call_r", "call_f",
        "call_n", "call_may_force_i", "call_may_force_r", "call_may_force_f", "call_may_force_n",
        "new_with_vtable", "label", "jump", "finish", "debug_merge_point", "increment_debug_counter",
        "enter_portal_frame", "leave_portal_frame", "py_incref", "py_decref", "py_xdecref"};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        int op = ir_op_lookup(required[i], strlen(required[i]));
        if (op < 0)
            fprintf(stderr, "  missing op %s\n", required[i]);
        CHECK(op >= 0);
    }
    for (int op = 0; op < IR_NOPS; op++) {
        const ir_opinfo *info = ir_op_info(op);
        CHECK(info->name != NULL && info->name[0] != 0);
        CHECK(strchr("irfv", info->type) != NULL && info->type != 0);
        CHECK(info->arity >= -1 && info->arity <= 3);
        CHECK_EQ_INT(ir_op_lookup(info->name, strlen(info->name)), op); /* names are unique */
        if (info->flags & IR_F_GUARD)
            CHECK(strncmp(info->name, "guard_", 6) == 0);
        if (info->flags & IR_F_CALL)
            CHECK(info->arity == -1 && (info->flags & IR_F_DESCR));
        if (info->flags & IR_F_CMP)
            CHECK(info->type == 'i' && (info->flags & IR_F_PURE));
        if (info->flags & IR_F_OVF)
            CHECK(!(info->flags & IR_F_PURE) && info->type == 'i');
        if (info->flags & (IR_F_READ | IR_F_WRITE | IR_F_ALLOC))
            CHECK(info->flags & IR_F_DESCR);
        /* a result type is the name's suffix for typed families */
        size_t n = strlen(info->name);
        if (n > 2 && info->name[n - 2] == '_' && strchr("irfn", info->name[n - 1]) && !(info->flags & IR_F_INPUT)
            && (strncmp(info->name, "call", 4) == 0 || strncmp(info->name, "get", 3) == 0
                || strncmp(info->name, "same_as", 7) == 0))
            CHECK(info->name[n - 1] == (info->type == 'v' ? 'n' : info->type));
    }
    CHECK_EQ_INT(ir_op_lookup("int_ad", 6), -1);
    CHECK_EQ_INT(ir_op_lookup("int_addx", 8), -1);
    CHECK_EQ_INT(ir_op_lookup("int_add(i0)", 7), IR_int_add);
    CHECK(ir_op_info(-1) == NULL && ir_op_info(IR_NOPS) == NULL);
    CHECK(ir_op_removable(IR_int_add) && ir_op_removable(IR_getfield_gc_r) && !ir_op_removable(IR_setfield_gc));
    CHECK(!ir_op_removable(IR_int_add_ovf) && !ir_op_removable(IR_call_i) && !ir_op_removable(IR_guard_true));
    CHECK(ir_op_info(IR_py_incref)->flags & IR_F_OURS);
    CHECK(!(ir_op_info(IR_int_add)->flags & IR_F_OURS));
}

/* ---- emission, constants, descrs ---- */

TEST(ir_emit_and_constants)
{
    ir_trace *t = ir_trace_new();
    ir_ref p0 = ir_input(t, 'r'), i1 = ir_input(t, 'i'), f2 = ir_input(t, 'f');
    CHECK_EQ_INT(t->ninputs, 3);
    ir_ref c5 = ir_const_int(t, 5);
    CHECK(ir_is_const(c5) && !ir_is_op(c5));
    CHECK_EQ_INT(ir_const_int(t, 5), c5); /* shared */
    CHECK(ir_const_int(t, 6) != c5);
    CHECK(ir_const_float(t, 0.0) != ir_const_float(t, -0.0));
    CHECK_EQ_INT(ir_const_float(t, 1.5), ir_const_float(t, 1.5));
    CHECK(ir_const_int(t, 0) != ir_const_ptr(t, NULL)); /* types differ */
    CHECK(ir_const_class(t, (void *)0x1000, "A") != ir_const_class(t, (void *)0x1000, "B"));
    ir_ref a = IR_EMIT(t, IR_int_add, -1, i1, c5);
    CHECK(ir_is_op(a));
    CHECK_EQ_INT(ir_opnum(t, a), IR_int_add);
    CHECK_EQ_INT(ir_nargs(t, a), 2);
    CHECK_EQ_INT(ir_arg(t, a, 0), i1);
    CHECK_EQ_INT(ir_arg(t, a, 1), c5);
    CHECK_EQ_INT(ir_const_at(t, c5)->v.i, 5);
    CHECK_EQ_INT(ir_ref_type(t, a), 'i');
    CHECK_EQ_INT(ir_ref_type(t, p0), 'r');
    CHECK_EQ_INT(ir_ref_type(t, f2), 'f');
    CHECK_EQ_INT(ir_ref_type(t, c5), 'i');
    CHECK_EQ_INT(ir_ref_type(t, IR_NONE), 0);
    CHECK_EQ_INT(t->ops[a].vnum, 3); /* numbered after the inputs */
    CHECK_EQ_INT(t->ops[a].mc_offset, -1);
    ir_ref g = IR_EMIT(t, IR_int_is_true, -1, a);
    ir_ref guard = IR_GUARD(t, IR_guard_true, -1, g);
    CHECK_EQ_INT(t->ops[guard].vnum, -1);
    ir_ref after = IR_EMIT(t, IR_float_neg, -1, f2);
    CHECK_EQ_INT(t->ops[after].vnum, 5); /* void ops take no number */
    ir_ref lbl = ir_emit(t, IR_label, (ir_ref[]){p0, i1, f2}, 3, -1);
    CHECK_EQ_INT(ir_nargs(t, lbl), 3);
    CHECK_EQ_INT(ir_arg(t, lbl, 2), f2);
    ir_set_arg(t, lbl, 2, after);
    CHECK_EQ_INT(ir_arg(t, lbl, 2), after);
    CHECK_EQ_INT(ir_first(t), 3);
    CHECK(!ir_failed(t));
    CHECK_EQ_INT(ir_input(t, 'i'), IR_NONE); /* inputs only come first */
    CHECK(!ir_failed(t));
    CHECK_EQ_INT(IR_EMIT(t, IR_int_add, -1, i1), IR_NONE); /* arity */
    CHECK(ir_failed(t));
    CHECK_EQ_INT(ir_const_int(t, 99), IR_NONE); /* sticky */
    ir_trace_free(t);
}

TEST(ir_constants_grow)
{
    ir_trace *t = ir_trace_new();
    ir_ref x = ir_input(t, 'i');
    for (int i = 0; i < 20000; i++)
        x = IR_EMIT(t, IR_int_add, -1, x, ir_const_int(t, i % 5000));
    CHECK(!ir_failed(t));
    CHECK_EQ_INT(t->nconsts, 5000);
    CHECK_EQ_INT(t->nops, 20001);
    CHECK_EQ_INT(ir_const_at(t, ir_arg(t, 19000, 1))->v.i, 18999 % 5000);
    for (int i = 0; i < 5000; i++)
        CHECK_EQ_INT(ir_const_at(t, ir_const_int(t, i))->v.i, i);
    CHECK_EQ_INT(t->nconsts, 5000);
    ir_trace_free(t);
}

TEST(ir_descrs_are_copied_and_shared)
{
    ir_trace *t = ir_trace_new();
    char name[32] = "PyFloatObject.ob_fval";
    ir_descr fd = {.kind = IR_DESCR_FIELD, .flag = 'F', .offset = 16, .size = 8, .pure = true, .name = name};
    int d1 = ir_descr_add(t, &fd);
    CHECK_EQ_INT(ir_descr_add(t, &fd), d1);
    strcpy(name, "changed");
    CHECK(strcmp(ir_descr_at(t, d1)->name, "PyFloatObject.ob_fval") == 0);
    CHECK(ir_descr_add(t, &fd) != d1); /* different name now */
    ir_descr cd = {.kind = IR_DESCR_CALL, .flag = 'r', .size = 8, .argtypes = "i",
                   .callflags = IR_CALL_CAN_RAISE, .oopspec = IR_OS_BOX_INT, .name = "PyLong_FromLong"};
    int d2 = ir_descr_add(t, &cd);
    ir_ref p0 = ir_input(t, 'r');
    ir_ref f = IR_EMIT(t, IR_getfield_gc_f, d1, p0);
    CHECK(ir_op_descr(t, f) == ir_descr_at(t, d1));
    ir_ref c = IR_EMIT(t, IR_call_r, d2, ir_const_class(t, (void *)0x4000, "PyLong_FromLong"), ir_const_int(t, 3));
    CHECK_EQ_INT(ir_op_descr(t, c)->oopspec, IR_OS_BOX_INT);
    CHECK(ir_descr_at(t, -1) == NULL);
    CHECK_EQ_INT(IR_EMIT(t, IR_getfield_gc_f, 99, p0), IR_NONE); /* no such descr */
    ir_trace_free(t);
}

/* ---- snapshots ---- */

TEST(ir_snapshots_shared_when_unchanged)
{
    ir_trace *t = ir_trace_new();
    ir_ref p0 = ir_input(t, 'r'), i1 = ir_input(t, 'i');
    int code = 0, callee = 0;

    ir_snap_begin(t);
    ir_slot *s = ir_snap_frame(t, &code, 10, 3);
    s[0] = (ir_slot){p0, IR_BOX_BORROWED};
    s[1] = (ir_slot){i1, IR_BOX_INT};
    int a = ir_snap_end(t);
    CHECK_EQ_INT(a, 0);
    CHECK_EQ_INT(ir_frame_slots(t, ir_snap_frame_at(t, a, 0))[2].kind, IR_BOX_NONE);
    CHECK_EQ_INT(ir_frame_slots(t, ir_snap_frame_at(t, a, 0))[2].ref, IR_NONE);

    ir_snap_begin(t); /* the same again: shared */
    s = ir_snap_frame(t, &code, 10, 3);
    s[0] = (ir_slot){p0, IR_BOX_BORROWED};
    s[1] = (ir_slot){i1, IR_BOX_INT};
    CHECK_EQ_INT(ir_snap_end(t), a);
    CHECK_EQ_INT(t->nsnaps, 1);
    CHECK_EQ_INT(t->nframes, 1);
    CHECK_EQ_INT(t->nslots, 3);

    ir_snap_begin(t); /* a slot's kind differs: new */
    s = ir_snap_frame(t, &code, 10, 3);
    s[0] = (ir_slot){p0, IR_BOX_OWNED};
    s[1] = (ir_slot){i1, IR_BOX_INT};
    int b = ir_snap_end(t);
    CHECK_EQ_INT(b, 1);

    ir_snap_begin(t); /* the pc differs: new */
    s = ir_snap_frame(t, &code, 12, 3);
    s[0] = (ir_slot){p0, IR_BOX_OWNED};
    s[1] = (ir_slot){i1, IR_BOX_INT};
    CHECK_EQ_INT(ir_snap_end(t), 2);

    ir_snap_begin(t); /* two frames (inlining) */
    s = ir_snap_frame(t, &code, 12, 3);
    s[0] = (ir_slot){p0, IR_BOX_OWNED};
    s[1] = (ir_slot){i1, IR_BOX_INT};
    s = ir_snap_frame(t, &callee, 0, 1);
    s[0] = (ir_slot){i1, IR_BOX_BOOL};
    int c = ir_snap_end(t);
    CHECK_EQ_INT(c, 3);
    CHECK_EQ_INT(ir_snap_at(t, c)->nframes, 2);
    CHECK(ir_snap_frame_at(t, c, 0)->code == &code);
    CHECK(ir_snap_frame_at(t, c, 1)->code == &callee);
    CHECK_EQ_INT(ir_frame_slots(t, ir_snap_frame_at(t, c, 1))[0].kind, IR_BOX_BOOL);

    ir_ref g1 = IR_GUARD(t, IR_guard_true, c, i1);
    ir_ref g2 = IR_GUARD(t, IR_guard_nonnull, c, p0);
    CHECK_EQ_INT(t->ops[g1].snap, c);
    CHECK_EQ_INT(t->ops[g2].snap, c);
    char *out = ir_print(t, 0);
    CHECK_STR(out, "[p0, i1]\n"
                   "guard_true(i1) [p0, i1, None, i1]\n"
                   "guard_nonnull(p0) [p0, i1, None, i1]\n");
    free(out);
    CHECK_EQ_INT(IR_GUARD(t, IR_guard_true, 7, i1), IR_NONE); /* no such snapshot */
    ir_trace_free(t);
}

/* ---- printing ---- */

TEST(ir_print_each_kind_of_op)
{
    ir_trace *t = ir_trace_new();
    ir_ref p0 = ir_input(t, 'r'), i1 = ir_input(t, 'i'), f2 = ir_input(t, 'f');
    int fd = ir_descr_add(t, &(ir_descr){.kind = IR_DESCR_FIELD, .flag = 'P', .offset = 8, .size = 8, .name = "pyframe.locals"});
    int fv = ir_descr_add(t, &(ir_descr){.kind = IR_DESCR_FIELD, .flag = 'F', .offset = 16, .size = 8, .pure = true, .name = "PyFloatObject.ob_fval"});
    int fs = ir_descr_add(t, &(ir_descr){.kind = IR_DESCR_FIELD, .flag = 'U', .offset = 24, .size = 4, .name = "PyLongObject.ob_digit"});
    int ad = ir_descr_add(t, &(ir_descr){.kind = IR_DESCR_ARRAY, .flag = 'P', .size = 8, .offset = 24});
    int cd = ir_descr_add(t, &(ir_descr){.kind = IR_DESCR_CALL, .flag = 'r', .size = 8, .argtypes = "f",
                                         .callflags = IR_CALL_CAN_RAISE, .oopspec = IR_OS_BOX_FLOAT});
    int cb = ir_descr_add(t, &(ir_descr){.kind = IR_DESCR_CALL, .flag = 'r', .size = 8, .argtypes = "ri",
                                         .callflags = IR_CALL_BORROWED});
    int cv = ir_descr_add(t, &(ir_descr){.kind = IR_DESCR_CALL, .flag = 'v', .size = 0, .callflags = IR_CALL_MAY_FORCE | IR_CALL_CAN_RAISE});
    int sd = ir_descr_add(t, &(ir_descr){.kind = IR_DESCR_SIZE, .size = 24, .name = "float"});
    int tt = ir_descr_add(t, &(ir_descr){.kind = IR_DESCR_TARGET, .id = 1234});
    int gd = ir_descr_add(t, &(ir_descr){.kind = IR_DESCR_GUARD, .id = 0x7f00});

    ir_snap_begin(t);
    ir_slot *s = ir_snap_frame(t, NULL, 0, 3);
    s[0] = (ir_slot){p0, IR_BOX_BORROWED};
    s[1] = (ir_slot){i1, IR_BOX_INT};
    s[2] = (ir_slot){f2, IR_BOX_FLOAT};
    int snap = ir_snap_end(t);

    ir_emit(t, IR_label, (ir_ref[]){p0, i1, f2}, 3, tt);
    ir_debug_merge_point(t, NULL, 12, 0, 0, "<code object f, file 'x.py', line 3> #12 LOAD_FAST");
    ir_ref p4 = IR_EMIT(t, IR_getfield_gc_r, fd, p0);
    ir_ref i5 = IR_EMIT(t, IR_int_add_ovf, -1, i1, ir_const_int(t, 1));
    IR_GUARD0(t, IR_guard_no_overflow, snap);
    ir_ref i6 = IR_EMIT(t, IR_int_lt, -1, i5, ir_const_int(t, -100));
    ir_ref g = IR_GUARD(t, IR_guard_true, snap, i6);
    t->ops[g].descr = gd;
    IR_GUARD(t, IR_guard_class, snap, p4, ir_const_class(t, (void *)0x5000, "PyFloat_Type"));
    IR_GUARD(t, IR_guard_value, snap, p4, ir_const_ptr(t, NULL));
    IR_GUARD(t, IR_guard_value, snap, p4, ir_const_ptr_named(t, (void *)0x5010, "ptr7"));
    ir_ref f7 = IR_EMIT(t, IR_getfield_gc_f, fv, p4);
    ir_ref f8 = IR_EMIT(t, IR_float_mul, -1, f7, ir_const_float(t, 1.0001));
    ir_ref f9 = IR_EMIT(t, IR_float_add, -1, f8, ir_const_float(t, 1e-7));
    ir_ref i10 = IR_EMIT(t, IR_getfield_gc_i, fs, p4);
    ir_ref p11 = IR_EMIT(t, IR_getarrayitem_gc_r, ad, p0, i10);
    ir_ref p12 = IR_EMIT(t, IR_call_r, cd, ir_const_class(t, (void *)0x6000, "PyFloat_FromDouble"), f9);
    IR_GUARD0(t, IR_guard_no_exception, snap);
    IR_EMIT(t, IR_call_r, cb, ir_const_class(t, (void *)0x6010, "PyTuple_GetItem"), p12, i10);
    IR_EMIT(t, IR_call_may_force_n, cv, ir_const_int(t, 4096));
    IR_EMIT(t, IR_setfield_gc, fd, p0, p11);
    IR_EMIT(t, IR_py_decref, -1, p12);
    IR_EMIT0(t, IR_new_with_vtable, sd);
    ir_emit(t, IR_jump, (ir_ref[]){p0, i5, f9}, 3, tt);
    t->ops[p4].mc_offset = 17;
    CHECK(!ir_failed(t));

    char *out = ir_print(t, IR_PRINT_OFFSETS);
    CHECK_STR(out,
              "[p0, i1, f2]\n"
              "label(p0, i1, f2, descr=TargetToken(1234))\n"
              "debug_merge_point(0, 0, '<code object f. file 'x.py'. line 3> #12 LOAD_FAST')\n"
              "+17: p3 = getfield_gc_r(p0, descr=<FieldP pyframe.locals 8>)\n"
              "i4 = int_add_ovf(i1, 1)\n"
              "guard_no_overflow() [p0, i1, f2]\n"
              "i5 = int_lt(i4, -100)\n"
              "guard_true(i5, descr=<Guard0x7f00>) [p0, i1, f2]\n"
              "guard_class(p3, ConstClass(PyFloat_Type)) [p0, i1, f2]\n"
              "guard_value(p3, ConstPtr(null)) [p0, i1, f2]\n"
              "guard_value(p3, ConstPtr(ptr7)) [p0, i1, f2]\n"
              "f6 = getfield_gc_f(p3, descr=<FieldF PyFloatObject.ob_fval 16 pure>)\n"
              "f7 = float_mul(f6, 1.000100)\n"
              "f8 = float_add(f7, 1e-07)\n"
              "i9 = getfield_gc_i(p3, descr=<FieldU PyLongObject.ob_digit 24 size=4>)\n"
              "p10 = getarrayitem_gc_r(p0, i9, descr=<ArrayP 8 base=24>)\n"
              "p11 = call_r(ConstClass(PyFloat_FromDouble), f8, descr=<Callr 8 f EF=5 OS=201>)\n"
              "guard_no_exception() [p0, i1, f2]\n"
              "p12 = call_r(ConstClass(PyTuple_GetItem), p11, i9, descr=<Callr 8 ri EF=2 borrowed>)\n"
              "call_may_force_n(4096, descr=<Callv 0 EF=6>)\n"
              "setfield_gc(p0, p10, descr=<FieldP pyframe.locals 8>)\n"
              "py_decref(p11)\n"
              "p13 = new_with_vtable(descr=<SizeDescr 24 float>)\n"
              "jump(p0, i4, f8, descr=TargetToken(1234))\n");
    free(out);
    out = ir_print(t, IR_PRINT_NO_INPUTS);
    CHECK(strncmp(out, "label(", 6) == 0);
    CHECK(strstr(out, "+17:") == NULL);
    free(out);
    out = ir_op_repr(t, p4, IR_PRINT_OFFSETS);
    CHECK_STR(out, "+17: p3 = getfield_gc_r(p0, descr=<FieldP pyframe.locals 8>)");
    free(out);
    out = ir_op_repr(t, p4, 0);
    CHECK_STR(out, "p3 = getfield_gc_r(p0, descr=<FieldP pyframe.locals 8>)");
    free(out);
    out = ir_op_repr(t, p4 - 1, 0);
    CHECK_STR(out, "debug_merge_point(0, 0, '<code object f. file 'x.py'. line 3> #12 LOAD_FAST')");
    free(out);
    CHECK_EQ_INT(ir_op_dbg(t, p4 - 1)->pc, 12);
    CHECK(ir_op_dbg(t, p4) == NULL);
    ir_trace_free(t);
}

TEST(ir_descr_reprs)
{
    char buf[128];
    struct { ir_descr d; const char *repr; } cases[] = {
        {{.kind = IR_DESCR_FIELD, .flag = 'S', .offset = 72, .size = 8, .name = "a.b"}, "<FieldS a.b 72>"},
        {{.kind = IR_DESCR_ARRAY, .flag = 'S', .size = 8}, "<ArrayS 8>"},
        {{.kind = IR_DESCR_CALL, .flag = 'i', .size = 8, .argtypes = "ii", .callflags = IR_CALL_ELIDABLE}, "<Calli 8 ii EF=0>"},
        {{.kind = IR_DESCR_CALL, .flag = 'i', .size = 8, .argtypes = "ii", .callflags = IR_CALL_ELIDABLE | IR_CALL_CAN_RAISE}, "<Calli 8 ii EF=4>"},
        {{.kind = IR_DESCR_CALL, .flag = 'f', .size = 8, .argtypes = "f", .callflags = IR_CALL_RELEASES_GIL}, "<Callf 8 f EF=2 releasegil>"},
        {{.kind = IR_DESCR_SIZE, .size = 16}, "<SizeDescr 16>"},
        {{.kind = IR_DESCR_TARGET, .id = 139807188009072ull}, "TargetToken(139807188009072)"},
        {{.kind = IR_DESCR_GUARD, .id = 0x7f2765c62080ull}, "<Guard0x7f2765c62080>"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        CHECK_EQ_INT(ir_descr_repr(&cases[i].d, buf, sizeof buf), strlen(cases[i].repr));
        CHECK_STR(buf, cases[i].repr);
    }
    CHECK_EQ_INT(ir_descr_repr(&cases[0].d, buf, 4), strlen("<FieldS a.b 72>")); /* truncates */
    CHECK_STR(buf, "<Fi");
}

TEST(ir_float_constants_print_exactly)
{
    static const double values[] = {0.5, 0.1, 1.0001, -2.0, 1e-7, 1e300, 123456789.123456789, -0.0, 3.0e-320};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        ir_trace *t = ir_trace_new();
        ir_ref f0 = ir_input(t, 'f');
        IR_EMIT(t, IR_float_add, -1, f0, ir_const_float(t, values[i]));
        char *text = ir_print(t, 0), err[128];
        ir_trace *u = ir_parse(text, NULL, err, sizeof err);
        CHECK(u != NULL);
        if (u) {
            double back = ir_const_at(u, ir_arg(u, 1, 1))->v.f;
            CHECK(memcmp(&back, &values[i], sizeof back) == 0);
            ir_trace_free(u);
        }
        free(text);
        ir_trace_free(t);
    }
    ir_trace *t = ir_trace_new();
    ir_ref f0 = ir_input(t, 'f');
    IR_EMIT(t, IR_float_add, -1, f0, ir_const_float(t, 0.5));
    IR_EMIT(t, IR_float_add, -1, f0, ir_const_float(t, INFINITY));
    char *text = ir_print(t, 0);
    CHECK_STR(text, "[f0]\nf1 = float_add(f0, 0.500000)\nf2 = float_add(f0, inf)\n");
    free(text);
    ir_trace_free(t);
}

/* ---- parsing ---- */

TEST(ir_parse_errors_have_line_numbers)
{
    CHECK_STR(parse_error("[i0]\ni1 = int_frob(i0, 1)\n"), "line 2: unknown operation 'int_frob'");
    CHECK_STR(parse_error("[i0]\n\n# comment\ni1 = int_add(i0, i9)\n"), "line 4: undefined variable 'i9'");
    CHECK_STR(parse_error("[i0]\ni1 = int_add(i0)\n"), "line 2: int_add takes 2 arguments, got 1");
    CHECK_STR(parse_error("[i0]\ni1 = int_neg(i0)\ni1 = int_neg(i0)\n"), "line 3: variable 'i1' defined twice");
    CHECK_STR(parse_error("[i0]\np1 = int_neg(i0)\n"), "line 2: 'p1' names a value of type 'i'");
    CHECK_STR(parse_error("[i0]\nint_neg(i0)\n"), "line 2: int_neg needs a result variable");
    CHECK_STR(parse_error("[i0]\ni1 = guard_true(i0)\n"), "line 2: guard_true has no result");
    CHECK_STR(parse_error("[p0]\ni1 = getfield_gc_i(p0, descr=nosuch)\n"), "line 2: unknown descr 'nosuch'");
    CHECK_STR(parse_error("[p0]\ni1 = getfield_gc_i(p0, descr=<Bogus 8>)\n"), "line 2: unknown descr '<Bogus 8>'");
    CHECK_STR(parse_error("[i0]\ni1 = int_neg(i0) [i0]\n"), "line 2: fail args on int_neg, which is not a guard");
    CHECK_STR(parse_error("[i0]\nguard_true(i0) [None, i7]\n"), "line 2: undefined variable 'i7'");
    CHECK_STR(parse_error("[i0]\ni1 = int_neg(None)\n"), "line 2: None is only allowed in fail args");
    CHECK_STR(parse_error("[i0]\ni1 = int_neg(i0\n"), "line 2: expected ')' at ''");
    CHECK_STR(parse_error("[i0]\ni1 = int_neg(i0) junk\n"), "line 2: unexpected 'junk'");
    CHECK_STR(parse_error("[i0]\n[i1]\n"), "line 2: input arguments must come first and once");
    CHECK_STR(parse_error("[x0]\n"), "line 1: bad input argument 'x0'");
    CHECK_STR(parse_error("[i0]\ni1 = int_add(i0, 12abc)\n"), "line 2: bad number '12abc'");
    CHECK_STR(parse_error("[i0]\ni1 = int_neg(i0)  # fine\n"), "");
    ir_trace *t = ir_parse("[i0]\ni1 = int_add(i0, 010)\n", NULL, NULL, 0); /* decimal, as PyPy prints */
    CHECK(t != NULL && ir_const_at(t, ir_arg(t, 1, 1))->v.i == 10);
    ir_trace_free(t);
    char small[8];
    CHECK(ir_parse("bogus()\n", NULL, small, sizeof small) == NULL);
    CHECK_STR(small, "line 1:");
    CHECK(ir_parse("bogus()\n", NULL, NULL, 0) == NULL);
}

TEST(ir_parse_values_and_env)
{
    static int obj, fn;
    static const ir_named_descr descrs[] = {
        {"valuedescr", {.kind = IR_DESCR_FIELD, .flag = 'S', .offset = 16, .size = 8, .name = "Obj.value"}},
        {"calldescr", {.kind = IR_DESCR_CALL, .flag = 'i', .size = 8, .argtypes = "i", .ptr = &fn, .name = "helper"}},
        {NULL}};
    static const ir_named_ptr ptrs[] = {{"myobj", &obj}, {"helper", &fn}, {NULL}};
    ir_parse_env env = {descrs, ptrs};
    char err[256];
    ir_trace *t = ir_parse("[p0]\n"
                           "i1 = getfield_gc_i(p0, descr=valuedescr)\n"
                           "i2 = getfield_gc_i(p0, descr=<FieldS Obj.value 16>)\n"
                           "i3 = call_i(ConstClass(helper), i2, descr=calldescr)\n"
                           "i4 = int_add(i3, ConstInt(-7))\n"
                           "i5 = int_add(i4, 0x10)\n"
                           "f6 = cast_int_to_float(i5)\n"
                           "f7 = float_add(f6, ConstFloat(2))\n"
                           "guard_value(p0, ConstPtr(myobj)) [p0, i5, 3, 2.5, ConstPtr(other), None]\n"
                           "finish(i5)\n",
                           &env, err, sizeof err);
    CHECK(t != NULL);
    if (t == NULL) {
        fprintf(stderr, "  %s\n", err);
        return;
    }
    CHECK_EQ_INT(ir_verify(t, err, sizeof err), 0);
    CHECK_EQ_INT(t->ops[1].descr, t->ops[2].descr); /* repr of a named descr means that descr */
    CHECK(ir_op_descr(t, 3)->ptr == &fn);
    CHECK(ir_const_at(t, ir_arg(t, 3, 0))->v.i == (int64_t)(intptr_t)&fn);
    CHECK_EQ_INT(ir_const_at(t, ir_arg(t, 4, 1))->v.i, -7);
    CHECK_EQ_INT(ir_const_at(t, ir_arg(t, 5, 1))->v.i, 16);
    CHECK(ir_const_at(t, ir_arg(t, 7, 1))->type == 'f' && ir_const_at(t, ir_arg(t, 7, 1))->v.f == 2.0);
    CHECK(ir_const_at(t, ir_arg(t, 8, 1))->v.p == &obj);
    const ir_frame *fr = ir_snap_frame_at(t, t->ops[8].snap, 0);
    const ir_slot *s = ir_frame_slots(t, fr);
    CHECK_EQ_INT(fr->nslots, 6);
    CHECK_EQ_INT(s[0].kind, IR_BOX_BORROWED);
    CHECK_EQ_INT(s[1].kind, IR_BOX_INT);
    CHECK_EQ_INT(s[2].kind, IR_BOX_INT);
    CHECK_EQ_INT(s[3].kind, IR_BOX_FLOAT);
    CHECK_EQ_INT(s[4].kind, IR_BOX_BORROWED);
    CHECK(ir_const_at(t, s[4].ref)->v.p != NULL); /* synthetic, unknown name */
    CHECK_EQ_INT(s[5].kind, IR_BOX_NONE);
    CHECK_EQ_INT(t->next_vnum, 8);
    ir_ref n = IR_EMIT(t, IR_int_neg, -1, 5);
    CHECK_EQ_INT(t->ops[n].vnum, 8);
    ir_trace_free(t);
}

TEST(ir_round_trip_int_loop)
{
    /* a loop with int_add_ovf + guard_no_overflow, as PyPy logs it */
    CHECK_EQ_INT(round_trip("[p0, p1]\n"
                            "+315: p2 = getfield_gc_r(p0, descr=<FieldP pypy.interpreter.pyframe.PyFrame.inst_pycode 64>)\n"
                            "+334: i5 = getfield_gc_i(p0, descr=<FieldS pypy.interpreter.pyframe.PyFrame.inst_valuestackdepth 72>)\n"
                            "+346: p9 = getarrayitem_gc_r(p1, 0, descr=<ArrayP 8>)\n"
                            "+407: label(p0, p1, p2, i5, p9, descr=TargetToken(139807188008992))\n"
                            "debug_merge_point(0, 0, 'f;/tmp/pl.py:1-5~#26 FOR_ITER')\n"
                            "+464: guard_value(i5, 6, descr=<Guard0x7f2765c62080>) [p0, p2, i5, p9, p1]\n"
                            "+483: guard_class(p9, 139807488503712, descr=<Guard0x7f2765c78068>) [p0, p2, i5, p9, p1]\n"
                            "+496: i30 = getfield_gc_i(p9, descr=<FieldS W_IntRangeIterator.inst_current 8>)\n"
                            "+500: i31 = getfield_gc_i(p9, descr=<FieldS W_IntRangeOneArgIterator.inst_stop 40 pure>)\n"
                            "+504: i32 = int_lt(i30, i31)\n"
                            "+507: guard_true(i32, descr=<Guard0x7f2765c780b0>) [p0, p2, i5, p9, p1]\n"
                            "+513: i34 = int_add(i30, 1)\n"
                            "+517: setfield_gc(p9, i34, descr=<FieldS W_IntRangeIterator.inst_current 8>)\n"
                            "+521: guard_nonnull_class(p2, ConstClass(W_IntObject), descr=<Guard0x7f2765c620e0>) [p0, p2, p9, p1, i30]\n"
                            "+547: guard_value(p2, ConstPtr(ptr36), descr=<Guard0x7f2765c780f8>) [p0, p2, p9, p1, i30]\n"
                            "+556: i38 = int_mul_ovf(i30, 3)\n"
                            "+563: guard_no_overflow(descr=<Guard0x7f2765c78140>) [p0, p2, p9, p1, i30]\n"
                            "+569: i40 = int_and(i30, 7)\n"
                            "+576: i41 = int_sub_ovf(i38, i40)\n"
                            "+579: guard_no_overflow(descr=<Guard0x7f2765c78188>) [p0, p2, p9, p1, i30]\n"
                            "+646: i51 = int_eq(i30, -9223372036854775808)\n"
                            "+659: i56 = uint_mul_high(i41, -6148914691236517205)\n"
                            "+672: i58 = uint_rshift(i56, 1)\n"
                            "+698: guard_not_invalidated(descr=<Guard0x7f2765c78260>) [p0, p2, p9, p1, None, i30]\n"
                            "+698: i66 = getfield_raw_i(139807504780640, descr=<FieldS pypysig_long_struct.c_value 0>)\n"
                            "+705: i68 = int_lt(i66, 0)\n"
                            "+709: guard_false(i68, descr=<Guard0x7f2765c782a8>) [p0, p2, p9, p1, i30]\n"
                            "+715: i69 = same_as_i(i34)\n"
                            "+889: jump(p0, p1, p2, i5, p9, descr=TargetToken(139807188008992))\n",
                            NULL, failed_),
                 31);
}

TEST(ir_round_trip_float_loop_and_calls)
{
    round_trip("[p0, i1, f2]\n"
               "label(p0, i1, f2, descr=TargetToken(1))\n"
               "debug_merge_point(0, 0, '<code object f. file 'x.py'. line 3> #12 LOAD_FAST')\n"
               "i3 = int_lt(i1, 1000)\n"
               "guard_true(i3) [p0, i1, f2]\n"
               "f4 = float_mul(f2, 1.000100)\n"
               "f5 = float_add(f4, 0.100000)\n"
               "f6 = float_truediv(f5, 3e-09)\n"
               "f7 = float_neg(f6)\n"
               "f8 = float_abs(f7)\n"
               "i9 = float_lt(f8, -1.500000)\n"
               "guard_false(i9) [p0, i1, f8]\n"
               "i10 = cast_float_to_int(f8)\n"
               "f11 = cast_int_to_float(i10)\n"
               "p12 = call_r(ConstClass(PyFloat_FromDouble), f11, descr=<Callr 8 f EF=5 OS=201>)\n"
               "guard_no_exception() [p0, i1, f8]\n"
               "p13 = call_may_force_r(ConstClass(helper), p12, i10, descr=<Callr 8 ri EF=6>)\n"
               "guard_not_forced() [p0, i1, f8]\n"
               "py_decref(p12)\n"
               "i14 = int_add(i1, 1)\n"
               "p15 = call_r(ConstClass(ll_str), i14, descr=<Callr 8 i EF=3>)\n"
               "i16 = strlen(p15)\n"
               "i17 = call_i(ConstClass(lookup), p15, i16, 1, descr=<Calli 8 rii EF=5 OS=4>)\n"
               "f18 = call_f(ConstClass(sqrt), f11, descr=<Callf 8 f EF=0 OS=100>)\n"
               "i19 = call_pure_i(ConstClass(h), i17, descr=<Calli 8 i EF=1>)\n"
               "call_n(ConstClass(g), descr=<Callv 0 EF=7 releasegil>)\n"
               "cond_call(i19, ConstClass(dealloc), p15, descr=<Callv 0 r EF=2>)\n"
               "p20 = force_token()\n"
               "keepalive(p20)\n"
               "jump(p0, i14, f18, descr=TargetToken(1))\n",
               NULL, failed_);
}

TEST(ir_round_trip_peeled_loop_and_bridge)
{
    /* preamble + peeled loop (PyPy's two labels), and a bridge ending in a
     * jump to the loop's label */
    round_trip("[p0, i1]\n"
               "i2 = int_add_ovf(i1, 1)\n"
               "guard_no_overflow() [p0, i1]\n"
               "label(p0, i2, descr=TargetToken(10))\n"
               "i3 = int_lt(i2, 100)\n"
               "guard_true(i3) [p0, i2]\n"
               "i4 = int_py_div(i2, 7)\n"
               "i5 = int_py_mod(i2, -7)\n"
               "i6 = int_sub(i4, i5)\n"
               "i7 = int_is_zero(i6)\n"
               "guard_false(i7) [p0, i2, i6]\n"
               "p8 = new_with_vtable(descr=<SizeDescr 32 int>)\n"
               "setfield_gc(p8, i6, descr=<FieldS PyLongObject.ob_digit 24 size=4>)\n"
               "setarrayitem_gc(p0, 2, p8, descr=<ArrayP 8 base=24>)\n"
               "i9 = arraylen_gc(p0, descr=<ArrayP 8 base=24>)\n"
               "increment_debug_counter(i9)\n"
               "enter_portal_frame(4, 0)\n"
               "leave_portal_frame(4)\n"
               "py_incref(p8)\n"
               "jump(p0, i2, descr=TargetToken(10))\n",
               NULL, failed_);
    round_trip("[p0, i1, f2, p3]\n"
               "guard_nonnull(p3) [p0, i1, f2, p3]\n"
               "guard_isnull(p0) [p0, i1, f2, p3]\n"
               "i4 = ptr_eq(p0, p3)\n"
               "i5 = instance_ptr_eq(p0, ConstPtr(null))\n"
               "i6 = int_mul_ovf(i4, i5)\n"
               "guard_overflow() [i6]\n"
               "finish(i6)\n",
               NULL, failed_);
}

TEST(ir_parse_shares_snapshots_and_skips_noise)
{
    char err[256];
    ir_trace *t = ir_parse("# Loop 1 (f) : loop with 3 ops\n"
                           "[p0, i1]   # inputs\n"
                           "\n"
                           "   guard_true(i1) [p0, i1]\n"
                           "guard_false(i1) [p0, i1]\n"
                           "guard_true(i1) [p0, None]\n"
                           "guard_nonnull(p0)\n"
                           "+40: --end of the loop--\n",
                           NULL, err, sizeof err);
    CHECK(t != NULL);
    if (t == NULL)
        return;
    CHECK_EQ_INT(t->nops, 6);
    CHECK_EQ_INT(t->ops[2].snap, t->ops[3].snap); /* same fail args: shared */
    CHECK(t->ops[4].snap != t->ops[3].snap);
    CHECK_EQ_INT(t->ops[5].snap, -1);
    CHECK_EQ_INT(t->nsnaps, 2);
    CHECK(ir_verify(t, err, sizeof err) < 0); /* guard_nonnull has no snapshot */
    CHECK_STR(err, "op 5 (guard_nonnull): guard without a snapshot");
    ir_trace_free(t);
}

/* ---- verifying ---- */

static const char *verify_error(const char *text)
{
    static char err[256];
    ir_trace *t = ir_parse(text, NULL, err, sizeof err);
    if (t == NULL)
        return err;
    ir_verify(t, err, sizeof err);
    ir_trace_free(t);
    return err;
}

TEST(ir_verify_catches_broken_traces)
{
    CHECK_STR(verify_error("[i0]\ni1 = int_add_ovf(i0, 1)\nguard_no_overflow() [i0]\njump(i1)\n"), "");
    CHECK_STR(verify_error("[i0]\ni1 = int_add_ovf(i0, 1)\ni2 = int_neg(i1)\n"),
              "op 1 (int_add_ovf): must be followed by guard_no_overflow/guard_overflow");
    CHECK_STR(verify_error("[i0]\njump(i0)\ni1 = int_neg(i0)\n"), "op 1 (jump): must be the last op");
    CHECK_STR(verify_error("[i0]\ni1 = int_neg(i0)\nguard_no_overflow() [i0]\n"), "op 2 (guard_no_overflow): must follow an _ovf op");
    CHECK_STR(verify_error("[p0]\ni1 = getfield_gc_i(p0)\n"), "op 1 (getfield_gc_i): needs a descr of kind 0");
    CHECK_STR(verify_error("[p0]\ni1 = getfield_gc_i(p0, descr=<ArrayS 8>)\n"), "op 1 (getfield_gc_i): needs a descr of kind 0");
    CHECK_STR(verify_error("[i0]\ni1 = call_i(ConstClass(f), i0, descr=<Calli 8 i EF=2>)\n"), "");
    CHECK_STR(verify_error("[p0]\ni1 = call_i(ConstClass(f), p0, descr=<Calli 8 i EF=2>)\n"),
              "op 1 (call_i): arg 1 does not match the descr's types 'i'");
    CHECK_STR(verify_error("[i0]\ni1 = call_i(ConstClass(f), i0, i0, descr=<Calli 8 i EF=2>)\n"),
              "op 1 (call_i): arg 2 does not match the descr's types 'i'");
    CHECK_STR(verify_error("[i0]\ni1 = call_i(ConstClass(f), descr=<Calli 8 i EF=2>)\n"), "op 1 (call_i): descr wants 2 args");
    CHECK_STR(verify_error("[i0]\ni1 = call_i(ConstClass(f), i0, descr=<Callr 8 i EF=2>)\n"),
              "op 1 (call_i): descr result type 'r' differs");
    CHECK_STR(verify_error("[i0]\nlabel(i0, descr=<ArrayS 8>)\n"), "op 1 (label): descr must be a target token");

    /* built by hand: forward refs and wrong snapshot kinds */
    char err[256];
    ir_trace *t = ir_trace_new();
    ir_ref i0 = ir_input(t, 'i');
    ir_ref a = IR_EMIT(t, IR_int_neg, -1, i0);
    ir_set_arg(t, a, 0, a + 1);
    IR_EMIT(t, IR_int_neg, -1, i0);
    CHECK_EQ_INT(ir_verify(t, err, sizeof err), -1);
    CHECK_STR(err, "op 1 (int_neg): arg 0 is not an earlier value or a constant");
    ir_set_arg(t, a, 0, i0);
    CHECK_EQ_INT(ir_verify(t, err, sizeof err), 0);
    ir_snap_begin(t);
    ir_snap_frame(t, NULL, 0, 1)[0] = (ir_slot){i0, IR_BOX_FLOAT};
    IR_GUARD(t, IR_guard_true, ir_snap_end(t), i0);
    CHECK_EQ_INT(ir_verify(t, err, sizeof err), -1);
    CHECK_STR(err, "op 3 (guard_true): snapshot frame 0 slot 0 is invalid (kind 3, type i)");
    ir_trace_free(t);
}

/* ---- comparing texts ---- */

TEST(ir_text_equiv_renames_consistently)
{
    char why[256];
    CHECK(ir_text_equiv("[i0]\ni1 = int_add(i0, 1)\njump(i1)\n",
                        "# expected\n[i5]\n  +12: i9 = int_add(i5, 1)\n\njump( i9 )\n--end of the loop--\n", why, sizeof why));
    CHECK(!ir_text_equiv("[i0, i1]\ni2 = int_add(i0, i1)\n", "[i0, i1]\ni2 = int_add(i0, i0)\n", why, sizeof why));
    CHECK_STR(why, "line 2: 'i2 = int_add(i0, i1)' vs line 2: 'i2 = int_add(i0, i0)'");
    CHECK(!ir_text_equiv("[i0, i1]\n", "[i0, i0]\n", why, sizeof why)); /* not one-to-one */
    CHECK(!ir_text_equiv("[i0]\n", "[p0]\n", why, sizeof why));           /* types differ */
    CHECK(!ir_text_equiv("[i0]\ni1 = int_neg(i0)\n", "[i0]\n", why, sizeof why));
    CHECK_STR(why, "line 2: 'i1 = int_neg(i0)' vs line 1: '(end)'");
    CHECK(ir_text_equiv("p1 = getfield_gc_r(p0, descr=<FieldP a.i3 8>)\n",
                        "p7 = getfield_gc_r(p2, descr=<FieldP a.i3 8>)\n", why, sizeof why));
    CHECK(!ir_text_equiv("debug_merge_point(0, 0, 'a i1')\n", "debug_merge_point(0, 0, 'a i2')\n", why, sizeof why));
}
