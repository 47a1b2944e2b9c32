/* ir: the trace -- a linear SSA list of PyPy-named operations (ops.def),
 * its constant pool, descriptors, guard snapshots and debug records; plus
 * the PyPy-format printer (ir_print.c), its parser (ir_parse.c), a checker
 * (ir_verify.c) and a text comparison modulo renaming (ir_equiv.c).
 * Knows nothing of CPython frames or x86: Python objects are void *.
 *
 * Refs: an ir_ref >= 0 is the index of an op in the trace (its result);
 * an ir_ref <= -2 is a constant (IR_CONST(k) <-> pool index k); IR_NONE
 * (-1) is "no value" (an empty snapshot slot).
 *
 * Memory: every table grows on demand. An allocation failure makes the
 * trace "failed" (sticky, ir_failed()); further calls then do nothing and
 * return IR_NONE / -1, so a recorder checks once at the end. Strings
 * (names, reprs) are copied into the trace. */
#ifndef JIT_IR_H
#define JIT_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the op table ---- */
enum {
#define IR_OP(name, arity, type, flags) IR_##name,
#include "ops.def"
#undef IR_OP
    IR_NOPS
};

enum {
    IR_F_PURE = 1u << 0,
    IR_F_NOSIDE = 1u << 1,
    IR_F_COMM = 1u << 2,
    IR_F_CMP = 1u << 3,
    IR_F_GUARD = 1u << 4,
    IR_F_OVF = 1u << 5,
    IR_F_CALL = 1u << 6,
    IR_F_FORCES = 1u << 7,
    IR_F_DESCR = 1u << 8,
    IR_F_READ = 1u << 9,
    IR_F_WRITE = 1u << 10,
    IR_F_ALLOC = 1u << 11,
    IR_F_NEWREF = 1u << 12,
    IR_F_FINAL = 1u << 13,
    IR_F_INPUT = 1u << 14,
    IR_F_DEBUG = 1u << 15,
    IR_F_OURS = 1u << 16,
};

typedef struct {
    const char *name; /* PyPy's name, e.g. "int_add_ovf" */
    int8_t arity;     /* -1: variable */
    char type;        /* 'i', 'r', 'f' or 'v' */
    uint32_t flags;   /* IR_F_* */
} ir_opinfo;

extern const ir_opinfo ir_opinfo_table[IR_NOPS];
const ir_opinfo *ir_op_info(int opnum); /* NULL when out of range */
int ir_op_lookup(const char *name, size_t len); /* -1 when unknown */
/* "removable when unused": PURE or NOSIDE */
static inline bool ir_op_removable(int opnum)
{
    return (ir_opinfo_table[opnum].flags & (IR_F_PURE | IR_F_NOSIDE)) != 0;
}

/* ---- refs ---- */
typedef int32_t ir_ref;
#define IR_NONE ((ir_ref)-1)
#define IR_CONST(k) ((ir_ref)(-2 - (k)))
#define IR_CONST_INDEX(ref) ((int)(-2 - (ref)))
static inline bool ir_is_op(ir_ref r) { return r >= 0; }
static inline bool ir_is_const(ir_ref r) { return r <= -2; }

/* ---- constants ---- */
/* Printing: an int with a name prints as ConstClass(name) (function and
 * class addresses, as in PyPy), else as a bare number; a ref prints as
 * ConstPtr(name), ConstPtr(null) or ConstPtr(ptrK) (K = pool index); a
 * float prints as PyPy's "%f" when that reads back exactly, else in the
 * shortest exact form. A ref constant is a PyObject* that the compiled
 * loop must keep alive; ConstClass addresses of heap types must be kept
 * alive by whoever emits them. Equal constants share one pool entry. */
typedef struct {
    char type; /* 'i', 'r' or 'f' */
    union {
        int64_t i;
        double f;
        void *p;
    } v;
    const char *name; /* NULL or owned copy */
} ir_const;

