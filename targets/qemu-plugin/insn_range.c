/*
 * QEMU TCG plugin: counts guest instructions executed between two marker addresses.
 *
 *   -plugin libinsn_range.so,begin=0xADDR,end=0xADDR[,stack_lo=0xADDR,stack_hi=0xADDR][,out=FILE]
 *
 * Counting is on from the execution of the instruction at `begin` (included) until the execution
 * of the instruction at `end` (excluded); several begin/end pairs accumulate. The addresses are
 * those of two noinline marker functions (tt_bench_begin / tt_bench_end) taken from nm; bit 0 (the
 * Thumb bit) is ignored. Exact: a translation block that contains a marker is counted instruction
 * by instruction, any other block with one callback per execution. At exit it writes
 *   plugin.insns=N
 *   plugin.pairs=P
 * to FILE, or to QEMU's log (-d plugin) when no file is given.
 *
 * With stack_lo/stack_hi (the stack region, e.g. _stack_limit and _estack from nm) it also
 * watches every guest store while counting and writes
 *   plugin.stack_peak=B
 * the bytes between stack_hi and the lowest stack address stored to inside the measured regions:
 * the stack high-water mark of the measured code, including the frames of its callers.
 *
 * Instructions, not cycles: QEMU models no Cortex-M0 pipeline timing.
 * Single vCPU (the boards here have one); the counters are not atomic.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static uint64_t begin_addr = UINT64_MAX;
static uint64_t end_addr = UINT64_MAX;
static char *out_path;

static uint64_t stack_lo = UINT64_MAX, stack_hi = UINT64_MAX, stack_min = UINT64_MAX;

static char *profile_path; /* profile=PATH: instructions per translation block (address, count) */
static GHashTable *profile;  /* tb vaddr -> executed instructions while active */

static int active;
static uint64_t insns;
static uint64_t pairs;

static void on_begin(unsigned int vcpu, void *udata) {
  (void)vcpu;
  (void)udata;
  active = 1;
}

static void on_end(unsigned int vcpu, void *udata) {
  (void)vcpu;
  (void)udata;
  if (active) ++pairs;
  active = 0;
}

static void on_insn(unsigned int vcpu, void *udata) {
  (void)vcpu;
  (void)udata;
  if (active) ++insns;
}

static void on_tb(unsigned int vcpu, void *udata) {
  (void)vcpu;
  if (active) insns += (uint64_t)(uintptr_t)udata;
}

struct tb_info {
  uint64_t vaddr, n, count;
};

static void on_tb_profile(unsigned int vcpu, void *udata) {
  (void)vcpu;
  struct tb_info *t = udata;
  if (active) {
    insns += t->n;
    t->count += t->n;
  }
}

static void on_store(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata) {
  (void)vcpu;
  (void)info;
  (void)udata;
  if (active && vaddr >= stack_lo && vaddr < stack_hi && vaddr < stack_min) stack_min = vaddr;
}

static void on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  (void)id;
  size_t n = qemu_plugin_tb_n_insns(tb);
  if (stack_lo != UINT64_MAX)
    for (size_t i = 0; i < n; ++i)
      qemu_plugin_register_vcpu_mem_cb(qemu_plugin_tb_get_insn(tb, i), on_store, QEMU_PLUGIN_CB_NO_REGS,
                                       QEMU_PLUGIN_MEM_W, NULL);
  int has_marker = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t pc = qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, i)) & ~(uint64_t)1;
    if (pc == begin_addr || pc == end_addr) has_marker = 1;
  }
  if (!has_marker) {
    if (profile) {
      uint64_t va = qemu_plugin_tb_vaddr(tb);
      struct tb_info *t = g_hash_table_lookup(profile, &va);
      if (!t) {
        t = g_new0(struct tb_info, 1);
        t->vaddr = va;
        t->n = n;
        g_hash_table_insert(profile, &t->vaddr, t);
      }
      qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb_profile, QEMU_PLUGIN_CB_NO_REGS, t);
      return;
    }
    qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb, QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)n);
    return;
  }
  /* Callbacks on one instruction run in registration order: marker first, then the count. */
  for (size_t i = 0; i < n; ++i) {
    struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
    uint64_t pc = qemu_plugin_insn_vaddr(insn) & ~(uint64_t)1;
    if (pc == begin_addr)
      qemu_plugin_register_vcpu_insn_exec_cb(insn, on_begin, QEMU_PLUGIN_CB_NO_REGS, NULL);
    if (pc == end_addr)
      qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, QEMU_PLUGIN_CB_NO_REGS, NULL);
    qemu_plugin_register_vcpu_insn_exec_cb(insn, on_insn, QEMU_PLUGIN_CB_NO_REGS, NULL);
  }
}

static void on_plugin_exit(qemu_plugin_id_t id, void *udata) {
  (void)id;
  (void)udata;
  char line[160];
  int k = snprintf(line, sizeof line, "plugin.insns=%" PRIu64 "\nplugin.pairs=%" PRIu64 "\n", insns, pairs);
  if (stack_lo != UINT64_MAX && k > 0 && (size_t)k < sizeof line)
    snprintf(line + k, sizeof line - (size_t)k, "plugin.stack_peak=%" PRIu64 "\n",
             stack_min == UINT64_MAX ? 0 : stack_hi - stack_min);
  if (profile_path) {
    FILE *f = fopen(profile_path, "w");
    if (f) {
      GHashTableIter it;
      gpointer key, val;
      g_hash_table_iter_init(&it, profile);
      while (g_hash_table_iter_next(&it, &key, &val)) {
        const struct tb_info *t = val;
        if (t->count) fprintf(f, "%" PRIx64 " %" PRIu64 " %" PRIu64 "\n", t->vaddr, t->n, t->count);
      }
      fclose(f);
    }
  }
  if (out_path) {
    FILE *f = fopen(out_path, "w");
    if (f) {
      fputs(line, f);
      fclose(f);
    }
  } else {
    qemu_plugin_outs(line);
  }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv) {
  (void)info;
  for (int i = 0; i < argc; ++i) {
    const char *a = argv[i];
    if (strncmp(a, "begin=", 6) == 0) {
      begin_addr = strtoull(a + 6, NULL, 0) & ~(uint64_t)1;
    } else if (strncmp(a, "end=", 4) == 0) {
      end_addr = strtoull(a + 4, NULL, 0) & ~(uint64_t)1;
    } else if (strncmp(a, "stack_lo=", 9) == 0) {
      stack_lo = strtoull(a + 9, NULL, 0);
    } else if (strncmp(a, "stack_hi=", 9) == 0) {
      stack_hi = strtoull(a + 9, NULL, 0);
    } else if (strncmp(a, "out=", 4) == 0) {
      out_path = g_strdup(a + 4);
    } else if (strncmp(a, "profile=", 8) == 0) {
      profile_path = g_strdup(a + 8);
      profile = g_hash_table_new(g_int64_hash, g_int64_equal);
    } else {
      fprintf(stderr, "insn_range: unknown argument '%s'\n", a);
      return -1;
    }
  }
  if (begin_addr == UINT64_MAX || end_addr == UINT64_MAX) {
    fprintf(stderr, "insn_range: need begin=ADDR and end=ADDR\n");
    return -1;
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_trans);
  qemu_plugin_register_atexit_cb(id, on_plugin_exit, NULL);
  return 0;
}
