/*
 * QEMU TCG plugin: counts guest instructions executed between two marker addresses.
 *
 *   -plugin libinsn_range.so,begin=0xADDR,end=0xADDR[,out=FILE]
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

static void on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  (void)id;
  size_t n = qemu_plugin_tb_n_insns(tb);
  int has_marker = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t pc = qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, i)) & ~(uint64_t)1;
    if (pc == begin_addr || pc == end_addr) has_marker = 1;
  }
  if (!has_marker) {
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
  char line[96];
  snprintf(line, sizeof line, "plugin.insns=%" PRIu64 "\nplugin.pairs=%" PRIu64 "\n", insns, pairs);
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
    } else if (strncmp(a, "out=", 4) == 0) {
      out_path = g_strdup(a + 4);
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