/* ---- descriptors ---- */
typedef enum {
    IR_DESCR_FIELD,  /* <FieldS name offset[ pure]>; ours: [ size=N] when size != 8 */
    IR_DESCR_ARRAY,  /* <ArrayP itemsize>; ours: [ base=N] when base offset != 0 */
    IR_DESCR_CALL,   /* <Calli 8 ii EF=5[ OS=n]>; ours: [ borrowed][ releasegil] */
    IR_DESCR_SIZE,   /* <SizeDescr size[ name]>: new/new_with_vtable, ptr = class */
    IR_DESCR_TARGET, /* TargetToken(id): label / jump / call_assembler */
    IR_DESCR_GUARD,  /* <Guard0x%x>: optional identity of a guard */
} ir_descr_kind;

/* call descr flags; PyPy's EF=n (effect info) is derived from them when
 * printing and read back into them when parsing. */
enum {
    IR_CALL_CAN_RAISE = 1u << 0,      /* may set a Python exception */
    IR_CALL_ELIDABLE = 1u << 1,       /* same args give same result, no effects */
    IR_CALL_MAY_FORCE = 1u << 2,      /* may run Python code / look at frames (EF=6) */
    IR_CALL_RANDOM_EFFECTS = 1u << 3, /* EF=7 */
    IR_CALL_LOOPINVARIANT = 1u << 4,  /* same result in every iteration (EF=1) */
    IR_CALL_MEMERROR_ONLY = 1u << 5,  /* can raise MemoryError only (with ELIDABLE: EF=3) */
    IR_CALL_RELEASES_GIL = 1u << 6,   /* ours */
    IR_CALL_BORROWED = 1u << 7,       /* ours: the r result is a borrowed ref */
};
/* oopspec values (ours, far above PyPy's OS_* numbers): helpers the
 * optimiser knows */
enum { IR_OS_NONE = 0, IR_OS_BOX_INT = 200, IR_OS_BOX_FLOAT = 201 };

typedef struct {
    ir_descr_kind kind;
    char flag;            /* field/array item: 'P' ref, 'S' signed, 'U' unsigned,
                             'F' float; call: result type 'i','r','f','v' */
    bool pure;            /* field: immutable once the object exists */
    int32_t offset;       /* field offset; array base offset */
    int32_t size;         /* field size; item size; call result size; object size */
    uint32_t callflags;   /* IR_CALL_* */
    int32_t oopspec;      /* IR_OS_* */
    void *ptr;            /* call: function; size: class (type object) */
    uint64_t id;          /* target token / guard identity */
    const char *argtypes; /* call: one of 'i','r','f' per argument after the function */
    const char *name;     /* field name, helper name, class name */
} ir_descr;

/* ---- snapshots ---- */
/* How deopt rebuilds one frame slot from a trace value. */
typedef enum {
    IR_BOX_NONE,     /* empty slot (NULL); ref is IR_NONE */
    IR_BOX_INT,      /* an i value: box as int */
    IR_BOX_BOOL,     /* an i value 0/1: Py_False / Py_True */
    IR_BOX_FLOAT,    /* an f value: box as float */
    IR_BOX_BORROWED, /* an r value the trace does not own: incref to store */
    IR_BOX_OWNED,    /* an r value the trace owns: the slot takes it */
} ir_boxkind;

typedef struct {
    ir_ref ref;
    uint8_t kind; /* ir_boxkind */
} ir_slot;

/* One interpreter frame: code object, bytecode offset to resume at, and
 * its slots (the frontend's layout, e.g. localsplus then the value stack). */
typedef struct {
    void *code;
    int32_t pc;
    int32_t nslots;
    uint32_t slot0; /* index of its first slot in trace->slots */
    uint32_t flags; /* the frontend's, opaque to the IR (ir_snap_frame_flags) */
} ir_frame;

/* A stack of frames, outermost first. */
typedef struct {
    uint32_t frame0;
    uint32_t nframes;
} ir_snap;

/* ---- debug_merge_point records ---- */
typedef struct {
    void *code;
    int32_t pc;
    int32_t call_depth;
    int32_t call_id;
    const char *repr; /* owned copy, e.g. "f;x.py:3-4~#12 LOAD_FAST" */
} ir_dbg;

/* ---- ops and the trace ---- */
typedef struct {
    uint16_t opnum;
    uint16_t nargs;
    uint32_t args;     /* index of the first arg in trace->args */
    int32_t descr;     /* index in trace->descrs, or -1 */
    int32_t snap;      /* guards: index in trace->snaps, or -1 */
    int32_t dbg;       /* debug_merge_point: index in trace->dbgs, or -1 */
    int32_t vnum;      /* printed number of the result (i3, p3, f3); -1 if none */
    int32_t mc_offset; /* machine-code offset, filled by the backend; -1 */
} ir_op;

typedef struct ir_trace {
    ir_op *ops;
    int nops, ninputs; /* ops[0 .. ninputs-1] are the inputarg_* pseudo-ops */
    ir_ref *args;
    int nargs;
    ir_const *consts;
    int nconsts;
    ir_descr *descrs;
    int ndescrs;
    ir_snap *snaps;
    int nsnaps;
    ir_frame *frames;
    int nframes;
    ir_slot *slots;
    int nslots;
    ir_dbg *dbgs;
    int ndbgs;
    int next_vnum;
    bool failed;
    int snap_open; /* first frame of the snapshot being built, or -1 */
    /* capacities, const hash, owned strings: private */
    int cap_ops, cap_args, cap_consts, cap_descrs, cap_snaps, cap_frames, cap_slots, cap_dbgs;
    int32_t *chash;
    int chash_cap;
    char **strs;
    int nstrs, cap_strs;
} ir_trace;

ir_trace *ir_trace_new(void);
void ir_trace_free(ir_trace *t);
static inline bool ir_failed(const ir_trace *t) { return t->failed; }

/* Input arguments come before any other op. type: 'i', 'r' or 'f'. */
ir_ref ir_input(ir_trace *t, char type);

/* Emits an op; returns its ref (IR_NONE on failure). descr: -1 or an index
 * from ir_descr_add. Arity is checked against the table. */
ir_ref ir_emit(ir_trace *t, int opnum, const ir_ref *args, int nargs, int descr);
/* IR_EMIT(t, opnum, descr, args...) for one or more args. */
#define IR_EMIT(t, opnum, descr, ...)                                      \
    ir_emit((t), (opnum), (const ir_ref[]){__VA_ARGS__},                   \
            (int)(sizeof((const ir_ref[]){__VA_ARGS__}) / sizeof(ir_ref)), (descr))
#define IR_EMIT0(t, opnum, descr) ir_emit((t), (opnum), NULL, 0, (descr))
/* A guard with its snapshot (index from ir_snap_end, or -1). */
ir_ref ir_emit_guard(ir_trace *t, int opnum, const ir_ref *args, int nargs, int snap);
#define IR_GUARD(t, opnum, snap, ...)                                      \
    ir_emit_guard((t), (opnum), (const ir_ref[]){__VA_ARGS__},             \
                  (int)(sizeof((const ir_ref[]){__VA_ARGS__}) / sizeof(ir_ref)), (snap))
#define IR_GUARD0(t, opnum, snap) ir_emit_guard((t), (opnum), NULL, 0, (snap))
/* debug_merge_point(call_depth, call_id, 'repr') */
ir_ref ir_debug_merge_point(ir_trace *t, void *code, int pc, int call_depth,
                            int call_id, const char *repr);

/* Constants (deduplicated). */
ir_ref ir_const_int(ir_trace *t, int64_t v);
ir_ref ir_const_float(ir_trace *t, double v);
ir_ref ir_const_ptr(ir_trace *t, void *p);
ir_ref ir_const_ptr_named(ir_trace *t, void *p, const char *name); /* ConstPtr(name) */
ir_ref ir_const_class(ir_trace *t, void *addr, const char *name);  /* ConstClass(name) */

/* Descriptors: copies *d (and its strings); equal descrs share an index. */
int ir_descr_add(ir_trace *t, const ir_descr *d);

/* Snapshots: begin, add frames outermost first and fill each frame's slots
 * (the pointer stays valid until the next ir_snap_* call), end. ir_snap_end
 * returns the snapshot index; when the new snapshot equals the last one,
 * it is dropped and the last index is returned, so consecutive guards
 * with nothing changed in between share a snapshot. */
void ir_snap_begin(ir_trace *t);
ir_slot *ir_snap_frame(ir_trace *t, void *code, int pc, int nslots);
/* Sets the flags of the frame ir_snap_frame just added. */
void ir_snap_frame_flags(ir_trace *t, uint32_t flags);
int ir_snap_end(ir_trace *t);

/* ---- accessors ---- */
static inline ir_op *ir_op_at(const ir_trace *t, ir_ref r) { return &t->ops[r]; }
static inline int ir_opnum(const ir_trace *t, ir_ref r) { return t->ops[r].opnum; }
static inline int ir_nargs(const ir_trace *t, ir_ref r) { return t->ops[r].nargs; }
static inline ir_ref ir_arg(const ir_trace *t, ir_ref r, int i) { return t->args[t->ops[r].args + i]; }
static inline void ir_set_arg(ir_trace *t, ir_ref r, int i, ir_ref v) { t->args[t->ops[r].args + i] = v; }
static inline const ir_const *ir_const_at(const ir_trace *t, ir_ref r) { return &t->consts[IR_CONST_INDEX(r)]; }
static inline const ir_descr *ir_descr_at(const ir_trace *t, int d) { return d >= 0 ? &t->descrs[d] : NULL; }
static inline const ir_descr *ir_op_descr(const ir_trace *t, ir_ref r) { return ir_descr_at(t, t->ops[r].descr); }
static inline const ir_snap *ir_snap_at(const ir_trace *t, int s) { return s >= 0 ? &t->snaps[s] : NULL; }
static inline const ir_frame *ir_snap_frame_at(const ir_trace *t, int s, int i) { return &t->frames[t->snaps[s].frame0 + i]; }
static inline ir_slot *ir_frame_slots(const ir_trace *t, const ir_frame *f) { return &t->slots[f->slot0]; }
static inline const ir_dbg *ir_op_dbg(const ir_trace *t, ir_ref r) { return t->ops[r].dbg >= 0 ? &t->dbgs[t->ops[r].dbg] : NULL; }
/* Type of a value: 'i', 'r', 'f' ('v' for a void op, 0 for IR_NONE). */
char ir_ref_type(const ir_trace *t, ir_ref r);
/* Iteration: for (ir_ref r = ir_first(t); r < t->nops; r++) skips the inputs. */
static inline ir_ref ir_first(const ir_trace *t) { return t->ninputs; }

/* ---- printing (ir_print.c): PyPy's text format ---- */
enum {
    IR_PRINT_OFFSETS = 1u << 0,  /* "+123: " before ops with a machine-code offset */
    IR_PRINT_NO_INPUTS = 1u << 1, /* omit the "[i0, p1]" line */
};
/* The whole trace, one op per line; malloc'd, NULL on failure. */
char *ir_print(const ir_trace *t, unsigned flags);
/* One op, as ResOperation.__repr__ / the log show it; malloc'd. */
char *ir_op_repr(const ir_trace *t, ir_ref r, unsigned flags);
/* A descr as PyPy prints it (e.g. "<FieldP name 8>"); returns the length
 * it needs (snprintf-like). */
int ir_descr_repr(const ir_descr *d, char *buf, size_t size);

/* ---- parsing (ir_parse.c) ---- */
typedef struct { const char *name; ir_descr descr; } ir_named_descr;
typedef struct { const char *name; void *ptr; } ir_named_ptr;
typedef struct {
    const ir_named_descr *descrs; /* descr=name; array ends with name NULL */
    const ir_named_ptr *ptrs;     /* ConstPtr(name), ConstClass(name) */
} ir_parse_env;
/* Parses PyPy's text format into a new trace (see ir_parse.c for the
 * accepted forms). On error returns NULL and writes "line N: message"
 * into err. env may be NULL. */
ir_trace *ir_parse(const char *text, const ir_parse_env *env, char *err, size_t errsize);

/* ---- checking (ir_verify.c) ---- */
/* Checks SSA order, arities, arg types, descr kinds, guard snapshots and
 * ovf/guard pairing. Returns 0, or -1 with "op N (name): message" in err. */
int ir_verify(const ir_trace *t, char *err, size_t errsize);

/* ---- comparing texts (ir_equiv.c) ---- */
/* True when two trace texts are equal up to a consistent one-to-one
 * renaming of variables (i3, p5, f7), whitespace, blank and comment lines
 * and "+N: " offsets. On a difference, describes the first one in why. */
bool ir_text_equiv(const char *a, const char *b, char *why, size_t whysize);

#endif
